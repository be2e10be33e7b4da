#include "convscope/naive_backend.hpp"

namespace convscope {

namespace {

template <class... Ts> struct Overloaded : Ts... { using Ts::operator()...; };
// Spelled out for clang before 17, which does not deduce aggregates' template arguments.
template <class... Ts> Overloaded(Ts...) -> Overloaded<Ts...>;

} // namespace

void NaiveBackend::run_layer(const Layer& layer, LayerInputs inputs, Tensor& output,
                             std::string& kernel, const CancelToken* cancel) {
    naive_run_layer(layer, inputs, output, cancel);
    kernel.assign("naive");
}

void naive_run_layer(const Layer& layer, std::span<const Tensor* const> inputs, Tensor& output,
                     const CancelToken* cancel) {
    const Tensor& in = *inputs[0];
    std::visit(Overloaded{
                   [&](const Conv2d& conv) { naive_conv2d(conv, in, output, cancel); },
                   [&](const Pool2d& pool) { naive_pool2d(pool, in, output, cancel); },
                   [&](const Activation& act) { naive_activation(act, in, output); },
                   [&](const BatchNorm2d& bn) { naive_batch_norm(bn, in, output); },
                   [&](const Add& add) { naive_add(add, inputs, output); },
                   [&](const Concat&) { naive_concat(inputs, output); },
                   [&](const GlobalPool2d& pool) { naive_global_pool(pool, in, output); },
                   [&](const Pad2d& pad) { naive_pad(pad, in, output); },
                   [&](const Flatten&) { naive_flatten(in, output); },
                   [&](const Linear& linear) { naive_linear(linear, in, output); },
                   [&](const Softmax&) { naive_softmax(in, output); },
               },
               layer.op);
}

} // namespace convscope
