// libFuzzer: the pipeline reader, and what follows a read. Any bytes give a pipeline or a
// one-line PipelineError (or a MemoryError), never a crash, a hang or memory beyond the budget;
// a pipeline that reads back from its own serialisation must be the same pipeline. A pipeline
// that reads is then planned on a small input (shape arithmetic on hostile sizes), its memory
// estimated, and, when it is cheap enough, run on both backends.

#include "convscope/fast_backend.hpp"
#include "convscope/memory_budget.hpp"
#include "convscope/naive_backend.hpp"
#include "convscope/pipeline_json.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

using namespace convscope;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    set_memory_budget(256'000'000);
    return 0;
}

namespace {

void plan_and_run(const Pipeline& pipeline) {
    const Shape input{channel_count(pipeline.input_mode), 37, 29};
    const PipelinePlan plan = plan_pipeline(pipeline, input);
    RunOptions options;
    options.layer_count = plan.runnable();
    FastBackend fast;
    const MemoryEstimate estimate = fast.estimate_memory(pipeline, input, options);
    double flops = 0;
    for (int i = 0; i < plan.runnable(); ++i) {
        const Layer& layer = pipeline.layers[static_cast<std::size_t>(i)];
        const int source = input_index(layer, i, 0);
        flops += layer_cost(layer, source == kPipelineInput ? input : plan.shapes[source],
                            plan.shapes[static_cast<std::size_t>(i)])
                     .flops;
    }
    // Small enough to run many times a second: any shape, stride, padding. The naive backend
    // (textbook loops, about 150 ms per million FLOPs under ASan and coverage) only on the
    // cheaper ones: at 4e6 FLOPs a unit took 0.7 s, which on a shared, loaded machine (the
    // campaign runs at nice 19) passed libFuzzer's 10 s timeout without any hang.
    if (flops > 4e6 || estimate.total() > 64'000'000)
        return;
    Tensor t(input);
    for (int c = 0; c < input.channels; ++c)
        for (int y = 0; y < input.height; ++y)
            for (int x = 0; x < input.width; ++x)
                t.row(c, y)[x] = static_cast<float>((x * 7 + y * 13 + c * 5) % 17) / 16.0f - 0.5f;
    (void)fast.run(pipeline, t, options);
    if (flops > 1e6)
        return;
    NaiveBackend naive;
    (void)naive.run(pipeline, t, options);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const Pipeline pipeline = parse_pipeline(text);
        if (!(parse_pipeline(serialize_pipeline(pipeline)) == pipeline))
            __builtin_trap(); // a file that changes when saved
        plan_and_run(pipeline);
    } catch (const PipelineError&) {
    } catch (const MemoryError&) {
    }
    return 0;
}
