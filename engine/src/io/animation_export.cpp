// Animated GIFs through giflib, and PNG sequences through OpenCV.
//
// Palettes: a frame with at most 256 distinct colours (a colormapped map has at most 256, plus
// a few for overlays) is stored exactly. Otherwise median cut: start with one box holding every
// distinct colour, repeatedly split the box with the widest channel range at the pixel-weighted
// median of that channel, until there are 256 boxes; each box's colour is its pixels' mean.
// Everything is sorted first, so the same frame always gives the same file.

#include "convscope/animation_export.hpp"
#include "convscope/image_io.hpp"
#include "convscope/png_writer.hpp"

#include "atomic_file.hpp"

#include <gif_lib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <unordered_map>

namespace convscope {

namespace {

namespace fs = std::filesystem;

constexpr int kPaletteSize = 256;

using Rgb = std::array<std::uint8_t, 3>;

std::uint32_t pack(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8) | p[2];
}
std::uint8_t channel_of(std::uint32_t colour, int c) {
    return static_cast<std::uint8_t>(colour >> (16 - 8 * c));
}

struct ColourCount {
    std::uint32_t colour;
    std::int64_t pixels;
};

// A frame as palette indices.
struct IndexedFrame {
    std::vector<Rgb> palette; // at most 256 entries
    std::vector<std::uint8_t> indices;
};

// Every distinct colour of `frame` with its pixel count, sorted by colour.
std::vector<ColourCount> colour_histogram(const RgbImage& frame) {
    std::unordered_map<std::uint32_t, std::int64_t> counts;
    for (std::size_t i = 0; i < frame.pixels.size(); i += 3)
        ++counts[pack(&frame.pixels[i])];
    std::vector<ColourCount> colours;
    colours.reserve(counts.size());
    for (const auto& [colour, pixels] : counts)
        colours.push_back({colour, pixels});
    std::sort(colours.begin(), colours.end(),
              [](const ColourCount& a, const ColourCount& b) { return a.colour < b.colour; });
    return colours;
}

// A box of median cut: colours[begin, end).
struct Box {
    std::size_t begin;
    std::size_t end;
    int widest_channel = 0;
    int range = 0; // of the widest channel
};

Box measure(std::size_t begin, std::size_t end, const std::vector<ColourCount>& colours) {
    Box box{begin, end};
    for (int c = 0; c < 3; ++c) {
        int lo = 255, hi = 0;
        for (std::size_t i = begin; i < end; ++i) {
            lo = std::min<int>(lo, channel_of(colours[i].colour, c));
            hi = std::max<int>(hi, channel_of(colours[i].colour, c));
        }
        if (hi - lo > box.range) {
            box.range = hi - lo;
            box.widest_channel = c;
        }
    }
    return box;
}

// Splits boxes until there are `target` or none can be split; returns them.
std::vector<Box> median_cut(std::vector<ColourCount>& colours, int target) {
    std::vector<Box> boxes{measure(0, colours.size(), colours)};
    while (static_cast<int>(boxes.size()) < target) {
        // The widest box first; ties go to the earliest, for determinism.
        auto widest = std::max_element(boxes.begin(), boxes.end(), [](const Box& a, const Box& b) {
            return a.range < b.range;
        });
        if (widest->range == 0)
            break;
        const Box box = *widest;
        const int c = box.widest_channel;
        std::sort(colours.begin() + static_cast<std::ptrdiff_t>(box.begin),
                  colours.begin() + static_cast<std::ptrdiff_t>(box.end),
                  [c](const ColourCount& a, const ColourCount& b) {
                      const int ca = channel_of(a.colour, c), cb = channel_of(b.colour, c);
                      return ca != cb ? ca < cb : a.colour < b.colour;
                  });
        std::int64_t total = 0;
        for (std::size_t i = box.begin; i < box.end; ++i)
            total += colours[i].pixels;
        // The first colour at which half the box's pixels lie before it; both halves non-empty.
        std::size_t split = box.begin + 1;
        std::int64_t seen = colours[box.begin].pixels;
        while (split < box.end - 1 && 2 * seen < total)
            seen += colours[split++].pixels;
        *widest = measure(box.begin, split, colours);
        boxes.push_back(measure(split, box.end, colours));
    }
    return boxes;
}

IndexedFrame index_frame(const RgbImage& frame) {
    std::vector<ColourCount> colours = colour_histogram(frame);
    IndexedFrame indexed;
    std::unordered_map<std::uint32_t, std::uint8_t> index_of;
    if (static_cast<int>(colours.size()) <= kPaletteSize) {
        for (const ColourCount& cc : colours) {
            index_of[cc.colour] = static_cast<std::uint8_t>(indexed.palette.size());
            indexed.palette.push_back(
                {channel_of(cc.colour, 0), channel_of(cc.colour, 1), channel_of(cc.colour, 2)});
        }
    } else {
        for (const Box& box : median_cut(colours, kPaletteSize)) {
            std::array<double, 3> sum{};
            std::int64_t pixels = 0;
            for (std::size_t i = box.begin; i < box.end; ++i) {
                for (int c = 0; c < 3; ++c)
                    sum[static_cast<std::size_t>(c)] +=
                        static_cast<double>(channel_of(colours[i].colour, c)) * colours[i].pixels;
                pixels += colours[i].pixels;
                index_of[colours[i].colour] = static_cast<std::uint8_t>(indexed.palette.size());
            }
            Rgb mean;
            for (int c = 0; c < 3; ++c)
                mean[static_cast<std::size_t>(c)] = static_cast<std::uint8_t>(
                    std::lround(sum[static_cast<std::size_t>(c)] / static_cast<double>(pixels)));
            indexed.palette.push_back(mean);
        }
    }
    indexed.indices.reserve(frame.pixels.size() / 3);
    for (std::size_t i = 0; i < frame.pixels.size(); i += 3)
        indexed.indices.push_back(index_of.at(pack(&frame.pixels[i])));
    return indexed;
}

void check_frames(const std::vector<RgbImage>& frames) {
    if (frames.empty())
        throw std::invalid_argument("animation: no frames to write");
    const RgbImage& first = frames.front();
    if (first.width < 1 || first.height < 1 || first.width > 65535 || first.height > 65535)
        throw std::invalid_argument("animation: frame size " + std::to_string(first.width) + "x" +
                                    std::to_string(first.height) +
                                    " is outside 1..65535 pixels per side");
    for (std::size_t i = 0; i < frames.size(); ++i) {
        const RgbImage& f = frames[i];
        if (f.width != first.width || f.height != first.height ||
            f.pixels.size() != static_cast<std::size_t>(f.width) * f.height * 3)
            throw std::invalid_argument(
                "animation: frame " + std::to_string(i) + " is " + std::to_string(f.width) + "x" +
                std::to_string(f.height) + ", frame 0 is " + std::to_string(first.width) + "x" +
                std::to_string(first.height) + " (every frame must have the same size)");
    }
}

// A GIF being encoded in memory; finish() writes it to its file as every export is written
// (write_file_atomically: the same permissions, never half a file). giflib's own
// EGifOpenFileName would create the file 0600.
class GifWriter {
public:
    explicit GifWriter(const std::string& path) : path_(path) {
        int error = 0;
        gif_ = EGifOpen(&bytes_, &GifWriter::append, &error);
        if (!gif_)
            throw IoError(path + ": cannot be created (" + GifErrorString(error) + ")");
        EGifSetGifVersion(gif_, true); // GIF89a: delays and looping need extensions
    }
    ~GifWriter() {
        if (gif_) { // only reached when finish() was not: a failed write, nothing on disk
            int error = 0;
            EGifCloseFile(gif_, &error);
        }
    }
    GifWriter(const GifWriter&) = delete;
    GifWriter& operator=(const GifWriter&) = delete;

    void check(int status) {
        if (status == GIF_ERROR)
            throw IoError(path_ + ": cannot be written (" + GifErrorString(gif_->Error) + ")");
    }

    void screen(int width, int height) {
        check(EGifPutScreenDesc(gif_, width, height, 8, 0, nullptr));
    }

    // NETSCAPE2.0 application extension: loop count 0 = forever.
    void loop_forever() {
        static const char kApplication[] = "NETSCAPE2.0";
        const unsigned char loop[3] = {1, 0, 0};
        check(EGifPutExtensionLeader(gif_, APPLICATION_EXT_FUNC_CODE));
        check(EGifPutExtensionBlock(gif_, 11, kApplication));
        check(EGifPutExtensionBlock(gif_, 3, loop));
        check(EGifPutExtensionTrailer(gif_));
    }

    void frame(const IndexedFrame& indexed, int width, int height, int delay_cs) {
        GraphicsControlBlock gcb{};
        gcb.DisposalMode = DISPOSE_DO_NOT;
        gcb.UserInputFlag = false;
        gcb.DelayTime = delay_cs;
        gcb.TransparentColor = NO_TRANSPARENT_COLOR;
        GifByteType extension[4];
        EGifGCBToExtension(&gcb, extension);
        check(EGifPutExtension(gif_, GRAPHICS_EXT_FUNC_CODE, 4, extension));

        // giflib wants a power-of-two palette; the unused entries stay black.
        GifColorType colours[kPaletteSize] = {};
        for (std::size_t i = 0; i < indexed.palette.size(); ++i)
            colours[i] = {indexed.palette[i][0], indexed.palette[i][1], indexed.palette[i][2]};
        ColorMapObject* map = GifMakeMapObject(kPaletteSize, colours);
        if (!map)
            throw IoError(path_ + ": out of memory for a palette");
        const int status = EGifPutImageDesc(gif_, 0, 0, width, height, false, map);
        GifFreeMapObject(map); // giflib keeps its own copy
        check(status);
        std::vector<GifPixelType> row(static_cast<std::size_t>(width));
        for (int y = 0; y < height; ++y) {
            std::copy_n(indexed.indices.begin() + static_cast<std::ptrdiff_t>(y) * width, width,
                        row.begin());
            check(EGifPutLine(gif_, row.data(), width));
        }
    }

    void finish() {
        int error = 0;
        GifFileType* gif = gif_;
        gif_ = nullptr;
        if (EGifCloseFile(gif, &error) == GIF_ERROR)
            throw IoError(path_ + ": cannot be written (" + GifErrorString(error) + ")");
        write_file_atomically(path_, bytes_.data(), bytes_.size());
    }

private:
    // giflib's output function: the encoded bytes, appended in memory.
    static int append(GifFileType* gif, const GifByteType* data, int length) {
        auto* bytes = static_cast<std::vector<std::uint8_t>*>(gif->UserData);
        bytes->insert(bytes->end(), data, data + length);
        return length;
    }

    std::string path_;
    std::vector<std::uint8_t> bytes_;
    GifFileType* gif_ = nullptr;
};

// The loop count of a NETSCAPE2.0 extension among `blocks`, or -1.
int loop_count_in(const ExtensionBlock* blocks, int count) {
    for (int i = 0; i + 1 < count; ++i) {
        const ExtensionBlock& app = blocks[i];
        const ExtensionBlock& data = blocks[i + 1];
        if (app.Function == APPLICATION_EXT_FUNC_CODE && app.ByteCount == 11 &&
            std::equal(app.Bytes, app.Bytes + 11, "NETSCAPE2.0") && data.ByteCount >= 3 &&
            data.Bytes[0] == 1)
            return data.Bytes[1] | (data.Bytes[2] << 8);
    }
    return -1;
}

} // namespace

void write_gif(const std::string& path, const std::vector<RgbImage>& frames, int delay_ms,
               bool loop) {
    check_frames(frames);
    const int width = frames.front().width;
    const int height = frames.front().height;
    const int delay_cs = std::clamp((std::max(delay_ms, 0) + 5) / 10, 0, 65535);

    GifWriter gif(path);
    gif.screen(width, height);
    if (loop)
        gif.loop_forever();
    for (const RgbImage& frame : frames)
        gif.frame(index_frame(frame), width, height, delay_cs);
    gif.finish();
}

GifAnimation read_gif(const std::string& path) {
    int error = 0;
    GifFileType* gif = DGifOpenFileName(path.c_str(), &error);
    if (!gif)
        throw IoError(path + ": cannot be opened as a GIF (" + GifErrorString(error) + ")");
    // Closes the file whichever way this function leaves.
    const std::unique_ptr<GifFileType, void (*)(GifFileType*)> closer(gif, [](GifFileType* g) {
        int ignored = 0;
        DGifCloseFile(g, &ignored);
    });
    if (DGifSlurp(gif) == GIF_ERROR)
        throw IoError(path + ": cannot be decoded as a GIF (" + GifErrorString(gif->Error) + ")");

    GifAnimation animation;
    const int width = gif->SWidth;
    const int height = gif->SHeight;
    RgbImage canvas{width, height,
                    std::vector<std::uint8_t>(static_cast<std::size_t>(width) * height * 3)};
    for (int i = 0; i < gif->ImageCount; ++i) {
        const SavedImage& image = gif->SavedImages[i];
        const GifImageDesc& d = image.ImageDesc;
        const ColorMapObject* map = d.ColorMap ? d.ColorMap : gif->SColorMap;
        if (!map)
            throw IoError(path + ": frame " + std::to_string(i) + " has no palette");
        for (int y = 0; y < d.Height; ++y)
            for (int x = 0; x < d.Width; ++x) {
                const int cx = d.Left + x, cy = d.Top + y;
                const int index = image.RasterBits[static_cast<std::size_t>(y) * d.Width + x];
                if (cx < 0 || cy < 0 || cx >= width || cy >= height || index >= map->ColorCount)
                    continue;
                const GifColorType colour = map->Colors[index];
                std::uint8_t* p = &canvas.pixels[(static_cast<std::size_t>(cy) * width + cx) * 3];
                p[0] = colour.Red;
                p[1] = colour.Green;
                p[2] = colour.Blue;
            }
        animation.frames.push_back(canvas);
        GraphicsControlBlock gcb{};
        animation.delays_ms.push_back(
            DGifSavedExtensionToGCB(gif, i, &gcb) == GIF_OK ? gcb.DelayTime * 10 : 0);
        if (i == 0)
            animation.loop_count = loop_count_in(image.ExtensionBlocks, image.ExtensionBlockCount);
    }
    return animation;
}

std::vector<std::string> write_png_sequence(const std::string& dir, const std::string& stem,
                                            const std::vector<RgbImage>& frames) {
    check_frames(frames);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir))
        throw IoError(dir + ": cannot create the output folder (" +
                      (ec ? ec.message() : std::string("a file is in the way")) + ")");
    std::vector<std::string> paths;
    for (std::size_t i = 0; i < frames.size(); ++i) {
        char number[32];
        std::snprintf(number, sizeof number, "_%04zu.png", i);
        const std::string path = (fs::path(dir) / (stem + number)).string();
        write_png(path, frames[i]);
        paths.push_back(path);
    }
    return paths;
}

} // namespace convscope
