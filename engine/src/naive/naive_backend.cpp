#include "convscope/naive_backend.hpp"

namespace convscope {

void NaiveBackend::run_layer(const Layer& layer, const Tensor& input, Tensor& output,
                             std::string& kernel, const CancelToken* cancel) {
    naive_run_layer(layer, input, output, cancel);
    kernel.assign("naive");
}

void naive_run_layer(const Layer& layer, const Tensor& input, Tensor& output,
                     const CancelToken* cancel) {
    if (const auto* conv = std::get_if<Conv2d>(&layer.op))
        naive_conv2d(*conv, input, output, cancel);
    else if (const auto* pool = std::get_if<Pool2d>(&layer.op))
        naive_pool2d(*pool, input, output, cancel);
    else
        naive_activation(std::get<Activation>(layer.op), input, output);
}

} // namespace convscope
