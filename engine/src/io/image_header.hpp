#pragma once
// What an image file says about itself before it is decoded: its format and, where the format
// states it up front, its size. This lets ConvScope refuse an image too large for the memory
// budget before the decoder allocates it, answer `info` without decoding, and hand to OpenCV
// only files in the formats ConvScope means to read (OpenCV picks its decoder by content, and
// Debian's build includes decoders, such as DICOM, that no user of ConvScope needs exposed).

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace convscope {

struct ImageHeader {
    std::string format; // "PNG", "JPEG", "TIFF", ...
    // The size and sample layout as the decoder will produce it, when the header states them
    // (0: unknown until decoded).
    std::int64_t width = 0;
    std::int64_t height = 0;
    int channels = 0;         // 0: unknown (at most 4)
    int bytes_per_sample = 0; // 0: unknown (at most 4)
    // False when the file visibly ends before the image does (a JPEG without its end marker).
    // Decoders fill what is missing with grey without a word when they decode from memory.
    bool complete = true;

    bool has_size() const { return width > 0 && height > 0; }
    // An upper bound of the bytes the decoded pixels take.
    std::uint64_t decoded_bytes() const;
};

// The format of `bytes` by its signature, with its size when the header holds it; nullopt when
// the bytes are not in a format ConvScope reads. Never reads outside `bytes`.
std::optional<ImageHeader> read_image_header(std::span<const std::uint8_t> bytes);

} // namespace convscope
