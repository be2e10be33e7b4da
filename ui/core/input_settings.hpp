#pragma once
// The Input preparation panel's edits, without widgets: what is done to an image before layer 1
// reads it (per-channel mean and std as torchvision's Normalize; the size the network was made
// for, and whether the image is resized or centre-cropped to it). Each function returns the
// edited pipeline, for one undo step through Document::edit.

#include "convscope/pipeline.hpp"

#include <QString>

#include <vector>

namespace convscope::ui {

struct ModelSource;

struct NormalizationPreset {
    QString name;
    InputNormalization values;
};

// torchvision's ImageNet statistics (mean 0.485, 0.456, 0.406; std 0.229, 0.224, 0.225).
InputNormalization imagenetNormalization();
// The presets that fit an input of `channels` channels: none (x as it is), the model's own
// (when `model` states one), ImageNet (3 channels).
std::vector<NormalizationPreset> normalizationPresets(int channels, const ModelSource* model);
// The preset whose values `normalization` has on `channels` channels, or -1 (custom).
int matchingPreset(const std::vector<NormalizationPreset>& presets,
                   const InputNormalization& normalization, int channels);

// "gray", or "red", "green", "blue".
QString channelName(InputMode mode, int channel);

Pipeline withNormalization(Pipeline pipeline, const InputNormalization& normalization);
// Channel `channel`'s mean or std set, the others kept (a single value for all channels
// becomes one per channel).
Pipeline withChannelMean(Pipeline pipeline, int channel, float mean);
Pipeline withChannelStd(Pipeline pipeline, int channel, float std_dev);
// The size the network was made for (0 × 0: none, which also runs the whole image).
Pipeline withInputSize(Pipeline pipeline, Pair size);
Pipeline withInputFit(Pipeline pipeline, InputFit fit);

// What layer 1 reads, in a sentence: "The 512 × 512 image, resized to 28 × 28 (aspect ratio
// not kept)."
QString describeFit(const Pipeline& pipeline, Shape image);

} // namespace convscope::ui
