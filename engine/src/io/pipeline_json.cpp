// Pipeline files, read strictly: every field is known, typed and range-checked, and every error
// names the layer (numbered from 1, as the app shows them) and the field, so that a typo never
// silently does nothing.
//
// Version 1 holds a straight stack of conv, pooling and activation layers. Version 2 adds the
// layers of modern CNNs, layers that read earlier layers ("inputs"), and input preparation
// (mean, std, size). A pipeline is written as version 1, exactly as before, when it uses nothing
// of version 2, so files stay readable by earlier ConvScope releases.

#include "convscope/pipeline_json.hpp"
#include "convscope/image_io.hpp"
#include "convscope/memory_budget.hpp"

#include "json_reading.hpp"
#include "mapped_file.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <optional>
#include <set>
#include <span>
#include <string_view>

namespace convscope {

namespace {

using json = nlohmann::ordered_json;
using json_reading::describe;
using json_reading::quoted;

constexpr const char* kFormat = "convscope-pipeline";
constexpr int kNewestVersion = 2;

// Where in the file we are, for error messages.
struct Context {
    int layer = -1;   // the layer's index (-1: the top level); messages number layers from 1
    std::string type; // the layer's type, once known
    std::string name; // the layer's name, once known
    int version = kNewestVersion; // the file's version

    [[noreturn]] void fail(const std::string& field, const std::string& what) const {
        std::string where;
        if (layer >= 0) {
            where = "layer " + std::to_string(layer + 1);
            // The type and name come from the file: shown cut short, never whole.
            if (!type.empty())
                where += " (" + (type.size() <= 24 ? type : quoted(type)) +
                         (name.empty() ? "" : " " + quoted(name)) + ")";
            where += ": ";
        }
        if (!field.empty())
            where += "field " + quoted(field) + ": ";
        throw PipelineError(layer, json_reading::shortened(field), where + what);
    }
};

void reject_unknown_fields(const json& object, const std::set<std::string>& allowed,
                           const Context& ctx) {
    for (auto it = object.begin(); it != object.end(); ++it)
        if (!allowed.count(it.key())) {
            std::string list;
            for (const std::string& name : allowed)
                list += (list.empty() ? "" : ", ") + name;
            ctx.fail(it.key(), "unknown field (allowed here: " + list + ")");
        }
}

int read_int(const json& value, const std::string& field, const Context& ctx) {
    if (!value.is_number_integer())
        ctx.fail(field, "expected an integer, got " + describe(value));
    const auto v = value.get<long long>();
    if (v < -1000000 || v > 1000000)
        ctx.fail(field, "value " + std::to_string(v) + " is out of range");
    return static_cast<int>(v);
}

// PyTorch's int-or-pair parameters: 3 or [3, 5].
Pair read_pair(const json& value, const std::string& field, const Context& ctx) {
    if (value.is_number_integer()) {
        const int v = read_int(value, field, ctx);
        return {v, v};
    }
    if (value.is_array() && value.size() == 2 && value[0].is_number_integer() &&
        value[1].is_number_integer())
        return {read_int(value[0], field, ctx), read_int(value[1], field, ctx)};
    ctx.fail(field, "expected an integer or a pair [h, w] of integers, got " + describe(value));
}

Pair read_size(const json& value, const std::string& field, const Context& ctx, int minimum) {
    const Pair p = read_pair(value, field, ctx);
    if (p.h < minimum || p.w < minimum)
        ctx.fail(field, "must be at least " + std::to_string(minimum) + ", got " + value.dump());
    return p;
}

bool read_bool(const json& value, const std::string& field, const Context& ctx) {
    if (!value.is_boolean())
        ctx.fail(field, "expected true or false, got " + describe(value));
    return value.get<bool>();
}

float read_finite(const json& value, const std::string& field, const Context& ctx) {
    if (!value.is_number())
        ctx.fail(field, "expected a finite number, got " + describe(value));
    const double v = value.get<double>();
    if (!std::isfinite(v) || !std::isfinite(static_cast<float>(v)))
        ctx.fail(field, "expected a finite number, got " + value.dump());
    return static_cast<float>(v);
}

// A rectangular nested array of numbers with `depth` levels (laid out as `layout` says, for
// messages); returns the sizes and appends the values in C order.
std::vector<int> read_nested(const json& value, int depth, const std::string& field,
                             const Context& ctx, std::vector<float>& values,
                             const char* layout = "[out][in/groups][kh][kw]") {
    if (depth == 0) {
        values.push_back(read_finite(value, field, ctx));
        return {};
    }
    if (!value.is_array() || value.empty())
        ctx.fail(field, "expected a non-empty array nested " + std::to_string(depth) +
                            " level(s) deep (" + layout + "), got " + describe(value));
    std::vector<int> inner;
    for (std::size_t i = 0; i < value.size(); ++i) {
        std::vector<int> sizes = read_nested(value[i], depth - 1, field, ctx, values, layout);
        if (i == 0)
            inner = sizes;
        else if (sizes != inner)
            ctx.fail(field, "ragged array: element " + std::to_string(i) +
                                " has a different size than element 0 (every row of a kernel "
                                "must have the same length)");
    }
    inner.insert(inner.begin(), static_cast<int>(value.size()));
    return inner;
}

// The fields every layer may have, and a layer type's own.
std::set<std::string> layer_fields(std::initializer_list<const char*> own) {
    std::set<std::string> fields{"type", "name", "enabled", "inputs"};
    fields.insert(own.begin(), own.end());
    return fields;
}

const json& required(const json& object, const std::string& field, const Context& ctx) {
    const auto it = object.find(field);
    if (it == object.end())
        ctx.fail(field, ctx.layer >= 0 ? "missing (required for this layer type)"
                                       : "missing (every pipeline file has it)");
    return *it;
}

Conv2d read_conv(const json& obj, const Context& ctx) {
    reject_unknown_fields(obj,
                          layer_fields({"weights", "bias", "stride", "padding", "padding_mode",
                                        "dilation", "groups"}),
                          ctx);
    Conv2d conv;
    const std::vector<int> dims =
        read_nested(required(obj, "weights", ctx), 4, "weights", ctx, conv.weights.values.write());
    conv.weights.out_channels = dims[0];
    conv.weights.in_channels = dims[1];
    conv.weights.kernel_h = dims[2];
    conv.weights.kernel_w = dims[3];

    if (auto it = obj.find("bias"); it != obj.end() && !it->is_null()) {
        if (!it->is_array())
            ctx.fail("bias",
                     "expected an array with one number per output channel, got " + describe(*it));
        for (const json& v : *it)
            conv.bias.push_back(read_finite(v, "bias", ctx));
        if (static_cast<int>(conv.bias.size()) != conv.weights.out_channels)
            ctx.fail("bias", "has " + std::to_string(conv.bias.size()) +
                                 " values but weights have " +
                                 std::to_string(conv.weights.out_channels) + " output channels");
    }
    if (auto it = obj.find("stride"); it != obj.end())
        conv.stride = read_size(*it, "stride", ctx, 1);
    if (auto it = obj.find("dilation"); it != obj.end())
        conv.dilation = read_size(*it, "dilation", ctx, 1);
    if (auto it = obj.find("groups"); it != obj.end()) {
        conv.groups = read_int(*it, "groups", ctx);
        if (conv.groups < 1)
            ctx.fail("groups", "must be at least 1, got " + it->dump());
    }
    if (auto it = obj.find("padding"); it != obj.end()) {
        if (it->is_string()) {
            const std::string mode = it->get<std::string>();
            if (mode == "same")
                conv.padding = ConvPadding::same();
            else if (mode == "valid")
                conv.padding = ConvPadding::valid();
            else
                ctx.fail("padding",
                         "expected \"same\", \"valid\", an integer or [h, w], got " + quoted(mode));
        } else {
            conv.padding = ConvPadding::explicit_size(read_size(*it, "padding", ctx, 0));
        }
    }
    if (auto it = obj.find("padding_mode"); it != obj.end()) {
        if (!it->is_string() || !parse_padding_mode(it->get<std::string>(), conv.padding_mode))
            ctx.fail("padding_mode",
                     "expected \"zeros\", \"reflect\", \"replicate\" or \"circular\", got " +
                         describe(*it));
    }
    return conv;
}

Pool2d read_pool(const json& obj, PoolKind kind, const Context& ctx) {
    std::set<std::string> allowed = layer_fields({"kernel_size", "stride", "padding", "ceil_mode"});
    if (kind == PoolKind::Avg)
        allowed.insert("count_include_pad");
    reject_unknown_fields(obj, allowed, ctx);
    Pool2d pool;
    pool.kind = kind;
    pool.kernel_size = read_size(required(obj, "kernel_size", ctx), "kernel_size", ctx, 1);
    pool.stride = pool.kernel_size;
    if (auto it = obj.find("stride"); it != obj.end() && !it->is_null())
        pool.stride = read_size(*it, "stride", ctx, 1);
    if (auto it = obj.find("padding"); it != obj.end())
        pool.padding = read_size(*it, "padding", ctx, 0);
    if (auto it = obj.find("ceil_mode"); it != obj.end())
        pool.ceil_mode = read_bool(*it, "ceil_mode", ctx);
    if (auto it = obj.find("count_include_pad"); it != obj.end())
        pool.count_include_pad = read_bool(*it, "count_include_pad", ctx);
    return pool;
}

[[noreturn]] void fail_needs_version2(const Context& ctx, const std::string& field,
                                      const std::string& what) {
    ctx.fail(field, what + " needs version 2 of the pipeline format: set \"version\": 2");
}

// A flat array of finite numbers, such as one value per channel.
std::vector<float> read_numbers(const json& value, const std::string& field, const Context& ctx) {
    if (!value.is_array() || value.empty())
        ctx.fail(field, "expected a non-empty array of numbers, got " + describe(value));
    std::vector<float> numbers;
    numbers.reserve(value.size());
    for (const json& v : value)
        numbers.push_back(read_finite(v, field, ctx));
    return numbers;
}

// A bound that may be absent: a number, or null for none.
float read_bound(const json& obj, const char* field, float none, const Context& ctx) {
    const auto it = obj.find(field);
    if (it == obj.end() || it->is_null())
        return none;
    return read_finite(*it, field, ctx);
}

Activation read_activation(const json& obj, ActivationKind kind, const Context& ctx) {
    std::set<std::string> allowed = layer_fields({});
    switch (kind) {
    case ActivationKind::LeakyReLU:
        allowed.insert("negative_slope");
        break;
    case ActivationKind::PReLU:
        allowed.insert("weight");
        break;
    case ActivationKind::ELU:
        allowed.insert("alpha");
        break;
    case ActivationKind::HardSigmoid:
        allowed.insert({"alpha", "beta"});
        break;
    case ActivationKind::Clip:
        allowed.insert({"min", "max"});
        break;
    default:
        break;
    }
    reject_unknown_fields(obj, allowed, ctx);
    Activation act;
    act.kind = kind;
    if (auto it = obj.find("negative_slope"); it != obj.end())
        act.negative_slope = read_finite(*it, "negative_slope", ctx);
    if (kind == ActivationKind::PReLU) {
        // torch.nn.PReLU's default: one slope of 0.25.
        act.slopes = std::vector<float>{0.25f};
        if (auto it = obj.find("weight"); it != obj.end())
            act.slopes = read_numbers(*it, "weight", ctx);
    }
    if (auto it = obj.find("alpha"); it != obj.end()) {
        if (kind == ActivationKind::ELU)
            act.alpha = read_finite(*it, "alpha", ctx);
        else
            act.hard_alpha = read_finite(*it, "alpha", ctx);
    }
    if (auto it = obj.find("beta"); it != obj.end())
        act.hard_beta = read_finite(*it, "beta", ctx);
    if (kind == ActivationKind::Clip) {
        // torch.clamp: a bound left out (or null) is no bound.
        constexpr float inf = std::numeric_limits<float>::infinity();
        act.clip_min = read_bound(obj, "min", -inf, ctx);
        act.clip_max = read_bound(obj, "max", inf, ctx);
        if (act.clip_min > act.clip_max)
            ctx.fail("min", "min must not exceed max");
    }
    return act;
}

BatchNorm2d read_batch_norm(const json& obj, const Context& ctx) {
    reject_unknown_fields(
        obj, layer_fields({"weight", "bias", "running_mean", "running_var", "eps"}), ctx);
    BatchNorm2d bn;
    std::vector<float> mean = read_numbers(required(obj, "running_mean", ctx), "running_mean", ctx);
    std::vector<float> var = read_numbers(required(obj, "running_var", ctx), "running_var", ctx);
    const std::size_t channels = mean.size();
    // affine=False in PyTorch: no weight and bias, which is weight 1 and bias 0.
    std::vector<float> weight(channels, 1.0f);
    std::vector<float> bias(channels, 0.0f);
    if (auto it = obj.find("weight"); it != obj.end())
        weight = read_numbers(*it, "weight", ctx);
    if (auto it = obj.find("bias"); it != obj.end())
        bias = read_numbers(*it, "bias", ctx);
    const auto same_count = [&](const std::vector<float>& v, const char* field) {
        if (v.size() != channels)
            ctx.fail(field, "has " + std::to_string(v.size()) + " values but running_mean has " +
                                std::to_string(channels));
    };
    same_count(var, "running_var");
    same_count(weight, "weight");
    same_count(bias, "bias");
    for (float v : var)
        if (v < 0.0f)
            ctx.fail("running_var", "a variance must not be negative, got " + std::to_string(v));
    if (auto it = obj.find("eps"); it != obj.end()) {
        bn.eps = read_finite(*it, "eps", ctx);
        // PyTorch takes eps 0 (a plain per-channel scale, as converters write one).
        if (!(bn.eps >= 0.0f))
            ctx.fail("eps", "must not be negative, got " + it->dump());
    }
    bn.weight = std::move(weight);
    bn.bias = std::move(bias);
    bn.running_mean = std::move(mean);
    bn.running_var = std::move(var);
    return bn;
}

Add read_add(const json& obj, const Context& ctx) {
    reject_unknown_fields(obj, layer_fields({"constant"}), ctx);
    Add add;
    if (auto it = obj.find("constant"); it != obj.end())
        add.constant = read_numbers(*it, "constant", ctx);
    return add;
}

Pad2d read_pad(const json& obj, const Context& ctx) {
    reject_unknown_fields(obj, layer_fields({"pad", "mode", "value"}), ctx);
    Pad2d pad;
    // torch.nn.functional.pad's order: left, right (the last dimension), then top, bottom.
    const json& sides = required(obj, "pad", ctx);
    if (!sides.is_array() || (sides.size() != 2 && sides.size() != 4))
        ctx.fail("pad", "expected [left, right] or [left, right, top, bottom] (as in "
                        "torch.nn.functional.pad), got " +
                            describe(sides));
    std::vector<int> amounts;
    for (const json& v : sides)
        amounts.push_back(read_int(v, "pad", ctx));
    pad.sides.left = amounts[0];
    pad.sides.right = amounts[1];
    if (amounts.size() == 4) {
        pad.sides.top = amounts[2];
        pad.sides.bottom = amounts[3];
    }
    if (auto it = obj.find("mode"); it != obj.end()) {
        // F.pad's names: "constant" (with `value`), not Conv2d's "zeros".
        const std::string mode = it->is_string() ? it->get<std::string>() : std::string();
        const bool known =
            mode == "constant" || (mode != "zeros" && parse_padding_mode(mode, pad.mode));
        if (!known)
            ctx.fail("mode", "expected \"constant\", \"reflect\", \"replicate\" or \"circular\", "
                             "got " +
                                 describe(*it));
    }
    if (auto it = obj.find("value"); it != obj.end()) {
        if (pad.mode != PaddingMode::Zeros)
            ctx.fail("value", "only \"constant\" padding takes a value (as in PyTorch)");
        pad.value = read_finite(*it, "value", ctx);
    }
    return pad;
}

Linear read_linear(const json& obj, const Context& ctx) {
    reject_unknown_fields(obj, layer_fields({"weight", "bias"}), ctx);
    Linear linear;
    const std::vector<int> dims = read_nested(required(obj, "weight", ctx), 2, "weight", ctx,
                                              linear.weight.write(), "[out_features][in_features]");
    linear.out_features = dims[0];
    linear.in_features = dims[1];
    if (auto it = obj.find("bias"); it != obj.end() && !it->is_null()) {
        linear.bias = read_numbers(*it, "bias", ctx);
        if (static_cast<int>(linear.bias.size()) != linear.out_features)
            ctx.fail("bias", "has " + std::to_string(linear.bias.size()) +
                                 " values but weight has " + std::to_string(linear.out_features) +
                                 " output features");
    }
    return linear;
}

// A layer type without fields of its own.
template <class Op> Op read_plain(const json& obj, const Context& ctx) {
    reject_unknown_fields(obj, layer_fields({}), ctx);
    return Op{};
}

GlobalPool2d read_global_pool(const json& obj, PoolKind kind, const Context& ctx) {
    reject_unknown_fields(obj, layer_fields({}), ctx);
    return GlobalPool2d{kind};
}

// The layers layer `index` reads, as the file numbers them: 0 is the pipeline's input, n is
// layer n (numbered from 1), so layer n + 1 may read 0 … n.
std::vector<int> read_inputs(const json& value, int index, const Context& ctx) {
    if (!value.is_array() || value.empty())
        ctx.fail("inputs", "expected a non-empty array of layer numbers (0: the input image, 1: "
                           "the first layer, ...), got " +
                               describe(value));
    std::vector<int> inputs;
    for (std::size_t k = 0; k < value.size(); ++k) {
        const int number = read_int(value[k], "inputs", ctx);
        if (number < 0 || number > index)
            ctx.fail("inputs", "input " + std::to_string(k + 1) + " is " + std::to_string(number) +
                                   ", but layer " + std::to_string(index + 1) +
                                   " can read only the input image (0) or an earlier layer (1 to " +
                                   std::to_string(index) + ")");
        inputs.push_back(number == 0 ? kPipelineInput : number - 1);
    }
    return inputs;
}

// Every layer type of the file format: its name, the version that brought it, and its reader.
struct LayerType {
    const char* name;
    int version;
    LayerOp (*read)(const json&, const Context&);
};

const LayerType kLayerTypes[] = {
    {"conv", 1, [](const json& o, const Context& c) -> LayerOp { return read_conv(o, c); }},
    {"maxpool", 1,
     [](const json& o, const Context& c) -> LayerOp { return read_pool(o, PoolKind::Max, c); }},
    {"avgpool", 1,
     [](const json& o, const Context& c) -> LayerOp { return read_pool(o, PoolKind::Avg, c); }},
    {"relu", 1,
     [](const json& o, const Context& c) -> LayerOp {
         return read_activation(o, ActivationKind::ReLU, c);
     }},
    {"leaky_relu", 1,
     [](const json& o, const Context& c) -> LayerOp {
         return read_activation(o, ActivationKind::LeakyReLU, c);
     }},
    {"sigmoid", 1,
     [](const json& o, const Context& c) -> LayerOp {
         return read_activation(o, ActivationKind::Sigmoid, c);
     }},
    {"tanh", 1,
     [](const json& o, const Context& c) -> LayerOp {
         return read_activation(o, ActivationKind::Tanh, c);
     }},
    {"prelu", 2,
     [](const json& o, const Context& c) -> LayerOp {
         return read_activation(o, ActivationKind::PReLU, c);
     }},
    {"elu", 2,
     [](const json& o, const Context& c) -> LayerOp {
         return read_activation(o, ActivationKind::ELU, c);
     }},
    {"hardsigmoid", 2,
     [](const json& o, const Context& c) -> LayerOp {
         return read_activation(o, ActivationKind::HardSigmoid, c);
     }},
    {"hardswish", 2,
     [](const json& o, const Context& c) -> LayerOp {
         return read_activation(o, ActivationKind::HardSwish, c);
     }},
    {"clip", 2,
     [](const json& o, const Context& c) -> LayerOp {
         return read_activation(o, ActivationKind::Clip, c);
     }},
    {"batchnorm", 2,
     [](const json& o, const Context& c) -> LayerOp { return read_batch_norm(o, c); }},
    {"add", 2, [](const json& o, const Context& c) -> LayerOp { return read_add(o, c); }},
    {"concat", 2,
     [](const json& o, const Context& c) -> LayerOp { return read_plain<Concat>(o, c); }},
    {"global_avgpool", 2,
     [](const json& o, const Context& c) -> LayerOp {
         return read_global_pool(o, PoolKind::Avg, c);
     }},
    {"global_maxpool", 2,
     [](const json& o, const Context& c) -> LayerOp {
         return read_global_pool(o, PoolKind::Max, c);
     }},
    {"pad", 2, [](const json& o, const Context& c) -> LayerOp { return read_pad(o, c); }},
    {"flatten", 2,
     [](const json& o, const Context& c) -> LayerOp { return read_plain<Flatten>(o, c); }},
    {"linear", 2, [](const json& o, const Context& c) -> LayerOp { return read_linear(o, c); }},
    {"softmax", 2,
     [](const json& o, const Context& c) -> LayerOp { return read_plain<Softmax>(o, c); }},
};

std::string known_types() {
    std::string list;
    for (const LayerType& t : kLayerTypes)
        list += (list.empty() ? "" : ", ") + std::string(t.name);
    return list;
}

Layer read_layer(const json& obj, int index, int version) {
    Context ctx{index, "", "", version};
    if (!obj.is_object())
        ctx.fail("", "expected an object like {\"type\": \"conv\", ...}, got " + describe(obj));
    const json& type_value = required(obj, "type", ctx);
    if (!type_value.is_string())
        ctx.fail("type", "expected a string, got " + describe(type_value));
    ctx.type = type_value.get<std::string>();

    Layer layer;
    if (auto it = obj.find("name"); it != obj.end()) {
        if (!it->is_string())
            ctx.fail("name", "expected a string, got " + describe(*it));
        layer.name = ctx.name = it->get<std::string>();
    }
    if (auto it = obj.find("enabled"); it != obj.end())
        layer.enabled = read_bool(*it, "enabled", ctx);

    const LayerType* type = nullptr;
    for (const LayerType& t : kLayerTypes)
        if (ctx.type == t.name)
            type = &t;
    if (!type)
        ctx.fail("type", "unknown layer type " + json_reading::quoted(ctx.type) +
                             " (known: " + known_types() + ")");
    if (type->version > version)
        fail_needs_version2(ctx, "type", "layer type \"" + ctx.type + "\"");
    layer.op = type->read(obj, ctx);
    if (auto it = obj.find("inputs"); it != obj.end()) {
        if (version < 2)
            fail_needs_version2(ctx, "inputs", "\"inputs\"");
        layer.inputs = read_inputs(*it, index, ctx);
    }
    return layer;
}

// The pipeline's "input": how an image becomes the input, and what is done to it first.
void read_input(const json& value, int version, Pipeline& pipeline) {
    const Context top{-1, "", "", version};
    if (!value.is_object())
        top.fail("input", "expected an object like {\"mode\": \"gray\"}, got " + describe(value));
    reject_unknown_fields(value, {"mode", "mean", "std", "size", "fit"}, top);
    if (auto mode = value.find("mode"); mode != value.end()) {
        if (*mode == "gray")
            pipeline.input_mode = InputMode::Gray;
        else if (*mode == "rgb")
            pipeline.input_mode = InputMode::Rgb;
        else
            top.fail("mode", "input mode must be \"gray\" or \"rgb\", got " + describe(*mode));
    }
    for (const char* field : {"mean", "std", "size", "fit"})
        if (version < 2 && value.contains(field))
            fail_needs_version2(top, field, "input field \"" + std::string(field) + "\"");
    if (auto it = value.find("mean"); it != value.end())
        pipeline.normalization.mean = read_numbers(*it, "mean", top);
    if (auto it = value.find("std"); it != value.end()) {
        pipeline.normalization.std_dev = read_numbers(*it, "std", top);
        for (float v : pipeline.normalization.std_dev)
            if (!(v > 0.0f))
                top.fail("std", "a standard deviation must be positive, got " + std::to_string(v));
    }
    if (auto it = value.find("size"); it != value.end()) {
        if (!it->is_array() || it->size() != 2)
            top.fail("size", "expected [height, width], got " + describe(*it));
        pipeline.input_size = read_size(*it, "size", top, 1);
    }
    if (auto it = value.find("fit"); it != value.end()) {
        if (!it->is_string() || !parse_input_fit(it->get<std::string>(), pipeline.input_fit))
            top.fail("fit",
                     "expected \"whole\", \"resize\" or \"center_crop\", got " + describe(*it));
        if (pipeline.input_fit != InputFit::Whole && pipeline.input_size.h == 0)
            top.fail("fit", "\"" + std::string(to_string(pipeline.input_fit)) +
                                "\" needs the size to fit to (\"size\": [height, width])");
    }
}

// ---------------------------------------------------------------------------------------------
// Writing. The text is laid out as people read weights: two-space indentation, one field per
// line, every array of numbers on one line (a kernel row reads like a matrix row), and arrays of
// one-element rows (a 1×1 kernel) on one line when it stays short. This is the layout
// scripts/make_example_pipelines.py writes, so loading and saving a shipped example changes no
// byte. Weights are written straight from their floats, without a JSON tree of them.

// A JSON value to be written: a scalar (its text), an array, an object, or a block of floats in
// C order that is written as nested arrays of the sizes `dims`.
struct Node {
    enum class Kind { Scalar, Array, Object, Floats };
    Kind kind = Kind::Scalar;
    std::string text;        // Scalar
    std::vector<Node> items; // Array
    // Object, in order: keys and values side by side (std::vector may hold the incomplete Node,
    // std::pair may not).
    std::vector<std::string> keys;
    std::vector<Node> values;
    const float* floats = nullptr; // Floats
    std::vector<int> dims;         // Floats

    static Node of(Kind kind) {
        Node node;
        node.kind = kind;
        return node;
    }
    static Node array() { return of(Kind::Array); }
    static Node object() { return of(Kind::Object); }
    static Node scalar(std::string text) {
        Node node;
        node.text = std::move(text);
        return node;
    }
    static Node block(std::span<const float> values, std::vector<int> dims) {
        Node node = of(Kind::Floats);
        node.floats = values.data();
        node.dims = std::move(dims);
        return node;
    }

    Node& add(Node item) {
        items.push_back(std::move(item));
        return *this;
    }
    Node& set(std::string key, Node value) {
        keys.push_back(std::move(key));
        values.push_back(std::move(value));
        return *this;
    }
};

// Python's repr of a float (what the example script writes): the shortest digits that read back
// as the same float, in positional notation for exponents −4 … 15 and scientific otherwise;
// whole numbers as integers.
std::string number_text(float v) {
    char buffer[64];
    if (std::isfinite(v) && std::floor(v) == v) {
        const int n = std::snprintf(buffer, sizeof buffer, "%.0f", static_cast<double>(v));
        const std::string text(buffer, static_cast<std::size_t>(n));
        return text == "-0" ? "0" : text;
    }
    const auto end =
        std::to_chars(buffer, buffer + sizeof buffer, v, std::chars_format::scientific).ptr;
    const std::string sci(buffer, end); // "-1.2345e-05"
    const std::size_t e = sci.find('e');
    const int exponent = std::stoi(sci.substr(e + 1));
    if (exponent < -4 || exponent >= 16)
        return sci;
    const bool negative = sci[0] == '-';
    std::string digits;
    for (std::size_t i = negative ? 1 : 0; i < e; ++i)
        if (sci[i] != '.')
            digits += sci[i];
    std::string text = negative ? "-" : "";
    if (exponent < 0) {
        text += "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
    } else {
        const std::size_t point = static_cast<std::size_t>(exponent) + 1;
        if (digits.size() <= point)
            digits.append(point - digits.size() + 1, '0'); // not reached: v is not whole
        text += digits.substr(0, point) + "." + digits.substr(point);
    }
    return text;
}

Node number(float v) {
    return Node::scalar(number_text(v));
}
Node integer(long long v) {
    return Node::scalar(std::to_string(v));
}
Node boolean(bool v) {
    return Node::scalar(v ? "true" : "false");
}
Node string(const std::string& s) {
    // Python's json.dumps escapes everything beyond ASCII; so does this.
    return Node::scalar(json(s).dump(-1, ' ', true));
}
Node numbers(std::span<const float> values) {
    return Node::block(values, {static_cast<int>(values.size())});
}
Node pair_node(Pair p) {
    return p.h == p.w ? integer(p.h) : Node::array().add(integer(p.h)).add(integer(p.w));
}

class TextWriter {
public:
    std::string text;

    void write(const Node& node, int indent) {
        switch (node.kind) {
        case Node::Kind::Scalar:
            text += node.text;
            return;
        case Node::Kind::Object:
            write_object(node, indent);
            return;
        case Node::Kind::Array:
            write_array(node, indent);
            return;
        case Node::Kind::Floats:
            write_floats(node.floats, node.dims, 0, indent);
            return;
        }
    }

private:
    void newline(int indent) {
        text += '\n';
        text.append(2 * static_cast<std::size_t>(indent), ' ');
    }

    void write_object(const Node& node, int indent) {
        text += '{';
        for (std::size_t i = 0; i < node.keys.size(); ++i) {
            text += i == 0 ? "" : ",";
            newline(indent + 1);
            text += json(node.keys[i]).dump(-1, ' ', true);
            text += ": ";
            write(node.values[i], indent + 1);
        }
        newline(indent);
        text += '}';
    }

    static bool all_scalars(const Node& node) {
        for (const Node& item : node.items)
            if (item.kind != Node::Kind::Scalar)
                return false;
        return true;
    }

    void write_array(const Node& node, int indent) {
        if (all_scalars(node)) {
            text += '[';
            for (std::size_t i = 0; i < node.items.size(); ++i) {
                text += i == 0 ? "" : ", ";
                text += node.items[i].text;
            }
            text += ']';
            return;
        }
        text += '[';
        for (std::size_t i = 0; i < node.items.size(); ++i) {
            text += i == 0 ? "" : ",";
            newline(indent + 1);
            write(node.items[i], indent + 1);
        }
        newline(indent);
        text += ']';
    }

    // dims[level..] of the block starting at `values`.
    void write_floats(const float* values, const std::vector<int>& dims, std::size_t level,
                      int indent) {
        const std::size_t inner = inner_count(dims, level + 1);
        const int count = dims[level];
        if (level + 1 == dims.size()) {
            text += '[';
            for (int i = 0; i < count; ++i) {
                text += i == 0 ? "" : ", ";
                text += number_text(values[i]);
            }
            text += ']';
            return;
        }
        // Rows of one number each (a 1×1 kernel, [[w]]): on one line while it stays short.
        if (dims.back() == 1) {
            const std::size_t start = text.size();
            text += '[';
            for (int i = 0; i < count; ++i) {
                text += i == 0 ? "" : ", ";
                write_floats(values + i * inner, dims, level + 1, indent + 1);
            }
            text += ']';
            if (text.size() - start <= kShortLine)
                return;
            text.resize(start);
        }
        text += '[';
        for (int i = 0; i < count; ++i) {
            text += i == 0 ? "" : ",";
            newline(indent + 1);
            write_floats(values + i * inner, dims, level + 1, indent + 1);
        }
        newline(indent);
        text += ']';
    }

    static std::size_t inner_count(const std::vector<int>& dims, std::size_t from) {
        std::size_t n = 1;
        for (std::size_t i = from; i < dims.size(); ++i)
            n *= static_cast<std::size_t>(dims[i]);
        return n;
    }

    static constexpr std::size_t kShortLine = 80;
};

// The fields every layer has, in the order they are written.
Node layer_head(const Layer& layer) {
    Node obj = Node::object();
    obj.set("type", string(std::string(type_name(layer))));
    if (!layer.name.empty())
        obj.set("name", string(layer.name));
    if (!layer.enabled)
        obj.set("enabled", boolean(false));
    if (!layer.inputs.empty()) {
        Node inputs = Node::array();
        for (int source : layer.inputs)
            inputs.add(integer(source == kPipelineInput ? 0 : source + 1));
        obj.set("inputs", std::move(inputs));
    }
    return obj;
}

void write_conv(const Conv2d& conv, Node& obj) {
    const ConvWeights& w = conv.weights;
    obj.set("weights",
            Node::block(w.values, {w.out_channels, w.in_channels, w.kernel_h, w.kernel_w}));
    if (!conv.bias.empty())
        obj.set("bias", numbers(conv.bias));
    obj.set("stride", pair_node(conv.stride));
    switch (conv.padding.kind) {
    case ConvPadding::Kind::Same:
        obj.set("padding", string("same"));
        break;
    case ConvPadding::Kind::Valid:
        obj.set("padding", string("valid"));
        break;
    case ConvPadding::Kind::Explicit:
        obj.set("padding", pair_node(conv.padding.size));
        break;
    }
    obj.set("padding_mode", string(std::string(to_string(conv.padding_mode))));
    obj.set("dilation", pair_node(conv.dilation));
    obj.set("groups", integer(conv.groups));
}

void write_pool(const Pool2d& pool, Node& obj) {
    obj.set("kernel_size", pair_node(pool.kernel_size));
    obj.set("stride", pair_node(pool.stride));
    obj.set("padding", pair_node(pool.padding));
    obj.set("ceil_mode", boolean(pool.ceil_mode));
    if (pool.kind == PoolKind::Avg)
        obj.set("count_include_pad", boolean(pool.count_include_pad));
}

void write_activation(const Activation& act, Node& obj) {
    switch (act.kind) {
    case ActivationKind::LeakyReLU:
        obj.set("negative_slope", number(act.negative_slope));
        break;
    case ActivationKind::PReLU:
        obj.set("weight", numbers(act.slopes));
        break;
    case ActivationKind::ELU:
        obj.set("alpha", number(act.alpha));
        break;
    case ActivationKind::HardSigmoid:
        obj.set("alpha", number(act.hard_alpha));
        obj.set("beta", number(act.hard_beta));
        break;
    case ActivationKind::Clip:
        // An infinite bound is no bound: left out, as torch.clamp's None.
        if (std::isfinite(act.clip_min))
            obj.set("min", number(act.clip_min));
        if (std::isfinite(act.clip_max))
            obj.set("max", number(act.clip_max));
        break;
    default:
        break;
    }
}

void write_batch_norm(const BatchNorm2d& bn, Node& obj) {
    obj.set("weight", numbers(bn.weight));
    obj.set("bias", numbers(bn.bias));
    obj.set("running_mean", numbers(bn.running_mean));
    obj.set("running_var", numbers(bn.running_var));
    obj.set("eps", number(bn.eps));
}

void write_pad(const Pad2d& pad, Node& obj) {
    const PadSides& s = pad.sides;
    obj.set("pad", Node::array()
                       .add(integer(s.left))
                       .add(integer(s.right))
                       .add(integer(s.top))
                       .add(integer(s.bottom)));
    obj.set("mode", string(pad.mode == PaddingMode::Zeros ? std::string("constant")
                                                          : std::string(to_string(pad.mode))));
    if (pad.mode == PaddingMode::Zeros)
        obj.set("value", number(pad.value));
}

void write_linear(const Linear& linear, Node& obj) {
    obj.set("weight", Node::block(linear.weight, {linear.out_features, linear.in_features}));
    if (!linear.bias.empty())
        obj.set("bias", numbers(linear.bias));
}

Node layer_node(const Layer& layer) {
    Node obj = layer_head(layer);
    std::visit(
        [&](const auto& op) {
            using Op = std::decay_t<decltype(op)>;
            if constexpr (std::is_same_v<Op, Conv2d>)
                write_conv(op, obj);
            else if constexpr (std::is_same_v<Op, Pool2d>)
                write_pool(op, obj);
            else if constexpr (std::is_same_v<Op, Activation>)
                write_activation(op, obj);
            else if constexpr (std::is_same_v<Op, BatchNorm2d>)
                write_batch_norm(op, obj);
            else if constexpr (std::is_same_v<Op, Add>) {
                if (!op.constant.empty())
                    obj.set("constant", numbers(op.constant));
            } else if constexpr (std::is_same_v<Op, Pad2d>)
                write_pad(op, obj);
            else if constexpr (std::is_same_v<Op, Linear>)
                write_linear(op, obj);
            // concat, global pooling, flatten and softmax have no fields of their own
        },
        layer.op);
    return obj;
}

// Whether the pipeline needs version 2 of the format.
bool needs_version2(const Pipeline& pipeline) {
    if (!pipeline.normalization.identity() || pipeline.input_size.h != 0 ||
        pipeline.input_size.w != 0 || pipeline.input_fit != InputFit::Whole)
        return true;
    for (const Layer& layer : pipeline.layers) {
        if (!layer.inputs.empty())
            return true;
        if (std::holds_alternative<Conv2d>(layer.op) || std::holds_alternative<Pool2d>(layer.op))
            continue;
        const auto* act = std::get_if<Activation>(&layer.op);
        if (!act)
            return true;
        switch (act->kind) {
        case ActivationKind::ReLU:
        case ActivationKind::LeakyReLU:
        case ActivationKind::Sigmoid:
        case ActivationKind::Tanh:
            continue;
        default:
            return true;
        }
    }
    return false;
}

Node input_node(const Pipeline& pipeline) {
    Node input = Node::object();
    input.set("mode", string(std::string(to_string(pipeline.input_mode))));
    if (!pipeline.normalization.mean.empty())
        input.set("mean", numbers(pipeline.normalization.mean));
    if (!pipeline.normalization.std_dev.empty())
        input.set("std", numbers(pipeline.normalization.std_dev));
    if (pipeline.input_size.h != 0 || pipeline.input_size.w != 0)
        input.set(
            "size",
            Node::array().add(integer(pipeline.input_size.h)).add(integer(pipeline.input_size.w)));
    if (pipeline.input_fit != InputFit::Whole)
        input.set("fit", string(std::string(to_string(pipeline.input_fit))));
    return input;
}

} // namespace

namespace {

Pipeline parse_pipeline_text(std::string_view json_text) {
    const Context top;
    json doc;
    try {
        doc = json_reading::parse(json_text);
    } catch (const json_reading::JsonError& e) {
        top.fail("", e.what());
    }
    if (!doc.is_object())
        top.fail("", "expected a JSON object with \"format\": \"" + std::string(kFormat) + "\"");
    reject_unknown_fields(doc, {"format", "version", "description", "input", "layers"}, top);

    const json& format = required(doc, "format", top);
    if (!format.is_string() || format.get<std::string>() != kFormat)
        top.fail("format", "expected \"" + std::string(kFormat) + "\", got " + describe(format));
    const json& version_value = required(doc, "version", top);
    if (!version_value.is_number_integer() || version_value.get<long long>() < 1 ||
        version_value.get<long long>() > kNewestVersion)
        top.fail("version", "this ConvScope reads versions 1 and " +
                                std::to_string(kNewestVersion) + ", the file has " +
                                (version_value.is_number_integer() ? version_value.dump()
                                                                   : describe(version_value)));
    const int version = static_cast<int>(version_value.get<long long>());

    Pipeline pipeline;
    if (auto it = doc.find("description"); it != doc.end()) {
        if (!it->is_string())
            top.fail("description", "expected a string, got " + describe(*it));
        pipeline.description = it->get<std::string>();
    }
    if (auto it = doc.find("input"); it != doc.end())
        read_input(*it, version, pipeline);
    const json& layers = required(doc, "layers", top);
    if (!layers.is_array())
        top.fail("layers", "expected an array of layers, got " + describe(layers));
    for (std::size_t i = 0; i < layers.size(); ++i)
        pipeline.layers.push_back(read_layer(layers[i], static_cast<int>(i), version));
    return pipeline;
}

} // namespace

Pipeline parse_pipeline(const std::string& json_text) {
    return parse_pipeline_text(json_text);
}

Pipeline load_pipeline(const std::string& path) {
    // Mapped, not streamed: only a regular file of known size is read (never a FIFO or a
    // device that never ends), and its text is not copied.
    std::optional<MappedFile> file;
    try {
        file.emplace(path);
    } catch (const IoError& e) {
        throw IoError(std::string(e.what()) + " (the pipeline file)");
    }
    const std::span<const std::uint8_t> bytes = file->bytes();
    try {
        return parse_pipeline_text(
            std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    } catch (const PipelineError& e) {
        throw PipelineError(e.layer_index(), e.field(), path + ": " + e.what());
    } catch (const MemoryError& e) {
        throw MemoryError(e.needed(), e.budget(), path + ": " + e.what());
    }
}

int pipeline_file_version(const Pipeline& pipeline) {
    return needs_version2(pipeline) ? 2 : 1;
}

std::string serialize_pipeline(const Pipeline& pipeline) {
    Node doc = Node::object();
    doc.set("format", string(kFormat));
    doc.set("version", integer(pipeline_file_version(pipeline)));
    if (!pipeline.description.empty())
        doc.set("description", string(pipeline.description));
    doc.set("input", input_node(pipeline));
    Node layers = Node::array();
    for (const Layer& layer : pipeline.layers)
        layers.add(layer_node(layer));
    doc.set("layers", std::move(layers));
    TextWriter writer;
    writer.write(doc, 0);
    return std::move(writer.text) + "\n";
}

void save_pipeline(const std::string& path, const Pipeline& pipeline) {
    const std::string text = serialize_pipeline(pipeline);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out)
        throw IoError(path + ": cannot be created for writing");
    out << text;
    out.close();
    if (!out)
        throw IoError(path + ": write failed (disk full?)");
}

} // namespace convscope
