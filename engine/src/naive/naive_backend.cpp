#include "convscope/naive_backend.hpp"

namespace convscope {

std::string NaiveBackend::run_layer(const Layer& layer, const Tensor& input, Tensor& output,
                                    const CancelToken* cancel) {
    if (const auto* conv = std::get_if<Conv2d>(&layer.op))
        naive_conv2d(*conv, input, output, cancel);
    else if (const auto* pool = std::get_if<Pool2d>(&layer.op))
        naive_pool2d(*pool, input, output, cancel);
    else
        naive_activation(std::get<Activation>(layer.op), input, output);
    return "naive";
}

} // namespace convscope
