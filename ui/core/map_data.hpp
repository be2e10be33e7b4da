#pragma once
// The numbers behind the pictures, for the panels that read values (statistics, the pixel
// inspector, compare, the sliding window, export). There is no second run for them: the render
// thread hands back the live run's maps as an immutable snapshot (MapSnapshot, shared with the
// engine) whenever some panel wants values, and this object keeps the newest one for them.

#include "render_types.hpp"

#include <QObject>
#include <QPointer>
#include <QStringList>

#include <functional>
#include <memory>
#include <span>
#include <vector>

namespace convscope::ui {

class Document;
class RenderCoordinator;

// The union of `ranges` ({0, 0} when there is none): a layer's range is the union of its maps'
// own ranges, the global range the union of the layers'.
ValueRange unitedRange(std::span<const ValueRange> ranges);

// The normalisation rule, its one owner: map `id` is coloured over its own range (per map), its
// layer's (per layer) or every layer's (global); the input image (layer -1) always over its own.
// The render thread colours every map by it and normalisedRange reads it back; each passes the
// three ranges as functions, and only the one the rule picks is asked for.
template <class Own, class Layer, class Global>
ValueRange colourRange(MapId id, Normalisation normalisation, Own own, Layer layer, Global global) {
    if (id.layer < 0 || normalisation == Normalisation::PerMap)
        return own();
    return normalisation == Normalisation::PerLayer ? layer() : global();
}

// The values map `id` of `snapshot` is coloured over under `normalisation`, as the view draws
// it (before a diverging colormap makes it symmetric): colourRange, from the snapshot's maps.
ValueRange normalisedRange(const MapSnapshot& snapshot, MapId id, Normalisation normalisation);

// A normalisation for people: "per map", "per layer", "global" (the toolbar's words).
QString normalisationName(Normalisation normalisation);
// What a picture's colour scale spans, said on the picture: "range: per layer, −0.42 … 1.37",
// with "colours centred on 0" when a diverging colormap made the scale symmetric (`shown` differs
// from `basis`). The input image says it is the input.
QString rangeNote(MapId id, Normalisation normalisation, ValueRange basis, ValueRange shown);

class MapDataProvider : public QObject {
    Q_OBJECT

public:
    explicit MapDataProvider(RenderCoordinator* coordinator, QObject* parent = nullptr);
    ~MapDataProvider() override;

    // The newest snapshot (null before the first; let go once no panel wants values and the
    // document moved on; it may lag behind the document, see isCurrent).
    std::shared_ptr<const MapSnapshot> snapshot() const { return snapshot_; }
    // The snapshot shows the document's current pipeline and input.
    bool isCurrent() const;

    // While some consumer wants values, every run hands its maps back. Consumers register by
    // name; the maps are kept while any of them is active, and let go when none is (so the
    // engine can reuse its buffers).
    void setWanted(const QString& consumer, bool wanted);
    bool isWanted() const { return !wanted_.isEmpty(); }

    // Calls `callback` with a current snapshot: at once if there is one, else when the render
    // thread has made it (on the GUI thread). Nothing is recomputed for it when the engine's
    // cache already holds the maps.
    void withCurrent(QObject* context,
                     std::function<void(std::shared_ptr<const MapSnapshot>)> callback);
    // Asks for a snapshot of the current state if there is none (once, as withCurrent does).
    void refresh();

Q_SIGNALS:
    // A current snapshot arrived.
    void snapshotReady(std::shared_ptr<const convscope::ui::MapSnapshot> snapshot);

private:
    void onResult(const std::shared_ptr<const RenderResult>& result);
    // Results must carry their maps: a panel wants values or a caller waits for them.
    bool keepsMaps() const;
    void keepMaps(bool keep);
    // Has the coordinator render the current state if nothing on its way will bring the maps.
    void requestMaps();

    RenderCoordinator* coordinator_;
    const Document* document_;
    QStringList wanted_;
    std::shared_ptr<const MapSnapshot> snapshot_;
    quint64 keepingSince_ = 0; // the first generation whose request asked for the maps
    struct Waiter {
        QPointer<QObject> context;
        std::function<void(std::shared_ptr<const MapSnapshot>)> callback;
    };
    std::vector<Waiter> waiters_;
};

} // namespace convscope::ui
