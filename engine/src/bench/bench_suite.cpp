// The benchmark suite: single layers at photo sizes, multi-channel convolutions at network sizes,
// and the default pipeline. Inputs are cut from a real photo, not noise, so data-dependent
// branches (max pooling, ReLU) see what they see in use.

#include "bench_suite.hpp"

#include "convscope/image_io.hpp"
#include "convscope/pipeline_json.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <random>

namespace convscope::bench {

namespace {

// ---- Images ---------------------------------------------------------------------------------

// A tensor holding `planes` (equal-sized single-channel float matrices) as its channels.
Tensor tensor_from_planes(const std::vector<cv::Mat>& planes) {
    Tensor tensor(static_cast<int>(planes.size()), planes[0].rows, planes[0].cols);
    for (int c = 0; c < tensor.channels(); ++c)
        planes[c].copyTo(plane_view(tensor, c));
    return tensor;
}

std::vector<cv::Mat> planes_of(const Tensor& tensor) {
    std::vector<cv::Mat> planes;
    for (int c = 0; c < tensor.channels(); ++c)
        planes.push_back(plane_view(tensor, c).clone());
    return planes;
}

// Scales `image` to cover `size` and crops the middle, so the picture keeps its proportions.
cv::Mat cover_and_crop(const cv::Mat& image, cv::Size size) {
    const double scale = std::max(static_cast<double>(size.width) / image.cols,
                                  static_cast<double>(size.height) / image.rows);
    const cv::Size covering(
        std::max(size.width, static_cast<int>(std::lround(image.cols * scale))),
        std::max(size.height, static_cast<int>(std::lround(image.rows * scale))));
    cv::Mat scaled;
    cv::resize(image, scaled, covering, 0, 0, scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
    const cv::Rect middle((covering.width - size.width) / 2, (covering.height - size.height) / 2,
                          size.width, size.height);
    return scaled(middle).clone();
}

std::vector<cv::Mat> cover_and_crop(const std::vector<cv::Mat>& planes, cv::Size size) {
    std::vector<cv::Mat> cropped;
    for (const cv::Mat& plane : planes)
        cropped.push_back(cover_and_crop(plane, size));
    return cropped;
}

} // namespace

class Images {
public:
    explicit Images(const SuiteSources& sources) : sources_(sources) {}

    // A case's nominal size; quick runs take 1/16 of it (at least 16×16).
    cv::Size size(int width, int height) const {
        if (!sources_.quick)
            return {width, height};
        return {std::max(16, width / 16), std::max(16, height / 16)};
    }

    // The photo, gray (one channel) or RGB (three), cut to `size`.
    Tensor photo(InputMode mode, cv::Size size) {
        return tensor_from_planes(cover_and_crop(photo_planes(mode), size));
    }

    // A stack of `channels` feature-map-like planes: the photo's R, G, B in turn, each shifted
    // down by a different amount so the stack has both signs in varying proportions, as the
    // maps inside a network do (ReLU and max pooling then branch as they would in use).
    Tensor feature_stack(int channels, cv::Size size) {
        const std::vector<cv::Mat> rgb = cover_and_crop(photo_planes(InputMode::Rgb), size);
        std::vector<cv::Mat> stack(channels);
        for (int k = 0; k < channels; ++k) {
            const double shift = (k + 0.5) / channels;
            rgb[k % 3].convertTo(stack[k], CV_32F, 1.0, -shift);
        }
        return tensor_from_planes(stack);
    }

    const SuiteSources& sources() const { return sources_; }

    // The default sample as the pipeline reads it (quick runs: 1/16 of its size).
    Tensor sample(InputMode mode) const {
        Tensor image = load_input(sources_.default_sample_path, mode);
        if (!sources_.quick)
            return image;
        return tensor_from_planes(
            cover_and_crop(planes_of(image), size(image.width(), image.height())));
    }

private:
    const std::vector<cv::Mat>& photo_planes(InputMode mode) {
        std::vector<cv::Mat>& planes = mode == InputMode::Gray ? gray_ : rgb_;
        if (planes.empty())
            planes = planes_of(load_input(sources_.photo_path, mode));
        return planes;
    }

    const SuiteSources& sources_;
    std::vector<cv::Mat> gray_; // decoded on first use, then cut for every case
    std::vector<cv::Mat> rgb_;
};

namespace {

// ---- Layers ---------------------------------------------------------------------------------

// The input mode only says how a file is loaded; the multi-channel cases make their inputs here
// and name any mode.
Pipeline single_layer(InputMode mode, LayerOp op, std::string name) {
    Pipeline pipeline;
    pipeline.input_mode = mode;
    pipeline.layers.push_back(Layer{std::move(name), true, std::move(op)});
    return pipeline;
}

// Stride 1, "same" zero padding: the output has the input's size.
Conv2d same_conv(ConvWeights weights, std::vector<float> bias = {}) {
    Conv2d conv;
    conv.weights = std::move(weights);
    conv.bias = std::move(bias);
    conv.padding = ConvPadding::same();
    return conv;
}

// Seeded uniform weights scaled by 1/sqrt(fan-in), as a network's initialisation: outputs stay
// near the inputs' magnitude, and a random kernel has full rank, so no separable shortcut applies.
ConvWeights random_weights(int out_channels, int in_channels, int size, unsigned seed) {
    ConvWeights w{out_channels, in_channels, size, size, {}};
    const float limit = 1.0f / std::sqrt(static_cast<float>(in_channels * size * size));
    std::mt19937 random(seed);
    std::uniform_real_distribution<float> uniform(-limit, limit);
    w.values.resize(static_cast<std::size_t>(out_channels) * in_channels * size * size);
    for (float& v : w.values.write())
        v = uniform(random);
    return w;
}

std::vector<float> random_bias(int count, unsigned seed) {
    std::mt19937 random(seed);
    std::uniform_real_distribution<float> uniform(-0.1f, 0.1f);
    std::vector<float> bias(count);
    for (float& b : bias)
        b = uniform(random);
    return bias;
}

// A normalised 1-D Gaussian of `size` taps.
std::vector<float> gaussian_taps(int size, double sigma) {
    std::vector<float> taps(size);
    double sum = 0;
    for (int i = 0; i < size; ++i) {
        const double d = i - (size - 1) / 2.0;
        taps[i] = static_cast<float>(std::exp(-d * d / (2 * sigma * sigma)));
        sum += taps[i];
    }
    for (float& t : taps)
        t = static_cast<float>(t / sum);
    return taps;
}

// The rank-1 kernel column × row.
ConvWeights outer_product(const std::vector<float>& column, const std::vector<float>& row) {
    ConvWeights w{1, 1, static_cast<int>(column.size()), static_cast<int>(row.size()), {}};
    for (float c : column)
        for (float r : row)
            w.values.push_back(c * r);
    return w;
}

Pool2d max_pool(int size, int stride, int padding) {
    Pool2d pool;
    pool.kind = PoolKind::Max;
    pool.kernel_size = Pair::square(size);
    pool.stride = Pair::square(stride);
    pool.padding = Pair::square(padding);
    return pool;
}

// ---- Cases ----------------------------------------------------------------------------------

// A generic (non-separable) size×size kernel on the gray photo, against filter2D.
SuiteCase gray_conv(Images& images, const std::string& name, int size) {
    const Conv2d conv = same_conv(random_weights(1, 1, size, 1000 + size));
    return {name, single_layer(InputMode::Gray, conv, name),
            images.photo(InputMode::Gray, images.size(1920, 1080)), opencv_filter2d(conv)};
}

SuiteCase gauss9x9_gray(Images& images, const std::string& name) {
    const std::vector<float> taps = gaussian_taps(9, 2.0);
    const Conv2d conv = same_conv(outer_product(taps, taps));
    return {name, single_layer(InputMode::Gray, conv, name),
            images.photo(InputMode::Gray, images.size(1920, 1080)),
            opencv_sep_filter2d(taps, taps)};
}

SuiteCase box15x15_gray(Images& images, const std::string& name) {
    const Conv2d conv = same_conv(ConvWeights{1, 1, 15, 15, std::vector<float>(225, 1.0f / 225)});
    return {name, single_layer(InputMode::Gray, conv, name),
            images.photo(InputMode::Gray, images.size(1920, 1080)), opencv_box_filter(15)};
}

SuiteCase relu_16ch_540p(Images& images, const std::string& name) {
    return {name, single_layer(InputMode::Gray, Activation{ActivationKind::ReLU}, name),
            images.feature_stack(16, images.size(960, 540)), opencv_relu()};
}

SuiteCase maxpool2x2_16ch_540p(Images& images, const std::string& name) {
    return {name, single_layer(InputMode::Gray, max_pool(2, 2, 0), name),
            images.feature_stack(16, images.size(960, 540)), opencv_maxpool_2x2()};
}

SuiteCase maxpool3x3s1_gray(Images& images, const std::string& name) {
    return {name, single_layer(InputMode::Gray, max_pool(3, 1, 1), name),
            images.photo(InputMode::Gray, images.size(1920, 1080)), opencv_maxpool_3x3_stride1()};
}

// A network-style 3×3 conv with bias, from `in` to `out` channels.
Conv2d network_conv(int in, int out, unsigned seed) {
    return same_conv(random_weights(out, in, 3, seed), random_bias(out, seed + 1));
}

SuiteCase conv3x3_3to16_rgb(Images& images, const std::string& name) {
    const Conv2d conv = network_conv(3, 16, 2000);
    return {name, single_layer(InputMode::Rgb, conv, name),
            images.photo(InputMode::Rgb, images.size(1920, 1080)), opencv_multichannel_conv(conv)};
}

SuiteCase conv3x3_16to32_540p(Images& images, const std::string& name) {
    const Conv2d conv = network_conv(16, 32, 3000);
    return {name, single_layer(InputMode::Gray, conv, name),
            images.feature_stack(16, images.size(960, 540)), opencv_multichannel_conv(conv)};
}

// A deep layer of a small network: 4096 filter2D calls on 56×56 maps would measure call
// overhead, not convolution, so there is no OpenCV figure here.
SuiteCase conv3x3_64to64_56(Images& images, const std::string& name) {
    const Conv2d conv = network_conv(64, 64, 4000);
    return {name,
            single_layer(InputMode::Gray, conv, name),
            images.feature_stack(64, images.size(56, 56)),
            {}};
}

SuiteCase default_pipeline(Images& images, const std::string& name) {
    Pipeline pipeline = load_pipeline(images.sources().default_pipeline_path);
    Tensor input = images.sample(pipeline.input_mode);
    return {name, std::move(pipeline), std::move(input), {}};
}

SuiteCase default_pipeline_1080p(Images& images, const std::string& name) {
    Pipeline pipeline = load_pipeline(images.sources().default_pipeline_path);
    Tensor input = images.photo(pipeline.input_mode, images.size(1920, 1080));
    return {name, std::move(pipeline), std::move(input), {}};
}

struct Recipe {
    std::string name;
    SuiteCase (*make)(Images&, const std::string& name);
};

// The suite, in the order it runs.
const std::vector<Recipe>& recipes() {
    static const std::vector<Recipe> all = {
        {"conv3x3_gray", [](Images& i, const std::string& n) { return gray_conv(i, n, 3); }},
        {"conv5x5_gray", [](Images& i, const std::string& n) { return gray_conv(i, n, 5); }},
        {"conv7x7_gray", [](Images& i, const std::string& n) { return gray_conv(i, n, 7); }},
        {"conv11x11_gray", [](Images& i, const std::string& n) { return gray_conv(i, n, 11); }},
        {"conv15x15_gray", [](Images& i, const std::string& n) { return gray_conv(i, n, 15); }},
        // Large enough for the FFT path (the crossover is near 17×17).
        {"conv31x31_gray", [](Images& i, const std::string& n) { return gray_conv(i, n, 31); }},
        {"gauss9x9_gray", gauss9x9_gray},
        {"box15x15_gray", box15x15_gray},
        {"relu_16ch_540p", relu_16ch_540p},
        {"maxpool2x2_16ch_540p", maxpool2x2_16ch_540p},
        {"maxpool3x3s1_gray", maxpool3x3s1_gray},
        {"conv3x3_3to16_rgb", conv3x3_3to16_rgb},
        {"conv3x3_16to32_540p", conv3x3_16to32_540p},
        {"conv3x3_64to64_56", conv3x3_64to64_56},
        {"default_pipeline", default_pipeline},
        {"default_pipeline_1080p", default_pipeline_1080p},
    };
    return all;
}

} // namespace

const std::vector<std::string>& Suite::case_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> list;
        for (const Recipe& recipe : recipes())
            list.push_back(recipe.name);
        return list;
    }();
    return names;
}

Suite::Suite(SuiteSources sources)
    : sources_(std::move(sources)), images_(std::make_unique<Images>(sources_)) {}

Suite::~Suite() = default;

SuiteCase Suite::make_case(int index) {
    const Recipe& recipe = recipes().at(index);
    return recipe.make(*images_, recipe.name);
}

} // namespace convscope::bench
