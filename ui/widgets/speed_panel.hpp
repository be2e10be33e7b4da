#pragma once
// How fast each layer ran: the fast engine, the naive reference (timed in the background once
// the view is idle) and OpenCV where it has the same operation, with speedups and a bar chart.

#include "render_types.hpp"

#include <QTimer>
#include <QWidget>

#include <memory>

class QCheckBox;
class QLabel;
class QTableWidget;

namespace convscope::ui {

class Document;
class RenderCoordinator;

class SpeedChart : public QWidget {
    Q_OBJECT
public:
    using QWidget::QWidget;
    struct Row {
        QString label;
        double fast = 0;
        double naive = -1;
        double opencv = -1;
    };
    void setRows(std::vector<Row> rows);
    QSize sizeHint() const override;

private:
    // The font of the times beside the bars, and a layer's height: three bars, each as tall as
    // its time's text, so that no time overlaps the next bar's.
    QFont valueFont() const;
    int rowHeight() const;

public:
protected:
    void paintEvent(QPaintEvent* event) override;

private:
    std::vector<Row> rows_;
};

class SpeedPanel : public QWidget {
    Q_OBJECT

public:
    SpeedPanel(Document* document, RenderCoordinator* coordinator, QWidget* parent = nullptr);

    QTableWidget* table() const { return table_; }
    QString cellText(int row, int column) const;
    QCheckBox* naiveLiveSwitch() const { return naiveLive_; }

public Q_SLOTS:
    void setResult(std::shared_ptr<const convscope::ui::RenderResult> result);
    void setReference(std::shared_ptr<const convscope::ui::ReferenceTimings> timings);

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    void scheduleRebuild();
    void rebuild();

    Document* document_;
    RenderCoordinator* coordinator_;
    QLabel* summary_;
    QTableWidget* table_;
    SpeedChart* chart_;
    QCheckBox* naiveLive_;
    QCheckBox* measure_;
    QCheckBox* force_;
    std::shared_ptr<const RenderResult> result_;
    std::shared_ptr<const ReferenceTimings> reference_;
    std::vector<double> fastMs_; // the fast engine's latest per-layer times
    Pipeline fastPipeline_;
    QTimer rebuildTimer_;
};

} // namespace convscope::ui
