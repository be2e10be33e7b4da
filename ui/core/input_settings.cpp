#include "input_settings.hpp"

#include "model_source.hpp"

#include "convscope/input_preparation.hpp"

#include <QCoreApplication>

namespace convscope::ui {

namespace {

QString tr(const char* text) {
    return QCoreApplication::translate("convscope::ui::InputSettings", text);
}

// One value per channel, from the empty / one-for-all / per-channel forms.
std::vector<float> perChannel(const InputNormalization& n, int channels, bool mean) {
    std::vector<float> values;
    for (int c = 0; c < channels; ++c)
        values.push_back(mean ? n.mean_of(c) : n.std_of(c));
    return values;
}

bool sameOn(const InputNormalization& a, const InputNormalization& b, int channels) {
    for (int c = 0; c < channels; ++c)
        if (a.mean_of(c) != b.mean_of(c) || a.std_of(c) != b.std_of(c))
            return false;
    return true;
}

int channelsOf(const Pipeline& p) {
    return channel_count(p.input_mode);
}

} // namespace

InputNormalization imagenetNormalization() {
    return {{0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}};
}

std::vector<NormalizationPreset> normalizationPresets(int channels, const ModelSource* model) {
    std::vector<NormalizationPreset> presets;
    presets.push_back({tr("None (values 0…1 as they are)"), {}});
    if (model && !model->imported.normalization.identity() &&
        channel_count(model->imported.input_mode) == channels)
        presets.push_back({tr("The model's own"), model->imported.normalization});
    if (channels == 3)
        presets.push_back({tr("ImageNet"), imagenetNormalization()});
    return presets;
}

int matchingPreset(const std::vector<NormalizationPreset>& presets,
                   const InputNormalization& normalization, int channels) {
    for (std::size_t i = 0; i < presets.size(); ++i)
        if (sameOn(presets[i].values, normalization, channels))
            return int(i);
    return -1;
}

QString channelName(InputMode mode, int channel) {
    if (mode == InputMode::Gray)
        return tr("gray");
    switch (channel) {
    case 0:
        return tr("red");
    case 1:
        return tr("green");
    default:
        return tr("blue");
    }
}

Pipeline withNormalization(Pipeline pipeline, const InputNormalization& normalization) {
    pipeline.normalization = normalization;
    return pipeline;
}

namespace {

// Sets one channel's mean (or std) and spells the other out per channel too when it is
// per channel already but for another channel count: both then hold one value per channel.
Pipeline withChannelValue(Pipeline pipeline, int channel, float value, bool mean) {
    const int channels = channelsOf(pipeline);
    std::vector<float> values = perChannel(pipeline.normalization, channels, mean);
    if (channel >= 0 && channel < channels)
        values[std::size_t(channel)] = value;
    InputNormalization& n = pipeline.normalization;
    (mean ? n.mean : n.std_dev) = values;
    std::vector<float>& other = mean ? n.std_dev : n.mean;
    if (other.size() > 1 && int(other.size()) != channels)
        other = perChannel(n, channels, !mean);
    return pipeline;
}

} // namespace

Pipeline withChannelMean(Pipeline pipeline, int channel, float mean) {
    return withChannelValue(std::move(pipeline), channel, mean, true);
}

Pipeline withChannelStd(Pipeline pipeline, int channel, float std_dev) {
    return withChannelValue(std::move(pipeline), channel, std_dev, false);
}

Pipeline withInputSize(Pipeline pipeline, Pair size) {
    if (size.h <= 0 || size.w <= 0) {
        pipeline.input_size = {0, 0};
        pipeline.input_fit = InputFit::Whole;
    } else {
        pipeline.input_size = size;
    }
    return pipeline;
}

Pipeline withInputFit(Pipeline pipeline, InputFit fit) {
    pipeline.input_fit = pipeline.input_size.h > 0 ? fit : InputFit::Whole;
    return pipeline;
}

QString describeFit(const Pipeline& p, Shape image) {
    if (image.empty())
        return tr("No image is open.");
    const QString size = tr("%1 × %2").arg(image.width).arg(image.height);
    const QString target = tr("%1 × %2").arg(p.input_size.w).arg(p.input_size.h);
    const Shape fitted = fitted_shape(image, p.input_size, p.input_fit);
    if (fitted == image) {
        if (p.input_size.h > 0 && (image.height != p.input_size.h || image.width != p.input_size.w))
            return tr("Layer 1 reads the whole %1 image; the network was made for %2.")
                .arg(size, target);
        return tr("Layer 1 reads the whole %1 image.").arg(size);
    }
    if (p.input_fit == InputFit::Resize)
        return tr("Layer 1 reads the %1 image resized to %2 (its aspect ratio not kept).")
            .arg(size, target);
    return tr("Layer 1 reads the middle %1 of the %2 image, scaled until it covers %1.")
        .arg(target, size);
}

} // namespace convscope::ui
