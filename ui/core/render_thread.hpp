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

#include <functional>
#include <memory>
#include <optional>

namespace convscope::ui {

class RenderThread : public QThread {
    Q_OBJECT

public:
    // Makes the backend of a kind (the default: the engine's make_backend).
    using BackendFactory = std::function<std::unique_ptr<Backend>(BackendKind)>;

    explicit RenderThread(QObject* parent = nullptr);
    ~RenderThread() override;

    // Replaces make_backend (tests count or fail runs with their own backend). Only before the
    // first render: the thread makes its backends when it starts.
    void setBackendFactory(BackendFactory factory);

    // Queues `request`, replacing any request that has not started.
    void render(RenderRequest request);
    // A job in flight is allowed to finish once this long has passed without a frame.
    void setFrameStarvationMs(int ms);
    // Time the naive reference even above kNaiveReferenceFlopLimit (the engine's limit).
    void setForceReference(bool force);

    // Runs that the engine actually performed (tests use this to see incremental runs).
    int completedRuns() const;

Q_SIGNALS:
    void rendered(std::shared_ptr<const convscope::ui::RenderResult> result);
    void referenceTimed(std::shared_ptr<const convscope::ui::ReferenceTimings> timings);

protected:
    void run() override;

private:
    // Runs the job and emits its result: pictures, or the error that stopped the run. Nothing is
    // emitted only for a cancelled job (a newer request is waiting, or the thread is ending).
    void process(const RenderRequest& job);
    // The job's run and pictures; false when cancelled. Throws what the engine throws.
    bool render(const RenderRequest& job, RenderResult& result);
    // How many of the first `runnable` layers fit the memory budget; when not all of them do,
    // `error` (if given) names the first that does not and what it would need.
    static int layersWithinBudget(const Backend& backend, const Pipeline& pipeline, Shape input,
                                  int runnable, std::optional<RunError>* error = nullptr);
    void measureReference(const RenderRequest& job);
    void showInputOnly(RenderResult& result, const RenderRequest& job, RunError error);
    void deliver(std::shared_ptr<RenderResult> result, const RenderRequest& job, bool ran);

    mutable QMutex mutex_;
    QWaitCondition condition_;
    std::optional<RenderRequest> pending_;
    std::optional<RenderRequest> referenceJob_;
    bool abort_ = false;
    bool busy_ = false;
    bool measuring_ = false;
    int starvationMs_ = 120;
    int referenceDelayMs_ = 400; // quiet time before the reference timing starts
    bool forceReference_ = false;
    BackendFactory makeBackend_;
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
    // Shared with the results that show them: a map's summary is replaced, never changed.
    std::vector<std::vector<std::shared_ptr<MapSummary>>> summaries_;
    QImage inputThumbnail_;
    // What the reference was last timed on.
    std::vector<Layer> referenceLayers_;
    const Tensor* referenceInput_ = nullptr;
    InputMode referenceMode_ = InputMode::Gray;
    bool referenceValid_ = false;
    bool referenceTimedNaive_ = false;
};

} // namespace convscope::ui
