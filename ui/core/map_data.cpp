#include "map_data.hpp"

#include "document.hpp"

#include "convscope/backend.hpp"

#include <QPointer>
#include <QThreadPool>

#include <mutex>

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

// The engine and its cache, used by one pool thread at a time.
struct MapDataProvider::Worker {
    std::mutex mutex; // one run at a time
    std::unique_ptr<Backend> backend = make_backend(BackendKind::Fast);
    CancelToken cancel;
    std::atomic<quint64> newest{0};

    std::shared_ptr<MapSnapshot> run(quint64 serial, Pipeline pipeline,
                                     std::shared_ptr<const Tensor> input) {
        std::lock_guard lock(mutex);
        if (serial < newest.load())
            return nullptr; // a newer request is waiting: skip this one
        cancel.reset();
        auto snapshot = std::make_shared<MapSnapshot>();
        snapshot->serial = serial;
        snapshot->input = input;
        if (!input || input->empty())
            return snapshot;
        const PipelinePlan plan = plan_pipeline(pipeline, input->shape());
        if (plan.error) {
            snapshot->errorLayer = std::max(0, plan.error->layer_index());
            snapshot->errorMessage = QString::fromUtf8(plan.error->what());
            pipeline.layers.resize(plan.runnable());
        }
        snapshot->pipeline = pipeline;
        if (pipeline.layers.empty())
            return snapshot;
        try {
            const RunResult& result = backend->run(pipeline, input, RunOptions{&cancel});
            if (result.cancelled)
                return nullptr;
            snapshot->run = result; // shares the outputs: the backend computes into new ones
        } catch (const std::exception& e) {
            snapshot->errorLayer = -2;
            snapshot->errorMessage = QString::fromUtf8(e.what());
            return snapshot;
        }
        return snapshot;
    }
};

MapDataProvider::MapDataProvider(Document* document, QObject* parent)
    : QObject(parent), document_(document), worker_(std::make_shared<Worker>()),
      pool_(new QThreadPool(this)) {
    qRegisterMetaType<std::shared_ptr<const MapSnapshot>>();
    pool_->setMaxThreadCount(1);
    debounce_.setSingleShot(true);
    debounce_.setInterval(250);
    connect(&debounce_, &QTimer::timeout, this, &MapDataProvider::start);
    connect(document_, &Document::pipelineChanged, this, &MapDataProvider::onDocumentChanged);
    connect(document_, &Document::inputChanged, this, &MapDataProvider::onDocumentChanged);
}

MapDataProvider::~MapDataProvider() {
    worker_->newest = ~quint64(0);
    worker_->cancel.cancel();
    pool_->waitForDone();
}

bool MapDataProvider::isCurrent() const {
    return snapshot_ && snapshot_->serial == documentSerial_;
}

void MapDataProvider::onDocumentChanged() {
    ++documentSerial_;
    worker_->cancel.cancel(); // what is in flight is out of date
    if (isWanted() || !waiters_.empty())
        debounce_.start();
}

void MapDataProvider::setWanted(const QString& consumer, bool wanted) {
    wanted_.removeAll(consumer);
    if (wanted) {
        wanted_.append(consumer);
        if (!isCurrent() && !debounce_.isActive())
            refresh();
    }
}

void MapDataProvider::refresh() {
    if (isCurrent() || startedSerial_ == documentSerial_)
        return;
    debounce_.stop();
    start();
}

void MapDataProvider::withCurrent(
    QObject* context, std::function<void(std::shared_ptr<const MapSnapshot>)> callback) {
    if (isCurrent()) {
        callback(snapshot_);
        return;
    }
    waiters_.push_back({context, std::move(callback)});
    refresh();
}

void MapDataProvider::start() {
    if (startedSerial_ == documentSerial_ || isCurrent())
        return;
    const quint64 serial = documentSerial_;
    startedSerial_ = serial;
    worker_->newest = serial;
    worker_->cancel.cancel();
    std::shared_ptr<Worker> worker = worker_;
    Pipeline pipeline = document_->pipeline();
    std::shared_ptr<const Tensor> input = document_->input();
    QPointer<MapDataProvider> self(this);
    pool_->start([worker, serial, pipeline = std::move(pipeline), input, self]() mutable {
        std::shared_ptr<const MapSnapshot> snapshot =
            worker->run(serial, std::move(pipeline), input);
        if (!snapshot)
            return;
        QMetaObject::invokeMethod(
            self.data(),
            [self, snapshot, serial] {
                if (self)
                    self->deliver(snapshot, serial);
            },
            Qt::QueuedConnection);
    });
}

void MapDataProvider::deliver(std::shared_ptr<const MapSnapshot> snapshot, quint64 serial) {
    if (snapshot_ && snapshot_->serial > serial)
        return;
    snapshot_ = std::move(snapshot);
    if (serial != documentSerial_) {
        // Out of date already: run again if anyone still wants values.
        if ((isWanted() || !waiters_.empty()) && !debounce_.isActive())
            debounce_.start();
        return;
    }
    Q_EMIT snapshotReady(snapshot_);
    std::vector<Waiter> waiters;
    waiters.swap(waiters_);
    for (Waiter& waiter : waiters)
        if (waiter.context)
            waiter.callback(snapshot_);
}

} // namespace convscope::ui
