#pragma once
// The reference backend: the textbook loops, one thread, accumulation in double. It is the ground
// truth every other backend is tested against, and the baseline of the speedups the app shows.

#include "convscope/backend.hpp"

#include <span>

namespace convscope {

class NaiveBackend final : public Backend {
public:
    std::string name() const override { return "naive"; }

protected:
    void run_layer(const Layer& layer, LayerInputs inputs, Tensor& output, std::string& kernel,
                   const CancelToken* cancel) override;
};

// Runs one layer with the reference loops (for other backends' fallbacks). `inputs` are the maps
// the layer reads, in the order of its `inputs` (one for most layers).
void naive_run_layer(const Layer& layer, std::span<const Tensor* const> inputs, Tensor& output,
                     const CancelToken* cancel = nullptr);
inline void naive_run_layer(const Layer& layer, const Tensor& input, Tensor& output,
                            const CancelToken* cancel = nullptr) {
    const Tensor* inputs[] = {&input};
    naive_run_layer(layer, inputs, output, cancel);
}

// The single layers, usable on their own (tests, the pixel inspector).
void naive_conv2d(const Conv2d& conv, const Tensor& input, Tensor& output,
                  const CancelToken* cancel = nullptr);
void naive_pool2d(const Pool2d& pool, const Tensor& input, Tensor& output,
                  const CancelToken* cancel = nullptr);
void naive_activation(const Activation& act, const Tensor& input, Tensor& output);
void naive_batch_norm(const BatchNorm2d& bn, const Tensor& input, Tensor& output);
void naive_add(const Add& add, std::span<const Tensor* const> inputs, Tensor& output);
void naive_concat(std::span<const Tensor* const> inputs, Tensor& output);
void naive_global_pool(const GlobalPool2d& pool, const Tensor& input, Tensor& output);
void naive_pad(const Pad2d& pad, const Tensor& input, Tensor& output);
void naive_flatten(const Tensor& input, Tensor& output);
void naive_linear(const Linear& linear, const Tensor& input, Tensor& output);
void naive_softmax(const Tensor& input, Tensor& output);

} // namespace convscope
