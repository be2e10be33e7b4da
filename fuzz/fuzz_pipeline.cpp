// libFuzzer: the pipeline reader. Any bytes give a pipeline or a one-line PipelineError (or a
// MemoryError), never a crash, a hang or memory beyond the budget; a pipeline that reads back
// from its own serialisation must be the same pipeline.

#include "convscope/memory_budget.hpp"
#include "convscope/pipeline_json.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

using namespace convscope;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    set_memory_budget(256'000'000);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const Pipeline pipeline = parse_pipeline(text);
        if (!(parse_pipeline(serialize_pipeline(pipeline)) == pipeline))
            __builtin_trap(); // a file that changes when saved
    } catch (const PipelineError&) {
    } catch (const MemoryError&) {
    }
    return 0;
}
