#include "render_coordinator.hpp"

#include "document.hpp"

#include <chrono>

namespace convscope::ui {

namespace {

// The one clock of the edit path: steady_clock milliseconds, as RenderRequest::requestedAt.
double steadyNowMs() {
    return std::chrono::duration<double, std::milli>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

} // namespace

RenderCoordinator::RenderCoordinator(Document* document, QObject* parent)
    : QObject(parent), document_(document) {
    coalesce_.setSingleShot(true);
    coalesce_.setInterval(0);
    connect(&coalesce_, &QTimer::timeout, this, &RenderCoordinator::renderNow);
    busyTimer_.setSingleShot(true);
    busyTimer_.setInterval(100);
    connect(&busyTimer_, &QTimer::timeout, this, [this] {
        if (isBusy() && !busyShown_) {
            busyShown_ = true;
            Q_EMIT busyChanged(true);
        }
    });
    connect(&thread_, &RenderThread::rendered, this, &RenderCoordinator::onRendered,
            Qt::QueuedConnection);
    connect(&thread_, &RenderThread::referenceTimed, this, &RenderCoordinator::onReferenceTimed,
            Qt::QueuedConnection);

    // An edit with nothing in flight or scheduled goes out at once: the engine starts while the
    // panels are still updating for the same change. Everything else is coalesced.
    connect(document_, &Document::pipelineChanged, this, [this] {
        if (!coalesce_.isActive() && !isBusy() && document_->input())
            renderNow();
        else
            scheduleRender();
    });
    connect(document_, &Document::inputChanged, this, &RenderCoordinator::scheduleRender);
    connect(document_, &Document::focusChanged, this, &RenderCoordinator::scheduleRender);
    connect(document_, &Document::displayChanged, this, &RenderCoordinator::scheduleRender);
    connect(document_, &Document::liveBackendChanged, this, &RenderCoordinator::scheduleRender);
}

RenderCoordinator::~RenderCoordinator() = default;

void RenderCoordinator::setThumbnailSize(int pixels) {
    if (pixels == thumbnailSize_)
        return;
    thumbnailSize_ = pixels;
    scheduleRender();
}

void RenderCoordinator::setFocusSize(QSize devicePixels) {
    if (devicePixels == focusSize_)
        return;
    focusSize_ = devicePixels;
    scheduleRender();
}

void RenderCoordinator::setMeasureReference(bool measure) {
    measureReference_ = measure;
    if (measure)
        scheduleRender();
}

void RenderCoordinator::setBackendFactory(RenderThread::BackendFactory factory) {
    thread_.setBackendFactory(std::move(factory));
}

void RenderCoordinator::scheduleRender() {
    if (!coalesce_.isActive())
        coalesce_.start();
}

void RenderCoordinator::renderNow() {
    coalesce_.stop();
    if (!document_->input())
        return;
    RenderRequest request;
    request.generation = ++requested_;
    request.revision = document_->revision();
    request.pipeline = document_->pipeline();
    request.input = document_->input();
    request.display = document_->display();
    request.focus = document_->focus();
    request.backend = document_->liveBackend();
    request.thumbnailSize = thumbnailSize_;
    if (thumbnailMaps_)
        request.thumbnailMaps = thumbnailMaps_();
    request.focusSize = focusSize_;
    request.requestedAt = steadyNowMs();
    request.measureReference = measureReference_;
    request.keepMaps = keepMaps_;
    if (!busyTimer_.isActive())
        busyTimer_.start();
    thread_.render(std::move(request));
}

void RenderCoordinator::onRendered(std::shared_ptr<const RenderResult> result) {
    if (result->generation <= displayed_)
        return; // stale: something newer is already shown
    displayed_ = result->generation;
    last_ = result;
    Q_EMIT resultReady(result);
    const double ms = steadyNowMs() - result->requestedAt;
    if (!isBusy()) {
        busyTimer_.stop();
        if (busyShown_) {
            busyShown_ = false;
            Q_EMIT busyChanged(false);
        }
    } else if (!busyShown_ && !busyTimer_.isActive()) {
        busyTimer_.start();
    }
    Q_EMIT updated(ms, result->generation);
}

void RenderCoordinator::onReferenceTimed(std::shared_ptr<const ReferenceTimings> timings) {
    reference_ = timings;
    Q_EMIT referenceReady(timings);
}

} // namespace convscope::ui
