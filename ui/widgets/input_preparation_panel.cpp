#include "input_preparation_panel.hpp"

#include "document.hpp"
#include "input_settings.hpp"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QVBoxLayout>

namespace convscope::ui {

namespace {

QDoubleSpinBox* valueBox(double minimum, double maximum, const QString& tip) {
    auto* box = new QDoubleSpinBox;
    box->setDecimals(4);
    box->setRange(minimum, maximum);
    box->setSingleStep(0.01);
    box->setKeyboardTracking(false); // applies on Enter, focus out or the arrows
    box->setToolTip(tip);
    return box;
}

QSpinBox* sizeBox(const QString& tip) {
    auto* box = new QSpinBox;
    box->setRange(0, 4096);
    box->setSpecialValueText(QObject::tr("any"));
    box->setKeyboardTracking(false);
    box->setToolTip(tip);
    return box;
}

} // namespace

InputPreparationPanel::InputPreparationPanel(Document* document, QWidget* parent)
    : QWidget(parent), document_(document) {
    setObjectName(QStringLiteral("inputPreparation"));
    auto* layout = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->setRowWrapPolicy(QFormLayout::WrapLongRows);
    channels_ = new QLabel;
    channels_->setWordWrap(true);
    form->addRow(tr("Channels:"), channels_);

    preset_ = new QComboBox;
    preset_->setObjectName(QStringLiteral("normalizationPreset"));
    preset_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    preset_->setMinimumContentsLength(12);
    preset_->setToolTip(tr("What each channel becomes before layer 1: (x − mean) / std, with x "
                           "the pixel value from 0 to 1, as torchvision's Normalize computes it"));
    form->addRow(tr("Normalise:"), preset_);
    layout->addLayout(form);

    channelGrid_ = new QGridLayout;
    channelGrid_->addWidget(new QLabel(tr("<b>channel</b>")), 0, 0);
    channelGrid_->addWidget(new QLabel(tr("<b>mean</b>")), 0, 1);
    channelGrid_->addWidget(new QLabel(tr("<b>std</b>")), 0, 2);
    channelGrid_->setColumnStretch(1, 1);
    channelGrid_->setColumnStretch(2, 1);
    layout->addLayout(channelGrid_);

    auto* sizeForm = new QFormLayout;
    sizeForm->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    sizeForm->setRowWrapPolicy(QFormLayout::WrapLongRows);
    height_ = sizeBox(tr("The input height the network was made for (any: none)"));
    height_->setObjectName(QStringLiteral("inputHeight"));
    width_ = sizeBox(tr("The input width the network was made for (any: none)"));
    width_->setObjectName(QStringLiteral("inputWidth"));
    auto* sizeRow = new QHBoxLayout;
    sizeRow->addWidget(width_, 1);
    sizeRow->addWidget(new QLabel(QStringLiteral("×")));
    sizeRow->addWidget(height_, 1);
    sizeForm->addRow(tr("Made for (w × h):"), sizeRow);
    fit_ = new QComboBox;
    fit_->setObjectName(QStringLiteral("inputFit"));
    fit_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    fit_->setMinimumContentsLength(12);
    fit_->addItem(tr("Run on the whole image"), int(InputFit::Whole));
    fit_->addItem(tr("Resize to that size"), int(InputFit::Resize));
    fit_->addItem(tr("Centre-crop to that size"), int(InputFit::CenterCrop));
    fit_->setToolTip(tr("Convolutions run on any size; a fully connected head needs the size it "
                        "was trained at. Resize stretches the image to it; centre crop scales "
                        "the image until it covers the size and keeps the middle"));
    sizeForm->addRow(tr("Image:"), fit_);
    layout->addLayout(sizeForm);
    fitText_ = new QLabel;
    fitText_->setObjectName(QStringLiteral("fitText"));
    fitText_->setWordWrap(true);
    layout->addWidget(fitText_);
    layout->addStretch(1);

    connect(preset_, &QComboBox::activated, this, &InputPreparationPanel::applyPreset);
    connect(height_, &QSpinBox::valueChanged, this, &InputPreparationPanel::applySize);
    connect(width_, &QSpinBox::valueChanged, this, &InputPreparationPanel::applySize);
    connect(fit_, &QComboBox::activated, this, [this] {
        const auto fit = InputFit(fit_->currentData().toInt());
        document_->edit(tr("Input: %1").arg(fit_->currentText().toLower()),
                        withInputFit(document_->pipeline(), fit));
    });
    connect(document_, &Document::pipelineChanged, this, &InputPreparationPanel::refresh);
    connect(document_, &Document::inputChanged, this, &InputPreparationPanel::refresh);
    connect(document_, &Document::modelChanged, this, &InputPreparationPanel::refresh);
    refresh();
}

QDoubleSpinBox* InputPreparationPanel::meanBox(int channel) const {
    return channel >= 0 && channel < means_.size() ? means_[channel] : nullptr;
}

QDoubleSpinBox* InputPreparationPanel::stdBox(int channel) const {
    return channel >= 0 && channel < stds_.size() ? stds_[channel] : nullptr;
}

QString InputPreparationPanel::fitText() const {
    return fitText_->text();
}

void InputPreparationPanel::rebuildChannels(int channels) {
    if (means_.size() == channels)
        return;
    for (QWidget* w : means_)
        delete w;
    for (QWidget* w : stds_)
        delete w;
    for (QWidget* w : channelLabels_)
        delete w;
    means_.clear();
    stds_.clear();
    channelLabels_.clear();
    for (int c = 0; c < channels; ++c) {
        auto* label = new QLabel;
        QDoubleSpinBox* mean = valueBox(-10, 10, tr("Subtracted from this channel's values"));
        QDoubleSpinBox* std = valueBox(0.0001, 100, tr("This channel's values are divided by it"));
        mean->setObjectName(QStringLiteral("mean%1").arg(c));
        std->setObjectName(QStringLiteral("std%1").arg(c));
        channelGrid_->addWidget(label, c + 1, 0);
        channelGrid_->addWidget(mean, c + 1, 1);
        channelGrid_->addWidget(std, c + 1, 2);
        connect(mean, &QDoubleSpinBox::valueChanged, this, [this, c](double v) {
            const Pipeline p = withChannelMean(document_->pipeline(), c, float(v));
            document_->edit(tr("Input mean of %1").arg(channelName(p.input_mode, c)), p);
        });
        connect(std, &QDoubleSpinBox::valueChanged, this, [this, c](double v) {
            const Pipeline p = withChannelStd(document_->pipeline(), c, float(v));
            document_->edit(tr("Input std of %1").arg(channelName(p.input_mode, c)), p);
        });
        channelLabels_ << label;
        means_ << mean;
        stds_ << std;
    }
}

void InputPreparationPanel::refresh() {
    const Pipeline& p = document_->pipeline();
    const int channels = channel_count(p.input_mode);
    const auto input = document_->input();
    channels_->setText(channels == 1 ? tr("1 (gray)") : tr("3 (red, green, blue)"));
    channels_->setToolTip(tr("The channels layer 1 reads; the Input box in the tool bar switches "
                             "between gray and RGB"));
    rebuildChannels(channels);
    for (int c = 0; c < channels; ++c) {
        QSignalBlocker bm(means_[c]), bs(stds_[c]);
        channelLabels_[c]->setText(channelName(p.input_mode, c));
        means_[c]->setValue(p.normalization.mean_of(c));
        stds_[c]->setValue(p.normalization.std_of(c));
    }
    {
        QSignalBlocker block(preset_);
        const auto presets = normalizationPresets(channels, document_->model());
        preset_->clear();
        for (const NormalizationPreset& preset : presets)
            preset_->addItem(preset.name);
        const int match = matchingPreset(presets, p.normalization, channels);
        if (match < 0)
            preset_->addItem(tr("Custom"));
        preset_->setCurrentIndex(match < 0 ? preset_->count() - 1 : match);
    }
    {
        QSignalBlocker bh(height_), bw(width_), bf(fit_);
        height_->setValue(p.input_size.h);
        width_->setValue(p.input_size.w);
        fit_->setCurrentIndex(std::max(0, fit_->findData(int(p.input_fit))));
        fit_->setEnabled(p.input_size.h > 0);
    }
    fitText_->setText(describeFit(
        p, document_->imageSize().isEmpty() || !input
               ? Shape{}
               : Shape{channels, document_->imageSize().height(), document_->imageSize().width()}));
}

void InputPreparationPanel::applyPreset(int index) {
    const Pipeline& p = document_->pipeline();
    const auto presets = normalizationPresets(channel_count(p.input_mode), document_->model());
    if (index < 0 || index >= int(presets.size()))
        return;
    document_->edit(tr("Input normalisation: %1").arg(presets[std::size_t(index)].name),
                    withNormalization(p, presets[std::size_t(index)].values));
}

void InputPreparationPanel::applySize() {
    Pair size{height_->value(), width_->value()};
    // One side given: a square, as torchvision's Resize(n) reads one number.
    if (size.h == 0 && size.w > 0)
        size.h = size.w;
    if (size.w == 0 && size.h > 0)
        size.w = size.h;
    document_->edit(tr("Input size %1 × %2").arg(size.w).arg(size.h),
                    withInputSize(document_->pipeline(), size));
}

} // namespace convscope::ui
