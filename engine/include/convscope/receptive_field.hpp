#pragma once
// Receptive fields: which positions of every earlier map can influence one value of a layer's
// output, traced back through every layer to the input.
//
// Levels number the maps of a run: level 0 is the input, level k + 1 is layer k's output. The
// field of a value at level L has one entry per level 0..L; the entry at level L is the value
// itself.
//
// Rows and columns are traced separately (every layer's window is a product of a row window and
// a column window), exactly as sets: a dilated kernel leaves gaps, and those gaps survive in
// `positions`. The sets assume every weight may be non-zero; a zero weight, a ReLU or a max
// pooling can only make the true influence smaller, never larger.
//
// Layers that read earlier layers are followed along their edges: a map the traced value does
// not depend on (a branch that never reaches it) has no field (`influences` false). Where paths
// meet again (the two inputs of an add) a map's field is the union of what each path reaches,
// taken per axis and per channel set — the product of the unions, so it may include a few cells
// no single path reaches; for the usual residual block (an identity and a centred window) it is
// exact.

#include "convscope/pipeline.hpp"
#include "convscope/shape.hpp"

#include <vector>

namespace convscope {

// One axis (rows or columns) of a field at one level.
struct FieldAxis {
    // Every position that can influence the traced value, sorted. Empty only when the windows
    // read nothing but zero padding (a kernel smaller than its padding): the value is the bias.
    std::vector<int> positions;
    // The bounding range of `positions`, inclusive; always inside the map (0, -1 when empty).
    int first = 0;
    int last = -1;
    // How far the windows of the layer that reads this map reach beyond its first and last
    // position, in cells of this map: the padding they touch (0 when they stay inside). With zero
    // padding those cells read zeros; with reflect, replicate or circular padding they read real
    // cells, which are then part of `positions`.
    int padding_before = 0;
    int padding_after = 0;

    int extent() const { return last - first + 1; }
    bool dense() const { return static_cast<int>(positions.size()) == extent(); }
    // The spacing of `positions` when they are evenly spaced (a dilated kernel: its dilation),
    // 0 when they are not (several dilated layers, or wrapped padding). 1 for a single position.
    int step() const;
    bool contains(int position) const;
};

// The part of one map (one level) that can influence the traced value.
struct FieldLevel {
    int level = 0;             // 0: the input; k + 1: layer k's output
    Shape shape;               // the map stack at this level
    bool influences = false;   // false: the traced value does not depend on this map at all
    std::vector<int> channels; // the channels that can influence, sorted
    FieldAxis rows;
    FieldAxis cols;

    bool contains(int channel, int y, int x) const;
};

struct ReceptiveField {
    // levels[k] for k = 0..layer + 1; the last one is the traced value itself.
    std::vector<FieldLevel> levels;
};

// The receptive field of value (channel, y, x) of layer `layer`'s output, for `pipeline` run on an
// input of shape `input`. Disabled layers, activations and batch norm pass positions through
// unchanged; a conv with groups reaches only its group's input channels; add reaches the same
// cells of each of its inputs; concat maps a channel to the input it comes from; a pad shifts
// positions (and mirrors, repeats or wraps at the edges); global pooling reads the whole map;
// flatten maps a feature back to its channel and cell; linear layers and softmax read every
// channel of their input.
//
// Padding modes: a window cell outside the map reads nothing (zeros, pooling) or a real cell
// elsewhere (reflect, replicate, circular; PyTorch's source_index). Those real cells influence
// the value, so they are in `positions` and the bounding range grows to include them (a circular
// wrap can make it span the whole map); `padding_before/after` still says how far the window
// itself reached out.
//
// Throws PipelineError when the pipeline cannot run on `input`, std::out_of_range when the
// position is not in layer `layer`'s output.
ReceptiveField receptive_field(const Pipeline& pipeline, Shape input, int layer, int channel, int y,
                               int x);

} // namespace convscope
