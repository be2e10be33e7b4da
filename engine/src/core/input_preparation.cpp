// Per-channel normalisation of the input, with torchvision's arithmetic: a subtraction and a
// division in float32 (not a multiplication by 1/std, which rounds differently).

#include "convscope/input_preparation.hpp"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <string>

namespace convscope {

namespace {

void check_count(const std::vector<float>& values, const char* field, Shape input) {
    if (values.empty() || values.size() == 1 ||
        values.size() == static_cast<std::size_t>(input.channels))
        return;
    throw PipelineError(
        -1, field,
        std::string("input: field \"") + field + "\": has " + std::to_string(values.size()) +
            " values for " + std::to_string(input.channels) +
            " input channels (give one value, or one per channel; input " + input.str() + ")");
}

} // namespace

void check_normalization(const InputNormalization& normalization, Shape input) {
    check_count(normalization.mean, "mean", input);
    check_count(normalization.std_dev, "std", input);
    for (float v : normalization.mean)
        if (!std::isfinite(v))
            throw PipelineError(-1, "mean", "input: field \"mean\": must be finite numbers");
    for (float v : normalization.std_dev)
        if (!(v > 0.0f) || !std::isfinite(v))
            throw PipelineError(-1, "std",
                                "input: field \"std\": must be positive finite numbers, found " +
                                    std::to_string(v));
}

Tensor prepare_input(const Tensor& input, const InputNormalization& normalization) {
    check_normalization(normalization, input.shape());
    Tensor out(input.shape());
    for (int c = 0; c < input.channels(); ++c) {
        const float mean = normalization.mean_of(c);
        const float std_dev = normalization.std_of(c);
        for (int y = 0; y < input.height(); ++y) {
            const float* in = input.row(c, y);
            float* row = out.row(c, y);
            for (int x = 0; x < input.width(); ++x)
                row[x] = (in[x] - mean) / std_dev;
        }
    }
    return out;
}

namespace {

// The scaled size that just covers `size` with the image's aspect ratio (a centre crop's
// first step), as torchvision's Resize(shorter side) computes it.
Pair covering_size(Shape image, Pair size) {
    const double scale = std::max(double(size.h) / image.height, double(size.w) / image.width);
    return {std::max(size.h, int(std::lround(image.height * scale))),
            std::max(size.w, int(std::lround(image.width * scale)))};
}

// One channel of `image` resized to `to` into a dense float matrix.
cv::Mat resized_channel(const Tensor& image, int channel, Pair to) {
    const cv::Mat view(image.height(), image.width(), CV_32F,
                       const_cast<float*>(image.channel_data(channel)),
                       image.row_stride() * sizeof(float));
    if (to.h == image.height() && to.w == image.width())
        return view;
    const bool shrinking = to.h <= image.height() && to.w <= image.width();
    cv::Mat out;
    cv::resize(view, out, cv::Size(to.w, to.h), 0, 0,
               shrinking ? cv::INTER_AREA : cv::INTER_LINEAR);
    return out;
}

bool fits_already(Shape image, Pair size, InputFit fit) {
    return fit == InputFit::Whole || size.h <= 0 || size.w <= 0 || image.empty() ||
           (image.height == size.h && image.width == size.w);
}

} // namespace

Shape fitted_shape(Shape image, Pair size, InputFit fit) {
    if (fits_already(image, size, fit))
        return image;
    return {image.channels, size.h, size.w};
}

Tensor fit_input(const Tensor& image, Pair size, InputFit fit) {
    if (fits_already(image.shape(), size, fit))
        return image;
    const Pair scaled = fit == InputFit::Resize ? size : covering_size(image.shape(), size);
    // torchvision's CenterCrop: int(round((scaled - size) / 2)).
    const int top = int(std::lround((scaled.h - size.h) / 2.0));
    const int left = int(std::lround((scaled.w - size.w) / 2.0));
    Tensor out(Shape{image.channels(), size.h, size.w});
    for (int c = 0; c < image.channels(); ++c) {
        const cv::Mat resized = resized_channel(image, c, scaled);
        for (int y = 0; y < size.h; ++y)
            std::copy_n(resized.ptr<float>(top + y) + left, size.w, out.row(c, y));
    }
    return out;
}

} // namespace convscope
