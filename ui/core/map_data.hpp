#pragma once
// The numbers behind the pictures. The render thread turns maps into colours; the panels that
// need values (statistics, the pixel inspector, compare, export) read a snapshot of every layer's
// maps made here. A worker thread of its own runs the engine on the document's current state
// when a snapshot is wanted and the document changed (after a short pause, so a drag does not
// run it at every step); the GUI thread never runs the engine.

#include "render_types.hpp"

#include "convscope/backend.hpp"
#include "convscope/pipeline.hpp"
#include "convscope/tensor.hpp"

#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>

#include <functional>
#include <memory>
#include <vector>

class QThreadPool;

namespace convscope::ui {

class Document;

// Every runnable layer's maps for one state of the document.
struct MapSnapshot {
    quint64 serial = 0;
    Pipeline pipeline; // the runnable layers (the prefix before a layer that cannot run)
    std::shared_ptr<const Tensor> input;
    RunResult run;       // run.layers[k].output: layer k's maps (with the layer's time and kernel)
    int errorLayer = -1; // the first layer that cannot run (-1: none)
    QString errorMessage;

    int layerCount() const { return int(run.layers.size()); }
    // Layer `layer`'s maps; layer -1 is the input. Null when the layer did not run.
    const Tensor* maps(int layer) const;
    bool contains(MapId id) const;
};

class MapDataProvider : public QObject {
    Q_OBJECT

public:
    explicit MapDataProvider(Document* document, QObject* parent = nullptr);
    ~MapDataProvider() override;

    // The newest snapshot (null before the first; may lag behind the document, see isCurrent).
    std::shared_ptr<const MapSnapshot> snapshot() const { return snapshot_; }
    // The snapshot shows the document's current pipeline and input.
    bool isCurrent() const;

    // While some consumer wants values, the snapshot follows the document's edits (debounced).
    // Consumers register by name; the provider keeps running while any of them is active.
    void setWanted(const QString& consumer, bool wanted);
    bool isWanted() const { return !wanted_.isEmpty(); }

    // Calls `callback` with a current snapshot: at once if there is one, else when it is made
    // (on the GUI thread, after a run started now).
    void withCurrent(QObject* context,
                     std::function<void(std::shared_ptr<const MapSnapshot>)> callback);
    // Starts a run now if the snapshot is not current.
    void refresh();

    void setDebounceMs(int ms) { debounce_.setInterval(ms); }

Q_SIGNALS:
    void snapshotReady(std::shared_ptr<const convscope::ui::MapSnapshot> snapshot);

private:
    void onDocumentChanged();
    void start();
    void deliver(std::shared_ptr<const MapSnapshot> snapshot, quint64 serial);

    struct Worker;
    Document* document_;
    std::shared_ptr<Worker> worker_;
    QThreadPool* pool_;
    QTimer debounce_;
    QStringList wanted_;
    quint64 documentSerial_ = 1; // bumps at every change of the pipeline or the input
    quint64 startedSerial_ = 0;
    std::shared_ptr<const MapSnapshot> snapshot_;
    struct Waiter {
        QPointer<QObject> context;
        std::function<void(std::shared_ptr<const MapSnapshot>)> callback;
    };
    std::vector<Waiter> waiters_;
};

} // namespace convscope::ui

Q_DECLARE_METATYPE(std::shared_ptr<const convscope::ui::MapSnapshot>)
