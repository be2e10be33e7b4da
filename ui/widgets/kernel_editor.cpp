#include "kernel_editor.hpp"

#include "bounded_spin_box.hpp"
#include "document.hpp"
#include "map_rendering.hpp"
#include "number_format.hpp"
#include "pipeline_edit.hpp"

#include "resource_paths.hpp"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QDoubleValidator>
#include <QElapsedTimer>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QScrollArea>
#include <QSpinBox>
#include <QStackedWidget>
#include <QStyle>
#include <QStyleOptionFrame>
#include <QToolButton>
#include <QVBoxLayout>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace convscope::ui {

namespace {

int nextSession() {
    static int session = 0;
    return ++session;
}

} // namespace

KernelCell::KernelCell(int channel, int y, int x, QWidget* parent, bool narrow)
    : QLineEdit(parent), channel_(channel), y_(y), x_(x), narrow_(narrow) {
    setAlignment(Qt::AlignCenter);
    fitToFont();
    auto* validator = new QDoubleValidator(this);
    validator->setNotation(QDoubleValidator::ScientificNotation);
    validator->setLocale(QLocale::c());
    setValidator(validator);
    showValue();
    setObjectName(QStringLiteral("cell_%1_%2_%3").arg(channel).arg(y).arg(x));
    connect(this, &QLineEdit::returnPressed, this, &KernelCell::commitText);
    connect(this, &QLineEdit::editingFinished, this, &KernelCell::commitText);
}

int KernelCell::textRoom() const {
    QStyleOptionFrame option;
    initStyleOption(&option);
    const QRect contents = style()->subElementRect(QStyle::SE_LineEditContents, &option, this);
    const QMargins margins = textMargins();
    // QLineEdit keeps 2 pixels free on either side of its text.
    return contents.width() - margins.left() - margins.right() - 2 * 2;
}

void KernelCell::showValue() {
    const QFontMetrics metrics = fontMetrics();
    const QString shown = formatWeightToFit(value_, textRoom(), [&metrics](const QString& text) {
        return metrics.horizontalAdvance(text);
    });
    // Every edit refreshes every cell of the filter: one that shows the same text stays as it is,
    // since repainting 27 or 147 cells on the GUI thread takes a core from the engine's run.
    if (shown != text()) {
        setText(shown);
        setCursorPosition(0);
    }
    setToolTip(tr("Weight (%1, %2) of input channel %3: %4. Type a value, or scrub: wheel or drag "
                  "up/down (Shift finer, Ctrl coarser).")
                   .arg(y_ + 1)
                   .arg(x_ + 1)
                   .arg(channel_ + 1)
                   .arg(formatNumber(value_, 7)));
}

void KernelCell::setValue(float value, float maxAbs) {
    value_ = value;
    if (!hasFocus() || !isModified())
        showValue();
    setModified(false);
    const ColorLut& lut = colorLut(Colormap::Diverging);
    const float t = maxAbs > 0 ? 0.5f + 0.5f * std::clamp(value / maxAbs, -1.0f, 1.0f) : 0.5f;
    const QColor colour = QColor::fromRgb(lut[int(t * 255.0f + 0.5f)]);
    // Soften towards the base colour so text stays readable in light and dark palettes.
    const QColor base = palette().color(QPalette::Window).lightness() < 128 ? QColor(40, 40, 40)
                                                                            : QColor(255, 255, 255);
    const float strength = 0.85f;
    const QColor mixed(int(colour.red() * strength + base.red() * (1 - strength)),
                       int(colour.green() * strength + base.green() * (1 - strength)),
                       int(colour.blue() * strength + base.blue() * (1 - strength)));
    const QColor text = mixed.lightness() < 130 ? QColor(Qt::white) : QColor(Qt::black);
    if (palette().color(QPalette::Base) == mixed && palette().color(QPalette::Text) == text)
        return; // the same colour: no repaint
    QPalette pal = palette();
    pal.setColor(QPalette::Base, mixed);
    pal.setColor(QPalette::Text, text);
    setPalette(pal);
}

void KernelCell::fitToFont() {
    // 52 × 28 at the application's font, larger with a larger font (presentation mode).
    const double scale = font().pointSizeF() > 0 && QApplication::font().pointSizeF() > 0
                             ? font().pointSizeF() / QApplication::font().pointSizeF()
                             : 1.0;
    setFixedSize(int(std::lround((narrow_ ? 42 : 52) * scale)), int(std::lround(28 * scale)));
}

void KernelCell::commitText() {
    if (!isModified())
        return;
    setModified(false);
    bool ok = false;
    const float v = QLocale::c().toFloat(text().trimmed(), &ok);
    if (ok && std::isfinite(v) && v != value_)
        Q_EMIT valueTyped(channel_, y_, x_, v);
    else
        showValue();
}

void KernelCell::focusOutEvent(QFocusEvent* event) {
    commitText();
    QLineEdit::focusOutEvent(event);
}

void KernelCell::changeEvent(QEvent* event) {
    QLineEdit::changeEvent(event);
    if (event->type() != QEvent::FontChange)
        return;
    fitToFont();                       // a larger font (presentation mode) makes a larger cell
    if (!(hasFocus() && isModified())) // and the value is formatted to it again
        showValue();
}

void KernelCell::resizeEvent(QResizeEvent* event) {
    QLineEdit::resizeEvent(event);
    if (!(hasFocus() && isModified())) // larger cells (presentation mode) show more digits
        showValue();
}

float KernelCell::step(Qt::KeyboardModifiers modifiers) const {
    if (modifiers & Qt::ShiftModifier)
        return 0.01f;
    if (modifiers & Qt::ControlModifier)
        return 1.0f;
    return 0.1f;
}

void KernelCell::wheelEvent(QWheelEvent* event) {
    static QElapsedTimer lastWheel;
    static int session = 0;
    static const KernelCell* lastCell = nullptr;
    if (!lastWheel.isValid() || lastWheel.elapsed() > 700 || lastCell != this)
        session = nextSession();
    lastWheel.restart();
    lastCell = this;
    const QPoint delta = event->angleDelta();
    const int d = delta.y() != 0 ? delta.y() : delta.x();
    if (d == 0)
        return;
    const float steps = d / 120.0f;
    const float v = std::round((value_ + steps * step(event->modifiers())) * 10000.0f) / 10000.0f;
    value_ = v;
    showValue();
    setModified(false);
    Q_EMIT valueScrubbed(channel_, y_, x_, v, session);
    event->accept();
}

void KernelCell::mousePressEvent(QMouseEvent* event) {
    if (event->button() == Qt::LeftButton) {
        pressed_ = true;
        scrubbing_ = false;
        pressPos_ = event->position();
        pressValue_ = value_;
    }
    QLineEdit::mousePressEvent(event);
}

void KernelCell::mouseMoveEvent(QMouseEvent* event) {
    if (pressed_) {
        const double dy = pressPos_.y() - event->position().y();
        if (!scrubbing_ && std::abs(dy) > 4) {
            scrubbing_ = true;
            static int dummy = 0;
            (void)dummy;
            setProperty("scrubSession", nextSession());
            setCursor(Qt::SizeVerCursor);
        }
        if (scrubbing_) {
            const float v =
                std::round((pressValue_ + float(dy) / 10.0f * step(event->modifiers())) *
                           10000.0f) /
                10000.0f;
            if (v != value_) {
                value_ = v;
                showValue();
                setModified(false);
                Q_EMIT valueScrubbed(channel_, y_, x_, v, property("scrubSession").toInt());
            }
            return;
        }
    }
    QLineEdit::mouseMoveEvent(event);
}

void KernelCell::mouseReleaseEvent(QMouseEvent* event) {
    pressed_ = false;
    if (scrubbing_) {
        scrubbing_ = false;
        unsetCursor();
        return;
    }
    QLineEdit::mouseReleaseEvent(event);
}

// ---------------------------------------------------------------------------------------------

KernelEditor::KernelEditor(Document* document, QWidget* parent)
    : QWidget(parent), document_(document) {
    presets_ = loadKernelPresets(convscope::resource_path(QStringLiteral("presets/kernels.json")),
                                 &presetsError_);

    title_ = new QLabel(this);
    QFont bold = title_->font();
    bold.setBold(true);
    title_->setFont(bold);

    auto* filter = new BoundedSpinBox(this);
    filter->setObjectName(QStringLiteral("filter"));
    filter->setLimits(1, 1);
    filter->setQuantity(tr("The filter"));
    filter->setDescription(tr("Which filter (output channel) of the layer to edit"));
    filter_ = filter;
    filterCount_ = new QLabel(this);
    auto* channel = new BoundedSpinBox(this);
    channel->setObjectName(QStringLiteral("inputChannel"));
    channel->setLimits(1, 1);
    channel->setQuantity(tr("The input channel"));
    channel->setDescription(
        tr("Which input channel of the filter to show and edit (a deep layer's filters read "
           "hundreds: the editor shows a page of them around this one)"));
    channel_ = channel;
    channelCount_ = new QLabel(this);
    connect(channel, &BoundedSpinBox::limitMessage, this, &KernelEditor::message);
    bias_ = new QDoubleSpinBox(this);
    bias_->setObjectName(QStringLiteral("bias"));
    bias_->setRange(-100, 100);
    bias_->setDecimals(3);
    bias_->setSingleStep(0.05);
    bias_->setKeyboardTracking(false);
    bias_->setToolTip(tr(
        "The filter's bias, added to every output value (turn bias on in the layer's properties).\n"
        "Allowed: −100 to 100."));
    auto* kernelH = new BoundedSpinBox(this);
    auto* kernelW = new BoundedSpinBox(this);
    kernelH->setQuantity(tr("The kernel height"));
    kernelW->setQuantity(tr("The kernel width"));
    kernelH->setDescription(
        tr("Kernel height, for every filter of the layer; resizing keeps the centre"));
    kernelW->setDescription(
        tr("Kernel width, for every filter of the layer; resizing keeps the centre"));
    for (BoundedSpinBox* box : {filter, kernelH, kernelW})
        connect(box, &BoundedSpinBox::limitMessage, this, &KernelEditor::message);
    kernelH_ = kernelH;
    kernelW_ = kernelW;
    kernelH->setLimits(1, 15);
    kernelW->setLimits(1, 15);
    kernelH_->setObjectName(QStringLiteral("kernel_h"));
    kernelW_->setObjectName(QStringLiteral("kernel_w"));

    presetBox_ = new QComboBox(this);
    presetBox_->setObjectName(QStringLiteral("presets"));
    presetBox_->addItem(tr("Apply a preset…"));
    for (const KernelPreset& preset : presets_) {
        presetBox_->addItem(QStringLiteral("%1  (%2×%3)")
                                .arg(preset.name)
                                .arg(preset.kernel.size())
                                .arg(preset.kernel[0].size()),
                            preset.id);
        presetBox_->setItemData(presetBox_->count() - 1, preset.description, Qt::ToolTipRole);
    }
    presetBox_->setToolTip(
        tr("Classic kernels from image processing, applied to every input channel of this "
           "filter (divided by the number of channels)"));
    presetDescription_ = new QLabel(this);
    presetDescription_->setWordWrap(true);
    presetDescription_->setForegroundRole(QPalette::PlaceholderText);
    presetDescription_->setObjectName(QStringLiteral("presetDescription"));
    if (!presetsError_.isEmpty()) {
        // Say so where the presets would be, rather than show an empty list.
        presetBox_->setItemText(0, tr("No presets"));
        presetBox_->setEnabled(false);
        presetBox_->setToolTip(tr("The kernel presets cannot be read: %1").arg(presetsError_));
        presetDescription_->setText(tr("The kernel presets cannot be read: %1").arg(presetsError_));
    }

    auto tool = [this](const QString& text, const QString& tip, void (KernelEditor::*slot)()) {
        auto* b = new QToolButton(this);
        b->setText(text);
        b->setToolTip(tip);
        b->setAutoRaise(false);
        connect(b, &QToolButton::clicked, this, slot);
        return b;
    };
    auto* tools = new QGridLayout;
    tools->setSpacing(3);
    const std::vector<QToolButton*> buttons = {
        tool(tr("Normalise"),
             tr("Scale the filter so its weights sum to 1 (a blur keeps the brightness)"),
             &KernelEditor::normalise),
        tool(tr("Flip ↔"), tr("Mirror the filter left–right"), &KernelEditor::flipHorizontal),
        tool(tr("Flip ↕"), tr("Mirror the filter top–bottom"), &KernelEditor::flipVertical),
        tool(tr("Transpose"), tr("Swap rows and columns (Sobel x becomes Sobel y)"),
             &KernelEditor::transpose),
        tool(tr("Randomise"), tr("Random weights, as a network starts before training"),
             &KernelEditor::randomise),
        tool(tr("Copy"),
             tr("Copy the filter as text: rows on lines, channels separated by a blank line"),
             &KernelEditor::copyKernel),
        tool(tr("Paste"),
             tr("Paste a kernel as text (one 2-D kernel for all channels, or one per channel)"),
             &KernelEditor::pasteKernel),
    };
    for (std::size_t i = 0; i < buttons.size(); ++i) {
        buttons[i]->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
        tools->addWidget(buttons[i], int(i / 4), int(i % 4));
    }
    // The experiment every teacher wants: remove one filter, watch what changes downstream, and
    // put it back.
    QToolButton* zeroButton = tool(tr("Zero this filter"),
                                   tr("Set every weight and the bias of this filter to 0 (one "
                                      "undo step): its maps go blank and the layers after it "
                                      "show what it contributed"),
                                   &KernelEditor::zero);
    zeroButton->setObjectName(QStringLiteral("zeroFilter"));
    restore_ = tool(tr("Restore the trained weights"),
                    tr("Put back this filter's weights and bias as the pipeline or model was "
                       "opened (one undo step)"),
                    &KernelEditor::restoreTrained);
    restore_->setObjectName(QStringLiteral("restoreFilter"));
    zeroButton->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    restore_->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    tools->addWidget(zeroButton, 2, 0, 1, 2);
    tools->addWidget(restore_, 2, 2, 1, 2);

    auto* header = new QGridLayout;
    header->addWidget(new QLabel(tr("Filter")), 0, 0);
    auto* filterRow = new QHBoxLayout;
    filterRow->addWidget(filter_);
    filterRow->addWidget(filterCount_);
    filterRow->addSpacing(12);
    filterRow->addWidget(new QLabel(tr("Bias")));
    filterRow->addWidget(bias_);
    filterRow->addStretch();
    header->addLayout(filterRow, 0, 1);
    header->addWidget(new QLabel(tr("Size")), 1, 0);
    auto* sizeRow = new QHBoxLayout;
    sizeRow->addWidget(kernelH_);
    sizeRow->addWidget(new QLabel(QStringLiteral("×")));
    sizeRow->addWidget(kernelW_);
    sizeRow->addStretch();
    header->addLayout(sizeRow, 1, 1);
    header->addWidget(new QLabel(tr("Input")), 2, 0);
    auto* channelRow = new QHBoxLayout;
    channelRow->addWidget(channel_);
    channelRow->addWidget(channelCount_, 1);
    header->addLayout(channelRow, 2, 1);

    gridHost_ = new QWidget;
    scroll_ = new QScrollArea(this);
    scroll_->setWidget(gridHost_);
    scroll_->setWidgetResizable(true);
    scroll_->setFrameShape(QFrame::NoFrame);

    editorArea_ = new QWidget(this);
    auto* editorLayout = new QVBoxLayout(editorArea_);
    editorLayout->setContentsMargins(0, 0, 0, 0);
    editorLayout->addLayout(header);
    editorLayout->addWidget(presetBox_);
    editorLayout->addWidget(presetDescription_);
    editorLayout->addLayout(tools);
    editorLayout->addWidget(scroll_, 1);

    placeholder_ = new QLabel(tr("Select a convolution layer to see and edit its kernels."), this);
    placeholder_->setWordWrap(true);
    placeholder_->setAlignment(Qt::AlignCenter);
    placeholder_->setForegroundRole(QPalette::PlaceholderText);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 6, 8, 6);
    layout->addWidget(title_);
    // One page or the other, in a stack whose size is the larger of them: selecting a layer
    // without kernels leaves the dock (and the window's layout) as wide as it was.
    pages_ = new QStackedWidget(this);
    pages_->addWidget(editorArea_);
    pages_->addWidget(placeholder_);
    layout->addWidget(pages_, 1);

    connect(filter_, &QSpinBox::valueChanged, this, [this](int v) {
        if (!refreshing_)
            document_->setSelectedFilter(v - 1);
    });
    connect(channel_, &QSpinBox::valueChanged, this, [this](int v) {
        if (!refreshing_)
            showInputChannel(v - 1);
    });
    connect(bias_, &QDoubleSpinBox::valueChanged, this, [this](double v) {
        if (refreshing_)
            return;
        const int f = document_->selectedFilter();
        editFilter(tr("Set bias"), [f, v](Conv2d& conv) {
            if (conv.bias.empty())
                conv.bias.assign(conv.weights.out_channels, 0.0f);
            conv.bias.write()[f] = float(v);
        });
    });
    connect(kernelH_, &QSpinBox::valueChanged, this,
            [this] { setKernelSize(kernelH_->value(), kernelW_->value()); });
    connect(kernelW_, &QSpinBox::valueChanged, this,
            [this] { setKernelSize(kernelH_->value(), kernelW_->value()); });
    connect(presetBox_, &QComboBox::activated, this, [this](int index) {
        if (index > 0)
            applyPresetById(presetBox_->itemData(index).toString());
        presetBox_->setCurrentIndex(0);
    });
    connect(document_, &Document::pipelineChanged, this, &KernelEditor::refresh);
    connect(document_, &Document::selectionChanged, this, &KernelEditor::refresh);
    refresh();
}

KernelCell* KernelEditor::cell(int channel, int y, int x) const {
    for (KernelCell* c : cells_)
        if (c->channel() == channel && c->row() == y && c->column() == x)
            return c;
    return nullptr;
}

QString KernelEditor::presetDescription() const {
    return presetDescription_->text();
}

int KernelEditor::channelsPerPage(int kh, int kw) {
    constexpr int kCellsPerPage = 300;
    return std::max(4, kCellsPerPage / std::max(1, kh * kw));
}

void KernelEditor::rebuildGrid(int first, int count, int kh, int kw) {
    if (count == gridChannels_ && first == pageFirst_ && kh == gridH_ && kw == gridW_)
        return;
    gridChannels_ = count;
    pageFirst_ = first;
    gridH_ = kh;
    gridW_ = kw;
    cells_.clear();
    auto* host = new QWidget;
    auto* outer = new QGridLayout(host);
    outer->setContentsMargins(0, 4, 0, 4);
    outer->setHorizontalSpacing(10);
    outer->setVerticalSpacing(8);
    groups_.clear();
    const Pipeline& p = document_->pipeline();
    const Conv2d* selected = document_->selectedConv();
    const int inChannels = selected ? selected->weights.in_channels : count;
    const bool rgbInput =
        p.input_mode == InputMode::Rgb && document_->selectedLayer() == 0 && inChannels == 3;
    const QString rgbNames[] = {tr("red"), tr("green"), tr("blue")};
    for (int c = first; c < first + count; ++c) {
        auto* box = new QGroupBox(rgbInput ? tr("in %1 · %2").arg(c + 1).arg(rgbNames[c])
                                           : tr("in %1").arg(c + 1));
        box->setProperty("channel", c);
        box->setToolTip(tr("The weights this filter applies to input channel %1").arg(c + 1));
        auto* grid = new QGridLayout(box);
        grid->setSpacing(2);
        grid->setContentsMargins(6, 6, 6, 6);
        for (int y = 0; y < kh; ++y)
            for (int x = 0; x < kw; ++x) {
                auto* cell = new KernelCell(c, y, x, box, kw >= 7);
                grid->addWidget(cell, y, x);
                connect(cell, &KernelCell::valueTyped, this,
                        [this](int ch, int yy, int xx, float v) { setWeight(ch, yy, xx, v, {}); });
                connect(cell, &KernelCell::valueScrubbed, this,
                        [this](int ch, int yy, int xx, float v, int session) {
                            setWeight(ch, yy, xx, v, QStringLiteral("scrub:%1").arg(session));
                        });
                cells_.push_back(cell);
            }
        groups_.push_back(box);
    }
    scroll_->setWidget(host); // deletes the previous host
    gridHost_ = host;
    gridLayout_ = outer;
    perRow_ = -1;
    relayoutGroups();
}

void KernelEditor::markChosenChannel() {
    for (QWidget* widget : groups_) {
        auto* box = static_cast<QGroupBox*>(widget);
        const int c = box->property("channel").toInt();
        QString title = box->title();
        const QString mark = QStringLiteral("▸ ");
        if (title.startsWith(mark))
            title.remove(0, mark.size());
        if (c == inputChannel_ && groups_.size() > 1)
            title.prepend(mark);
        if (title != box->title())
            box->setTitle(title);
    }
}

void KernelEditor::showInputChannel(int channel) {
    const Conv2d* conv = document_->selectedConv();
    if (!conv)
        return;
    if (channel >= 0)
        inputChannel_ = std::clamp(channel, 0, conv->weights.in_channels - 1);
    refresh();
    for (QWidget* box : groups_)
        if (box->property("channel").toInt() == inputChannel_) {
            gridHost_->adjustSize();
            scroll_->ensureWidgetVisible(box, 4, 4);
        }
}

void KernelEditor::relayoutGroups() {
    if (!gridLayout_ || groups_.empty())
        return;
    const int groupWidth = groups_.front()->sizeHint().width() + gridLayout_->horizontalSpacing();
    const int perRow =
        std::max(1, (scroll_->viewport()->width() + gridLayout_->horizontalSpacing()) /
                        std::max(1, groupWidth));
    if (perRow == perRow_)
        return;
    perRow_ = perRow;
    for (QWidget* box : groups_)
        gridLayout_->removeWidget(box);
    for (int c = 0; c < int(groups_.size()); ++c)
        gridLayout_->addWidget(groups_[c], c / perRow, c % perRow, Qt::AlignLeft | Qt::AlignTop);
    for (int r = 0; r < gridLayout_->rowCount(); ++r)
        gridLayout_->setRowStretch(r, 0);
    for (int c = 0; c < gridLayout_->columnCount(); ++c)
        gridLayout_->setColumnStretch(c, 0);
    gridLayout_->setRowStretch((int(groups_.size()) + perRow - 1) / perRow, 1);
    gridLayout_->setColumnStretch(perRow, 1);
}

void KernelEditor::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    relayoutGroups();
}

void KernelEditor::refresh() {
    refreshing_ = true;
    const Pipeline& p = document_->pipeline();
    const int index = document_->selectedLayer();
    const Conv2d* conv = document_->selectedConv();
    pages_->setCurrentWidget(conv ? editorArea_ : static_cast<QWidget*>(placeholder_));
    if (!conv) {
        title_->setText(tr("Kernel"));
        refreshing_ = false;
        return;
    }
    const ConvWeights& w = conv->weights;
    const int f = std::clamp(document_->selectedFilter(), 0, w.out_channels - 1);
    title_->setText(tr("Kernel of layer %1 · %2")
                        .arg(index + 1)
                        .arg(QString::fromStdString(display_name(p.layers[index]))));
    filter_->setLimits(1, w.out_channels);
    filter_->setValue(f + 1);
    filterCount_->setText(tr("of %1").arg(w.out_channels));
    bias_->setEnabled(!conv->bias.empty());
    bias_->setValue(conv->bias.empty() ? 0.0 : conv->bias[f]);
    kernelH_->showValue(w.kernel_h);
    kernelW_->showValue(w.kernel_w);
    inputChannel_ = std::clamp(inputChannel_, 0, w.in_channels - 1);
    channel_->setLimits(1, w.in_channels);
    channel_->setValue(inputChannel_ + 1);
    channel_->setEnabled(w.in_channels > 1);
    // A page of channels around the chosen one; all of them when they fit.
    const int perPage = channelsPerPage(w.kernel_h, w.kernel_w);
    const int first = w.in_channels <= perPage ? 0 : (inputChannel_ / perPage) * perPage;
    const int count = std::min(perPage, w.in_channels - first);
    const QString countText =
        count == w.in_channels
            ? tr("of %1").arg(w.in_channels)
            : tr("of %1 — showing %2–%3").arg(w.in_channels).arg(first + 1).arg(first + count);
    if (channelCount_->text() != countText)
        channelCount_->setText(countText);
    rebuildGrid(first, count, w.kernel_h, w.kernel_w);
    markChosenChannel();
    const Conv2d* opened = document_->openedConv(index);
    const bool trained = opened && filterMatches(*conv, f, *opened);
    restore_->setEnabled(opened && !trained);
    restore_->setToolTip(!opened   ? tr("Nothing to restore: this layer was not in the pipeline or "
                                          "model as it was opened, or its shape changed")
                         : trained ? tr("This filter holds the weights it was opened with")
                                   : tr("Put back this filter's weights and bias as the pipeline "
                                        "or model was opened (one undo step)"));
    float maxAbs = 0;
    for (int i = 0; i < w.in_channels; ++i)
        for (int y = 0; y < w.kernel_h; ++y)
            for (int x = 0; x < w.kernel_w; ++x)
                maxAbs = std::max(maxAbs, std::abs(w.at(f, i, y, x)));
    // maxAbs spans all of the filter's channels, shown or not: one scale per filter.
    for (KernelCell* cell : cells_)
        cell->setValue(w.at(f, cell->channel(), cell->row(), cell->column()), maxAbs);
    describePreset(*conv, f);
    refreshing_ = false;
}

template <typename F> void KernelEditor::editFilter(const QString& text, F&& change) {
    Pipeline p;
    Conv2d* conv = document_->selectedConv(p);
    if (!conv)
        return;
    change(*conv);
    document_->edit(text, p);
}

void KernelEditor::setWeight(int channel, int y, int x, float value, const QString& mergeKey) {
    Pipeline p;
    Conv2d* conv = document_->selectedConv(p);
    if (!conv)
        return;
    const int index = document_->selectedLayer();
    const int f = document_->selectedFilter();
    if (f >= conv->weights.out_channels || channel >= conv->weights.in_channels ||
        y >= conv->weights.kernel_h || x >= conv->weights.kernel_w)
        return;
    conv->weights.set(f, channel, y, x, value);
    const QString key = mergeKey.isEmpty() ? QString()
                                           : QStringLiteral("%1:%2:%3:%4:%5:%6")
                                                 .arg(mergeKey)
                                                 .arg(index)
                                                 .arg(f)
                                                 .arg(channel)
                                                 .arg(y)
                                                 .arg(x);
    document_->edit(tr("Set weight (%1, %2) of filter %3").arg(y + 1).arg(x + 1).arg(f + 1), p,
                    {.mergeKey = key});
}

void KernelEditor::setKernelSize(int height, int width) {
    if (refreshing_)
        return;
    editFilter(tr("Resize kernel to %1×%2").arg(height).arg(width), [height, width](Conv2d& conv) {
        if (conv.weights.kernel_h != height || conv.weights.kernel_w != width)
            resizeKernel(conv, height, width);
    });
}

void KernelEditor::applyPresetById(const QString& id) {
    for (const KernelPreset& preset : presets_) {
        if (preset.id != id)
            continue;
        const int f = document_->selectedFilter();
        editFilter(tr("Preset %1").arg(preset.name),
                   [&](Conv2d& conv) { applyPreset(conv, f, preset.kernel); });
        return; // the edit refreshes the editor, which explains the preset
    }
}

void KernelEditor::describePreset(const Conv2d& conv, int filter) {
    if (!presetsError_.isEmpty())
        return; // the description says why there are no presets
    // The explanation belongs to the filter shown: the preset it holds, if any (another filter,
    // another layer or an edited weight has none).
    for (const KernelPreset& preset : presets_) {
        if (filterIsPreset(conv, filter, preset.kernel)) {
            presetDescription_->setText(
                QStringLiteral("<b>%1</b>: %2")
                    .arg(preset.name.toHtmlEscaped(), preset.description.toHtmlEscaped()));
            return;
        }
    }
    presetDescription_->clear();
}

void KernelEditor::normalise() {
    const int f = document_->selectedFilter();
    bool ok = true;
    editFilter(tr("Normalise filter"), [&](Conv2d& conv) { ok = normaliseFilter(conv, f); });
    if (!ok)
        Q_EMIT message(tr("The weights sum to zero (an edge detector?): nothing to normalise"));
}

void KernelEditor::flipHorizontal() {
    const int f = document_->selectedFilter();
    editFilter(tr("Flip filter left–right"), [f](Conv2d& conv) { flipFilter(conv, f, true); });
}

void KernelEditor::flipVertical() {
    const int f = document_->selectedFilter();
    editFilter(tr("Flip filter top–bottom"), [f](Conv2d& conv) { flipFilter(conv, f, false); });
}

void KernelEditor::transpose() {
    const int f = document_->selectedFilter();
    editFilter(tr("Transpose filter"), [f](Conv2d& conv) { transposeFilter(conv, f); });
}

void KernelEditor::randomise() {
    const int f = document_->selectedFilter();
    editFilter(tr("Randomise filter"), [this, f](Conv2d& conv) { randomiseFilter(conv, f, rng_); });
}

void KernelEditor::zero() {
    const int f = document_->selectedFilter();
    editFilter(tr("Zero filter %1").arg(f + 1), [f](Conv2d& conv) {
        zeroFilter(conv, f);
        if (!conv.bias.empty())
            conv.bias.write()[std::size_t(f)] = 0.0f;
    });
}

bool KernelEditor::filterIsTrained() const {
    const Conv2d* conv = document_->selectedConv();
    const Conv2d* opened = document_->openedConv(document_->selectedLayer());
    return conv && opened && filterMatches(*conv, document_->selectedFilter(), *opened);
}

void KernelEditor::restoreTrained() {
    const Conv2d* opened = document_->openedConv(document_->selectedLayer());
    if (!opened) {
        Q_EMIT message(
            tr("Nothing to restore: this layer was not in the pipeline as it was opened"));
        return;
    }
    const Conv2d original = *opened; // the edit replaces the pipeline it points into
    const int f = document_->selectedFilter();
    bool ok = true;
    editFilter(tr("Restore the trained weights of filter %1").arg(f + 1),
               [&](Conv2d& conv) { ok = restoreFilter(conv, f, original); });
    if (!ok)
        Q_EMIT message(tr("Cannot restore filter %1: the layer's shape changed since it was "
                          "opened (resize it back first)")
                           .arg(f + 1));
}

void KernelEditor::copyKernel() {
    if (const Conv2d* conv = document_->selectedConv()) {
        QApplication::clipboard()->setText(filterToText(*conv, document_->selectedFilter()));
        Q_EMIT message(tr("Kernel copied as text"));
    }
}

void KernelEditor::pasteKernel() {
    setKernelText(QApplication::clipboard()->text());
}

bool KernelEditor::setKernelText(const QString& text) {
    const int f = document_->selectedFilter();
    QString error;
    bool ok = true;
    editFilter(tr("Paste kernel"),
               [&](Conv2d& conv) { ok = filterFromText(text, conv, f, &error); });
    if (!ok)
        Q_EMIT message(tr("Cannot paste the kernel: %1").arg(error));
    return ok;
}

} // namespace convscope::ui
