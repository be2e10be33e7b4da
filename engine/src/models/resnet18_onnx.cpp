#include "convscope/resnet18_onnx.hpp"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <fstream>
#include <random>
#include <stdexcept>
#include <type_traits>
#include <vector>

namespace convscope {

namespace {

// Uniform floats in [lo, hi) from a standard engine, the same on every platform (the standard
// fixes mt19937's sequence but not uniform_real_distribution's).
class Random {
public:
    explicit Random(std::uint32_t seed) : engine_(seed) {}
    float uniform(float lo, float hi) {
        const float unit = static_cast<float>(engine_() >> 8) * (1.0f / 16777216.0f);
        return lo + (hi - lo) * unit;
    }

private:
    std::mt19937 engine_;
};

class Builder {
public:
    Builder(const ResNet18OnnxOptions& options) : options_(options), random_(options.seed) {
        model_.set_ir_version(8);
        model_.set_producer_name("convscope-resnet18");
        model_.set_producer_version("1");
        model_.add_opset_import()->set_version(options.opset);
        graph_ = model_.mutable_graph();
        graph_->set_name("resnet18");
        auto* input = graph_->add_input();
        input->set_name("input");
        auto* type = input->mutable_type()->mutable_tensor_type();
        type->set_elem_type(onnx::TensorProto::FLOAT);
        auto* shape = type->mutable_shape();
        shape->add_dim()->set_dim_value(1);
        shape->add_dim()->set_dim_value(3);
        auto dim = [&](int size, const char* name) {
            if (size > 0)
                shape->add_dim()->set_dim_value(size);
            else
                shape->add_dim()->set_dim_param(name);
        };
        dim(options.input_height, "height");
        dim(options.input_width, "width");
    }

    std::string build() {
        std::string x = "input";
        x = conv_bn("/conv1", "conv1", "/bn1", "bn1", x, 3, 64, 7, 2, 3);
        x = relu("/relu", x);
        x = node("MaxPool", "/maxpool/MaxPool", {x}, [](onnx::NodeProto& n) {
            ints(n, "kernel_shape", {3, 3});
            ints(n, "pads", {1, 1, 1, 1});
            ints(n, "strides", {2, 2});
        });
        int channels = 64;
        const int widths[] = {64, 128, 256, 512};
        for (int stage = 0; stage < 4; ++stage)
            for (int block = 0; block < 2; ++block) {
                const int stride = stage > 0 && block == 0 ? 2 : 1;
                x = basic_block(stage + 1, block, x, channels, widths[stage], stride);
                channels = widths[stage];
            }
        if (options_.classifier) {
            x = node("GlobalAveragePool", "/avgpool/GlobalAveragePool", {x}, nullptr);
            x = node("Flatten", "/Flatten", {x}, [](onnx::NodeProto& n) { integer(n, "axis", 1); });
            const float bound = 1.0f / std::sqrt(512.0f);
            const std::string w =
                initializer("fc.weight", {1000, 512}, random_values(512000, bound));
            const std::string b = initializer("fc.bias", {1000}, random_values(1000, bound));
            x = node("Gemm", "/fc/Gemm", {x, w, b}, [](onnx::NodeProto& n) {
                real(n, "alpha", 1.0f);
                real(n, "beta", 1.0f);
                integer(n, "transB", 1);
            });
        }
        // The last node's output is the model's output, named as torch.onnx.export names it.
        onnx::NodeProto& last = *graph_->mutable_node(graph_->node_size() - 1);
        last.set_output(0, "output");
        auto* output = graph_->add_output();
        output->set_name("output");
        output->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
        return model_.SerializeAsString();
    }

private:
    static void ints(onnx::NodeProto& n, const char* name, std::vector<std::int64_t> values) {
        auto* a = n.add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::INTS);
        for (const auto v : values)
            a->add_ints(v);
    }
    static void integer(onnx::NodeProto& n, const char* name, std::int64_t value) {
        auto* a = n.add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::INT);
        a->set_i(value);
    }
    static void real(onnx::NodeProto& n, const char* name, float value) {
        auto* a = n.add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::FLOAT);
        a->set_f(value);
    }

    template <typename Attributes>
    std::string node(const char* op, const std::string& name, std::vector<std::string> inputs,
                     Attributes attributes) {
        onnx::NodeProto& n = *graph_->add_node();
        n.set_op_type(op);
        n.set_name(name);
        for (const auto& in : inputs)
            n.add_input(in);
        const std::string out = name + "_output_0";
        n.add_output(out);
        if constexpr (!std::is_same_v<Attributes, std::nullptr_t>)
            attributes(n);
        return out;
    }

    std::vector<float> random_values(std::size_t n, float bound) {
        std::vector<float> v(n);
        for (float& x : v)
            x = random_.uniform(-bound, bound);
        return v;
    }

    std::string initializer(const std::string& name, std::vector<std::int64_t> dims,
                            const std::vector<float>& values) {
        onnx::TensorProto& t = *graph_->add_initializer();
        t.set_name(name);
        t.set_data_type(onnx::TensorProto::FLOAT);
        for (const auto d : dims)
            t.add_dims(d);
        t.set_raw_data(std::string(reinterpret_cast<const char*>(values.data()),
                                   values.size() * sizeof(float)));
        return name;
    }

    // A conv without bias and its batch norm (or the two folded into one conv), as torchvision
    // writes every conv of a ResNet. `scope` and `bn_scope` are the node-name prefixes, `module`
    // and `bn_module` the parameter-name prefixes.
    std::string conv_bn(const std::string& scope, const std::string& module,
                        const std::string& bn_scope, const std::string& bn_module,
                        const std::string& x, int in, int out, int kernel, int stride, int pad) {
        const std::size_t taps = static_cast<std::size_t>(in) * kernel * kernel;
        // He-uniform: keeps the maps' magnitude through ReLUs, so deep layers stay informative.
        std::vector<float> weight =
            random_values(static_cast<std::size_t>(out) * taps, std::sqrt(6.0f / taps));
        std::vector<float> gamma(out), beta(out), mean(out), var(out);
        for (int c = 0; c < out; ++c) {
            gamma[c] = random_.uniform(0.5f, 1.5f);
            beta[c] = random_.uniform(-0.2f, 0.2f);
            mean[c] = random_.uniform(-0.2f, 0.2f);
            var[c] = random_.uniform(0.5f, 1.5f);
        }
        const std::vector<std::int64_t> dims{out, in, kernel, kernel};
        auto conv_attributes = [kernel, stride, pad](onnx::NodeProto& n) {
            integer(n, "group", 1);
            ints(n, "dilations", {1, 1});
            ints(n, "kernel_shape", {kernel, kernel});
            ints(n, "pads", {pad, pad, pad, pad});
            ints(n, "strides", {stride, stride});
        };
        constexpr float kEps = 1e-5f;
        if (options_.fold_batch_norm) {
            std::vector<float> bias(out);
            for (int c = 0; c < out; ++c) {
                const double scale = gamma[c] / std::sqrt(static_cast<double>(var[c]) + kEps);
                for (std::size_t t = 0; t < taps; ++t) {
                    float& w = weight[static_cast<std::size_t>(c) * taps + t];
                    w = static_cast<float>(w * scale);
                }
                bias[c] = static_cast<float>(beta[c] - mean[c] * scale);
            }
            const std::string w = initializer(module + ".weight", dims, weight);
            const std::string b = initializer(module + ".bias", {out}, bias);
            return node("Conv", scope + "/Conv", {x, w, b}, conv_attributes);
        }
        const std::string w = initializer(module + ".weight", dims, weight);
        const std::string y = node("Conv", scope + "/Conv", {x, w}, conv_attributes);
        const std::vector<std::int64_t> c_dims{out};
        return node("BatchNormalization", bn_scope + "/BatchNormalization",
                    {y, initializer(bn_module + ".weight", c_dims, gamma),
                     initializer(bn_module + ".bias", c_dims, beta),
                     initializer(bn_module + ".running_mean", c_dims, mean),
                     initializer(bn_module + ".running_var", c_dims, var)},
                    [](onnx::NodeProto& n) {
                        real(n, "epsilon", kEps);
                        real(n, "momentum", 0.9f);
                    });
    }

    std::string relu(const std::string& scope, const std::string& x) {
        return node("Relu", scope + "/Relu", {x}, nullptr);
    }

    std::string basic_block(int stage, int block, const std::string& x, int in, int out,
                            int stride) {
        const std::string layer = "layer" + std::to_string(stage);
        const std::string path = layer + "." + std::to_string(block); // layer2.0
        const std::string scope = "/" + layer + "/" + path;           // /layer2/layer2.0
        std::string y = conv_bn(scope + "/conv1", path + ".conv1", scope + "/bn1", path + ".bn1", x,
                                in, out, 3, stride, 1);
        y = relu(scope + "/relu", y);
        y = conv_bn(scope + "/conv2", path + ".conv2", scope + "/bn2", path + ".bn2", y, out, out,
                    3, 1, 1);
        std::string shortcut = x;
        if (stride != 1 || in != out)
            shortcut = conv_bn(scope + "/downsample/downsample.0", path + ".downsample.0",
                               scope + "/downsample/downsample.1", path + ".downsample.1", x, in,
                               out, 1, stride, 0);
        const std::string sum = node("Add", scope + "/Add", {y, shortcut}, nullptr);
        return relu(scope + "/relu_1", sum);
    }

    ResNet18OnnxOptions options_;
    Random random_;
    onnx::ModelProto model_;
    onnx::GraphProto* graph_ = nullptr;
};

} // namespace

std::string resnet18_onnx(const ResNet18OnnxOptions& options) {
    return Builder(options).build();
}

void write_resnet18_onnx(const std::string& path, const ResNet18OnnxOptions& options) {
    const std::string bytes = resnet18_onnx(options);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out || !out.write(bytes.data(), static_cast<std::streamsize>(bytes.size())) ||
        !out.flush())
        throw std::runtime_error(path + ": cannot be written");
}

} // namespace convscope
