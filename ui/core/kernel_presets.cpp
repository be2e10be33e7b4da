#include "kernel_presets.hpp"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace convscope::ui {

std::vector<KernelPreset> loadKernelPresets(const QString& path, QString* error) {
    std::vector<KernelPreset> presets;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error)
            *error = QStringLiteral("%1: %2").arg(path, file.errorString());
        return presets;
    }
    QJsonParseError parseError;
    const QJsonDocument json = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (json.isNull()) {
        if (error)
            *error = QStringLiteral("%1: %2").arg(path, parseError.errorString());
        return presets;
    }
    const QJsonArray list = json.object().value(QStringLiteral("presets")).toArray();
    for (const QJsonValue& value : list) {
        const QJsonObject object = value.toObject();
        KernelPreset preset;
        preset.id = object.value(QStringLiteral("id")).toString();
        preset.name = object.value(QStringLiteral("name")).toString();
        preset.category = object.value(QStringLiteral("category")).toString();
        preset.description = object.value(QStringLiteral("description")).toString();
        for (const QJsonValue& row : object.value(QStringLiteral("kernel")).toArray()) {
            std::vector<float> cells;
            for (const QJsonValue& cell : row.toArray())
                cells.push_back(float(cell.toDouble()));
            preset.kernel.push_back(std::move(cells));
        }
        if (!preset.kernel.empty() && !preset.kernel[0].empty())
            presets.push_back(std::move(preset));
    }
    if (presets.empty() && error)
        *error = QStringLiteral("%1: no kernel presets in the file").arg(path);
    return presets;
}

} // namespace convscope::ui
