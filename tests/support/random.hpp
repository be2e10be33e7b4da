#pragma once
// Random draws for tests that hold their own generator (seeded once, so every run sees the same
// numbers) and draw from it as they build shapes, weights and layers.

#include "convscope/layer.hpp"

#include <random>

namespace convscope::test {

using Random = std::mt19937;

// A value uniform in [lo, hi).
float uniform(Random& rng, float lo = -1.0f, float hi = 1.0f);

// A batch norm with the statistics of a trained layer: γ in [0.5, 1.5), β in [-0.2, 0.2), running
// mean in [-0.3, 0.3) and running variance in [0.5, 2) per channel, PyTorch's eps.
BatchNorm2d random_batch_norm(Random& rng, int channels);

} // namespace convscope::test
