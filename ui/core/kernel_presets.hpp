#pragma once
// The kernel presets of resources/presets/kernels.json: named 2-D kernels with a description.

#include <QString>

#include <vector>

namespace convscope::ui {

struct KernelPreset {
    QString id;
    QString name;
    QString category;
    QString description;
    std::vector<std::vector<float>> kernel;
};

// Reads the presets file; an empty list (and a message) when it cannot be read.
std::vector<KernelPreset> loadKernelPresets(const QString& path, QString* error = nullptr);

} // namespace convscope::ui
