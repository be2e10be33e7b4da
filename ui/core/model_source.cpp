#include "model_source.hpp"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>
#include <QTextStream>

#include <algorithm>
#include <cmath>
#include <variant>

namespace convscope::ui {

namespace {

QString tr(const char* text) {
    return QCoreApplication::translate("convscope::ui::ModelSource", text);
}

QJsonArray metadataArray(const OnnxModelInfo& model, const char* key) {
    const std::string* value = model.property(key);
    if (!value)
        return {};
    return QJsonDocument::fromJson(QByteArray::fromStdString(*value)).array();
}

// One number per channel (or one for all) from metadata `key`; empty when absent or unusable.
std::vector<float> channelValues(const OnnxModelInfo& model, const char* key, int channels,
                                 bool positive, QStringList* warnings) {
    if (!model.property(key))
        return {};
    const QJsonArray array = metadataArray(model, key);
    std::vector<float> values;
    for (const QJsonValue& v : array) {
        const double d = v.toDouble(std::nan(""));
        if (!v.isDouble() || !std::isfinite(d) || (positive && !(d > 0))) {
            values.clear();
            break;
        }
        values.push_back(float(d));
    }
    if (values.empty() ||
        (values.size() != 1 && values.size() != std::size_t(std::max(channels, 1)))) {
        if (warnings)
            *warnings << tr("The model's metadata “%1” is not a list of %2 for its %3 input "
                            "channels; it is not used.")
                             .arg(QString::fromLatin1(key),
                                  positive ? tr("positive numbers") : tr("numbers"))
                             .arg(channels);
        return {};
    }
    return values;
}

} // namespace

namespace {

QString labelsPathBeside(const QString& path) {
    const QFileInfo info(path);
    QString base = info.completeBaseName();
    return info.absoluteDir().filePath(base + QStringLiteral(".labels.txt"));
}

// An importer's warning as a sentence: capitalised, with a full stop.
QString sentence(QString text) {
    text = text.trimmed();
    if (!text.isEmpty())
        text[0] = text[0].toUpper();
    if (!text.isEmpty() && !text.endsWith(QLatin1Char('.')))
        text += QLatin1Char('.');
    return text;
}

} // namespace

QStringList labelsFromMetadata(const OnnxModelInfo& model) {
    QStringList labels;
    for (const QJsonValue& v : metadataArray(model, "labels")) {
        if (!v.isString())
            return {};
        labels << v.toString();
    }
    return labels;
}

QStringList labelsBeside(const QString& path, QString* fileName) {
    const QString labelsPath = labelsPathBeside(path);
    QFile file(labelsPath);
    // A labels file is a short list of names: anything larger is not one.
    if (file.size() > (1 << 20) || !file.open(QIODevice::ReadOnly | QIODevice::Text))
        return {};
    QStringList labels;
    QTextStream in(&file);
    while (!in.atEnd())
        labels << in.readLine().trimmed();
    while (!labels.isEmpty() && labels.last().isEmpty())
        labels.removeLast();
    if (fileName && !labels.isEmpty())
        *fileName = QFileInfo(labelsPath).fileName();
    return labels;
}

bool writeLabelsBeside(const QString& path, const QStringList& labels, QString* fileName,
                       QString* error) {
    if (labels.isEmpty())
        return true;
    const QString target = labelsPathBeside(path);
    QSaveFile file(target);
    QByteArray text = labels.join(QLatin1Char('\n')).toUtf8() + '\n';
    if (!file.open(QIODevice::WriteOnly) || file.write(text) != text.size() || !file.commit()) {
        if (error)
            *error = tr("%1: the class names cannot be written (%2)")
                         .arg(QDir::toNativeSeparators(target), file.errorString());
        return false;
    }
    if (fileName)
        *fileName = QFileInfo(target).fileName();
    return true;
}

InputNormalization normalizationFromMetadata(const OnnxModelInfo& model, int channels,
                                             QStringList* warnings) {
    InputNormalization n;
    n.mean = channelValues(model, "input_mean", channels, false, warnings);
    n.std_dev = channelValues(model, "input_std", channels, true, warnings);
    // A std of one everywhere is no division: the pipeline says only what it does.
    if (std::all_of(n.std_dev.begin(), n.std_dev.end(), [](float v) { return v == 1.0f; }))
        n.std_dev.clear();
    if (std::all_of(n.mean.begin(), n.mean.end(), [](float v) { return v == 0.0f; }))
        n.mean.clear();
    return n;
}

Pair inputSizeOf(const OnnxModelInfo& model) {
    const QJsonArray size = metadataArray(model, "input_size");
    if (size.size() == 2 && size[0].toInt() > 0 && size[1].toInt() > 0)
        return {size[0].toInt(), size[1].toInt()};
    if (model.declares_input_size())
        return {int(model.input_dims[2]), int(model.input_dims[3])};
    return {0, 0};
}

bool needsFixedInputSize(const Pipeline& pipeline) {
    bool flattened = false;
    for (const Layer& layer : pipeline.layers) {
        if (std::holds_alternative<Flatten>(layer.op))
            flattened = true;
        else if (std::holds_alternative<GlobalPool2d>(layer.op))
            flattened = false; // a global pooling takes any size
        else if (std::holds_alternative<Linear>(layer.op) && flattened)
            return true;
    }
    return false;
}

std::optional<ModelSource> importModel(const QString& path, QString* error) {
    const QString absolute = QFileInfo(path).absoluteFilePath();
    OnnxImport imported;
    try {
        imported = import_onnx(absolute.toStdString());
    } catch (const std::bad_alloc&) {
        if (error)
            *error = tr("%1: there is not enough memory to import the model").arg(path);
        return std::nullopt;
    } catch (const std::exception& e) {
        if (error)
            *error = QString::fromUtf8(e.what());
        return std::nullopt;
    }
    ModelSource source;
    source.path = absolute;
    source.sha256 = QString::fromStdString(imported.model.sha256);
    for (const std::string& w : imported.warnings)
        source.warnings << sentence(QString::fromStdString(w));
    Pipeline& p = imported.pipeline;
    p.normalization =
        normalizationFromMetadata(imported.model, channel_count(p.input_mode), &source.warnings);
    p.input_size = inputSizeOf(imported.model);
    if (p.input_size.h > 0 && needsFixedInputSize(p))
        p.input_fit = InputFit::Resize;
    source.labels = labelsFromMetadata(imported.model);
    if (!source.labels.isEmpty())
        source.labelsFrom = tr("the model's metadata");
    else
        source.labels = labelsBeside(absolute, &source.labelsFrom);
    source.imported = std::move(p);
    return source;
}

} // namespace convscope::ui
