#pragma once
// Writing an 8-bit colour picture as a PNG file: coloured maps, contact sheets and animation
// frames all go through here.

#include "convscope/colormap.hpp"

#include <string>

namespace convscope {

// Writes `image` to `path` through a temporary file and a rename, so a failed write (a full
// disk, a read-only folder) never leaves half a picture. Throws IoError naming the path.
void write_png(const std::string& path, const RgbImage& image);

} // namespace convscope
