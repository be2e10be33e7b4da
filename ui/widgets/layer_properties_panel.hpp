#pragma once
// Every engine parameter of the selected layer, applied when the user is done with a field
// (Enter, focus out, a click; one undo step per change): conv stride, padding, padding mode,
// dilation, groups, bias, channels; pooling kind, window, stride, padding, ceil mode; activation
// kind and slope.

#include "convscope/pipeline.hpp"

#include <QWidget>

#include <optional>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QStackedWidget;

namespace convscope::ui {

class BoundedSpinBox;
class Document;

class LayerPropertiesPanel : public QWidget {
    Q_OBJECT

public:
    explicit LayerPropertiesPanel(Document* document, QWidget* parent = nullptr);

    // For tests: the widgets by parameter name ("stride_h", "groups", "pool_kernel_h", …).
    QWidget* field(const QString& name) const;

Q_SIGNALS:
    // For the status bar: e.g. a typed value outside a parameter's limits.
    void message(const QString& text);

private:
    void refresh();
    void applyConv();
    void applyPool();
    void applyActivation();
    void applyCommon();
    Layer* editableLayer(Pipeline& pipeline, int& index) const;
    BoundedSpinBox* spin(const QString& name, int min, int max, const QString& tip);

    Document* document_;
    bool refreshing_ = false;
    // What the widgets show now: refresh() leaves them alone when nothing of it changed.
    struct Shown {
        int index;
        Layer settings; // the layer without its weight and bias values
        Shape input;
        friend bool operator==(const Shown&, const Shown&) = default;
    };
    std::optional<Shown> shown_;
    QLabel* title_;
    QLineEdit* name_;
    QCheckBox* enabled_;
    QStackedWidget* pages_;
    QLabel* otherKind_; // the page of layer kinds without an editor here
    // conv
    BoundedSpinBox* outChannels_;
    BoundedSpinBox* strideH_;
    BoundedSpinBox* strideW_;
    QComboBox* paddingKind_;
    BoundedSpinBox* padH_;
    BoundedSpinBox* padW_;
    QComboBox* paddingMode_;
    BoundedSpinBox* dilationH_;
    BoundedSpinBox* dilationW_;
    BoundedSpinBox* groups_;
    QCheckBox* bias_;
    QLabel* convInfo_;
    // pool
    QComboBox* poolKind_;
    BoundedSpinBox* poolKH_;
    BoundedSpinBox* poolKW_;
    BoundedSpinBox* poolSH_;
    BoundedSpinBox* poolSW_;
    BoundedSpinBox* poolPH_;
    BoundedSpinBox* poolPW_;
    QCheckBox* ceilMode_;
    QCheckBox* countPad_;
    // activation
    QComboBox* actKind_;
    QDoubleSpinBox* slope_;
};

} // namespace convscope::ui
