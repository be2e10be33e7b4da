// Per-channel normalisation of the input, with torchvision's arithmetic: a subtraction and a
// division in float32 (not a multiplication by 1/std, which rounds differently).

#include "convscope/input_preparation.hpp"

#include <cmath>
#include <string>

namespace convscope {

namespace {

void check_count(const std::vector<float>& values, const char* field, Shape input) {
    if (values.empty() || values.size() == 1 ||
        values.size() == static_cast<std::size_t>(input.channels))
        return;
    throw PipelineError(-1, field,
                        std::string("input: field \"") + field + "\": has " +
                            std::to_string(values.size()) + " values for " +
                            std::to_string(input.channels) +
                            " input channels (give one value, or one per channel; input " +
                            input.str() + ")");
}

} // namespace

void check_normalization(const InputNormalization& normalization, Shape input) {
    check_count(normalization.mean, "mean", input);
    check_count(normalization.std_dev, "std", input);
    for (float v : normalization.mean)
        if (!std::isfinite(v))
            throw PipelineError(-1, "mean", "input: field \"mean\": must be finite numbers");
    for (float v : normalization.std_dev)
        if (!(v > 0.0f) || !std::isfinite(v))
            throw PipelineError(-1, "std",
                                "input: field \"std\": must be positive finite numbers, found " +
                                    std::to_string(v));
}

Tensor prepare_input(const Tensor& input, const InputNormalization& normalization) {
    check_normalization(normalization, input.shape());
    Tensor out(input.shape());
    for (int c = 0; c < input.channels(); ++c) {
        const float mean = normalization.mean_of(c);
        const float std_dev = normalization.std_of(c);
        for (int y = 0; y < input.height(); ++y) {
            const float* in = input.row(c, y);
            float* row = out.row(c, y);
            for (int x = 0; x < input.width(); ++x)
                row[x] = (in[x] - mean) / std_dev;
        }
    }
    return out;
}

} // namespace convscope
