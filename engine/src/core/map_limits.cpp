#include "convscope/map_limits.hpp"

namespace convscope {

std::string map_limit_problem(std::int64_t channels, std::int64_t height, std::int64_t width) {
    const bool fits = height <= kMaxMapSide && width <= kMaxMapSide &&
                      (height <= 0 || width <= kMaxMapPixels / height) && channels <= kMaxChannels;
    if (fits)
        return {}; // the common case allocates nothing: shapes are checked before every run
    const std::string size = std::to_string(width) + " × " + std::to_string(height) + " pixels";
    if (height > kMaxMapSide)
        return "is " + size + ": a map may have at most " + std::to_string(kMaxMapSide) + " rows";
    if (width > kMaxMapSide)
        return "is " + size + ": a map may have at most " + std::to_string(kMaxMapSide) +
               " columns";
    if (height > 0 && width > kMaxMapPixels / height)
        return "is " + size + ": a map may have at most " + std::to_string(kMaxMapPixels) +
               " pixels (e.g. 32768 × 32768)";
    if (channels > kMaxChannels)
        return "has " + std::to_string(channels) + " channels: a layer may have at most " +
               std::to_string(kMaxChannels);
    return {};
}

} // namespace convscope
