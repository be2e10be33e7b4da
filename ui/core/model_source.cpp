#include "model_source.hpp"

#include "class_scores.hpp"

#include "convscope/model_metadata.hpp"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>
#include <QStringDecoder>

#include <algorithm>
#include <cmath>
#include <variant>

namespace convscope::ui {

namespace {

QString tr(const char* text) {
    return QCoreApplication::translate("convscope::ui::ModelSource", text);
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

namespace {

// "class 0", "class 1", …: what the Prediction panel names classes without labels.
QString fallbackNames() {
    return tr("the classes are numbered instead (“class 0”, “class 1” and so on)");
}

// The names in `text` (one a line, blank lines at the end dropped), or empty with `problem`
// saying what is wrong with them.
QStringList labelsFromText(const QByteArray& bytes, QString* problem) {
    if (bytes.contains('\0')) {
        *problem = tr("holds binary data (NUL bytes), not one class name a line");
        return {};
    }
    QStringDecoder utf8(QStringDecoder::Utf8);
    const QString text = utf8.decode(bytes);
    if (utf8.hasError()) {
        *problem = tr("is not UTF-8 text");
        return {};
    }
    QStringList labels = text.split(QLatin1Char('\n'));
    for (int i = 0; i < labels.size(); ++i) {
        labels[i] = labels[i].trimmed(); // also the \r of Windows line ends
        if (labels[i].size() > kMaxLabelLength) {
            *problem = tr("line %1 is %2 characters long; a class name has at most %3")
                           .arg(i + 1)
                           .arg(labels[i].size())
                           .arg(kMaxLabelLength);
            return {};
        }
    }
    while (!labels.isEmpty() && labels.last().isEmpty())
        labels.removeLast();
    if (labels.isEmpty())
        *problem = tr("is empty");
    return labels;
}

} // namespace

QString labelsPathBeside(const QString& path) {
    const QFileInfo info(path);
    QString base = info.completeBaseName();
    return info.absoluteDir().filePath(base + QStringLiteral(".labels.txt"));
}

QStringList labelsFromMetadata(const OnnxModelInfo& model, QString* problem) {
    const std::string* value = model.property("labels");
    if (!value)
        return {};
    const auto fail = [problem](const QString& what) {
        if (problem)
            *problem = tr("The model's metadata “labels” %1; %2.").arg(what, fallbackNames());
        return QStringList();
    };
    if (value->size() > std::size_t(kMaxLabelsBytes))
        return fail(tr("holds %1 bytes; class names take at most %2")
                        .arg(value->size())
                        .arg(kMaxLabelsBytes));
    const QJsonDocument json = QJsonDocument::fromJson(QByteArray::fromStdString(*value));
    if (!json.isArray())
        return fail(tr("is not a JSON array of strings"));
    QStringList labels;
    for (const QJsonValue& v : json.array()) {
        if (!v.isString())
            return fail(tr("is not a JSON array of strings"));
        if (v.toString().size() > kMaxLabelLength)
            return fail(tr("has a name of %1 characters (label %2); a class name has at most %3")
                            .arg(v.toString().size())
                            .arg(labels.size() + 1)
                            .arg(kMaxLabelLength));
        labels << v.toString().trimmed();
    }
    if (labels.isEmpty())
        return fail(tr("is empty"));
    return labels;
}

QStringList labelsBeside(const QString& path, QString* fileName, QString* problem) {
    const QString labelsPath = labelsPathBeside(path);
    const QFileInfo info(labelsPath);
    if (!info.exists() && !info.isSymLink())
        return {};
    const auto fail = [&](const QString& what) {
        if (problem)
            *problem =
                tr("%1 %2; %3.").arg(QDir::toNativeSeparators(labelsPath), what, fallbackNames());
        return QStringList();
    };
    // Only a regular file is read: a FIFO or a device would block the window, a folder has no
    // lines.
    if (info.isDir())
        return fail(tr("is a folder, not a file of class names"));
    if (!info.isFile())
        return fail(tr("is not a regular file (a pipe, a device or a broken link)"));
    if (info.size() > kMaxLabelsBytes)
        return fail(tr("is %1 bytes; a labels file has at most %2 (one class name a line)")
                        .arg(info.size())
                        .arg(kMaxLabelsBytes));
    QFile file(labelsPath);
    if (!file.open(QIODevice::ReadOnly))
        return fail(tr("cannot be read (%1)").arg(file.errorString()));
    // At most the cap and one byte more, should it have grown since.
    const QByteArray bytes = file.read(kMaxLabelsBytes + 1);
    if (bytes.size() > kMaxLabelsBytes)
        return fail(
            tr("is more than %1 bytes; a labels file has at most that").arg(kMaxLabelsBytes));
    QString what;
    QStringList labels = labelsFromText(bytes, &what);
    if (!what.isEmpty())
        return fail(what);
    if (fileName)
        *fileName = info.fileName();
    return labels;
}

QString labelCountProblem(const QStringList& labels, int classes, const QString& from) {
    if (labels.isEmpty() || classes <= 0 || labels.size() == classes)
        return {};
    return tr("%1 names %2 classes, but the model scores %3; %4.")
        .arg(from)
        .arg(labels.size())
        .arg(classes)
        .arg(fallbackNames());
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

std::optional<ModelSource> importModel(const QString& path, QString* error, const QString& until) {
    const QString absolute = QFileInfo(path).absoluteFilePath();
    OnnxImport imported;
    try {
        OnnxImportOptions options;
        options.until = until.toStdString();
        imported = import_onnx(absolute.toStdString(), options);
    } catch (const std::bad_alloc&) {
        if (error)
            *error = tr("%1: there is not enough memory to import the model").arg(path);
        return std::nullopt;
    } catch (const std::exception& e) {
        if (error)
            *error = QString::fromUtf8(e.what());
        return std::nullopt;
    }
    apply_input_metadata(imported);
    ModelSource source;
    source.path = absolute;
    source.until = until;
    source.sha256 = QString::fromStdString(imported.model.sha256);
    for (const std::string& w : imported.warnings)
        source.warnings << sentence(QString::fromStdString(w));
    Pipeline& p = imported.pipeline;
    // The metadata's names, else the file's; a problem with either is said once, among the
    // import's warnings, and the classes keep their numbers.
    QString problem;
    source.labels = labelsFromMetadata(imported.model, &problem);
    if (!source.labels.isEmpty()) {
        source.labelsFrom = tr("The model's metadata “labels”");
    } else {
        if (!problem.isEmpty())
            source.warnings << problem;
        problem.clear();
        QString fileName;
        source.labels = labelsBeside(absolute, &fileName, &problem);
        if (!problem.isEmpty())
            source.warnings << problem;
        if (!source.labels.isEmpty())
            source.labelsFrom = QDir::toNativeSeparators(labelsPathBeside(absolute));
    }
    if (const auto head = classifierHead(p)) {
        const QString count = labelCountProblem(source.labels, head->classes, source.labelsFrom);
        if (!count.isEmpty()) {
            source.warnings << count;
            source.labels.clear();
            source.labelsFrom.clear();
        }
    }
    source.imported = std::move(p);
    return source;
}

std::optional<ModelSource> reopenedModel(const QString& path, const QString& sha256,
                                         const QString& until, const Pipeline& pipeline) {
    // Only a regular file: a FIFO of that name would block the window.
    if (path.isEmpty() || sha256.isEmpty() || !QFileInfo(path).isFile())
        return std::nullopt;
    std::optional<ModelSource> source = importModel(path, nullptr, until);
    if (!source || source->sha256.compare(sha256, Qt::CaseInsensitive) != 0 ||
        !(source->imported == pipeline))
        return std::nullopt;
    return source;
}

} // namespace convscope::ui
