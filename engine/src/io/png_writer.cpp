// PNG through OpenCV's encoder: the picture is encoded in memory, then written beside the target
// and renamed over it (write_file_atomically).

#include "convscope/png_writer.hpp"
#include "convscope/image_io.hpp"

#include "atomic_file.hpp"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

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
    write_file_atomically(path, encoded.data(), encoded.size());
}

} // namespace convscope
