#pragma once
// The reference backend: the textbook loops, one thread, accumulation in double. It is the ground
// truth every other backend is tested against, and the baseline of the speedups the app shows.

#include "convscope/backend.hpp"

namespace convscope {

class NaiveBackend final : public Backend {
public:
    std::string name() const override { return "naive"; }

protected:
    void run_layer(const Layer& layer, const Tensor& input, Tensor& output, std::string& kernel,
                   const CancelToken* cancel) override;
};

// Runs one layer with the reference loops (for other backends' fallbacks).
void naive_run_layer(const Layer& layer, const Tensor& input, Tensor& output,
                     const CancelToken* cancel = nullptr);

// The single layers, usable on their own (tests, the pixel inspector).
void naive_conv2d(const Conv2d& conv, const Tensor& input, Tensor& output,
                  const CancelToken* cancel = nullptr);
void naive_pool2d(const Pool2d& pool, const Tensor& input, Tensor& output,
                  const CancelToken* cancel = nullptr);
void naive_activation(const Activation& act, const Tensor& input, Tensor& output);

} // namespace convscope
