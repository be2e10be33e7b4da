#pragma once
// A horizontal colour scale with the values at its ends (and zero, for a diverging map).

#include "convscope/colormap.hpp"

#include <QWidget>

namespace convscope::ui {

class Colorbar : public QWidget {
    Q_OBJECT

public:
    explicit Colorbar(QWidget* parent = nullptr);

    void setScale(Colormap map, ValueRange range);
    // No scale: the view shows a colour picture.
    void clearScale(const QString& note);

    Colormap colormap() const { return map_; }
    ValueRange range() const { return range_; }
    QString minimumLabel() const;
    QString maximumLabel() const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    Colormap map_ = Colormap::Viridis;
    ValueRange range_;
    bool hasScale_ = false;
    QString note_;
};

} // namespace convscope::ui
