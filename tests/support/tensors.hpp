#pragma once
// Tensors and layers for tests: random values from a fixed seed (every run sees the same
// numbers), convolutions from their weights.

#include "convscope/layer.hpp"
#include "convscope/tensor.hpp"

#include <vector>

namespace convscope::test {

// Values uniform in [lo, hi).
Tensor random_tensor(Shape shape, unsigned seed, float lo = -1.0f, float hi = 1.0f);

// A conv with these weights (out × in_per_group × kh × kw, C order; empty: all zero): no bias,
// stride 1, no padding, one group.
Conv2d make_conv(int out, int in_per_group, int kh, int kw, std::vector<float> weights = {});

// A conv with random weights of magnitude in [min_magnitude, 1) and either sign, and a random
// bias in [-1, 1) per output channel. A minimum magnitude keeps every tap influential.
Conv2d random_conv(int out, int in_per_group, int kh, int kw, unsigned seed,
                   float min_magnitude = 0.0f);

// An unnamed layer; `inputs` as in Layer::inputs (empty: it reads the layer before it).
Layer layer_of(LayerOp op, bool enabled = true, std::vector<int> inputs = {});

} // namespace convscope::test
