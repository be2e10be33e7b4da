#include "tensors.hpp"

#include <random>

namespace convscope::test {

Tensor random_tensor(Shape shape, unsigned seed, float lo, float hi) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> value(lo, hi);
    Tensor t(shape);
    for (int c = 0; c < shape.channels; ++c)
        for (int y = 0; y < shape.height; ++y)
            for (int x = 0; x < shape.width; ++x)
                t.at(c, y, x) = value(rng);
    return t;
}

Conv2d make_conv(int out, int in_per_group, int kh, int kw, std::vector<float> weights) {
    Conv2d conv;
    weights.resize(static_cast<std::size_t>(out) * in_per_group * kh * kw, 0.0f);
    conv.weights = ConvWeights{out, in_per_group, kh, kw, std::move(weights)};
    return conv;
}

Conv2d random_conv(int out, int in_per_group, int kh, int kw, unsigned seed, float min_magnitude) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> magnitude(min_magnitude, 1.0f);
    std::uniform_real_distribution<float> bias(-1.0f, 1.0f);
    std::bernoulli_distribution negative(0.5);
    Conv2d conv = make_conv(out, in_per_group, kh, kw);
    for (float& w : conv.weights.values.write())
        w = negative(rng) ? -magnitude(rng) : magnitude(rng);
    for (int o = 0; o < out; ++o)
        conv.bias.push_back(bias(rng));
    return conv;
}

Layer layer_of(LayerOp op, bool enabled, std::vector<int> inputs) {
    Layer layer;
    layer.enabled = enabled;
    layer.op = std::move(op);
    layer.inputs = std::move(inputs);
    return layer;
}

} // namespace convscope::test
