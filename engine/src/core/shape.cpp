#include "convscope/shape.hpp"

namespace convscope {

std::string Shape::str() const {
    // Appended piece by piece: `"[" + std::to_string(...)` trips a false -Wrestrict in GCC 12.
    std::string text = "[";
    text += std::to_string(channels);
    text += ", ";
    text += std::to_string(height);
    text += ", ";
    text += std::to_string(width);
    text += "]";
    return text;
}

} // namespace convscope
