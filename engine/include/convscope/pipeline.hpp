#pragma once
// Pipeline: the ordered layers applied to an input image, validated before anything runs.

#include "convscope/layer.hpp"
#include "convscope/shape.hpp"

#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace convscope {

enum class InputMode { Gray, Rgb };

std::string_view to_string(InputMode mode);
inline int channel_count(InputMode mode) {
    return mode == InputMode::Gray ? 1 : 3;
}

// How the input becomes the maps the first layer reads, as torchvision's Normalize does it:
// per channel c, (x − mean[c]) / std[c], in float. Each vector is empty (mean 0, std 1), one
// value for every channel, or one per channel of the input. Applied once, before layer 1, by
// Backend::run (see prepare_input); a change of it is a change of the input.
struct InputNormalization {
    std::vector<float> mean;
    std::vector<float> std_dev; // torchvision's "std"

    bool identity() const { return mean.empty() && std_dev.empty(); }
    float mean_of(int channel) const { return pick(mean, channel, 0.0f); }
    float std_of(int channel) const { return pick(std_dev, channel, 1.0f); }

    friend bool operator==(const InputNormalization&, const InputNormalization&) = default;

private:
    static float pick(const std::vector<float>& v, int channel, float none) {
        return v.empty() ? none : v.size() == 1 ? v[0] : v[static_cast<std::size_t>(channel)];
    }
};

// How an image of another size than the network's input size becomes the input: as it is
// (convolutions run on any size), stretched to the size (torchvision's Resize((h, w))), or
// scaled until it covers the size and then cut to it around its centre (Resize(min(h, w)) then
// CenterCrop((h, w)): the aspect ratio kept, the edges lost).
enum class InputFit { Whole, Resize, CenterCrop };

std::string_view to_string(InputFit fit);
// Reads "whole", "resize", "center_crop"; false for anything else.
bool parse_input_fit(std::string_view name, InputFit& fit);

struct Pipeline {
    InputMode input_mode = InputMode::Gray; // how an image file becomes the input
    InputNormalization normalization;       // what is done to the input before layer 1
    // The input size the network was made for ([h, w]; 0 × 0 when it does not say). It is
    // information for people and for resizing an image to it; convolutions run on any size.
    Pair input_size{0, 0};
    // What is done to an image file of another size (see fit_input); only with an input_size.
    InputFit input_fit = InputFit::Whole;
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

// The output shape of one layer for the shapes of the maps it reads (one per input, in the order
// of `Layer::inputs`); throws PipelineError (with `layer_index`) when the layer cannot take them
// or would produce an empty map.
Shape infer_shape(const Layer& layer, std::span<const Shape> inputs, int layer_index);
inline Shape infer_shape(const Layer& layer, Shape input, int layer_index) {
    return infer_shape(layer, std::span<const Shape>(&input, 1), layer_index);
}

// Whether `normalization` fits an input of shape `input`: one value or one per channel, and a
// positive, finite std. Throws PipelineError with layer index -1 and the field ("mean", "std").
// infer_shapes and plan_pipeline check it first.
void check_normalization(const InputNormalization& normalization, Shape input);

// Every layer's output shape, in order; throws PipelineError at the first layer that fails.
std::vector<Shape> infer_shapes(const Pipeline& pipeline, Shape input);
// The same into `shapes`, reusing its memory, for the first `layer_count` layers (-1: all).
void infer_shapes(const Pipeline& pipeline, Shape input, std::vector<Shape>& shapes,
                  int layer_count = -1);

// Which part of a pipeline can run on an input of a given shape: the layers before the first
// one that cannot, their output shapes, and why that one cannot. Everyone who runs or shows a
// pipeline asks this one question here, so they agree on what runs.
struct PipelinePlan {
    std::vector<Shape> shapes; // the output shape of every layer that can run: layers [0, size)
    // Why layer `runnable()` cannot run, if one cannot. Its layer_index() is that layer, or -1
    // when nothing can run because of the input itself (an empty input).
    std::optional<PipelineError> error;

    int runnable() const { return static_cast<int>(shapes.size()); }
    bool complete() const { return !error.has_value(); }
};
PipelinePlan plan_pipeline(const Pipeline& pipeline, Shape input);

} // namespace convscope

// What layers cost (layer_cost.hpp) was declared here first; code that includes this header for it
// keeps compiling.
#include "convscope/layer_cost.hpp"
