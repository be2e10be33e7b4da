#pragma once
// Loading an input image (or a NumPy array) into a tensor with values in [0, 1].

#include "convscope/pipeline.hpp"
#include "convscope/tensor.hpp"

#include <stdexcept>
#include <string>

namespace convscope {

// A file that cannot be read, decoded or written; the message names the file and the problem.
class IoError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Any format OpenCV decodes. "gray": one channel with OpenCV's BGR→gray weights (a one-channel
// image is taken as is); "rgb": three channels in R, G, B order. Values are pixel / 255 (16-bit
// images: / 65535). An alpha channel is ignored. A ".npy" file of float32/float64 with shape
// (H, W), (C, H, W) or (1, C, H, W) is taken as is (gray: it must have one channel; rgb: three).
Tensor load_input(const std::string& path, InputMode mode);

// True when OpenCV can decode files with this name's extension.
bool is_readable_image_name(const std::string& path);

} // namespace convscope
