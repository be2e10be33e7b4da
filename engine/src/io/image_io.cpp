// Input images through OpenCV's codecs (every format imread reads), and NumPy arrays as they are.

#include "convscope/image_io.hpp"
#include "convscope/map_limits.hpp"
#include "convscope/memory_budget.hpp"
#include "convscope/npy.hpp"

#include "image_header.hpp"
#include "mapped_file.hpp"
#include "one_line.hpp"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <set>

namespace convscope {

namespace {

namespace fs = std::filesystem;

std::string lower_extension(const std::string& path) {
    std::string ext = fs::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return ext;
}

// libpng and libjpeg print their complaints about a broken file straight to stderr. While a
// file is decoded, stderr goes to a temporary file instead, and what they said becomes part of
// our own one-line message.
class CapturedStderr {
public:
    CapturedStderr() {
        std::fflush(stderr);
        saved_ = ::dup(STDERR_FILENO);
        file_ = std::tmpfile();
        if (saved_ < 0 || !file_ || ::dup2(::fileno(file_), STDERR_FILENO) < 0)
            restore();
    }
    ~CapturedStderr() {
        restore();
        if (file_)
            std::fclose(file_);
    }
    // What was printed, on one line; restores stderr.
    std::string text() {
        restore();
        if (!file_)
            return {};
        std::string text;
        std::rewind(file_);
        for (int c; (c = std::fgetc(file_)) != EOF && text.size() < 300;)
            text.push_back(c == '\n' ? ' ' : static_cast<char>(c));
        while (!text.empty() && text.back() == ' ')
            text.pop_back();
        return text;
    }

private:
    void restore() {
        if (saved_ >= 0) {
            std::fflush(stderr);
            ::dup2(saved_, STDERR_FILENO);
            ::close(saved_);
            saved_ = -1;
        }
    }
    int saved_ = -1;
    std::FILE* file_ = nullptr;
};

std::uint64_t tensor_bytes(std::int64_t channels, std::int64_t height, std::int64_t width) {
    const std::uint64_t stride =
        (static_cast<std::uint64_t>(width) + Tensor::kRowAlignmentFloats - 1) /
        Tensor::kRowAlignmentFloats * Tensor::kRowAlignmentFloats;
    return saturating_mul(
        saturating_mul(static_cast<std::uint64_t>(channels), static_cast<std::uint64_t>(height)),
        saturating_mul(stride, sizeof(float)));
}

// Refuses a map the engine cannot hold, naming the file.
void check_map_limits(const std::string& name, const char* what, std::int64_t channels,
                      std::int64_t height, std::int64_t width) {
    const std::string problem = map_limit_problem(channels, height, width);
    if (!problem.empty())
        throw IoError(name + ": the " + what + " " + problem);
}

Tensor tensor_from_npy(std::span<const std::uint8_t> bytes, const std::string& name,
                       InputMode mode) {
    const NpyHeader header = parse_npy_header(bytes, name);
    const std::vector<std::size_t>& dims = header.shape;
    // (1, C, H, W): one image as a model's input tensor (NumPy, PyTorch) holds it.
    if (dims.size() != 2 && dims.size() != 3 && !(dims.size() == 4 && dims[0] == 1))
        throw IoError(name +
                      ": expected an array of shape (H, W), (C, H, W) or (1, C, H, W), got " +
                      std::to_string(dims.size()) + " dimensions");
    // Each dimension is at most the file's size, so these fit in 64 bits.
    const auto channels = static_cast<std::int64_t>(dims.size() >= 3 ? dims[dims.size() - 3] : 1);
    const auto height = static_cast<std::int64_t>(dims[dims.size() - 2]);
    const auto width = static_cast<std::int64_t>(dims[dims.size() - 1]);
    if (channels != channel_count(mode))
        throw IoError(name + ": input mode \"" + std::string(to_string(mode)) + "\" needs " +
                      std::to_string(channel_count(mode)) + " channel(s), the array has " +
                      std::to_string(channels));
    if (height == 0 || width == 0)
        throw IoError(name + ": the array is empty");
    check_map_limits(name, "array", channels, height, width);
    require_memory(tensor_bytes(channels, height, width), name + ": the array");

    Tensor t(static_cast<int>(channels), static_cast<int>(height), static_cast<int>(width));
    const std::uint8_t* data = bytes.data() + header.data_offset;
    for (int c = 0; c < t.channels(); ++c)
        for (int y = 0; y < t.height(); ++y) {
            float* row = t.row(c, y);
            if (header.item_size == 4) {
                std::memcpy(row, data, static_cast<std::size_t>(width) * sizeof(float));
                data += width * static_cast<std::int64_t>(sizeof(float));
            } else {
                for (std::int64_t x = 0; x < width; ++x, data += sizeof(double)) {
                    double v;
                    std::memcpy(&v, data, sizeof v);
                    row[x] = static_cast<float>(v);
                }
            }
        }
    return t;
}

double unit_scale(const cv::Mat& decoded, const std::string& name) {
    switch (decoded.depth()) {
    case CV_8U:
        return 1.0 / 255.0;
    case CV_16U:
        return 1.0 / 65535.0;
    case CV_32F:
        return 1.0;
    default:
        throw IoError(name + ": unsupported pixel type (only 8-bit, 16-bit and float images)");
    }
}

// libjpeg carries on past damage it can paper over and only prints a warning; the picture is
// then partly invented (grey blocks, smeared rows). ConvScope refuses such a file instead of
// showing maps of pixels that are not in it. The one warning that leaves every pixel intact is
// junk after the last scan ("extraneous bytes before marker 0xd9", the end-of-image marker).
bool jpeg_is_damaged(const std::string& said) {
    std::string rest = said;
    for (const std::string benign : {"extraneous bytes before marker 0xd9"}) {
        for (std::size_t at; (at = rest.find(benign)) != std::string::npos;)
            rest.erase(at, benign.size());
    }
    for (const char* damage :
         {"Corrupt JPEG data", "Premature end of JPEG file", "Inconsistent progression sequence",
          "Invalid SOS parameters", "JPEG datastream contains no image"})
        if (rest.find(damage) != std::string::npos)
            return true;
    return false;
}

// The decoded pixels (8- or 16-bit or float; 1, 2, 3 or 4 channels in OpenCV's order: gray,
// gray + alpha, BGR, BGRA) as a tensor with values in [0, 1], converted a band of rows at a time
// so that no full-size float copy of the image exists besides the tensor itself.
Tensor to_tensor(const cv::Mat& decoded, const std::string& name, InputMode mode) {
    const double scale = unit_scale(decoded, name);
    const int channels = decoded.channels();
    if (channels < 1 || channels > 4)
        throw IoError(name + ": unsupported channel count " + std::to_string(channels));
    Tensor t(channel_count(mode), decoded.rows, decoded.cols);
    const int band = std::max(1, (1 << 20) / std::max(1, decoded.cols));
    cv::Mat unit, plane;
    for (int y0 = 0; y0 < decoded.rows; y0 += band) {
        const int y1 = std::min(decoded.rows, y0 + band);
        decoded.rowRange(y0, y1).convertTo(unit, CV_32F, scale);
        // Which plane of `unit` feeds each output channel (-1: a colour conversion to gray).
        auto copy_plane = [&](const cv::Mat& source, int channel) {
            for (int y = y0; y < y1; ++y)
                std::copy_n(source.ptr<float>(y - y0), decoded.cols, t.row(channel, y));
        };
        if (mode == InputMode::Gray) {
            if (channels == 3)
                cv::cvtColor(unit, plane, cv::COLOR_BGR2GRAY);
            else if (channels == 4)
                cv::cvtColor(unit, plane, cv::COLOR_BGRA2GRAY); // alpha is ignored
            else if (channels == 2)
                cv::extractChannel(unit, plane, 0); // gray + alpha
            else
                plane = unit;
            copy_plane(plane, 0);
        } else {
            for (int c = 0; c < 3; ++c) {
                // R, G, B from OpenCV's B, G, R; a gray image gives all three the same plane.
                cv::extractChannel(unit, plane, channels >= 3 ? 2 - c : 0);
                copy_plane(plane, c);
            }
        }
    }
    return t;
}

Tensor decode_image(std::span<const std::uint8_t> bytes, const ImageHeader& header,
                    const std::string& name, InputMode mode) {
    const std::string format = header.format;
    if (header.has_size()) {
        check_map_limits(name, "image", channel_count(mode), header.height, header.width);
        require_memory(
            saturating_add(header.decoded_bytes(),
                           tensor_bytes(channel_count(mode), header.height, header.width)),
            name + ": decoding this " + std::to_string(header.width) + " × " +
                std::to_string(header.height) + " image");
    }
    if (bytes.size() > static_cast<std::size_t>(INT_MAX))
        throw IoError(name + ": the file is larger than the 2 GB an image file may have");

    cv::Mat decoded;
    CapturedStderr decoder_messages;
    try {
        const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8U,
                             const_cast<std::uint8_t*>(bytes.data()));
        decoded = cv::imdecode(buffer, cv::IMREAD_UNCHANGED);
    } catch (const cv::Exception& e) {
        decoder_messages.text();
        throw IoError(name + ": cannot be decoded as " + format + " (" + one_line(e.err) + ")");
    }
    const std::string said = decoder_messages.text();
    if (decoded.empty())
        throw IoError(name + ": cannot be decoded as " + format + " (corrupt or truncated" +
                      (said.empty() ? std::string(")") : "; the decoder said: " + said + ")"));
    if (!header.complete)
        throw IoError(name + ": the " + format +
                      " file is cut short (it ends before the image does); ConvScope does not "
                      "guess the missing pixels");
    if (format == "JPEG" && jpeg_is_damaged(said))
        throw IoError(name + ": a damaged JPEG (the decoder said: " + said +
                      "); ConvScope does not guess the missing pixels");
    check_map_limits(name, "image", channel_count(mode), decoded.rows, decoded.cols);
    require_memory(tensor_bytes(channel_count(mode), decoded.rows, decoded.cols),
                   name + ": the " + std::to_string(decoded.cols) + " × " +
                       std::to_string(decoded.rows) + " image");
    return to_tensor(decoded, name, mode);
}

bool is_npy(std::span<const std::uint8_t> bytes) {
    return bytes.size() >= 6 && std::memcmp(bytes.data(), "\x93NUMPY", 6) == 0;
}

[[noreturn]] void unknown_format(const std::string& name) {
    throw IoError(name + ": not an image format ConvScope reads (PNG, JPEG, TIFF, BMP, WebP, "
                         "PNM, PFM, Sun raster, Radiance HDR, OpenEXR, JPEG 2000, or a .npy "
                         "array)");
}

} // namespace

bool is_readable_image_name(const std::string& path) {
    // The extensions OpenCV's imread decodes (cv::haveImageReader would open the file instead).
    static const std::set<std::string> extensions{
        ".bmp", ".dib", ".jpeg", ".jpg", ".jpe", ".jp2",  ".png", ".webp", ".pbm", ".pgm", ".ppm",
        ".pxm", ".pnm", ".pfm",  ".sr",  ".ras", ".tiff", ".tif", ".exr",  ".hdr", ".pic", ".npy"};
    return extensions.count(lower_extension(path)) > 0;
}

Tensor decode_input(std::span<const std::uint8_t> bytes, const std::string& name, InputMode mode) {
    if (is_npy(bytes))
        return tensor_from_npy(bytes, name, mode);
    const std::optional<ImageHeader> header = read_image_header(bytes);
    if (!header)
        unknown_format(name);
    return decode_image(bytes, *header, name, mode);
}

Tensor load_input(const std::string& path, InputMode mode) {
    const MappedFile file(path);
    return decode_input(file.bytes(), path, mode);
}

Shape peek_input_shape(const std::string& path, InputMode mode) {
    const MappedFile file(path);
    return peek_input_shape(file.bytes(), path, mode);
}

Shape peek_input_shape(std::span<const std::uint8_t> bytes, const std::string& name,
                       InputMode mode) {
    if (is_npy(bytes)) {
        const NpyHeader header = parse_npy_header(bytes, name);
        const std::vector<std::size_t>& dims = header.shape;
        const bool batch_of_one = dims.size() == 4 && dims[0] == 1;
        if ((dims.size() == 2 || dims.size() == 3 || batch_of_one) &&
            (dims.size() == 2 ||
             dims[dims.size() - 3] == static_cast<std::size_t>(channel_count(mode))) &&
            dims[dims.size() - 1] > 0 && dims[dims.size() - 2] > 0) {
            const auto h = static_cast<std::int64_t>(dims[dims.size() - 2]);
            const auto w = static_cast<std::int64_t>(dims[dims.size() - 1]);
            check_map_limits(name, "array", channel_count(mode), h, w);
            return Shape{channel_count(mode), static_cast<int>(h), static_cast<int>(w)};
        }
        return decode_input(bytes, name, mode).shape(); // says what is wrong with it
    }
    const std::optional<ImageHeader> header = read_image_header(bytes);
    if (!header)
        unknown_format(name);
    if (!header->complete)
        throw IoError(name + ": the " + header->format +
                      " file is cut short (it ends before the "
                      "image does)");
    if (header->has_size()) {
        check_map_limits(name, "image", channel_count(mode), header->height, header->width);
        return Shape{channel_count(mode), static_cast<int>(header->height),
                     static_cast<int>(header->width)};
    }
    return decode_image(bytes, *header, name, mode).shape();
}

} // namespace convscope
