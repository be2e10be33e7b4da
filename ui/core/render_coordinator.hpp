#pragma once
// The render coordinator: turns document changes into render requests with increasing
// generation numbers, hands them to the render thread, and passes on only results newer than
// what is shown. It also drives the busy indicator (shown when a request takes over 100 ms):
// every request ends in a result, an error result included, so the indicator always clears.

#include "render_thread.hpp"
#include "render_types.hpp"

#include <QObject>
#include <QTimer>

#include <functional>
#include <memory>

namespace convscope::ui {

class Document;

class RenderCoordinator : public QObject {
    Q_OBJECT

public:
    explicit RenderCoordinator(Document* document, QObject* parent = nullptr);
    ~RenderCoordinator() override;

    Document* document() const { return document_; }
    quint64 requestedGeneration() const { return requested_; }
    quint64 displayedGeneration() const { return displayed_; }
    bool isBusy() const { return displayed_ < requested_; }
    // A render is scheduled for the end of this event-loop turn.
    bool isScheduled() const { return coalesce_.isActive(); }
    // Nothing scheduled, nothing in flight: the widgets show the document's current state.
    bool isIdle() const { return !isScheduled() && displayed_ == requested_ && requested_ > 0; }
    std::shared_ptr<const RenderResult> lastResult() const { return last_; }
    std::shared_ptr<const ReferenceTimings> lastReference() const { return reference_; }
    RenderThread* renderThread() { return &thread_; }

    void setThumbnailSize(int pixels);
    int thumbnailSize() const { return thumbnailSize_; }
    // Which maps' thumbnails each request asks for (RenderRequest::thumbnailMaps), asked at each
    // request: the overview's tiles on screen. Unset: every map's.
    using ThumbnailMapsSource = std::function<std::vector<ChannelSpan>()>;
    void setThumbnailMapsSource(ThumbnailMapsSource source) { thumbnailMaps_ = std::move(source); }
    // The size, in device pixels, at which the large view shows the whole focused map (empty:
    // full resolution). Its picture is made at this size; a change re-renders (nothing is
    // recomputed, only the picture).
    void setFocusSize(QSize devicePixels);
    QSize focusSize() const { return focusSize_; }
    void setMeasureReference(bool measure);
    bool measureReference() const { return measureReference_; }
    // Results carry the run's maps (RenderResult::maps) while this is on (MapDataProvider).
    void setKeepMaps(bool keep) { keepMaps_ = keep; }
    bool keepMaps() const { return keepMaps_; }
    // The engine the render thread runs (tests count or fail runs); before the first render.
    void setBackendFactory(RenderThread::BackendFactory factory);

public Q_SLOTS:
    // Schedules a render of the document's current state (coalesced within one event-loop turn).
    void scheduleRender();
    // Sends the request now.
    void renderNow();

Q_SIGNALS:
    void resultReady(std::shared_ptr<const convscope::ui::RenderResult> result);
    void referenceReady(std::shared_ptr<const convscope::ui::ReferenceTimings> timings);
    void busyChanged(bool busy);
    // After the widgets took a result: wall time from the request to here.
    void updated(double milliseconds, quint64 generation);

private:
    void onRendered(std::shared_ptr<const RenderResult> result);
    void onReferenceTimed(std::shared_ptr<const ReferenceTimings> timings);

    Document* document_;
    RenderThread thread_;
    QTimer coalesce_;
    QTimer busyTimer_;
    quint64 requested_ = 0;
    quint64 displayed_ = 0;
    bool busyShown_ = false;
    int thumbnailSize_ = 112;
    ThumbnailMapsSource thumbnailMaps_;
    QSize focusSize_;
    bool measureReference_ = true;
    bool keepMaps_ = false;
    std::shared_ptr<const RenderResult> last_;
    std::shared_ptr<const ReferenceTimings> reference_;
};

} // namespace convscope::ui
