// Pipeline files, read strictly: every field is known, typed and range-checked, and every error
// names the layer index and the field, so that a typo never silently does nothing.

#include "convscope/pipeline_json.hpp"
#include "convscope/image_io.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

namespace convscope {

namespace {

using json = nlohmann::ordered_json;

constexpr const char* kFormat = "convscope-pipeline";
constexpr int kVersion = 1;

// Where in the file we are, for error messages.
struct Context {
    int layer = -1;   // -1: the top level
    std::string type; // the layer's type, once known
    std::string name; // the layer's name, once known

    [[noreturn]] void fail(const std::string& field, const std::string& what) const {
        std::string where;
        if (layer >= 0) {
            where = "layer " + std::to_string(layer);
            if (!type.empty())
                where += " (" + type + (name.empty() ? "" : " \"" + name + "\"") + ")";
            where += ": ";
        }
        if (!field.empty())
            where += "field \"" + field + "\": ";
        throw PipelineError(layer, field, where + what);
    }
};

std::string describe(const json& value) {
    std::string text = value.dump();
    if (text.size() > 40)
        text = text.substr(0, 37) + "...";
    return std::string(value.type_name()) + " " + text;
}

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

// A rectangular nested array of numbers with `depth` levels; returns the sizes and appends the
// values in C order.
std::vector<int> read_nested(const json& value, int depth, const std::string& field,
                             const Context& ctx, std::vector<float>& values) {
    if (depth == 0) {
        values.push_back(read_finite(value, field, ctx));
        return {};
    }
    if (!value.is_array() || value.empty())
        ctx.fail(field, "expected a non-empty array nested " + std::to_string(depth) +
                            " level(s) deep ([out][in/groups][kh][kw]), got " + describe(value));
    std::vector<int> inner;
    for (std::size_t i = 0; i < value.size(); ++i) {
        std::vector<int> sizes = read_nested(value[i], depth - 1, field, ctx, values);
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

const json& required(const json& object, const std::string& field, const Context& ctx) {
    const auto it = object.find(field);
    if (it == object.end())
        ctx.fail(field, "missing (required for this layer type)");
    return *it;
}

Conv2d read_conv(const json& obj, const Context& ctx) {
    reject_unknown_fields(obj,
                          {"type", "name", "enabled", "weights", "bias", "stride", "padding",
                           "padding_mode", "dilation", "groups"},
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
                ctx.fail("padding", "expected \"same\", \"valid\", an integer or [h, w], got \"" +
                                        mode + "\"");
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
    std::set<std::string> allowed{"type",   "name",    "enabled",  "kernel_size",
                                  "stride", "padding", "ceil_mode"};
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

Activation read_activation(const json& obj, ActivationKind kind, const Context& ctx) {
    std::set<std::string> allowed{"type", "name", "enabled"};
    if (kind == ActivationKind::LeakyReLU)
        allowed.insert("negative_slope");
    reject_unknown_fields(obj, allowed, ctx);
    Activation act;
    act.kind = kind;
    if (auto it = obj.find("negative_slope"); it != obj.end())
        act.negative_slope = read_finite(*it, "negative_slope", ctx);
    return act;
}

Layer read_layer(const json& obj, int index) {
    Context ctx{index, "", ""};
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

    const std::string& type = ctx.type;
    if (type == "conv")
        layer.op = read_conv(obj, ctx);
    else if (type == "maxpool")
        layer.op = read_pool(obj, PoolKind::Max, ctx);
    else if (type == "avgpool")
        layer.op = read_pool(obj, PoolKind::Avg, ctx);
    else if (type == "relu")
        layer.op = read_activation(obj, ActivationKind::ReLU, ctx);
    else if (type == "leaky_relu")
        layer.op = read_activation(obj, ActivationKind::LeakyReLU, ctx);
    else if (type == "sigmoid")
        layer.op = read_activation(obj, ActivationKind::Sigmoid, ctx);
    else if (type == "tanh")
        layer.op = read_activation(obj, ActivationKind::Tanh, ctx);
    else
        ctx.fail("type", "unknown layer type \"" + type +
                             "\" (known: conv, maxpool, avgpool, relu, leaky_relu, sigmoid, tanh)");
    return layer;
}

// The shortest decimal that reads back as the same float: 0.1f is written 0.1, not
// 0.10000000149011612.
json short_float(float v) {
    char buffer[32];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, v).ptr;
    return json(std::stod(std::string(buffer, end)));
}

json pair_json(Pair p) {
    return p.h == p.w ? json(p.h) : json::array({p.h, p.w});
}

json conv_json(const Conv2d& conv, json obj) {
    const ConvWeights& w = conv.weights;
    json weights = json::array();
    for (int o = 0; o < w.out_channels; ++o) {
        json per_out = json::array();
        for (int i = 0; i < w.in_channels; ++i) {
            json kernel = json::array();
            for (int y = 0; y < w.kernel_h; ++y) {
                json row = json::array();
                for (int x = 0; x < w.kernel_w; ++x)
                    row.push_back(short_float(w.at(o, i, y, x)));
                kernel.push_back(std::move(row));
            }
            per_out.push_back(std::move(kernel));
        }
        weights.push_back(std::move(per_out));
    }
    obj["weights"] = std::move(weights);
    if (!conv.bias.empty()) {
        json bias = json::array();
        for (float b : conv.bias)
            bias.push_back(short_float(b));
        obj["bias"] = std::move(bias);
    }
    obj["stride"] = pair_json(conv.stride);
    switch (conv.padding.kind) {
    case ConvPadding::Kind::Same:
        obj["padding"] = "same";
        break;
    case ConvPadding::Kind::Valid:
        obj["padding"] = "valid";
        break;
    case ConvPadding::Kind::Explicit:
        obj["padding"] = pair_json(conv.padding.size);
        break;
    }
    obj["padding_mode"] = std::string(to_string(conv.padding_mode));
    obj["dilation"] = pair_json(conv.dilation);
    obj["groups"] = conv.groups;
    return obj;
}

json layer_json(const Layer& layer) {
    json obj = json::object();
    obj["type"] = std::string(type_name(layer));
    if (!layer.name.empty())
        obj["name"] = layer.name;
    if (!layer.enabled)
        obj["enabled"] = false;
    if (const auto* conv = std::get_if<Conv2d>(&layer.op))
        return conv_json(*conv, std::move(obj));
    if (const auto* pool = std::get_if<Pool2d>(&layer.op)) {
        obj["kernel_size"] = pair_json(pool->kernel_size);
        obj["stride"] = pair_json(pool->stride);
        obj["padding"] = pair_json(pool->padding);
        obj["ceil_mode"] = pool->ceil_mode;
        if (pool->kind == PoolKind::Avg)
            obj["count_include_pad"] = pool->count_include_pad;
        return obj;
    }
    const auto& act = std::get<Activation>(layer.op);
    if (act.kind == ActivationKind::LeakyReLU)
        obj["negative_slope"] = short_float(act.negative_slope);
    return obj;
}

} // namespace

Pipeline parse_pipeline(const std::string& json_text) {
    const Context top;
    json doc;
    try {
        doc = json::parse(json_text);
    } catch (const json::out_of_range& e) {
        // nlohmann rejects numbers like 1e999 while parsing: they are not finite.
        top.fail("", std::string("a number is not finite: ") + e.what());
    } catch (const json::exception& e) {
        top.fail("", std::string("not valid JSON: ") + e.what());
    }
    if (!doc.is_object())
        top.fail("", "expected a JSON object with \"format\": \"" + std::string(kFormat) + "\"");
    reject_unknown_fields(doc, {"format", "version", "description", "input", "layers"}, top);

    const json& format = required(doc, "format", top);
    if (!format.is_string() || format.get<std::string>() != kFormat)
        top.fail("format", "expected \"" + std::string(kFormat) + "\", got " + describe(format));
    const json& version = required(doc, "version", top);
    if (!version.is_number_integer() || version.get<long long>() != kVersion)
        top.fail("version", "this ConvScope reads version " + std::to_string(kVersion) +
                                ", the file has " + version.dump());

    Pipeline pipeline;
    if (auto it = doc.find("description"); it != doc.end()) {
        if (!it->is_string())
            top.fail("description", "expected a string, got " + describe(*it));
        pipeline.description = it->get<std::string>();
    }
    if (auto it = doc.find("input"); it != doc.end()) {
        if (!it->is_object())
            top.fail("input", "expected an object like {\"mode\": \"gray\"}, got " + describe(*it));
        reject_unknown_fields(*it, {"mode"}, top);
        if (auto mode = it->find("mode"); mode != it->end()) {
            if (*mode == "gray")
                pipeline.input_mode = InputMode::Gray;
            else if (*mode == "rgb")
                pipeline.input_mode = InputMode::Rgb;
            else
                top.fail("mode", "input mode must be \"gray\" or \"rgb\", got " + describe(*mode));
        }
    }
    const json& layers = required(doc, "layers", top);
    if (!layers.is_array())
        top.fail("layers", "expected an array of layers, got " + describe(layers));
    for (std::size_t i = 0; i < layers.size(); ++i)
        pipeline.layers.push_back(read_layer(layers[i], static_cast<int>(i)));
    return pipeline;
}

Pipeline load_pipeline(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw IoError(path + ": cannot open the pipeline file (missing or unreadable)");
    std::ostringstream text;
    text << in.rdbuf();
    try {
        return parse_pipeline(text.str());
    } catch (const PipelineError& e) {
        throw PipelineError(e.layer_index(), e.field(), path + ": " + e.what());
    }
}

std::string serialize_pipeline(const Pipeline& pipeline) {
    json doc = json::object();
    doc["format"] = kFormat;
    doc["version"] = kVersion;
    if (!pipeline.description.empty())
        doc["description"] = pipeline.description;
    doc["input"] = {{"mode", std::string(to_string(pipeline.input_mode))}};
    json layers = json::array();
    for (const Layer& layer : pipeline.layers)
        layers.push_back(layer_json(layer));
    doc["layers"] = std::move(layers);
    return doc.dump(2) + "\n";
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
