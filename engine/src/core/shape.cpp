#include "convscope/shape.hpp"

namespace convscope {

std::string Shape::str() const {
    return "[" + std::to_string(channels) + ", " + std::to_string(height) + ", " +
           std::to_string(width) + "]";
}

} // namespace convscope
