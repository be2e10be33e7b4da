#pragma once
// The kernel editor: the selected filter's weights, one grid per input channel, coloured on a
// diverging scale. A filter of many input channels (3×3×512) shows a page of channels around
// the chosen input channel, so the editor stays a few hundred cells however deep the layer. Type a
// value (Tab moves on), scrub it with the wheel or by dragging up and down (Shift: finer, Ctrl:
// coarser; one drag is one undo step), resize the kernel, apply a preset, normalise, flip,
// transpose, randomise, zero, copy and paste as text.

#include "bounded_spin_box.hpp"
#include "kernel_presets.hpp"

#include "convscope/conv2d.hpp"

#include <QLineEdit>
#include <QWidget>

#include <random>
#include <vector>

class QComboBox;
class QDoubleSpinBox;
class QGridLayout;
class QLabel;
class QStackedWidget;
class QScrollArea;
class QSpinBox;
class QToolButton;

namespace convscope::ui {

class Document;

// One weight: a line edit that can also be scrubbed.
class KernelCell : public QLineEdit {
    Q_OBJECT

public:
    // `narrow`: a cell of a wide kernel (7 and more columns), so a row fits the dock.
    KernelCell(int channel, int y, int x, QWidget* parent = nullptr, bool narrow = false);
    int channel() const { return channel_; }
    int row() const { return y_; }
    int column() const { return x_; }
    void setValue(float value, float maxAbs);
    float value() const { return value_; }
    // The width, in pixels, the cell's text may take without scrolling.
    int textRoom() const;

Q_SIGNALS:
    void valueTyped(int channel, int y, int x, float value);
    // `session` groups the events of one drag or one burst of wheel turns (one undo step).
    void valueScrubbed(int channel, int y, int x, float value, int session);

protected:
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void focusOutEvent(QFocusEvent* event) override;
    void changeEvent(QEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    void commitText();
    void fitToFont();
    // Shows value_ formatted to the cell (never cut off), the full value in the tooltip.
    void showValue();
    float step(Qt::KeyboardModifiers modifiers) const;

    int channel_, y_, x_;
    bool narrow_ = false;
    float value_ = 0;
    QPointF pressPos_;
    float pressValue_ = 0;
    bool scrubbing_ = false;
    bool pressed_ = false;
};

class KernelEditor : public QWidget {
    Q_OBJECT

public:
    explicit KernelEditor(Document* document, QWidget* parent = nullptr);

    // For tests and the benchmark.
    KernelCell* cell(int channel, int y, int x) const;
    int cellCount() const { return int(cells_.size()); }
    QSpinBox* filterSpin() const { return filter_; }
    QSpinBox* channelSpin() const { return channel_; }
    // The input channel chosen (0-based) and the page of channels shown around it.
    int inputChannel() const { return inputChannel_; }
    int firstShownChannel() const { return pageFirst_; }
    int shownChannelCount() const { return gridChannels_ < 0 ? 0 : gridChannels_; }
    // How many input channels one page shows for a kh × kw kernel (about 300 cells, at least 4).
    static int channelsPerPage(int kh, int kw);
    // Whether the selected filter holds its trained weights (false with nothing to restore).
    bool filterIsTrained() const;
    QString presetDescription() const;
    const std::vector<KernelPreset>& presets() const { return presets_; }
    // Why the kernel presets could not be read (empty when they were).
    QString presetsError() const { return presetsError_; }

public Q_SLOTS:
    void applyPresetById(const QString& id);
    void normalise();
    void flipHorizontal();
    void flipVertical();
    void transpose();
    void randomise();
    void zero();
    // Puts back the selected filter's weights and bias as the pipeline was opened (one step).
    void restoreTrained();
    // Shows input channel `channel` (its page, scrolled to, marked); -1 keeps the current one.
    void showInputChannel(int channel);
    void copyKernel();
    void pasteKernel();
    bool setKernelText(const QString& text);
    void setKernelSize(int height, int width);

Q_SIGNALS:
    void message(const QString& text);

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    void refresh();
    void relayoutGroups();
    void rebuildGrid(int first, int count, int kh, int kw);
    void markChosenChannel();
    // The explanation of the preset filter `filter` holds (empty when it holds none).
    void describePreset(const Conv2d& conv, int filter);
    void setWeight(int channel, int y, int x, float value, const QString& mergeKey);
    template <typename F> void editFilter(const QString& text, F&& change);

    Document* document_;
    std::vector<KernelPreset> presets_;
    QString presetsError_;
    std::mt19937 rng_{20240501u};
    QLabel* title_;
    BoundedSpinBox* filter_;
    QLabel* filterCount_;
    BoundedSpinBox* channel_;
    QLabel* channelCount_;
    QToolButton* restore_ = nullptr;
    int inputChannel_ = 0;
    int pageFirst_ = 0;
    QDoubleSpinBox* bias_;
    BoundedSpinBox* kernelH_;
    BoundedSpinBox* kernelW_;
    QComboBox* presetBox_;
    QLabel* presetDescription_;
    QScrollArea* scroll_;
    QWidget* gridHost_;
    QLabel* placeholder_;
    QWidget* editorArea_;
    QStackedWidget* pages_; // editorArea_ or placeholder_
    std::vector<KernelCell*> cells_;
    std::vector<QWidget*> groups_;
    QGridLayout* gridLayout_ = nullptr;
    int perRow_ = -1;
    int gridChannels_ = -1, gridH_ = -1, gridW_ = -1;
    bool refreshing_ = false;
};

} // namespace convscope::ui
