#pragma once
// One layer of a pipeline: a conv, a pooling or an activation, with a user-facing name.

#include "convscope/activation.hpp"
#include "convscope/conv2d.hpp"
#include "convscope/pool2d.hpp"

#include <string>
#include <string_view>
#include <variant>

namespace convscope {

using LayerOp = std::variant<Conv2d, Pool2d, Activation>;

struct Layer {
    std::string name;    // may be empty
    bool enabled = true; // a disabled layer passes its input through unchanged
    LayerOp op;

    friend bool operator==(const Layer&, const Layer&) = default;
};

// The pipeline-file type name: "conv", "maxpool", "avgpool", "relu", "leaky_relu", "sigmoid",
// "tanh".
std::string_view type_name(const Layer& layer);
// The name if set, else the type name.
std::string display_name(const Layer& layer);

} // namespace convscope
