// Layers as OpenCV DNN layers, on OpenCV's own CPU backend: what a user of OpenCV would run for
// the same network (it packs the weights, picks its own kernels and fuses conv + batch norm +
// activation). A layer maps only where OpenCV 4.6 computes exactly PyTorch's numbers; the tests
// check every mapping against the engine.

#include "dnn_layers.hpp"

#include <algorithm>
#include <span>

namespace convscope::bench {

namespace {

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

DnnLayers none(std::string why) {
    return {{}, std::move(why)};
}

DnnLayers one(cv::dnn::LayerParams params) {
    return {{std::move(params)}, {}};
}

// An explicit Padding layer (reflect: OpenCV's BORDER_REFLECT_101, which is PyTorch's reflect;
// edge: replicate).
cv::dnn::LayerParams padding_params(const PadSides& pad, PaddingMode mode, float value) {
    cv::dnn::LayerParams params;
    params.type = "Padding";
    const int paddings[] = {0, 0, 0, 0, pad.top, pad.bottom, pad.left, pad.right};
    params.set("paddings", cv::dnn::DictValue::arrayInt(paddings, 8));
    params.set("type", mode == PaddingMode::Zeros     ? "constant"
                       : mode == PaddingMode::Reflect ? "reflect"
                                                      : "edge");
    params.set("value", value);
    return params;
}

DnnLayers conv_layers(const Conv2d& conv) {
    if (conv.padding_mode == PaddingMode::Circular)
        return none("OpenCV's DNN module has no circular padding");
    const ConvWeights& w = conv.weights;
    DnnLayers result;
    const PadSides pad = conv.pad_sides();
    // The DNN convolution pads with zeros only, and as much after as before (OpenCV 4.6 refuses
    // asymmetric padding): other modes, and "same" for an even kernel, pad in a layer before it,
    // as OpenCV's own ONNX importer does.
    const bool symmetric = pad.top == pad.bottom && pad.left == pad.right;
    const bool zeros = conv.padding_mode == PaddingMode::Zeros && symmetric;
    if (!zeros && pad != PadSides{})
        result.layers.push_back(padding_params(pad, conv.padding_mode, 0.0f));
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
    set_pads(params, zeros ? pad : PadSides{});
    const int shape[] = {w.out_channels, w.in_channels, w.kernel_h, w.kernel_w};
    cv::Mat weights(4, shape, CV_32F);
    std::copy(w.values.begin(), w.values.end(), weights.ptr<float>());
    params.blobs.push_back(weights);
    params.set("bias_term", !conv.bias.empty());
    if (!conv.bias.empty())
        params.blobs.push_back(row_blob(conv.bias));
    result.layers.push_back(std::move(params));
    return result;
}

DnnLayers pool_layers(const Pool2d& pool) {
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
    return one(std::move(params));
}

DnnLayers activation_layers(const Activation& act) {
    cv::dnn::LayerParams params;
    switch (act.kind) {
    case ActivationKind::ReLU:
        params.type = "ReLU";
        break;
    case ActivationKind::LeakyReLU:
        params.type = "ReLU";
        params.set("negative_slope", act.negative_slope);
        break;
    case ActivationKind::Sigmoid:
        params.type = "Sigmoid";
        break;
    case ActivationKind::Tanh:
        params.type = "TanH";
        break;
    case ActivationKind::PReLU:
        if (act.slopes.size() > 1) {
            params.type = "PReLU"; // one slope per channel
            params.blobs.push_back(row_blob(act.slopes));
        } else {
            params.type = "ReLU";
            params.set("negative_slope", act.slope(0));
        }
        break;
    case ActivationKind::ELU:
        params.type = "ELU";
        params.set("alpha", act.alpha);
        break;
    case ActivationKind::HardSigmoid:
        params.type = "HardSigmoid";
        params.set("alpha", act.hard_alpha);
        params.set("beta", act.hard_beta);
        break;
    case ActivationKind::HardSwish:
        params.type = "HardSwish";
        break;
    case ActivationKind::Clip:
        params.type = "ReLU6"; // clamps to [min_value, max_value]
        params.set("min_value", act.clip_min);
        params.set("max_value", act.clip_max);
        break;
    }
    return one(std::move(params));
}

DnnLayers batch_norm_layers(const BatchNorm2d& bn) {
    cv::dnn::LayerParams params;
    params.type = "BatchNorm";
    params.set("eps", bn.eps);
    params.set("has_weight", true);
    params.set("has_bias", true);
    params.blobs = {row_blob(bn.running_mean), row_blob(bn.running_var), row_blob(bn.weight),
                    row_blob(bn.bias)};
    return one(std::move(params));
}

DnnLayers add_layers(const Add& add, int inputs) {
    if (!add.constant.empty())
        return none("OpenCV's DNN module has no layer that adds a constant");
    if (inputs < 2)
        return none("an add of one map copies it: nothing to compare");
    cv::dnn::LayerParams params;
    params.type = "Eltwise";
    params.set("operation", "sum");
    return one(std::move(params));
}

DnnLayers pad_layers(const Pad2d& pad) {
    const PadSides& s = pad.sides;
    if (s.top < 0 || s.bottom < 0 || s.left < 0 || s.right < 0)
        return none("OpenCV's DNN Padding layer does not crop (a negative amount)");
    if (pad.mode == PaddingMode::Circular)
        return none("OpenCV's DNN module has no circular padding");
    return one(padding_params(s, pad.mode, pad.value));
}

DnnLayers linear_layers(const Linear& linear) {
    cv::dnn::LayerParams params;
    params.type = "InnerProduct";
    params.set("num_output", linear.out_features);
    params.set("axis", 1);
    params.set("bias_term", !linear.bias.empty());
    cv::Mat weights(linear.out_features, linear.in_features, CV_32F);
    std::copy(linear.weight.begin(), linear.weight.end(), weights.ptr<float>());
    params.blobs.push_back(weights);
    if (!linear.bias.empty())
        params.blobs.push_back(row_blob(linear.bias));
    return one(std::move(params));
}

DnnLayers typed(const char* type, int axis = -2) {
    cv::dnn::LayerParams params;
    params.type = type;
    if (axis != -2)
        params.set("axis", axis);
    return one(std::move(params));
}

} // namespace

DnnLayers dnn_layers(const Layer& layer) {
    if (!layer.enabled)
        return none("disabled: it passes its input through");
    const LayerOp& op = layer.op;
    if (const auto* conv = std::get_if<Conv2d>(&op))
        return conv_layers(*conv);
    if (const auto* pool = std::get_if<Pool2d>(&op))
        return pool_layers(*pool);
    if (const auto* act = std::get_if<Activation>(&op))
        return activation_layers(*act);
    if (const auto* bn = std::get_if<BatchNorm2d>(&op))
        return batch_norm_layers(*bn);
    if (const auto* add = std::get_if<Add>(&op))
        return add_layers(*add, input_count(layer));
    if (std::holds_alternative<Concat>(op))
        return typed("Concat", 1);
    if (const auto* global = std::get_if<GlobalPool2d>(&op)) {
        cv::dnn::LayerParams params;
        params.type = "Pooling";
        params.set("pool", global->kind == PoolKind::Max ? "max" : "ave");
        params.set("global_pooling", true);
        return one(std::move(params));
    }
    if (const auto* pad = std::get_if<Pad2d>(&op))
        return pad_layers(*pad);
    if (std::holds_alternative<Flatten>(op))
        return typed("Flatten", 1);
    if (const auto* linear = std::get_if<Linear>(&op))
        return linear_layers(*linear);
    if (std::holds_alternative<Softmax>(op))
        return typed("Softmax", 1);
    return none("OpenCV's DNN module has no layer for it");
}

namespace {

// Adds a layer's DNN layers to `net`, the first reading `sources` (layer id, output), each next
// one reading the one before. Returns the id of the last.
int add_layers(cv::dnn::Net& net, std::vector<cv::dnn::LayerParams>& layers,
               const std::string& name, const std::vector<std::pair<int, int>>& sources) {
    int id = -1;
    for (std::size_t j = 0; j < layers.size(); ++j) {
        cv::dnn::LayerParams& params = layers[j];
        params.name = j + 1 == layers.size() ? name : name + "_" + std::to_string(j);
        const int previous = id;
        id = net.addLayer(params.name, params.type, params);
        if (j == 0)
            for (std::size_t k = 0; k < sources.size(); ++k)
                net.connect(sources[k].first, sources[k].second, id, static_cast<int>(k));
        else
            net.connect(previous, 0, id, 0);
    }
    return id;
}

void use_opencv_cpu(cv::dnn::Net& net) {
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
}

} // namespace

DnnNet dnn_net(const Pipeline& pipeline, int count) {
    const int n = count < 0 ? static_cast<int>(pipeline.layers.size())
                            : std::min(count, static_cast<int>(pipeline.layers.size()));
    DnnNet result;
    cv::dnn::Net net;
    result.inputs = {"input"};
    net.setInputsNames(result.inputs);
    // Which DNN layer holds each pipeline layer's output (id 0: the input), and its name.
    std::vector<int> ids;
    std::vector<std::string> names;
    const auto id_of = [&](int source) { return source == kPipelineInput ? 0 : ids[source]; };
    const auto name_of = [&](int source) {
        return source == kPipelineInput ? std::string() : names[source];
    };
    for (int i = 0; i < n; ++i) {
        const Layer& layer = pipeline.layers[i];
        if (!layer.enabled) {
            ids.push_back(id_of(input_index(layer, i, 0)));
            names.push_back(name_of(input_index(layer, i, 0)));
            continue;
        }
        DnnLayers mapped = dnn_layers(layer);
        if (mapped.layers.empty()) {
            result.why_not = "layer " + std::to_string(i + 1) + " (" + display_name(layer) +
                             "): " + mapped.why_not;
            return result;
        }
        std::vector<std::pair<int, int>> sources;
        for (int k = 0; k < input_count(layer); ++k)
            sources.emplace_back(id_of(input_index(layer, i, k)), 0);
        const std::string name = "layer" + std::to_string(i);
        ids.push_back(add_layers(net, mapped.layers, name, sources));
        names.push_back(name);
    }
    result.output = names.empty() ? std::string() : names.back();
    if (result.output.empty()) {
        result.why_not = "no enabled layer to compute";
        return result;
    }
    use_opencv_cpu(net);
    result.net = std::move(net);
    return result;
}

DnnNet dnn_layer_net(const Layer& layer) {
    DnnNet result;
    DnnLayers mapped = dnn_layers(layer);
    if (mapped.layers.empty()) {
        result.why_not = mapped.why_not;
        return result;
    }
    cv::dnn::Net net;
    std::vector<std::pair<int, int>> sources;
    for (int k = 0; k < input_count(layer); ++k) {
        result.inputs.push_back("input" + std::to_string(k));
        sources.emplace_back(0, k);
    }
    net.setInputsNames(result.inputs);
    result.output = "layer";
    add_layers(net, mapped.layers, result.output, sources);
    use_opencv_cpu(net);
    result.net = std::move(net);
    return result;
}

cv::Mat blob_from_tensor(const Tensor& tensor) {
    const int sizes[] = {1, tensor.channels(), tensor.height(), tensor.width()};
    cv::Mat blob(4, sizes, CV_32F);
    float* dst = blob.ptr<float>();
    for (int c = 0; c < tensor.channels(); ++c)
        for (int y = 0; y < tensor.height(); ++y, dst += tensor.width())
            std::copy(tensor.row(c, y), tensor.row(c, y) + tensor.width(), dst);
    return blob;
}

Tensor tensor_from_blob(const cv::Mat& blob, Shape shape) {
    if (blob.type() != CV_32F || !blob.isContinuous() || blob.total() != shape.elements())
        return {};
    Tensor tensor(shape);
    const float* src = blob.ptr<float>();
    for (int c = 0; c < shape.channels; ++c)
        for (int y = 0; y < shape.height; ++y, src += shape.width)
            std::copy(src, src + shape.width, tensor.row(c, y));
    return tensor;
}

} // namespace convscope::bench
