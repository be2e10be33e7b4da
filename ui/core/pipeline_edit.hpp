#pragma once
// Edits of pipeline values that the panels share: new layers, kernel resizing and the kernel
// editor's tools. Plain functions on engine values, so tests can check them without widgets.

#include "convscope/pipeline.hpp"

#include <QString>

#include <random>
#include <string_view>
#include <vector>

namespace convscope::ui {

// Add and Concat join earlier layers: which ones is asked when they are added (layer_graph.hpp).
enum class NewLayerKind { Conv, MaxPool, AvgPool, ReLU, LeakyReLU, Sigmoid, Tanh, Add, Concat };

// The layers a user can add, in menu order, with their menu text (the one add-layer menu).
struct NewLayerChoice {
    QString label;
    NewLayerKind kind;
};
std::vector<NewLayerChoice> newLayerChoices();

// A new layer that fits after a layer with `channels` output channels. A conv starts as the
// identity on its input channels (out = in), so inserting it changes nothing until edited. Add
// and Concat come without inputs (see makeJoinLayer).
Layer makeLayer(NewLayerKind kind, int channels);

// The shape of the maps layer `index` reads (its first input: the previous layer, or the one its
// `inputs` name), and the shape layer `layer` produces (-1: the input itself). Empty when a
// layer before cannot run (the engine's plan_pipeline decides).
Shape inputShapeOf(const Pipeline& pipeline, Shape input, int index);
Shape outputShapeOf(const Pipeline& pipeline, Shape input, int layer);

// An engine name (to_string of a colormap, padding mode, input mode, …) as text for people.
inline QString engineName(std::string_view name) {
    return QString::fromUtf8(name.data(), qsizetype(name.size()));
}

// Kernel size, centred: growing pads with zeros, shrinking crops the middle.
void resizeKernel(Conv2d& conv, int kernelH, int kernelW);
// Filters added at the end start as identity kernels on input channel o % in; bias follows.
void setOutChannels(Conv2d& conv, int outChannels);
// Per-group input channels: fewer sums neighbouring channels' weights, more spreads them
// (so a gray↔RGB switch keeps the filter's meaning).
void setInChannels(Conv2d& conv, int inChannels);

// The kernel editor's tools on one filter. normaliseFilter returns false when the sum is zero.
bool normaliseFilter(Conv2d& conv, int filter);
void flipFilter(Conv2d& conv, int filter, bool horizontal);
// Square kernels: the filter's transpose. Rectangular: every filter of the layer (the shape swaps).
void transposeFilter(Conv2d& conv, int filter);
void randomiseFilter(Conv2d& conv, int filter, std::mt19937& rng);
void zeroFilter(Conv2d& conv, int filter);
// Puts back filter `filter`'s weights and bias from `original` (the layer as it was opened).
// False, changing nothing, when the layer's shape is no longer the original's.
bool restoreFilter(Conv2d& conv, int filter, const Conv2d& original);
// Whether filter `filter` holds the same weights and bias as in `original`.
bool filterMatches(const Conv2d& conv, int filter, const Conv2d& original);
// A 2-D preset on every input channel of the filter, divided by the number of channels (so a
// blur stays in range); the kernel takes the preset's size.
void applyPreset(Conv2d& conv, int filter, const std::vector<std::vector<float>>& kernel);
// Whether filter `filter` holds exactly what applyPreset(conv, filter, kernel) writes.
bool filterIsPreset(const Conv2d& conv, int filter, const std::vector<std::vector<float>>& kernel);

// A filter as text: one row per line, values separated by spaces, input channels separated by
// a blank line. fromText accepts that form (also commas/brackets), either every channel or one
// 2-D kernel for all; the kernel may change size. Returns false with a reason otherwise.
QString filterToText(const Conv2d& conv, int filter);
bool filterFromText(const QString& text, Conv2d& conv, int filter, QString* error);

// "conv 3→8 3×3", "max pool 2×2", "ReLU": what a layer does, in a few words.
QString describeLayer(const Layer& layer);
QString layerTypeTitle(const Layer& layer);

} // namespace convscope::ui
