#include "map_data.hpp"

#include "document.hpp"
#include "number_format.hpp"
#include "render_coordinator.hpp"

#include <algorithm>

namespace convscope::ui {

const Tensor* MapSnapshot::maps(int layer) const {
    if (layer < 0)
        return input.get();
    return layer < int(run.layers.size()) ? run.layers[layer].output.get() : nullptr;
}

bool MapSnapshot::contains(MapId id) const {
    const Tensor* t = maps(id.layer);
    return t && id.channel >= 0 && id.channel < t->channels();
}

ValueRange unitedRange(std::span<const ValueRange> ranges) {
    if (ranges.empty())
        return {};
    ValueRange united = ranges.front();
    for (const ValueRange& r : ranges.subspan(1))
        united = {std::min(united.min, r.min), std::max(united.max, r.max)};
    return united;
}

ValueRange normalisedRange(const MapSnapshot& snapshot, MapId id, Normalisation normalisation) {
    const Tensor* maps = snapshot.maps(id.layer);
    if (!maps || id.channel < 0 || id.channel >= maps->channels())
        return {};
    // Every map's own range, layer by layer.
    const auto ranges = [](const Tensor& t) {
        std::vector<ValueRange> own;
        for (int c = 0; c < t.channels(); ++c)
            own.push_back(map_range(t, c));
        return own;
    };
    const auto layerRange = [&] { return unitedRange(ranges(*maps)); };
    const auto globalRange = [&] {
        std::vector<ValueRange> layers;
        for (int layer = 0; layer < snapshot.layerCount(); ++layer)
            if (const Tensor* t = snapshot.maps(layer); t && t->channels() > 0)
                layers.push_back(unitedRange(ranges(*t)));
        return unitedRange(layers);
    };
    return colourRange(
        id, normalisation, [&] { return map_range(*maps, id.channel); }, layerRange, globalRange);
}

QString normalisationName(Normalisation normalisation) {
    switch (normalisation) {
    case Normalisation::PerLayer:
        return QObject::tr("per layer");
    case Normalisation::Global:
        return QObject::tr("global");
    case Normalisation::PerMap:
        break;
    }
    return QObject::tr("per map");
}

QString rangeNote(MapId id, Normalisation normalisation, ValueRange basis, ValueRange shown) {
    const QString scope =
        id.layer < 0 ? QObject::tr("the input image's own") : normalisationName(normalisation);
    QString note = QObject::tr("range: %1, %2 … %3")
                       .arg(scope, formatNumber(basis.min, 4), formatNumber(basis.max, 4));
    if (shown.min != basis.min || shown.max != basis.max)
        note += QObject::tr(" (colours centred on 0)");
    return note;
}

MapDataProvider::MapDataProvider(RenderCoordinator* coordinator, QObject* parent)
    : QObject(parent), coordinator_(coordinator), document_(coordinator->document()) {
    connect(coordinator_, &RenderCoordinator::resultReady, this, &MapDataProvider::onResult);
}

MapDataProvider::~MapDataProvider() = default;

bool MapDataProvider::isCurrent() const {
    return snapshot_ && snapshot_->revision == document_->revision() &&
           snapshot_->input == document_->input();
}

void MapDataProvider::setWanted(const QString& consumer, bool wanted) {
    wanted_.removeAll(consumer);
    if (wanted)
        wanted_.append(consumer);
    keepMaps(keepsMaps());
    if (wanted)
        requestMaps();
    else if (!keepsMaps())
        snapshot_.reset(); // nobody reads values now: the engine may reuse its buffers
}

bool MapDataProvider::keepsMaps() const {
    return isWanted() || !waiters_.empty();
}

void MapDataProvider::keepMaps(bool keep) {
    if (keep && !coordinator_->keepMaps())
        keepingSince_ = coordinator_->requestedGeneration() + 1; // the next request has them
    coordinator_->setKeepMaps(keep);
}

void MapDataProvider::refresh() {
    if (!isCurrent())
        withCurrent(this, [](std::shared_ptr<const MapSnapshot>) {});
}

void MapDataProvider::requestMaps() {
    if (isCurrent() || !document_->input())
        return;
    // A render on its way brings the maps (or, sent before they were wanted, leads back here).
    if (coordinator_->isBusy() || coordinator_->isScheduled())
        return;
    // The engine's cache holds the maps already: the render thread only hands them over.
    coordinator_->scheduleRender();
}

void MapDataProvider::withCurrent(
    QObject* context, std::function<void(std::shared_ptr<const MapSnapshot>)> callback) {
    if (isCurrent()) {
        callback(snapshot_);
        return;
    }
    waiters_.push_back({context, std::move(callback)});
    keepMaps(true);
    requestMaps();
}

void MapDataProvider::onResult(const std::shared_ptr<const RenderResult>& result) {
    if (!result->maps) {
        // Asked for before values were wanted: ask again, now with the maps (a result that was
        // asked for them and has none had nothing to give).
        if (keepsMaps() && result->generation < keepingSince_)
            requestMaps();
        else if (!keepsMaps())
            snapshot_.reset(); // out of date, and held only by us
        return;
    }
    snapshot_ = result->maps;
    if (!isCurrent())
        return; // the document moved on; the coordinator is already rendering the newer state
    Q_EMIT snapshotReady(snapshot_);
    std::vector<Waiter> waiters;
    waiters.swap(waiters_);
    for (Waiter& waiter : waiters)
        if (waiter.context)
            waiter.callback(snapshot_);
    // The snapshot stays until the next result, so a caller can still read it; the maps are no
    // longer asked for unless some panel wants them.
    keepMaps(keepsMaps());
}

} // namespace convscope::ui
