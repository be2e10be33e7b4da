#pragma once
// Animations (the sliding-window view): an animated GIF, or a numbered PNG sequence.

#include "convscope/colormap.hpp"

#include <string>
#include <vector>

namespace convscope {

// Writes `frames` (RGB, all the same size, at most 65535 × 65535) as an animated GIF through
// giflib. GIF frames hold at most 256 colours: a frame with that few is stored exactly; other
// frames get their own palette by median cut (deterministic). `delay_ms` is rounded to GIF's
// hundredths of a second; `loop`: repeat forever (the NETSCAPE2.0 extension), else play once.
// Throws std::invalid_argument for no frames or frames of different sizes, IoError naming the
// path when the file cannot be written.
void write_gif(const std::string& path, const std::vector<RgbImage>& frames, int delay_ms,
               bool loop = true);

// A GIF read back: every frame composed onto the full canvas.
struct GifAnimation {
    std::vector<RgbImage> frames;
    std::vector<int> delays_ms;
    int loop_count = -1; // -1: no loop extension (play once); 0: forever; n: n repeats
};
// Throws IoError naming the path when it cannot be read or decoded.
GifAnimation read_gif(const std::string& path);

// Writes DIR/STEM_0000.png, DIR/STEM_0001.png, ... (the folder is created if missing) and returns
// the paths written, in order. Throws IoError naming the path that failed.
std::vector<std::string> write_png_sequence(const std::string& dir, const std::string& stem,
                                            const std::vector<RgbImage>& frames);

} // namespace convscope
