#pragma once
// Skip connections: which earlier layers each layer reads (Layer::inputs), said for people, drawn
// as arcs, and kept valid by every edit of the stack. A layer with no `inputs` reads the layer
// before it, wherever that is: such "chain" edges follow the order of the list. An explicit input
// names one layer and stays with it: it is renumbered when layers are inserted, removed or moved,
// and an edit that would make a layer read a later one is refused with the reason.

#include "convscope/pipeline.hpp"

#include <QString>

#include <optional>
#include <vector>

namespace convscope::ui {

// "3 · relu" (numbered from 1 as everywhere people read it) or "the input image". `brief` keeps
// only the last part of a path-like name, as imported graphs have them
// ("9 · BatchNormalization" for "/conv32_1/conv2/scale/BatchNormalization").
QString layerReference(const Pipeline& pipeline, int layer, bool brief = false);

// Where layer `index` reads from, when that is not simply the layer before it: "reads 10 · relu",
// "sum of 8 · batchnorm + 3 · relu", "channels of 3 · a, then 7 · b" (brief references). Empty for
// a layer that reads only the previous layer (or the input image, for layer 1).
QString inputsText(const Pipeline& pipeline, int index);

// An edge of the stack that skips rows: layer `from` (kPipelineInput: the input image) is read by
// layer `to`, and `from` is not `to - 1`. `lane` (0, 1, …) separates arcs whose rows overlap, so
// that each can be followed by eye.
struct SkipEdge {
    int from = 0;
    int to = 0;
    int lane = 0;
    friend bool operator==(const SkipEdge&, const SkipEdge&) = default;
};
std::vector<SkipEdge> skipEdges(const Pipeline& pipeline);

// Inserts `layer` at `at` (its explicit inputs name layers before `at`). Later explicit inputs are
// renumbered; the layer that followed `at - 1` and read it now reads the new layer, which goes
// between them as an inserted layer of a straight stack does. Other readers of `at - 1` (the far
// end of a skip connection) keep reading it.
void insertLayer(Pipeline& pipeline, int at, Layer layer);

// Removes layer `at`. The layers that read it read what it read instead (the previous layer when
// it was one of its inputs, else its first input); later explicit inputs are renumbered.
void removeLayer(Pipeline& pipeline, int at);

// Moves layer `from` to position `to`. Chain inputs follow the new order; explicit ones stay with
// the layers they name. Returns false, the pipeline unchanged and `reason` saying which layer
// would read a later one, when the move breaks an edge.
bool moveLayer(Pipeline& pipeline, int from, int to, QString* reason = nullptr);

// A join (add or concat) to be inserted at `at`: the earlier layers it can read, as the Add menu's
// dialog offers them.
enum class JoinKind { Add, Concat };
struct JoinCandidate {
    int layer = 0; // kPipelineInput: the input image
    Shape shape;   // empty when that layer cannot run
};
std::vector<JoinCandidate> joinCandidates(const Pipeline& pipeline, Shape input, int at);
// The sensible default: the layer before `at`, and the latest other earlier layer whose maps fit
// it (one shape for add; one height and width for concat).
std::vector<int> defaultJoinInputs(const Pipeline& pipeline, Shape input, int at, JoinKind kind);
// Why `inputs` cannot be joined at `at`, for people; empty when they can.
QString joinProblem(const Pipeline& pipeline, Shape input, int at, JoinKind kind,
                    const std::vector<int>& inputs);
// The add or concat layer reading `inputs` (in that order).
Layer makeJoinLayer(JoinKind kind, std::vector<int> inputs);

// The kind of join layer `at` is; std::nullopt when it is not an add or concat layer.
std::optional<JoinKind> joinKindOf(const Pipeline& pipeline, int at);
// Why the join at `at` cannot read `inputs` instead of what it reads, for people; empty when it
// can. As for a new join (joinProblem: earlier layers that run, of fitting shapes), and the
// layers after it must still run on what it then gives (a concat of other channels before a
// conv made for the old ones is refused, naming that conv).
QString changeJoinProblem(const Pipeline& pipeline, Shape input, int at,
                          const std::vector<int>& inputs);
// Makes the join at `at` read `inputs` (in that order), its name and everything else kept.
// False, the pipeline unchanged and `reason` said, when changeJoinProblem objects.
bool setJoinInputs(Pipeline& pipeline, Shape input, int at, const std::vector<int>& inputs,
                   QString* reason = nullptr);

} // namespace convscope::ui
