// Input images through OpenCV's codecs (every format imread reads), and NumPy arrays as they are.

#include "convscope/image_io.hpp"
#include "convscope/npy.hpp"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
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

// Fails with a message naming the file when it is missing, a folder, or unreadable.
void check_readable_file(const std::string& path) {
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (ec || !fs::exists(status))
        throw IoError(path + ": no such file");
    if (fs::is_directory(status))
        throw IoError(path + ": is a folder, not an image file");
    std::ifstream probe(path, std::ios::binary);
    if (!probe)
        throw IoError(path + ": cannot be opened for reading (permission denied?)");
    if (fs::file_size(path, ec) == 0 && !ec)
        throw IoError(path + ": the file is empty");
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

Tensor tensor_from_npy(const std::string& path, InputMode mode) {
    const NpyArray array = read_npy(path);
    Shape shape;
    if (array.shape.size() == 2)
        shape = {1, static_cast<int>(array.shape[0]), static_cast<int>(array.shape[1])};
    else if (array.shape.size() == 3 || (array.shape.size() == 4 && array.shape[0] == 1))
        // (1, C, H, W): one image as a model's input tensor (NumPy, PyTorch) holds it.
        shape = {static_cast<int>(array.shape[array.shape.size() - 3]),
                 static_cast<int>(array.shape[array.shape.size() - 2]),
                 static_cast<int>(array.shape[array.shape.size() - 1])};
    else
        throw IoError(path + ": expected an array of shape (H, W), (C, H, W) or (1, C, H, W), "
                             "got " +
                      std::to_string(array.shape.size()) + " dimensions");
    if (shape.channels != channel_count(mode))
        throw IoError(path + ": input mode \"" + std::string(to_string(mode)) + "\" needs " +
                      std::to_string(channel_count(mode)) + " channel(s), the array has " +
                      std::to_string(shape.channels));
    if (shape.empty())
        throw IoError(path + ": the array is empty");
    return Tensor::from_dense(shape, array.values);
}

// Decoded pixels (8- or 16-bit, 1, 3 or 4 channels in OpenCV's BGR order) as floats in [0, 1].
cv::Mat to_unit_float(const cv::Mat& decoded, const std::string& path) {
    double scale = 0;
    switch (decoded.depth()) {
    case CV_8U:
        scale = 1.0 / 255.0;
        break;
    case CV_16U:
        scale = 1.0 / 65535.0;
        break;
    case CV_32F:
        scale = 1.0;
        break;
    default:
        throw IoError(path + ": unsupported pixel type (only 8-bit, 16-bit and float images)");
    }
    cv::Mat unit;
    decoded.convertTo(unit, CV_32F, scale);
    switch (unit.channels()) {
    case 1:
    case 3:
        return unit;
    case 4: {
        cv::Mat bgr;
        cv::cvtColor(unit, bgr, cv::COLOR_BGRA2BGR); // alpha is ignored
        return bgr;
    }
    case 2: { // gray + alpha
        std::vector<cv::Mat> planes;
        cv::split(unit, planes);
        return planes[0];
    }
    default:
        throw IoError(path + ": unsupported channel count " + std::to_string(unit.channels()));
    }
}

} // namespace

bool is_readable_image_name(const std::string& path) {
    // The extensions OpenCV's imread decodes (cv::haveImageReader would open the file instead).
    static const std::set<std::string> extensions{
        ".bmp", ".dib", ".jpeg", ".jpg", ".jpe", ".jp2",  ".png", ".webp", ".pbm", ".pgm", ".ppm",
        ".pxm", ".pnm", ".pfm",  ".sr",  ".ras", ".tiff", ".tif", ".exr",  ".hdr", ".pic", ".npy"};
    return extensions.count(lower_extension(path)) > 0;
}

Tensor load_input(const std::string& path, InputMode mode) {
    check_readable_file(path);
    if (lower_extension(path) == ".npy")
        return tensor_from_npy(path, mode);

    cv::Mat decoded;
    CapturedStderr decoder_messages;
    try {
        decoded = cv::imread(path, cv::IMREAD_UNCHANGED);
    } catch (const cv::Exception& e) {
        decoder_messages.text();
        throw IoError(path + ": cannot be decoded as an image (" + e.msg + ")");
    }
    const std::string said = decoder_messages.text();
    if (decoded.empty())
        throw IoError(path + ": not an image OpenCV can decode (corrupt or unsupported format" +
                      (said.empty() ? std::string(")") : "; the decoder said: " + said + ")"));

    const cv::Mat unit = to_unit_float(decoded, path);
    if (mode == InputMode::Gray) {
        cv::Mat gray = unit;
        if (unit.channels() == 3)
            cv::cvtColor(unit, gray, cv::COLOR_BGR2GRAY);
        Tensor t(1, gray.rows, gray.cols);
        for (int y = 0; y < gray.rows; ++y)
            std::copy_n(gray.ptr<float>(y), gray.cols, t.row(0, y));
        return t;
    }

    cv::Mat rgb;
    if (unit.channels() == 1)
        cv::cvtColor(unit, rgb, cv::COLOR_GRAY2RGB);
    else
        cv::cvtColor(unit, rgb, cv::COLOR_BGR2RGB);
    std::vector<cv::Mat> planes;
    cv::split(rgb, planes);
    Tensor t(3, rgb.rows, rgb.cols);
    for (int c = 0; c < 3; ++c)
        for (int y = 0; y < rgb.rows; ++y)
            std::copy_n(planes[c].ptr<float>(y), rgb.cols, t.row(c, y));
    return t;
}

} // namespace convscope
