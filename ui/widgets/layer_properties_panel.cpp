#include "layer_properties_panel.hpp"

#include "bounded_spin_box.hpp"
#include "document.hpp"
#include "layer_graph.hpp"
#include "pipeline_edit.hpp"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>
#include <QStackedWidget>
#include <QVBoxLayout>

namespace convscope::ui {

namespace {

QWidget* pairRow(QSpinBox* a, QSpinBox* b) {
    auto* w = new QWidget;
    auto* l = new QHBoxLayout(w);
    l->setContentsMargins(0, 0, 0, 0);
    l->addWidget(a);
    l->addWidget(new QLabel(QStringLiteral("×")));
    l->addWidget(b);
    return w;
}

// A layer as this panel shows it: without the values of its conv weights and bias, which every
// edit of a kernel cell changes and which the kernel editor shows.
Layer settingsOf(const Layer& layer) {
    Layer settings = layer;
    if (auto* conv = std::get_if<Conv2d>(&settings.op)) {
        conv->weights.values = {};
        conv->bias = conv->bias.empty() ? SharedVector<float>() : SharedVector<float>{0.0f};
    }
    return settings;
}

} // namespace

BoundedSpinBox* LayerPropertiesPanel::spin(const QString& name, int min, int max,
                                           const QString& tip) {
    auto* box = new BoundedSpinBox(this);
    box->setLimits(min, max);
    box->setDescription(tip);
    // "Dilation (rows): gaps between …" is called "Dilation (rows)" in messages.
    box->setQuantity(tip.section(u':', 0, 0));
    box->setObjectName(name);
    connect(box, &BoundedSpinBox::limitMessage, this, &LayerPropertiesPanel::message);
    return box;
}

LayerPropertiesPanel::LayerPropertiesPanel(Document* document, QWidget* parent)
    : QWidget(parent), document_(document) {
    title_ = new QLabel(this);
    title_->setObjectName(QStringLiteral("title"));
    QFont bold = title_->font();
    bold.setBold(true);
    title_->setFont(bold);
    name_ = new QLineEdit(this);
    name_->setObjectName(QStringLiteral("name"));
    name_->setPlaceholderText(tr("(unnamed)"));
    name_->setToolTip(tr("The layer's name, shown in the stack and the overview"));
    enabled_ = new QCheckBox(tr("Enabled"), this);
    enabled_->setObjectName(QStringLiteral("enabled"));
    enabled_->setToolTip(tr("A disabled layer passes its input through unchanged"));
    auto* common = new QFormLayout;
    common->addRow(tr("Name"), name_);
    common->addRow(QString(), enabled_);

    // Conv page.
    auto* convPage = new QWidget;
    auto* conv = new QFormLayout(convPage);
    conv->setContentsMargins(0, 0, 0, 0);
    outChannels_ =
        spin(QStringLiteral("out_channels"), 1, 256,
             tr("Output channels: how many filters, hence how many maps this layer makes"));
    strideH_ = spin(QStringLiteral("stride_h"), 1, 16,
                    tr("Stride (rows): the filter moves this many pixels per output pixel"));
    strideW_ = spin(QStringLiteral("stride_w"), 1, 16, tr("Stride (columns)"));
    paddingKind_ = new QComboBox;
    paddingKind_->setObjectName(QStringLiteral("padding"));
    paddingKind_->addItems({tr("explicit"), tr("same"), tr("valid")});
    paddingKind_->setToolTip(tr("PyTorch's padding: \"same\" keeps the size (stride 1 only), "
                                "\"valid\" adds none, or explicit sizes"));
    padH_ = spin(QStringLiteral("padding_h"), 0, 32, tr("Rows of padding above and below"));
    padW_ = spin(QStringLiteral("padding_w"), 0, 32, tr("Columns of padding left and right"));
    paddingMode_ = new QComboBox;
    paddingMode_->setObjectName(QStringLiteral("padding_mode"));
    for (PaddingMode mode : kPaddingModes)
        paddingMode_->addItem(engineName(to_string(mode)), int(mode));
    paddingMode_->setToolTip(tr("What the filter sees beyond the border: zeros, a mirror image, "
                                "the edge pixel repeated, or the opposite side"));
    dilationH_ = spin(QStringLiteral("dilation_h"), 1, 16,
                      tr("Dilation (rows): gaps between the kernel's taps"));
    dilationW_ = spin(QStringLiteral("dilation_w"), 1, 16, tr("Dilation (columns)"));
    groups_ = spin(QStringLiteral("groups"), 1, 256,
                   tr("Groups: input and output channels split into this many independent groups "
                      "(groups = channels: depthwise)"));
    bias_ = new QCheckBox(tr("Bias"));
    bias_->setObjectName(QStringLiteral("bias"));
    bias_->setToolTip(
        tr("Add a learnable constant per output channel (edited in the kernel editor)"));
    convInfo_ = new QLabel;
    convInfo_->setWordWrap(true);
    convInfo_->setForegroundRole(QPalette::PlaceholderText);
    conv->addRow(tr("Out channels"), outChannels_);
    conv->addRow(tr("Stride"), pairRow(strideH_, strideW_));
    conv->addRow(tr("Padding"), paddingKind_);
    conv->addRow(tr("Padding size"), pairRow(padH_, padW_));
    conv->addRow(tr("Padding mode"), paddingMode_);
    conv->addRow(tr("Dilation"), pairRow(dilationH_, dilationW_));
    conv->addRow(tr("Groups"), groups_);
    conv->addRow(QString(), bias_);
    conv->addRow(convInfo_);

    // Pool page.
    auto* poolPage = new QWidget;
    auto* pool = new QFormLayout(poolPage);
    pool->setContentsMargins(0, 0, 0, 0);
    poolKind_ = new QComboBox;
    poolKind_->setObjectName(QStringLiteral("pool_kind"));
    poolKind_->addItems({tr("max"), tr("average")});
    poolKind_->setToolTip(
        tr("Max keeps the strongest value in each window; average takes the mean"));
    poolKH_ = spin(QStringLiteral("pool_kernel_h"), 1, 32, tr("Window height"));
    poolKW_ = spin(QStringLiteral("pool_kernel_w"), 1, 32, tr("Window width"));
    poolSH_ = spin(QStringLiteral("pool_stride_h"), 1, 32,
                   tr("Stride (rows): PyTorch's default is the window size"));
    poolSW_ = spin(QStringLiteral("pool_stride_w"), 1, 32, tr("Stride (columns)"));
    poolPH_ =
        spin(QStringLiteral("pool_padding_h"), 0, 16, tr("Padding rows (at most half the window)"));
    poolPW_ = spin(QStringLiteral("pool_padding_w"), 0, 16,
                   tr("Padding columns (at most half the window)"));
    ceilMode_ = new QCheckBox(tr("Ceil mode"));
    ceilMode_->setObjectName(QStringLiteral("ceil_mode"));
    ceilMode_->setToolTip(tr("Round the output size up, so a partial window at the edge counts"));
    countPad_ = new QCheckBox(tr("Count padding in the average"));
    countPad_->setObjectName(QStringLiteral("count_include_pad"));
    countPad_->setToolTip(
        tr("Average pooling: padded zeros count in the divisor (PyTorch's default)"));
    pool->addRow(tr("Kind"), poolKind_);
    pool->addRow(tr("Window"), pairRow(poolKH_, poolKW_));
    pool->addRow(tr("Stride"), pairRow(poolSH_, poolSW_));
    pool->addRow(tr("Padding"), pairRow(poolPH_, poolPW_));
    pool->addRow(QString(), ceilMode_);
    pool->addRow(QString(), countPad_);

    // Activation page.
    auto* actPage = new QWidget;
    auto* act = new QFormLayout(actPage);
    act->setContentsMargins(0, 0, 0, 0);
    actKind_ = new QComboBox;
    actKind_->setObjectName(QStringLiteral("activation"));
    actKind_->addItems({QStringLiteral("ReLU"), QStringLiteral("LeakyReLU"),
                        QStringLiteral("Sigmoid"), QStringLiteral("Tanh")});
    actKind_->setToolTip(
        tr("ReLU zeroes negatives; LeakyReLU scales them; Sigmoid squashes to 0…1; Tanh to −1…1"));
    slope_ = new QDoubleSpinBox;
    slope_->setObjectName(QStringLiteral("negative_slope"));
    slope_->setRange(-10, 10);
    slope_->setDecimals(3);
    slope_->setSingleStep(0.01);
    slope_->setKeyboardTracking(false);
    slope_->setToolTip(
        tr("LeakyReLU: what negative values are multiplied by.\nAllowed: −10 to 10."));
    act->addRow(tr("Function"), actKind_);
    act->addRow(tr("Negative slope"), slope_);

    auto* empty = new QLabel(tr("No layer selected. Add one with the Add button."));
    empty->setWordWrap(true);
    pages_ = new QStackedWidget(this);
    pages_->addWidget(convPage);
    pages_->addWidget(poolPage);
    pages_->addWidget(actPage);
    pages_->addWidget(empty);
    // The layer kinds of pipeline version 2 (batch norm, add, concat, pad, ...) have no editors
    // here yet; they still run and explain themselves.
    otherKind_ = new QLabel;
    otherKind_->setObjectName(QStringLiteral("other_kind"));
    otherKind_->setWordWrap(true);
    otherKind_->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    pages_->addWidget(otherKind_);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 6, 8, 6);
    layout->addWidget(title_);
    layout->addLayout(common);
    layout->addWidget(pages_);
    layout->addStretch();

    for (QSpinBox* box :
         {outChannels_, strideH_, strideW_, padH_, padW_, dilationH_, dilationW_, groups_})
        connect(box, &QSpinBox::valueChanged, this, &LayerPropertiesPanel::applyConv);
    connect(paddingKind_, &QComboBox::currentIndexChanged, this, &LayerPropertiesPanel::applyConv);
    connect(paddingMode_, &QComboBox::currentIndexChanged, this, &LayerPropertiesPanel::applyConv);
    connect(bias_, &QCheckBox::toggled, this, &LayerPropertiesPanel::applyConv);
    for (QSpinBox* box : {poolKH_, poolKW_, poolSH_, poolSW_, poolPH_, poolPW_})
        connect(box, &QSpinBox::valueChanged, this, &LayerPropertiesPanel::applyPool);
    connect(poolKind_, &QComboBox::currentIndexChanged, this, &LayerPropertiesPanel::applyPool);
    connect(ceilMode_, &QCheckBox::toggled, this, &LayerPropertiesPanel::applyPool);
    connect(countPad_, &QCheckBox::toggled, this, &LayerPropertiesPanel::applyPool);
    connect(actKind_, &QComboBox::currentIndexChanged, this,
            &LayerPropertiesPanel::applyActivation);
    connect(slope_, &QDoubleSpinBox::valueChanged, this, &LayerPropertiesPanel::applyActivation);
    connect(name_, &QLineEdit::editingFinished, this, &LayerPropertiesPanel::applyCommon);
    connect(enabled_, &QCheckBox::toggled, this, &LayerPropertiesPanel::applyCommon);

    connect(document_, &Document::pipelineChanged, this, &LayerPropertiesPanel::refresh);
    connect(document_, &Document::selectionChanged, this, &LayerPropertiesPanel::refresh);
    connect(document_, &Document::inputChanged, this, &LayerPropertiesPanel::refresh);
    refresh();
}

QWidget* LayerPropertiesPanel::field(const QString& name) const {
    return findChild<QWidget*>(name);
}

void LayerPropertiesPanel::refresh() {
    refreshing_ = true;
    const Pipeline& p = document_->pipeline();
    const int index = document_->selectedLayer();
    if (index < 0 || index >= int(p.layers.size())) {
        shown_.reset();
        title_->setText(tr("Layer"));
        pages_->setCurrentIndex(3);
        name_->setEnabled(false);
        enabled_->setEnabled(false);
        refreshing_ = false;
        return;
    }
    const Layer& layer = p.layers[index];
    // A weight edit changes nothing shown here: the widgets stay as they are, since refilling
    // them relayouts and repaints the panel on the GUI thread while the engine runs.
    Shown now{index, settingsOf(layer), document_->inputShapeOf(index)};
    if (shown_ == now && !name_->hasFocus()) {
        refreshing_ = false;
        return;
    }
    shown_ = std::move(now);
    name_->setEnabled(true);
    enabled_->setEnabled(true);
    title_->setText(tr("Layer %1: %2").arg(index + 1).arg(layerTypeTitle(layer)));
    if (!name_->hasFocus())
        name_->setText(QString::fromStdString(layer.name));
    enabled_->setChecked(layer.enabled);
    if (const auto* conv = std::get_if<Conv2d>(&layer.op)) {
        pages_->setCurrentIndex(0);
        outChannels_->showValue(conv->weights.out_channels);
        strideH_->showValue(conv->stride.h);
        strideW_->showValue(conv->stride.w);
        paddingKind_->setCurrentIndex(conv->padding.kind == ConvPadding::Kind::Explicit ? 0
                                      : conv->padding.kind == ConvPadding::Kind::Same   ? 1
                                                                                        : 2);
        padH_->showValue(conv->padding.size.h);
        padW_->showValue(conv->padding.size.w);
        padH_->setEnabled(conv->padding.kind == ConvPadding::Kind::Explicit);
        padW_->setEnabled(conv->padding.kind == ConvPadding::Kind::Explicit);
        paddingMode_->setCurrentIndex(paddingMode_->findData(int(conv->padding_mode)));
        dilationH_->showValue(conv->dilation.h);
        dilationW_->showValue(conv->dilation.w);
        groups_->showValue(conv->groups);
        bias_->setChecked(!conv->bias.empty());
        const Shape in = document_->inputShapeOf(index);
        convInfo_->setText(tr("Weights [%1, %2, %3, %4]; input %5")
                               .arg(conv->weights.out_channels)
                               .arg(conv->weights.in_channels)
                               .arg(conv->weights.kernel_h)
                               .arg(conv->weights.kernel_w)
                               .arg(in.empty() ? tr("unknown") : QString::fromStdString(in.str())));
    } else if (const auto* pool = std::get_if<Pool2d>(&layer.op)) {
        pages_->setCurrentIndex(1);
        poolKind_->setCurrentIndex(pool->kind == PoolKind::Max ? 0 : 1);
        poolKH_->showValue(pool->kernel_size.h);
        poolKW_->showValue(pool->kernel_size.w);
        poolSH_->showValue(pool->stride.h);
        poolSW_->showValue(pool->stride.w);
        poolPH_->showValue(pool->padding.h);
        poolPW_->showValue(pool->padding.w);
        ceilMode_->setChecked(pool->ceil_mode);
        countPad_->setChecked(pool->count_include_pad);
        countPad_->setEnabled(pool->kind == PoolKind::Avg);
    } else if (const auto* act = std::get_if<Activation>(&layer.op);
               act && actKind_->count() > int(act->kind)) {
        const Activation& a = *act;
        pages_->setCurrentIndex(2);
        actKind_->setCurrentIndex(int(a.kind));
        slope_->setValue(a.negative_slope);
        slope_->setEnabled(a.kind == ActivationKind::LeakyReLU);
    } else {
        pages_->setCurrentIndex(4);
        const int index = document_->selectedLayer();
        if (std::holds_alternative<Add>(layer.op) || std::holds_alternative<Concat>(layer.op))
            // A join: what it reads is what there is to know, and to change.
            otherKind_->setText(
                tr("%1: the %2.\nTo join other layers: Inputs… above the Layers list (or Edit ▸ "
                   "Change inputs…). Its other settings are edited in the pipeline file for now.")
                    .arg(describeLayer(layer), inputsText(document_->pipeline(), index)));
        else
            otherKind_->setText(tr("%1: its settings are edited in the pipeline file for now.")
                                    .arg(describeLayer(layer)));
    }
    refreshing_ = false;
}

// The selected layer in `pipeline`, a copy of the document's to edit and hand back as one undo
// step; null while the panel itself is filling in the widgets or when nothing is selected.
Layer* LayerPropertiesPanel::editableLayer(Pipeline& pipeline, int& index) const {
    if (refreshing_)
        return nullptr;
    pipeline = document_->pipeline();
    index = document_->selectedLayer();
    if (index < 0 || index >= int(pipeline.layers.size()))
        return nullptr;
    return &pipeline.layers[index];
}

void LayerPropertiesPanel::applyCommon() {
    Pipeline p;
    int index = -1;
    Layer* layer = editableLayer(p, index);
    if (!layer)
        return;
    layer->name = name_->text().trimmed().toStdString();
    layer->enabled = enabled_->isChecked();
    document_->edit(tr("Change layer %1").arg(index + 1), p);
}

void LayerPropertiesPanel::applyConv() {
    Pipeline p;
    int index = -1;
    Layer* layer = editableLayer(p, index);
    auto* conv = layer ? std::get_if<Conv2d>(&layer->op) : nullptr;
    if (!conv)
        return;
    QString what = tr("Change convolution");
    if (outChannels_->value() != conv->weights.out_channels) {
        setOutChannels(*conv, outChannels_->value());
        what = tr("Set output channels");
    }
    conv->stride = Pair{strideH_->value(), strideW_->value()};
    switch (paddingKind_->currentIndex()) {
    case 1:
        conv->padding = ConvPadding::same();
        break;
    case 2:
        conv->padding = ConvPadding::valid();
        break;
    default:
        conv->padding = ConvPadding::explicit_size(Pair{padH_->value(), padW_->value()});
    }
    conv->padding_mode = PaddingMode(paddingMode_->currentData().toInt());
    conv->dilation = Pair{dilationH_->value(), dilationW_->value()};
    if (groups_->value() != conv->groups) {
        // Keep the weights' shape consistent with the new grouping where the channels divide.
        const Shape in = document_->inputShapeOf(index);
        const int g = groups_->value();
        conv->groups = g;
        if (!in.empty() && in.channels % g == 0)
            setInChannels(*conv, in.channels / g);
        what = tr("Set groups");
    }
    if (bias_->isChecked() && conv->bias.empty())
        conv->bias.assign(conv->weights.out_channels, 0.0f);
    else if (!bias_->isChecked())
        conv->bias.clear();
    document_->edit(what, p);
}

void LayerPropertiesPanel::applyPool() {
    Pipeline p;
    int index = -1;
    Layer* layer = editableLayer(p, index);
    auto* pool = layer ? std::get_if<Pool2d>(&layer->op) : nullptr;
    if (!pool)
        return;
    const Pair oldKernel = pool->kernel_size;
    pool->kind = poolKind_->currentIndex() == 0 ? PoolKind::Max : PoolKind::Avg;
    pool->kernel_size = Pair{poolKH_->value(), poolKW_->value()};
    pool->stride = Pair{poolSH_->value(), poolSW_->value()};
    // Stride follows the window while it equals it (PyTorch's default).
    if (pool->kernel_size != oldKernel && pool->stride == oldKernel)
        pool->stride = pool->kernel_size;
    pool->padding = Pair{poolPH_->value(), poolPW_->value()};
    pool->ceil_mode = ceilMode_->isChecked();
    pool->count_include_pad = countPad_->isChecked();
    document_->edit(tr("Change pooling"), p);
}

void LayerPropertiesPanel::applyActivation() {
    Pipeline p;
    int index = -1;
    Layer* layer = editableLayer(p, index);
    auto* act = layer ? std::get_if<Activation>(&layer->op) : nullptr;
    if (!act)
        return;
    act->kind = ActivationKind(actKind_->currentIndex());
    act->negative_slope = float(slope_->value());
    document_->edit(tr("Change activation"), p);
}

} // namespace convscope::ui
