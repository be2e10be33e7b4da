#include "layer_graph.hpp"

#include <QObject>
#include <QStringList>

#include <algorithm>
#include <numeric>

namespace convscope::ui {

namespace {

std::vector<int> readsOf(const Layer& layer, int index) {
    std::vector<int> reads;
    for (int k = 0; k < input_count(layer); ++k)
        reads.push_back(input_index(layer, index, k));
    return reads;
}

// A single explicit input that is the previous layer says what no input says: drop it, so the
// edge follows the chain again (and the pipeline file stays as plain as a straight stack's).
void tidyInputs(Layer& layer, int index) {
    if (layer.inputs.size() == 1 && layer.inputs[0] == index - 1)
        layer.inputs.clear();
}

bool fits(JoinKind kind, Shape a, Shape b) {
    if (a.empty() || b.empty())
        return false;
    return kind == JoinKind::Add ? a == b : a.height == b.height && a.width == b.width;
}

QString shapeText(Shape shape) {
    return QString::fromStdString(shape.str());
}

} // namespace

QString layerReference(const Pipeline& pipeline, int layer, bool brief) {
    if (layer < 0 || layer >= int(pipeline.layers.size()))
        return QObject::tr("the input image");
    QString name = QString::fromStdString(display_name(pipeline.layers[layer]));
    if (brief && name.contains(QLatin1Char('/'))) {
        const QString last = name.section(QLatin1Char('/'), -1, -1, QString::SectionSkipEmpty);
        if (!last.isEmpty())
            name = last;
    }
    return QStringLiteral("%1 · %2").arg(layer + 1).arg(name);
}

QString inputsText(const Pipeline& pipeline, int index) {
    if (index < 0 || index >= int(pipeline.layers.size()))
        return {};
    const Layer& layer = pipeline.layers[index];
    const std::vector<int> reads = readsOf(layer, index);
    QStringList names;
    for (int source : reads)
        names.append(layerReference(pipeline, source, true));
    if (reads.size() >= 2 && std::holds_alternative<Add>(layer.op))
        return QObject::tr("sum of %1").arg(names.join(QStringLiteral(" + ")));
    if (reads.size() >= 2 && std::holds_alternative<Concat>(layer.op))
        return QObject::tr("channels of %1").arg(names.join(QObject::tr(", then ")));
    if (reads.size() == 1 && reads[0] == index - 1)
        return {};
    return QObject::tr("reads %1").arg(names.join(QStringLiteral(", ")));
}

std::vector<SkipEdge> skipEdges(const Pipeline& pipeline) {
    std::vector<SkipEdge> edges;
    for (int to = 0; to < int(pipeline.layers.size()); ++to)
        for (int from : readsOf(pipeline.layers[to], to))
            if (from != to - 1 && std::none_of(edges.begin(), edges.end(), [&](const SkipEdge& e) {
                    return e.from == from && e.to == to;
                }))
                edges.push_back({from, to, 0});
    // Short arcs nearest the rows, longer ones outside them, so nested arcs never cross; arcs
    // that overlap take separate lanes unless they leave the same layer (then they branch).
    std::vector<int> order(edges.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        return edges[a].to - edges[a].from < edges[b].to - edges[b].from;
    });
    std::vector<std::vector<int>> lanes;
    for (int e : order) {
        const auto clashes = [&](int other) {
            const SkipEdge& a = edges[e];
            const SkipEdge& b = edges[other];
            return a.from != b.from && !(a.to < b.from || b.to < a.from);
        };
        std::size_t lane = 0;
        while (lane < lanes.size() && std::any_of(lanes[lane].begin(), lanes[lane].end(), clashes))
            ++lane;
        if (lane == lanes.size())
            lanes.emplace_back();
        lanes[lane].push_back(e);
        edges[e].lane = int(lane);
    }
    return edges;
}

void insertLayer(Pipeline& pipeline, int at, Layer layer) {
    const int n = int(pipeline.layers.size());
    at = std::clamp(at, 0, n);
    for (int j = at; j < n; ++j) {
        Layer& later = pipeline.layers[j];
        for (int& source : later.inputs) {
            if (source >= at)
                ++source;
            else if (j == at && source == at - 1)
                source = at; // the layer that followed reads the inserted one
        }
    }
    pipeline.layers.insert(pipeline.layers.begin() + at, std::move(layer));
    for (int j = at; j < int(pipeline.layers.size()); ++j)
        tidyInputs(pipeline.layers[j], j);
}

void removeLayer(Pipeline& pipeline, int at) {
    const int n = int(pipeline.layers.size());
    if (at < 0 || at >= n)
        return;
    const std::vector<int> reads = readsOf(pipeline.layers[at], at);
    const int replacement =
        std::find(reads.begin(), reads.end(), at - 1) != reads.end() ? at - 1 : reads.front();
    for (int j = at + 1; j < n; ++j) {
        Layer& later = pipeline.layers[j];
        if (later.inputs.empty()) {
            if (j == at + 1)
                later.inputs = {replacement};
            continue;
        }
        for (int& source : later.inputs) {
            if (source == at)
                source = replacement;
            else if (source > at)
                --source;
        }
    }
    pipeline.layers.erase(pipeline.layers.begin() + at);
    for (int j = at; j < int(pipeline.layers.size()); ++j)
        tidyInputs(pipeline.layers[j], j);
}

bool moveLayer(Pipeline& pipeline, int from, int to, QString* reason) {
    const int n = int(pipeline.layers.size());
    if (from < 0 || from >= n || to < 0 || to >= n) {
        if (reason)
            *reason = QObject::tr("There is no layer %1 to move there.").arg(from + 1);
        return false;
    }
    if (from == to)
        return true;
    std::vector<int> order(static_cast<std::size_t>(n)); // order[new position] = old index
    std::iota(order.begin(), order.end(), 0);
    order.erase(order.begin() + from);
    order.insert(order.begin() + to, from);
    std::vector<int> position(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i)
        position[order[i]] = i;

    std::vector<Layer> moved;
    moved.reserve(std::size_t(n));
    for (int i = 0; i < n; ++i) {
        Layer layer = pipeline.layers[order[i]];
        for (int& source : layer.inputs) {
            if (source == kPipelineInput)
                continue;
            if (position[source] >= i) {
                if (reason)
                    *reason = QObject::tr("%1 reads %2, so it must stay below it. Move %2 first, "
                                          "or remove %1 and add it again where it belongs.")
                                  .arg(layerReference(pipeline, order[i]),
                                       layerReference(pipeline, source));
                return false;
            }
            source = position[source];
        }
        moved.push_back(std::move(layer));
    }
    for (int i = 0; i < n; ++i)
        tidyInputs(moved[i], i);
    pipeline.layers = std::move(moved);
    return true;
}

std::vector<JoinCandidate> joinCandidates(const Pipeline& pipeline, Shape input, int at) {
    const PipelinePlan plan = plan_pipeline(pipeline, input);
    std::vector<JoinCandidate> candidates{{kPipelineInput, input}};
    for (int l = 0; l < std::min(at, int(pipeline.layers.size())); ++l)
        candidates.push_back({l, l < plan.runnable() ? plan.shapes[l] : Shape{}});
    return candidates;
}

std::vector<int> defaultJoinInputs(const Pipeline& pipeline, Shape input, int at, JoinKind kind) {
    const std::vector<JoinCandidate> candidates = joinCandidates(pipeline, input, at);
    // candidates[l + 1] is layer l (candidates[0] the input image).
    const int previous = std::min(at, int(pipeline.layers.size())) - 1;
    const Shape main = candidates[std::size_t(previous + 1)].shape;
    for (int l = previous - 1; l >= kPipelineInput; --l)
        if (fits(kind, candidates[std::size_t(l + 1)].shape, main))
            return {previous, l};
    return {previous};
}

QString joinProblem(const Pipeline& pipeline, Shape input, int at, JoinKind kind,
                    const std::vector<int>& inputs) {
    if (inputs.size() < 2)
        return QObject::tr("Choose two or more layers to join.");
    const std::vector<JoinCandidate> candidates = joinCandidates(pipeline, input, at);
    for (int source : inputs) {
        if (source < kPipelineInput || source + 1 >= int(candidates.size()))
            return QObject::tr("Layer %1 does not come before layer %2, so it cannot be read "
                               "there.")
                .arg(source + 1)
                .arg(at + 1);
        if (candidates[std::size_t(source + 1)].shape.empty())
            return QObject::tr("%1 cannot run, so it cannot be joined.")
                .arg(layerReference(pipeline, source));
    }
    const Shape first = candidates[std::size_t(inputs[0] + 1)].shape;
    for (std::size_t k = 1; k < inputs.size(); ++k) {
        const Shape other = candidates[std::size_t(inputs[k] + 1)].shape;
        if (!fits(kind, first, other))
            return (kind == JoinKind::Add
                        ? QObject::tr("Add needs maps of one shape: %1 gives %2, %3 gives %4.")
                        : QObject::tr("Concat needs maps of one height and width: %1 gives %2, "
                                      "%3 gives %4."))
                .arg(layerReference(pipeline, inputs[0]), shapeText(first),
                     layerReference(pipeline, inputs[k]), shapeText(other));
    }
    return {};
}

Layer makeJoinLayer(JoinKind kind, std::vector<int> inputs) {
    Layer layer;
    if (kind == JoinKind::Add)
        layer.op = Add{};
    else
        layer.op = Concat{};
    layer.inputs = std::move(inputs);
    return layer;
}

std::optional<JoinKind> joinKindOf(const Pipeline& pipeline, int at) {
    if (at < 0 || at >= int(pipeline.layers.size()))
        return std::nullopt;
    const auto& op = pipeline.layers[std::size_t(at)].op;
    if (std::holds_alternative<Add>(op))
        return JoinKind::Add;
    if (std::holds_alternative<Concat>(op))
        return JoinKind::Concat;
    return std::nullopt;
}

QString changeJoinProblem(const Pipeline& pipeline, Shape input, int at,
                          const std::vector<int>& inputs) {
    const std::optional<JoinKind> kind = joinKindOf(pipeline, at);
    if (!kind)
        return QObject::tr("%1 is not an add or concat layer: it has no inputs to choose.")
            .arg(layerReference(pipeline, at));
    if (QString why = joinProblem(pipeline, input, at, *kind, inputs); !why.isEmpty())
        return why;
    // What ran before must still run: the join's new output reaches every later layer.
    Pipeline after = pipeline;
    after.layers[std::size_t(at)].inputs = inputs;
    const PipelinePlan before = plan_pipeline(pipeline, input);
    const PipelinePlan plan = plan_pipeline(after, input);
    if (plan.runnable() < before.runnable() && plan.error) {
        const int broken = plan.runnable();
        return QObject::tr("%1 could not run on what the join would give then (%2).")
            .arg(layerReference(after, broken), QString::fromUtf8(plan.error->what()));
    }
    return {};
}

bool setJoinInputs(Pipeline& pipeline, Shape input, int at, const std::vector<int>& inputs,
                   QString* reason) {
    const QString why = changeJoinProblem(pipeline, input, at, inputs);
    if (!why.isEmpty()) {
        if (reason)
            *reason = why;
        return false;
    }
    pipeline.layers[std::size_t(at)].inputs = inputs;
    return true;
}

} // namespace convscope::ui
