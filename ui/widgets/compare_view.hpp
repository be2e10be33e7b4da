#pragma once
// Compare two maps: pin one (its values are frozen at that moment, so a map can be compared with
// itself before and after an edit), then look at any other beside it and at their difference
// A − B on a diverging scale centred on zero (Sobel x against Sobel y, a kernel before and after
// an edit). Hover a picture to read A, B and A − B at that pixel.

#include "map_data.hpp"
#include "render_types.hpp"

#include "convscope/tensor.hpp"

#include <QFutureWatcher>
#include <QImage>
#include <QWidget>

#include <optional>

class QCheckBox;
class QLabel;
class QPushButton;

namespace convscope::ui {

class Document;

struct DifferenceStats {
    double maxAbs = 0;
    double meanAbs = 0;
    double rms = 0;
    std::int64_t differing = 0; // values that are not exactly equal
    std::int64_t count = 0;
};

// The three pictures side by side.
class ComparePictures : public QWidget {
    Q_OBJECT

public:
    explicit ComparePictures(QWidget* parent = nullptr);
    void setPictures(const QImage& a, const QImage& b, const QImage& diff,
                     const QStringList& captions, QSize mapSize);
    // The picture under a position (0: A, 1: B, 2: difference; -1: none) and the map pixel.
    int pictureAt(QPoint pos, QPoint* pixel) const;
    QSize sizeHint() const override { return {600, 220}; }

Q_SIGNALS:
    void hovered(QPoint pixel);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void leaveEvent(QEvent* event) override;

private:
    QRectF box(int index) const;
    QImage images_[3];
    QStringList captions_;
    QSize mapSize_;
};

class CompareView : public QWidget {
    Q_OBJECT

public:
    CompareView(Document* document, MapDataProvider* data, QWidget* parent = nullptr);
    ~CompareView() override;

    // Pins the map shown large as A (its current values).
    void pinCurrent();
    void clearPin();
    bool hasPin() const { return pinned_.has_value(); }
    MapId pinnedMap() const { return pinnedMap_; }
    // The map B of the comparison shown: difference() and differenceStats() are A − B for it
    // (a comparison still being computed shows nothing until it is done).
    MapId comparedMap() const { return comparedMap_; }
    // A − B, when the sizes match (empty otherwise).
    const Tensor& difference() const { return difference_; }
    std::optional<DifferenceStats> differenceStats() const { return stats_; }
    QString summary() const;
    void setSharedScale(bool shared);

Q_SIGNALS:
    void compared();

protected:
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

private:
    struct Job {
        MapId map;       // B
        quint64 pin = 0; // the pin A was
        Tensor difference;
        DifferenceStats stats;
        QImage a, b, diff;
        bool sameSize = false;
        ValueRange rangeA, rangeB, rangeDiff;
    };
    void update_();
    void showReadout(QPoint pixel);
    QString mapName(MapId id, const Pipeline& pipeline) const;

    Document* document_;
    MapDataProvider* data_;
    QPushButton* pin_;
    QPushButton* clear_;
    QCheckBox* shared_;
    QLabel* summary_;
    QLabel* readout_;
    ComparePictures* pictures_;
    QFutureWatcher<Job>* watcher_;
    std::optional<Tensor> pinned_; // one channel, frozen
    MapId pinnedMap_{-2, 0};
    QString pinnedName_;
    std::shared_ptr<const MapSnapshot> current_;
    MapId comparedMap_{-2, 0}; // the B of the comparison shown
    quint64 pinSerial_ = 0;    // bumps at every pin
    // The comparison last asked for (running, or shown once finished).
    MapId requestedMap_{-2, 0};
    quint64 requestedSerial_ = 0;
    quint64 requestedPin_ = 0;
    bool dirty_ = false;
    Tensor difference_;
    std::optional<DifferenceStats> stats_;
};

} // namespace convscope::ui
