#include "random.hpp"

namespace convscope::test {

float uniform(Random& rng, float lo, float hi) {
    return std::uniform_real_distribution<float>(lo, hi)(rng);
}

BatchNorm2d random_batch_norm(Random& rng, int channels) {
    BatchNorm2d bn;
    for (int c = 0; c < channels; ++c) {
        bn.weight.push_back(uniform(rng, 0.5f, 1.5f));
        bn.bias.push_back(uniform(rng, -0.2f, 0.2f));
        bn.running_mean.push_back(uniform(rng, -0.3f, 0.3f));
        bn.running_var.push_back(uniform(rng, 0.5f, 2.0f));
    }
    return bn;
}

} // namespace convscope::test
