#pragma once
// Loading an input image (or a NumPy array) into a tensor with values in [0, 1].

#include "convscope/pipeline.hpp"
#include "convscope/tensor.hpp"

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

namespace convscope {

// A file that cannot be read, decoded or written; the message names the file and the problem.
class IoError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The formats ConvScope reads, recognised by their content (the name's extension does not
// matter): PNG, JPEG, TIFF, BMP, WebP, PNM/PAM/PFM, Sun raster, Radiance HDR, OpenEXR and JPEG
// 2000 through OpenCV's decoders, and .npy arrays. "gray": one channel with OpenCV's BGR→gray
// weights (a one-channel image is taken as is); "rgb": three channels in R, G, B order. Values are
// pixel / 255 (16-bit images: / 65535). An alpha channel is ignored. A ".npy" file of
// float32/float64 with shape (H, W), (C, H, W) or (1, C, H, W) is taken as is (gray: it must have
// one channel; rgb: three).
//
// Hostile files are refused before they cost anything: an image whose header declares more
// pixels than the largest map (see map_limits.hpp) or than the memory budget allows is refused
// before it is decoded, and a damaged JPEG (one libjpeg had to patch up) is an error rather than
// a picture with invented pixels. Throws IoError naming the file, or MemoryError.
Tensor load_input(const std::string& path, InputMode mode);
// The same from a file's bytes in memory (an image embedded in a project); `name` names it in
// messages.
Tensor decode_input(std::span<const std::uint8_t> bytes, const std::string& name, InputMode mode);
// The shape load_input would give, from the file's header alone where the format states the
// size (every common format does); otherwise the image is decoded to find out.
Shape peek_input_shape(const std::string& path, InputMode mode);
Shape peek_input_shape(std::span<const std::uint8_t> bytes, const std::string& name,
                       InputMode mode);

// True when OpenCV can decode files with this name's extension.
bool is_readable_image_name(const std::string& path);

} // namespace convscope
