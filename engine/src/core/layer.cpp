#include "convscope/layer.hpp"
#include "convscope/pipeline.hpp"

namespace convscope {

namespace {

template <class... Ts> struct Overloaded : Ts... { using Ts::operator()...; };
// Spelled out for clang before 17, which does not deduce aggregates' template arguments.
template <class... Ts> Overloaded(Ts...) -> Overloaded<Ts...>;

std::string_view activation_name(ActivationKind kind) {
    switch (kind) {
    case ActivationKind::ReLU:
        return "relu";
    case ActivationKind::LeakyReLU:
        return "leaky_relu";
    case ActivationKind::Sigmoid:
        return "sigmoid";
    case ActivationKind::Tanh:
        return "tanh";
    case ActivationKind::PReLU:
        return "prelu";
    case ActivationKind::ELU:
        return "elu";
    case ActivationKind::HardSigmoid:
        return "hardsigmoid";
    case ActivationKind::HardSwish:
        return "hardswish";
    case ActivationKind::Clip:
        return "clip";
    }
    return "relu";
}

} // namespace

std::string_view type_name(const Layer& layer) {
    return std::visit(
        Overloaded{
            [](const Conv2d&) -> std::string_view { return "conv"; },
            [](const Pool2d& p) -> std::string_view {
                return p.kind == PoolKind::Max ? "maxpool" : "avgpool";
            },
            [](const Activation& a) -> std::string_view { return activation_name(a.kind); },
            [](const BatchNorm2d&) -> std::string_view { return "batchnorm"; },
            [](const Add&) -> std::string_view { return "add"; },
            [](const Concat&) -> std::string_view { return "concat"; },
            [](const GlobalPool2d& p) -> std::string_view {
                return p.kind == PoolKind::Max ? "global_maxpool" : "global_avgpool";
            },
            [](const Pad2d&) -> std::string_view { return "pad"; },
            [](const Flatten&) -> std::string_view { return "flatten"; },
            [](const Linear&) -> std::string_view { return "linear"; },
            [](const Softmax&) -> std::string_view { return "softmax"; },
        },
        layer.op);
}

std::string display_name(const Layer& layer) {
    return layer.name.empty() ? std::string(type_name(layer)) : layer.name;
}

} // namespace convscope
