// libFuzzer: the ONNX importer. Any bytes give an imported pipeline or a one-line OnnxError (or
// a MemoryError), never a crash, a hang or memory beyond the budget. An imported pipeline must
// be whole (a tensor and a node for every layer), with one line per warning, and, when small,
// must run on the naive backend at the size the model declares.

#include "convscope/memory_budget.hpp"
#include "convscope/naive_backend.hpp"
#include "convscope/onnx_import.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

using namespace convscope;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    set_memory_budget(256'000'000);
    return 0;
}

namespace {

// Runs the pipeline when its input and work are small (so a run cannot hang the fuzzer).
void run_if_small(const OnnxImport& imported) {
    const auto& dims = imported.model.input_dims;
    if (dims.size() != 4 || dims[2] <= 0 || dims[3] <= 0 || dims[1] * dims[2] * dims[3] > 4096)
        return;
    const Shape input{static_cast<int>(dims[1]), static_cast<int>(dims[2]),
                      static_cast<int>(dims[3])};
    const std::vector<Shape> shapes = infer_shapes(imported.pipeline, input); // checked at import
    double flops = 0;
    for (std::size_t i = 0; i < shapes.size(); ++i) {
        const Layer& layer = imported.pipeline.layers[i];
        const int from = input_index(layer, static_cast<int>(i), 0);
        flops +=
            layer_cost(layer, from < 0 ? input : shapes[static_cast<std::size_t>(from)], shapes[i])
                .flops;
    }
    if (flops > 2e6)
        return;
    Tensor x(input);
    x.fill(0.5f);
    NaiveBackend backend;
    (void)backend.run(imported.pipeline, x);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        const OnnxImport imported =
            import_onnx_bytes(std::span<const std::uint8_t>(data, size), "fuzz.onnx");
        if (imported.pipeline.layers.empty() ||
            imported.layer_tensors.size() != imported.pipeline.layers.size() ||
            imported.layer_nodes.size() != imported.pipeline.layers.size())
            __builtin_trap(); // an import that does not account for its layers
        for (const std::string& warning : imported.warnings)
            if (warning.find('\n') != std::string::npos)
                __builtin_trap(); // a warning is one line too
        run_if_small(imported);
    } catch (const OnnxError& e) {
        if (std::strchr(e.what(), '\n') || std::strncmp(e.what(), "fuzz.onnx: ", 11) != 0)
            __builtin_trap(); // every error is one line naming the file
    } catch (const MemoryError&) {
    }
    return 0;
}
