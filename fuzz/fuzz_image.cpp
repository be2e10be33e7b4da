// libFuzzer: image loading (header reading, then OpenCV's decoders, then the conversion into a
// tensor). Any bytes give a tensor or a one-line IoError (or a MemoryError); an image whose
// header states its size decodes to that size, since `info` reports the size from the header
// alone.

#include "convscope/image_io.hpp"
#include "convscope/memory_budget.hpp"

#include "io/image_header.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

using namespace convscope;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    set_memory_budget(256'000'000);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> bytes(data, size);
    const std::optional<ImageHeader> header = read_image_header(bytes);
    // Both input modes, one per input (the decoder's work is the same for both).
    const InputMode mode = size % 2 ? InputMode::Gray : InputMode::Rgb;
    try {
        const Tensor t = decode_input(bytes, "fuzz-image", mode);
        if (t.channels() != channel_count(mode) || t.empty())
            __builtin_trap();
        if (header && header->has_size() &&
            (t.width() != header->width || t.height() != header->height))
            __builtin_trap(); // `info` would report another size than `run` uses
    } catch (const IoError&) {
    } catch (const MemoryError&) {
    }
    return 0;
}
