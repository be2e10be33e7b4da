// The benchmark suite: single-channel filters and element-wise layers at photo sizes, the
// multi-channel layers real networks spend their time in (ResNet's 3×3 stages, its strided stem,
// pointwise and depthwise convs), and the default pipeline. Inputs are cut from a real photo, not
// noise, so data-dependent branches (max pooling, ReLU) see what they see in use.

#include "bench_suite.hpp"

#include "convscope/image_io.hpp"
#include "convscope/pipeline_json.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <tuple>

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

    // A case's nominal size; quick runs take 1/16 of it (at least 16×16, or the nominal size if
    // that is smaller).
    cv::Size size(int width, int height) const {
        if (!sources_.quick)
            return {width, height};
        return {std::min(width, std::max(16, width / 16)),
                std::min(height, std::max(16, height / 16))};
    }

    // A network layer's channel count; quick runs take 1/8 of it (at least 1), so the
    // reference's loops over deep layers stay short.
    int channels(int count) const { return sources_.quick ? std::max(1, count / 8) : count; }

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
    return {name,
            single_layer(InputMode::Gray, conv, name),
            images.photo(InputMode::Gray, images.size(1920, 1080)),
            opencv_filter2d(conv),
            {}};
}

SuiteCase gauss9x9_gray(Images& images, const std::string& name) {
    const std::vector<float> taps = gaussian_taps(9, 2.0);
    const Conv2d conv = same_conv(outer_product(taps, taps));
    return {name,
            single_layer(InputMode::Gray, conv, name),
            images.photo(InputMode::Gray, images.size(1920, 1080)),
            opencv_sep_filter2d(taps, taps),
            {}};
}

SuiteCase box15x15_gray(Images& images, const std::string& name) {
    const Conv2d conv = same_conv(ConvWeights{1, 1, 15, 15, std::vector<float>(225, 1.0f / 225)});
    return {name,
            single_layer(InputMode::Gray, conv, name),
            images.photo(InputMode::Gray, images.size(1920, 1080)),
            opencv_box_filter(15),
            {}};
}

SuiteCase relu_16ch_540p(Images& images, const std::string& name) {
    return {name,
            single_layer(InputMode::Gray, Activation{ActivationKind::ReLU}, name),
            images.feature_stack(16, images.size(960, 540)),
            opencv_relu(),
            {}};
}

SuiteCase maxpool2x2_16ch_540p(Images& images, const std::string& name) {
    return {name,
            single_layer(InputMode::Gray, max_pool(2, 2, 0), name),
            images.feature_stack(16, images.size(960, 540)),
            opencv_maxpool_2x2(),
            {}};
}

SuiteCase maxpool3x3s1_gray(Images& images, const std::string& name) {
    return {name,
            single_layer(InputMode::Gray, max_pool(3, 1, 1), name),
            images.photo(InputMode::Gray, images.size(1920, 1080)),
            opencv_maxpool_3x3_stride1(),
            {}};
}

// A network layer: seeded random weights and bias, zero padding k/2 (PyTorch's "same" at
// stride 1), as the layers of ResNet and MobileNet.
Conv2d network_conv(int in, int out, int size, int stride, int groups, unsigned seed) {
    Conv2d conv;
    conv.weights = random_weights(out, in / groups, size, seed);
    conv.bias = random_bias(out, seed + 1);
    conv.stride = Pair::square(stride);
    conv.padding = ConvPadding::explicit_size(Pair::square(size / 2));
    conv.groups = groups;
    return conv;
}

// A pipeline against OpenCV's DNN module running the same layers.
SuiteCase against_dnn(const std::string& name, Pipeline pipeline, Tensor input) {
    OpenCvEquivalent opencv = opencv_dnn(pipeline);
    OpenCvOutput output;
    if (opencv)
        output = [pipeline](const Tensor& in) { return opencv_dnn_output(pipeline, in); };
    return {name, std::move(pipeline), std::move(input), std::move(opencv), std::move(output)};
}

// One multi-channel conv on a stack of feature maps (or on the RGB photo for 3 channels), against
// OpenCV's DNN module.
SuiteCase network_layer(Images& images, const std::string& name, const Conv2d& conv, int size_w,
                        int size_h) {
    const int channels = conv.weights.in_channels * conv.groups;
    Pipeline pipeline = single_layer(channels == 3 ? InputMode::Rgb : InputMode::Gray, conv, name);
    Tensor input = channels == 3 ? images.photo(InputMode::Rgb, images.size(size_w, size_h))
                                 : images.feature_stack(channels, images.size(size_w, size_h));
    return against_dnn(name, std::move(pipeline), std::move(input));
}

using MakeCase = std::function<SuiteCase(Images&, const std::string& name)>;

// A network layer on square maps: `in` → `out` channels, kernel×kernel, on size × size maps.
MakeCase network(int in, int out, int kernel, int stride, int groups, int size, unsigned seed) {
    return [=](Images& images, const std::string& name) {
        const auto scaled = [&](int channels) {
            return channels == 3 ? 3 : images.channels(channels);
        };
        const int g = groups == 1 ? 1 : scaled(groups);
        return network_layer(images, name,
                             network_conv(scaled(in), scaled(out), kernel, stride, g, seed), size,
                             size);
    };
}

SuiteCase default_pipeline(Images& images, const std::string& name) {
    Pipeline pipeline = load_pipeline(images.sources().default_pipeline_path);
    Tensor input = images.sample(pipeline.input_mode);
    return against_dnn(name, std::move(pipeline), std::move(input));
}

SuiteCase default_pipeline_1080p(Images& images, const std::string& name) {
    Pipeline pipeline = load_pipeline(images.sources().default_pipeline_path);
    Tensor input = images.photo(pipeline.input_mode, images.size(1920, 1080));
    return against_dnn(name, std::move(pipeline), std::move(input));
}

// ---- ResNet-18 --------------------------------------------------------------------------------

// ResNet-18's trunk (conv1 … layer4, torchvision's layout: convs without bias, each followed by
// a batch norm) built as a pipeline with random weights and batch-norm statistics. Each block
// lists its shortcut first, so that conv → batch norm → add → ReLU ends the block in a row.
class TrunkBuilder {
public:
    TrunkBuilder(int scale, unsigned seed) : scale_(scale), random_(seed) {
        pipeline_.input_mode = InputMode::Rgb;
    }

    int channels(int count) const { return count == 3 ? 3 : std::max(1, count / scale_); }

    // Appends conv (no bias, padding k/2) and its batch norm; returns the batch norm's index.
    int conv_bn(int input, int in, int out, int kernel, int stride, const std::string& name) {
        Conv2d conv;
        conv.weights = random_weights(channels(out), channels(in), kernel, next_seed());
        conv.stride = Pair::square(stride);
        conv.padding = ConvPadding::explicit_size(Pair::square(kernel / 2));
        add(name, conv, {input});
        return add(name + ".bn", batch_norm(channels(out)), {});
    }

    int relu(const std::string& name) { return add(name, Activation{ActivationKind::ReLU}, {}); }

    int max_pool(const std::string& name) {
        Pool2d pool;
        pool.kernel_size = Pair::square(3);
        pool.stride = Pair::square(2);
        pool.padding = Pair::square(1);
        return add(name, pool, {});
    }

    // A basic block reading layer `input` (in channels), stride on its first conv.
    int basic_block(int input, int in, int out, int stride, const std::string& name) {
        int shortcut = input;
        if (stride != 1 || in != out)
            shortcut = conv_bn(input, in, out, 1, stride, name + ".downsample");
        conv_bn(input, in, out, 3, stride, name + ".conv1");
        relu(name + ".relu1");
        const int second = conv_bn(last(), out, out, 3, 1, name + ".conv2");
        add(name + ".add", Add{}, {second, shortcut});
        return relu(name + ".relu2");
    }

    Pipeline take() { return std::move(pipeline_); }

private:
    int last() const { return static_cast<int>(pipeline_.layers.size()) - 1; }

    // Appends a layer; inputs {} read the previous layer, {-1} the pipeline input.
    int add(const std::string& name, LayerOp op, std::vector<int> inputs) {
        if (inputs.size() == 1 && inputs[0] == last())
            inputs.clear(); // the previous layer: the default
        pipeline_.layers.push_back(Layer{name, true, std::move(op), std::move(inputs)});
        return last();
    }

    BatchNorm2d batch_norm(int count) {
        std::uniform_real_distribution<float> unit(0.5f, 1.5f), shift(-0.1f, 0.1f);
        BatchNorm2d bn;
        for (int c = 0; c < count; ++c) {
            bn.weight.push_back(unit(random_));
            bn.bias.push_back(shift(random_));
            bn.running_mean.push_back(shift(random_));
            bn.running_var.push_back(unit(random_));
        }
        return bn;
    }

    unsigned next_seed() { return static_cast<unsigned>(random_()); }

    int scale_;
    std::mt19937 random_;
    Pipeline pipeline_;
};

SuiteCase resnet18_trunk(Images& images, const std::string& name) {
    TrunkBuilder trunk(images.sources().quick ? 8 : 1, 5000); // quick: 1/8 of the channels
    trunk.conv_bn(kPipelineInput, 3, 64, 7, 2, "conv1");
    trunk.relu("relu");
    int x = trunk.max_pool("maxpool");
    int in = 64;
    for (const auto& [out, stride, stage] :
         {std::tuple{64, 1, "layer1"}, std::tuple{128, 2, "layer2"}, std::tuple{256, 2, "layer3"},
          std::tuple{512, 2, "layer4"}}) {
        x = trunk.basic_block(x, in, out, stride, std::string(stage) + ".0");
        x = trunk.basic_block(x, out, out, 1, std::string(stage) + ".1");
        in = out;
    }
    Pipeline pipeline = trunk.take();
    pipeline.description = "ResNet-18 trunk (conv1 … layer4), random weights";
    return against_dnn(name, std::move(pipeline),
                       images.photo(InputMode::Rgb, images.size(224, 224)));
}

struct Recipe {
    std::string name;
    MakeCase make;
};

MakeCase gray(int size) {
    return [size](Images& i, const std::string& n) { return gray_conv(i, n, size); };
}

// The suite, in the order it runs.
const std::vector<Recipe>& recipes() {
    static const std::vector<Recipe> all = {
        // Single-channel filters on the gray photo, against filter2D and friends.
        {"conv3x3_gray", gray(3)},
        {"conv5x5_gray", gray(5)},
        {"conv7x7_gray", gray(7)},
        {"conv11x11_gray", gray(11)},
        {"conv15x15_gray", gray(15)},
        {"conv31x31_gray", gray(31)}, // large enough for the FFT path
        {"gauss9x9_gray", gauss9x9_gray},
        {"box15x15_gray", box15x15_gray},
        {"relu_16ch_540p", relu_16ch_540p},
        {"maxpool2x2_16ch_540p", maxpool2x2_16ch_540p},
        {"maxpool3x3s1_gray", maxpool3x3s1_gray},
        // Multi-channel layers, against OpenCV's DNN module: the first layers of a small
        // network at photo sizes, then the layers real networks spend their time in.
        {"conv3x3_3to16_rgb",
         [](Images& i, const std::string& n) {
             return network_layer(i, n, network_conv(3, 16, 3, 1, 1, 2000), 1920, 1080);
         }},
        {"conv3x3_16to32_540p",
         [](Images& i, const std::string& n) {
             return network_layer(i, n, network_conv(16, 32, 3, 1, 1, 3000), 960, 540);
         }},
        {"resnet_3x3_64to64_56", network(64, 64, 3, 1, 1, 56, 4000)},
        {"resnet_3x3_128to128_28", network(128, 128, 3, 1, 1, 28, 4100)},
        {"resnet_3x3_256to256_14", network(256, 256, 3, 1, 1, 14, 4200)},
        {"resnet_3x3_512to512_7", network(512, 512, 3, 1, 1, 7, 4300)},
        {"resnet_conv1_7x7s2_3to64_224", network(3, 64, 7, 2, 1, 224, 4400)},
        {"resnet_3x3s2_64to128_56", network(64, 128, 3, 2, 1, 56, 4500)},
        {"pointwise_1x1_64to256_56", network(64, 256, 1, 1, 1, 56, 4600)},
        {"depthwise_3x3_32ch_112", network(32, 32, 3, 1, 32, 112, 4700)},
        {"resnet18_trunk_224", resnet18_trunk},
        // The app's default pipeline, at its sample's size and at 1080p.
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
