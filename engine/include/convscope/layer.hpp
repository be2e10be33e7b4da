#pragma once
// One layer of a pipeline: its operation, a user-facing name, and the earlier maps it reads.

#include "convscope/activation.hpp"
#include "convscope/batch_norm.hpp"
#include "convscope/classifier.hpp"
#include "convscope/conv2d.hpp"
#include "convscope/global_pool.hpp"
#include "convscope/merge.hpp"
#include "convscope/pad2d.hpp"
#include "convscope/pool2d.hpp"

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace convscope {

using LayerOp = std::variant<Conv2d, Pool2d, Activation, BatchNorm2d, Add, Concat, GlobalPool2d,
                             Pad2d, Flatten, Linear, Softmax>;

// The pipeline's input, as a layer index in `Layer::inputs`.
inline constexpr int kPipelineInput = -1;

struct Layer {
    std::string name;    // may be empty
    bool enabled = true; // a disabled layer passes its (first) input through unchanged
    LayerOp op;
    // The maps this layer reads: indices of earlier layers of the pipeline, or kPipelineInput.
    // Empty means the previous layer (the pipeline's input for layer 0), which is what every
    // layer of a straight stack does. add and concat read two or more.
    std::vector<int> inputs{};

    friend bool operator==(const Layer&, const Layer&) = default;
};

// The pipeline-file type name: "conv", "maxpool", "avgpool", "relu", "leaky_relu", "sigmoid",
// "tanh", "prelu", "elu", "hardsigmoid", "hardswish", "clip", "batchnorm", "add", "concat",
// "global_avgpool", "global_maxpool", "pad", "flatten", "linear", "softmax".
std::string_view type_name(const Layer& layer);
// The name if set, else the type name.
std::string display_name(const Layer& layer);

// How many maps layer `index` reads, and the k-th of them (a layer index or kPipelineInput).
inline int input_count(const Layer& layer) {
    return layer.inputs.empty() ? 1 : static_cast<int>(layer.inputs.size());
}
inline int input_index(const Layer& layer, int index, int k) {
    return layer.inputs.empty() ? index - 1 : layer.inputs[static_cast<std::size_t>(k)];
}

} // namespace convscope
