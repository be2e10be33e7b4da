#pragma once
// The render thread: runs the pipeline on the engine and turns the maps into pictures, off the
// GUI thread (Qt's Mandelbrot example, with a generation counter and the engine's CancelToken).
//
// Requests pile up while the user drags a value: only the newest waits, the middle ones are
// dropped (qimgv's scaler). The job in flight is cancelled unless the view has gone without a
// new frame for a while, in which case it is allowed to finish so the user sees progress.
// Once the live view has been idle for a moment the thread times the naive reference (and OpenCV)
// on the same pipeline, in the background and cancellable.

#include "map_rendering.hpp"
#include "render_types.hpp"

#include "convscope/cancel_token.hpp"

#include <QElapsedTimer>
#include <QMutex>
#include <QThread>
#include <QWaitCondition>

#include <memory>
#include <optional>

namespace convscope::ui {

class RenderThread : public QThread {
    Q_OBJECT

public:
    explicit RenderThread(QObject* parent = nullptr);
    ~RenderThread() override;

    // Queues `request`, replacing any request that has not started.
    void render(RenderRequest request);
    // A job in flight is allowed to finish once this long has passed without a frame.
    void setFrameStarvationMs(int ms);
    // Above this many FLOPs the naive reference is not timed unless forced.
    void setReferenceFlopLimit(double flops, bool force);

    // Runs that the engine actually performed (tests use this to see incremental runs).
    int completedRuns() const;

Q_SIGNALS:
    void rendered(std::shared_ptr<const convscope::ui::RenderResult> result);
    void referenceTimed(std::shared_ptr<const convscope::ui::ReferenceTimings> timings);

protected:
    void run() override;

private:
    void process(const RenderRequest& job);
    void measureReference(const RenderRequest& job);

    mutable QMutex mutex_;
    QWaitCondition condition_;
    std::optional<RenderRequest> pending_;
    std::optional<RenderRequest> referenceJob_;
    bool abort_ = false;
    bool busy_ = false;
    bool measuring_ = false;
    int starvationMs_ = 120;
    int referenceDelayMs_ = 400; // quiet time before the reference timing starts
    double referenceFlopLimit_ = 4e9;
    bool forceReference_ = false;
    int completedRuns_ = 0;
    QElapsedTimer sinceDelivery_;
    CancelToken cancel_;

    // Worker-thread state.
    std::unique_ptr<Backend> fast_;
    std::unique_ptr<Backend> naive_;
    std::vector<Layer> cachedLayers_; // the layers whose summaries are cached
    int cachedValidLayers_ = 0;
    const Tensor* cachedInput_ = nullptr;
    InputMode cachedMode_ = InputMode::Gray;
    int cachedThumbnailSize_ = 0;
    std::vector<std::vector<MapSummary>> summaries_;
    QImage inputThumbnail_;
    // What the reference was last timed on.
    std::vector<Layer> referenceLayers_;
    const Tensor* referenceInput_ = nullptr;
    InputMode referenceMode_ = InputMode::Gray;
    bool referenceValid_ = false;
    std::vector<double> naiveMs_;
};

} // namespace convscope::ui
