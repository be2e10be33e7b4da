#pragma once
// The largest maps ConvScope handles. Every size that comes from a file (an image's width and
// height, an array's shape) or from a layer's arithmetic (kernel, padding, dilation, stride) is
// checked against these in 64-bit arithmetic before it becomes a shape, so no size can overflow
// on its way to an allocation or a loop bound. The pixel limit matches OpenCV's own decoder
// limit, and keeps every offset within one map inside a 32-bit integer.

#include <cstdint>
#include <string>

namespace convscope {

inline constexpr std::int64_t kMaxMapSide = std::int64_t{1} << 20;   // 1,048,576 rows or columns
inline constexpr std::int64_t kMaxMapPixels = std::int64_t{1} << 30; // 1,073,741,824 per map
inline constexpr std::int64_t kMaxChannels = std::int64_t{1} << 24;  // 16,777,216 per layer

// Empty when a channels × height × width stack is within the limits; otherwise why it is not, as
// the end of a sentence: "is 3 × 2095967680 pixels: a map may have at most 1048576 columns".
std::string map_limit_problem(std::int64_t channels, std::int64_t height, std::int64_t width);

} // namespace convscope
