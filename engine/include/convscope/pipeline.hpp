#pragma once
// Pipeline: the ordered layers applied to an input image, validated before anything runs.

#include "convscope/layer.hpp"
#include "convscope/shape.hpp"

#include <stdexcept>
#include <string>
#include <vector>

namespace convscope {

enum class InputMode { Gray, Rgb };

std::string_view to_string(InputMode mode);
inline int channel_count(InputMode mode) {
    return mode == InputMode::Gray ? 1 : 3;
}

struct Pipeline {
    InputMode input_mode = InputMode::Gray;
    std::string description; // what the pipeline shows, for people
    std::vector<Layer> layers;

    friend bool operator==(const Pipeline&, const Pipeline&) = default;
};

// A pipeline that cannot run: names the layer (index, -1 for the pipeline as a whole) and the
// field at fault.
class PipelineError : public std::runtime_error {
public:
    PipelineError(int layer_index, std::string field, const std::string& message);
    int layer_index() const { return layer_index_; }
    const std::string& field() const { return field_; }

private:
    int layer_index_;
    std::string field_;
};

// The output shape of one layer for a given input shape; throws PipelineError (with
// `layer_index`) when the layer cannot take that input or would produce an empty map.
Shape infer_shape(const Layer& layer, Shape input, int layer_index);

// Every layer's output shape, in order; throws PipelineError at the first layer that fails.
std::vector<Shape> infer_shapes(const Pipeline& pipeline, Shape input);
// The same into `shapes`, reusing its memory.
void infer_shapes(const Pipeline& pipeline, Shape input, std::vector<Shape>& shapes);

// What a layer costs: learnable parameters, and floating-point operations for one run
// (a multiply-add counts as 2).
struct LayerCost {
    long long parameters = 0;
    double flops = 0;
};
LayerCost layer_cost(const Layer& layer, Shape input, Shape output);

} // namespace convscope
