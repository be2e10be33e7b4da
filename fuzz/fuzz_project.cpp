// libFuzzer: the project reader (.convscope). Any bytes give a project or a one-line
// ProjectError (or a MemoryError); a project that reads back from its own serialisation keeps
// its pipeline and view settings.

#include "convscope/memory_budget.hpp"
#include "convscope/project.hpp"

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
    const std::string dir = "/nonexistent/fuzz/projects";
    try {
        const Project project = parse_project(text, dir);
        const Project back = parse_project(serialize_project(project, dir), dir);
        if (!(back.pipeline == project.pipeline) || back.view_json != project.view_json ||
            back.embedded_image != project.embedded_image)
            __builtin_trap(); // a project that changes when saved
    } catch (const ProjectError&) {
    } catch (const MemoryError&) {
    }
    return 0;
}
