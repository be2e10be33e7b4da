#pragma once
// The render coordinator: turns document changes into render requests with increasing
// generation numbers, hands them to the render thread, and passes on only results newer than
// what is shown. It also drives the busy indicator (shown when a request takes over 100 ms).

#include "render_thread.hpp"
#include "render_types.hpp"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QTimer>

#include <memory>

namespace convscope::ui {

class Document;

class RenderCoordinator : public QObject {
    Q_OBJECT

public:
    explicit RenderCoordinator(Document* document, QObject* parent = nullptr);
    ~RenderCoordinator() override;

    quint64 requestedGeneration() const { return requested_; }
    quint64 displayedGeneration() const { return displayed_; }
    bool isBusy() const { return displayed_ < requested_; }
    // Nothing scheduled, nothing in flight: the widgets show the document's current state.
    bool isIdle() const {
        return !coalesce_.isActive() && displayed_ == requested_ && requested_ > 0;
    }
    std::shared_ptr<const RenderResult> lastResult() const { return last_; }
    std::shared_ptr<const ReferenceTimings> lastReference() const { return reference_; }
    RenderThread* renderThread() { return &thread_; }

    void setThumbnailSize(int pixels);
    int thumbnailSize() const { return thumbnailSize_; }
    // The size, in device pixels, at which the large view shows the whole focused map (empty:
    // full resolution). Its picture is made at this size; a change re-renders (nothing is
    // recomputed, only the picture).
    void setFocusSize(QSize devicePixels);
    QSize focusSize() const { return focusSize_; }
    void setMeasureReference(bool measure);
    bool measureReference() const { return measureReference_; }

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
    QElapsedTimer clock_;
    QHash<quint64, qint64> requestTimes_;
    quint64 requested_ = 0;
    quint64 displayed_ = 0;
    bool busyShown_ = false;
    int thumbnailSize_ = 112;
    QSize focusSize_;
    bool measureReference_ = true;
    std::shared_ptr<const RenderResult> last_;
    std::shared_ptr<const ReferenceTimings> reference_;
};

} // namespace convscope::ui
