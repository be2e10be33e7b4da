#pragma once
// The kernel editor: the selected filter's weights, one grid per input channel, coloured on a
// diverging scale. Type a value (Tab moves on), scrub it with the wheel or by dragging up and
// down (Shift: finer, Ctrl: coarser; one drag is one undo step), resize the kernel, apply a
// preset, normalise, flip, transpose, randomise, zero, copy and paste as text.

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
    KernelCell(int channel, int y, int x, QWidget* parent = nullptr);
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
    void rebuildGrid(int inChannels, int kh, int kw);
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
