// libFuzzer: the .npy reader, as an array and as an input image. Any bytes give an array or a
// one-line IoError (or a MemoryError) naming the file; nothing is allocated before the header
// has been checked against the file's size and the memory budget.

#include "convscope/image_io.hpp"
#include "convscope/memory_budget.hpp"
#include "convscope/npy.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

using namespace convscope;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    set_memory_budget(256'000'000);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> bytes(data, size);
    try {
        const NpyArray array = parse_npy(bytes, "fuzz.npy");
        std::size_t count = 1;
        for (std::size_t d : array.shape)
            count *= d;
        if (count != array.values.size())
            __builtin_trap(); // the shape does not describe the values
    } catch (const IoError&) {
    } catch (const MemoryError&) {
    }
    for (InputMode mode : {InputMode::Gray, InputMode::Rgb}) {
        try {
            const Tensor t = decode_input(bytes, "fuzz.npy", mode);
            if (t.channels() != channel_count(mode) || t.empty())
                __builtin_trap();
        } catch (const IoError&) {
        } catch (const MemoryError&) {
        }
    }
    return 0;
}
