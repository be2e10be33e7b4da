#pragma once
// Statistics of the map shown large: min, max, mean, standard deviation, the fraction of zeros
// (a dead map — all zeros, typically after a ReLU — is flagged) and a histogram of its values.
// The numbers come from the engine's map_statistics on the value snapshot, computed off the GUI
// thread.

#include "map_data.hpp"
#include "render_types.hpp"

#include "convscope/map_statistics.hpp"

#include <QFutureWatcher>
#include <QWidget>

#include <memory>
#include <optional>

class QCheckBox;
class QLabel;

namespace convscope::ui {

class Document;

// Bars of a histogram; hover a bar to read its interval and count.
class HistogramWidget : public QWidget {
    Q_OBJECT

public:
    explicit HistogramWidget(QWidget* parent = nullptr);
    void setStatistics(const MapStatistics& statistics);
    void clear();
    void setLogScale(bool log);
    const MapStatistics& statistics() const { return stats_; }
    // The bar under a widget position (-1: none).
    int binAt(QPoint pos) const;

    QSize sizeHint() const override { return {260, 120}; }
    QSize minimumSizeHint() const override { return {120, 70}; }

protected:
    void paintEvent(QPaintEvent* event) override;
    bool event(QEvent* event) override;

private:
    QRect plotRect() const;
    MapStatistics stats_;
    bool has_ = false;
    bool log_ = false;
};

class StatisticsPanel : public QWidget {
    Q_OBJECT

public:
    StatisticsPanel(Document* document, MapDataProvider* data, QWidget* parent = nullptr);
    ~StatisticsPanel() override;

    // The statistics on screen and the map they describe (nullopt while none are shown).
    std::optional<MapStatistics> shownStatistics() const { return shown_; }
    MapId shownMap() const { return shownMap_; }
    quint64 shownSerial() const { return shownSerial_; }
    // The text of a figure: "min", "max", "mean", "std", "zeros", "count".
    QString figureText(const QString& name) const;
    HistogramWidget* histogram() const { return histogram_; }

    static constexpr int kBins = 64;

Q_SIGNALS:
    void statisticsShown();

protected:
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

private:
    void update_();
    void show_(const MapStatistics& stats, MapId map, quint64 serial);

    Document* document_;
    MapDataProvider* data_;
    QLabel* title_;
    QLabel* deadFlag_;
    QLabel* min_;
    QLabel* max_;
    QLabel* mean_;
    QLabel* std_;
    QLabel* zeros_;
    QLabel* count_;
    QCheckBox* log_;
    HistogramWidget* histogram_;
    QFutureWatcher<MapStatistics>* watcher_;
    MapId pendingMap_;
    quint64 pendingSerial_ = 0;
    std::optional<MapStatistics> shown_;
    MapId shownMap_{-2, 0};
    quint64 shownSerial_ = 0;
};

} // namespace convscope::ui
