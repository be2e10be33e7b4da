// OpenCV's nearest equivalent of each single-channel and element-wise benchmark case: the calls a
// user of OpenCV would write to get the same numbers (multi-channel layers: bench_dnn.cpp). Each
// equivalent allocates its outputs once, so the timed passes measure the computation, as the
// engine's repeated runs do.

#include "bench_suite.hpp"

#include <opencv2/imgproc.hpp>

#include <cassert>

namespace convscope::bench {

cv::Mat plane_view(const Tensor& tensor, int c) {
    // OpenCV takes a non-const pointer; the passes below only read their inputs.
    float* data = const_cast<float*>(tensor.channel_data(c));
    return cv::Mat(tensor.height(), tensor.width(), CV_32F, data,
                   tensor.row_stride() * sizeof(float));
}

namespace {

std::vector<cv::Mat> plane_views(const Tensor& tensor) {
    std::vector<cv::Mat> planes;
    for (int c = 0; c < tensor.channels(); ++c)
        planes.push_back(plane_view(tensor, c));
    return planes;
}

std::vector<cv::Mat> allocated_planes(int count, cv::Size size) {
    std::vector<cv::Mat> planes;
    for (int c = 0; c < count; ++c)
        planes.emplace_back(size, CV_32F);
    return planes;
}

// Kernel (o, i) of conv weights as an OpenCV filter kernel.
cv::Mat kernel_plane(const ConvWeights& weights, int o, int i) {
    cv::Mat kernel(weights.kernel_h, weights.kernel_w, CV_32F);
    for (int y = 0; y < weights.kernel_h; ++y)
        for (int x = 0; x < weights.kernel_w; ++x)
            kernel.at<float>(y, x) = weights.at(o, i, y, x);
    return kernel;
}

// The centred anchor of an odd kernel is what "same" padding means.
const cv::Point kCentredAnchor(-1, -1);

} // namespace

OpenCvEquivalent opencv_filter2d(const Conv2d& conv) {
    assert(conv.weights.out_channels == 1 && conv.weights.in_channels == 1);
    const cv::Mat kernel = kernel_plane(conv.weights, 0, 0);
    const double bias = conv.bias.empty() ? 0.0 : conv.bias[0];
    return [kernel, bias](const Tensor& input) -> OpenCvPass {
        const cv::Mat source = plane_view(input, 0);
        cv::Mat result(source.size(), CV_32F);
        return [=]() mutable {
            cv::filter2D(source, result, CV_32F, kernel, kCentredAnchor, bias, cv::BORDER_CONSTANT);
        };
    };
}

OpenCvEquivalent opencv_sep_filter2d(const std::vector<float>& row_kernel,
                                     const std::vector<float>& column_kernel) {
    const cv::Mat kx = cv::Mat(row_kernel, true);
    const cv::Mat ky = cv::Mat(column_kernel, true);
    return [kx, ky](const Tensor& input) -> OpenCvPass {
        const cv::Mat source = plane_view(input, 0);
        cv::Mat result(source.size(), CV_32F);
        return [=]() mutable {
            cv::sepFilter2D(source, result, CV_32F, kx, ky, kCentredAnchor, 0, cv::BORDER_CONSTANT);
        };
    };
}

OpenCvEquivalent opencv_box_filter(int size) {
    return [size](const Tensor& input) -> OpenCvPass {
        const cv::Mat source = plane_view(input, 0);
        cv::Mat result(source.size(), CV_32F);
        return [=]() mutable {
            cv::boxFilter(source, result, CV_32F, cv::Size(size, size), kCentredAnchor,
                          /*normalize=*/true, cv::BORDER_CONSTANT);
        };
    };
}

OpenCvEquivalent opencv_relu() {
    return [](const Tensor& input) -> OpenCvPass {
        const std::vector<cv::Mat> sources = plane_views(input);
        std::vector<cv::Mat> results = allocated_planes(input.channels(), sources[0].size());
        return [=]() mutable {
            for (std::size_t c = 0; c < sources.size(); ++c)
                cv::max(sources[c], 0.0, results[c]);
        };
    };
}

OpenCvEquivalent opencv_maxpool_2x2() {
    // Dilation with a 2×2 window anchored at its top-left corner puts the max of each window at
    // the window's first pixel; nearest-neighbour halving then keeps every second pixel. The
    // dilated map is cropped to whole windows so the halving is exact, as floor mode drops them.
    return [](const Tensor& input) -> OpenCvPass {
        const std::vector<cv::Mat> sources = plane_views(input);
        const cv::Size pooled(input.width() / 2, input.height() / 2);
        const cv::Rect whole_windows(0, 0, pooled.width * 2, pooled.height * 2);
        const cv::Mat window = cv::Mat::ones(2, 2, CV_8U);
        std::vector<cv::Mat> dilated = allocated_planes(input.channels(), sources[0].size());
        std::vector<cv::Mat> results = allocated_planes(input.channels(), pooled);
        return [=]() mutable {
            for (std::size_t c = 0; c < sources.size(); ++c) {
                cv::dilate(sources[c], dilated[c], window, cv::Point(0, 0), 1, cv::BORDER_CONSTANT,
                           cv::morphologyDefaultBorderValue());
                cv::resize(dilated[c](whole_windows), results[c], pooled, 0, 0, cv::INTER_NEAREST);
            }
        };
    };
}

OpenCvEquivalent opencv_maxpool_3x3_stride1() {
    // The default morphology border reads as -inf for dilation: PyTorch's max-pool padding.
    return [](const Tensor& input) -> OpenCvPass {
        const cv::Mat source = plane_view(input, 0);
        const cv::Mat window = cv::Mat::ones(3, 3, CV_8U);
        cv::Mat result(source.size(), CV_32F);
        return [=]() mutable {
            cv::dilate(source, result, window, kCentredAnchor, 1, cv::BORDER_CONSTANT,
                       cv::morphologyDefaultBorderValue());
        };
    };
}

} // namespace convscope::bench
