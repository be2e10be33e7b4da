// OpenCV's DNN module as the peer for multi-channel layers and whole networks: the pipeline
// rebuilt layer by layer as a cv::dnn::Net on OpenCV's own CPU backend, which is what a user of
// OpenCV would run (it packs the weights, picks its own kernels and fuses conv + activation).

#include "bench_suite.hpp"

#include <opencv2/dnn.hpp>

#include <optional>
#include <span>
#include <string>

namespace convscope::bench {

namespace {

// A 1×C×H×W blob holding the tensor's values (NCHW, dense).
cv::Mat blob_from_tensor(const Tensor& tensor) {
    const int sizes[] = {1, tensor.channels(), tensor.height(), tensor.width()};
    cv::Mat blob(4, sizes, CV_32F);
    float* dst = blob.ptr<float>();
    for (int c = 0; c < tensor.channels(); ++c)
        for (int y = 0; y < tensor.height(); ++y, dst += tensor.width())
            std::copy(tensor.row(c, y), tensor.row(c, y) + tensor.width(), dst);
    return blob;
}

void set_pads(cv::dnn::LayerParams& params, const PadSides& pad) {
    params.set("pad_t", pad.top);
    params.set("pad_l", pad.left);
    params.set("pad_b", pad.bottom);
    params.set("pad_r", pad.right);
}

// A 1×n row of values, as the DNN module's per-channel blobs are.
cv::Mat row_blob(std::span<const float> values) {
    cv::Mat blob(1, static_cast<int>(values.size()), CV_32F);
    std::copy(values.begin(), values.end(), blob.ptr<float>());
    return blob;
}

std::optional<cv::dnn::LayerParams> conv_params(const Conv2d& conv) {
    if (conv.padding_mode != PaddingMode::Zeros)
        return std::nullopt; // the DNN module pads convolutions with zeros only
    const ConvWeights& w = conv.weights;
    cv::dnn::LayerParams params;
    params.type = "Convolution";
    params.set("num_output", w.out_channels);
    params.set("group", conv.groups);
    params.set("kernel_h", w.kernel_h);
    params.set("kernel_w", w.kernel_w);
    params.set("stride_h", conv.stride.h);
    params.set("stride_w", conv.stride.w);
    params.set("dilation_h", conv.dilation.h);
    params.set("dilation_w", conv.dilation.w);
    set_pads(params, conv.pad_sides());
    const int shape[] = {w.out_channels, w.in_channels, w.kernel_h, w.kernel_w};
    cv::Mat weights(4, shape, CV_32F);
    std::copy(w.values.begin(), w.values.end(), weights.ptr<float>());
    params.blobs.push_back(weights);
    params.set("bias_term", !conv.bias.empty());
    if (!conv.bias.empty())
        params.blobs.push_back(row_blob(conv.bias));
    return params;
}

cv::dnn::LayerParams pool_params(const Pool2d& pool) {
    cv::dnn::LayerParams params;
    params.type = "Pooling";
    params.set("pool", pool.kind == PoolKind::Max ? "max" : "ave");
    params.set("kernel_h", pool.kernel_size.h);
    params.set("kernel_w", pool.kernel_size.w);
    params.set("stride_h", pool.stride.h);
    params.set("stride_w", pool.stride.w);
    set_pads(params, {pool.padding.h, pool.padding.h, pool.padding.w, pool.padding.w});
    params.set("ceil_mode", pool.ceil_mode);
    params.set("ave_pool_padded_area", pool.count_include_pad);
    return params;
}

cv::dnn::LayerParams activation_params(const Activation& activation) {
    cv::dnn::LayerParams params;
    switch (activation.kind) {
    case ActivationKind::ReLU:
        params.type = "ReLU";
        break;
    case ActivationKind::LeakyReLU:
        params.type = "ReLU";
        params.set("negative_slope", activation.negative_slope);
        break;
    case ActivationKind::Sigmoid:
        params.type = "Sigmoid";
        break;
    case ActivationKind::Tanh:
        params.type = "TanH";
        break;
    default: // layer_params offers OpenCV only the kinds above
        break;
    }
    return params;
}

cv::dnn::LayerParams batch_norm_params(const BatchNorm2d& bn) {
    cv::dnn::LayerParams params;
    params.type = "BatchNorm";
    params.set("eps", bn.eps);
    params.set("has_weight", true);
    params.set("has_bias", true);
    params.blobs = {row_blob(bn.running_mean), row_blob(bn.running_var), row_blob(bn.weight),
                    row_blob(bn.bias)};
    return params;
}

std::optional<cv::dnn::LayerParams> layer_params(const Layer& layer) {
    if (const auto* conv = std::get_if<Conv2d>(&layer.op))
        return conv_params(*conv);
    if (const auto* pool = std::get_if<Pool2d>(&layer.op))
        return pool_params(*pool);
    if (const auto* act = std::get_if<Activation>(&layer.op)) {
        if (act->kind != ActivationKind::ReLU && act->kind != ActivationKind::LeakyReLU &&
            act->kind != ActivationKind::Sigmoid && act->kind != ActivationKind::Tanh)
            return std::nullopt;
        return activation_params(*act);
    }
    if (const auto* bn = std::get_if<BatchNorm2d>(&layer.op))
        return batch_norm_params(*bn);
    if (const auto* add = std::get_if<Add>(&layer.op); add && add->constant.empty()) {
        cv::dnn::LayerParams params;
        params.type = "Eltwise";
        params.set("operation", "sum");
        return params;
    }
    return std::nullopt; // no DNN equivalent here
}

// The pipeline as a graph of DNN layers, each connected to the layers it reads; empty when a
// layer has no DNN equivalent.
std::optional<cv::dnn::Net> build_net(const Pipeline& pipeline) {
    cv::dnn::Net net;
    net.setInputsNames({"input"});
    std::vector<int> ids; // the DNN layer holding each pipeline layer's output (0: the input)
    const auto id_of = [&](int source) { return source == kPipelineInput ? 0 : ids[source]; };
    for (std::size_t i = 0; i < pipeline.layers.size(); ++i) {
        const Layer& layer = pipeline.layers[i];
        const int index = static_cast<int>(i);
        if (!layer.enabled) { // passes its first input through
            ids.push_back(id_of(input_index(layer, index, 0)));
            continue;
        }
        std::optional<cv::dnn::LayerParams> params = layer_params(layer);
        if (!params)
            return std::nullopt;
        params->name = "layer" + std::to_string(i);
        const int id = net.addLayer(params->name, params->type, *params);
        for (int k = 0; k < input_count(layer); ++k)
            net.connect(id_of(input_index(layer, index, k)), 0, id, k);
        ids.push_back(id);
    }
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    return net;
}

} // namespace

OpenCvEquivalent opencv_dnn(const Pipeline& pipeline) {
    if (!build_net(pipeline))
        return {};
    return [pipeline](const Tensor& input) -> OpenCvPass {
        cv::dnn::Net net = *build_net(pipeline);
        net.setInput(blob_from_tensor(input), "input");
        // forward() keeps its blobs between calls: repeated passes reuse them.
        return [net]() mutable { net.forward(); };
    };
}

cv::Mat opencv_dnn_output(const Pipeline& pipeline, const Tensor& input) {
    std::optional<cv::dnn::Net> net = build_net(pipeline);
    if (!net)
        return {};
    net->setInput(blob_from_tensor(input), "input");
    return net->forward().clone();
}

} // namespace convscope::bench
