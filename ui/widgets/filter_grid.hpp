#pragma once
// The selected conv layer's filters as pictures (FilterPictures draws them): colour images for a
// layer that reads RGB, per-input-channel heat maps otherwise, all on the layer's one diverging
// scale. Click a filter to edit it in the kernel editor. The pictures are redone only while the
// grid is shown, and only for the filters an edit changed.

#include "filter_pictures.hpp"

#include <QWidget>

class QCheckBox;
class QLabel;
class QScrollArea;

namespace convscope::ui {

class Colorbar;
class Document;
class FilterCanvas;

class FilterGrid : public QWidget {
    Q_OBJECT

public:
    explicit FilterGrid(Document* document, QWidget* parent = nullptr);

    // For tests.
    const FilterPictures& pictures() const { return pictures_; }
    // The layer shown (-1: none, the selected layer is not a conv).
    int layer() const { return layer_; }
    // Where filter `f` is drawn, in the canvas' coordinates (empty when there is none).
    QRect filterRect(int filter) const;
    QWidget* canvas() const;
    QScrollArea* scrollArea() const { return scroll_; }
    QCheckBox* colourBox() const { return colour_; }
    // The filters redone by the last refresh.
    const std::vector<int>& lastRedone() const { return lastRedone_; }

Q_SIGNALS:
    // The user clicked a filter: it is now the selected filter (the kernel editor shows it);
    // `channel` is the input channel clicked in a heat-map mosaic (-1: none in particular).
    void filterActivated(int layer, int filter, int channel);

protected:
    void showEvent(QShowEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    void refresh();
    void activate(int filter, int channel = -1);
    void showTitle(); // titleText_, elided to the room it has

    Document* document_;
    FilterPictures pictures_;
    int layer_ = -1;
    bool stale_ = true;
    std::vector<int> lastRedone_;
    QLabel* title_;
    QString titleText_;
    QCheckBox* colour_;
    Colorbar* colorbar_;
    QLabel* placeholder_;
    QScrollArea* scroll_;
    FilterCanvas* canvas_;
    friend class FilterCanvas;
};

} // namespace convscope::ui
