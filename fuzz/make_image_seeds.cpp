// Writes the image fuzzer's seed corpus: one small picture in every format ConvScope reads, in
// the sample layouts that take different paths (gray, colour, alpha, 16-bit, float). Run once
// from the source folder; its output is committed in corpus/image/:
//   cmake --build BUILD --target make_image_seeds && BUILD/bin/make_image_seeds fuzz/corpus/image

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: make_image_seeds OUTPUT_FOLDER\n");
        return 2;
    }
    const std::string dir = argv[1];
    // A 12×9 gradient with some structure, small enough that a fuzzer mutates it quickly.
    cv::Mat bgr(9, 12, CV_8UC3);
    for (int y = 0; y < bgr.rows; ++y)
        for (int x = 0; x < bgr.cols; ++x)
            bgr.at<cv::Vec3b>(y, x) =
                cv::Vec3b(static_cast<uchar>(x * 20), static_cast<uchar>(y * 28),
                          static_cast<uchar>((x ^ y) * 16));
    cv::Mat gray, bgra, gray16, bgr16, bgr32f, gray32f;
    cv::cvtColor(bgr, gray, cv::COLOR_BGR2GRAY);
    cv::cvtColor(bgr, bgra, cv::COLOR_BGR2BGRA);
    gray.convertTo(gray16, CV_16U, 257);
    bgr.convertTo(bgr16, CV_16U, 257);
    bgr.convertTo(bgr32f, CV_32F, 1 / 255.0);
    gray.convertTo(gray32f, CV_32F, 1 / 255.0);
    cv::Mat larger; // OpenJPEG needs 32×32 for its default number of resolutions
    cv::resize(bgr, larger, cv::Size(40, 32), 0, 0, cv::INTER_NEAREST);

    struct Seed {
        const char* name;
        const cv::Mat& image;
        std::vector<int> params;
    };
    const Seed seeds[] = {
        {"gray.png", gray, {}},
        {"colour.png", bgr, {}},
        {"alpha.png", bgra, {}},
        {"sixteen-bit.png", bgr16, {}},
        {"interlaced-colour.jpg", bgr, {cv::IMWRITE_JPEG_PROGRESSIVE, 1}},
        {"colour.jpg", bgr, {cv::IMWRITE_JPEG_QUALITY, 90}},
        {"gray.jpg", gray, {}},
        {"colour.bmp", bgr, {}},
        {"alpha.bmp", bgra, {}},
        {"gray.pgm", gray, {}},
        {"colour.ppm", bgr, {}},
        {"ascii.pgm", gray, {cv::IMWRITE_PXM_BINARY, 0}},
        {"sixteen-bit.pgm", gray16, {}},
        {"alpha.pam", bgra, {}},
        {"colour.tiff", bgr, {}},
        {"float.tiff", bgr32f, {}},
        {"sixteen-bit.tiff", gray16, {}},
        {"lossy.webp", bgr, {cv::IMWRITE_WEBP_QUALITY, 80}},
        {"lossless.webp", bgra, {cv::IMWRITE_WEBP_QUALITY, 101}},
        {"colour.pfm", bgr32f, {}},
        {"gray.pfm", gray32f, {}},
        {"colour.hdr", bgr32f, {}},
        {"colour.ras", bgr, {}},
        {"colour.jp2", larger, {}},
    };
    int failed = 0;
    for (const Seed& seed : seeds) {
        const std::string path = dir + "/" + seed.name;
        bool ok = false;
        try {
            ok = cv::imwrite(path, seed.image, seed.params);
        } catch (const cv::Exception& e) {
            std::fprintf(stderr, "%s: %s\n", path.c_str(), e.err.c_str());
        }
        std::printf("%s %s\n", ok ? "wrote" : "FAILED", path.c_str());
        failed += !ok;
    }
    return failed ? 1 : 0;
}
