// PNG through OpenCV's encoder: the picture is encoded in memory, then written beside the target
// and renamed over it.

#include "convscope/png_writer.hpp"
#include "convscope/image_io.hpp"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

namespace convscope {

void write_png(const std::string& path, const RgbImage& image) {
    if (image.width <= 0 || image.height <= 0 ||
        image.pixels.size() != static_cast<std::size_t>(image.width) * image.height * 3)
        throw IoError(path + ": cannot be written (the picture is empty or malformed)");
    // OpenCV reads its matrices as BGR; the pixels stay the caller's (the view is read only).
    const cv::Mat rgb(image.height, image.width, CV_8UC3,
                      const_cast<std::uint8_t*>(image.pixels.data()));
    std::vector<std::uint8_t> encoded;
    try {
        cv::Mat bgr;
        cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
        if (!cv::imencode(".png", bgr, encoded))
            throw IoError(path + ": cannot be written (PNG encoding failed)");
    } catch (const cv::Exception& e) {
        throw IoError(path + ": cannot be written (" + e.err + ")");
    }
    const std::string temp = path + ".part";
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        if (!out)
            throw IoError(path + ": cannot be written (folder missing or not writable?)");
        out.write(reinterpret_cast<const char*>(encoded.data()),
                  static_cast<std::streamsize>(encoded.size()));
        out.close();
        if (!out) {
            std::remove(temp.c_str());
            throw IoError(path + ": cannot be written (disk full?)");
        }
    }
    std::error_code ec;
    std::filesystem::rename(temp, path, ec);
    if (ec) {
        std::remove(temp.c_str());
        throw IoError(path + ": cannot be written (" + ec.message() + ")");
    }
}

} // namespace convscope
