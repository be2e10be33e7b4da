#pragma once
// A trained network opened from an ONNX file: the engine's import, plus what the app takes from
// the model's metadata (resources/models/README.md): the input preparation it was trained with
// (input_mean, input_std, input_size) and the names of its classes (labels, or a
// <name>.labels.txt file beside it).

#include "convscope/onnx_import.hpp"
#include "convscope/pipeline.hpp"

#include <QString>
#include <QStringList>

#include <optional>

namespace convscope::ui {

struct ModelSource {
    QString path;   // the .onnx file, absolute
    QString sha256; // of its bytes as imported
    QString until;  // where the import was told to stop (empty: as far as it maps)
    // The pipeline as opened: while the document holds exactly this, the session is the model
    // file (an export names the file instead of copying its weights).
    Pipeline imported;
    QStringList labels;   // class names in output order; empty when the model names none
    QString labelsFrom;   // where they came from, for people ("its metadata", a file name)
    QStringList warnings; // what the import left out and why, one sentence each
};

// Opens `path` as the app does: the import, then the metadata's input preparation
// (apply_input_metadata, which the CLI shares). A model whose head needs a fixed input (a
// flatten before a fully connected layer) and which states its input size is fitted to that size
// (resized); every other model runs on the whole image.
// std::nullopt with a message naming the file when it cannot be imported.
// `until` ends the import after that node, as the CLI's --until does.
std::optional<ModelSource> importModel(const QString& path, QString* error,
                                       const QString& until = {});

// The model a saved session was made from, when it still is: the file at `path` has the
// SHA-256 `sha256` and imports (to `until`) to exactly `pipeline`. A session saved unedited
// names its model so (a project's "model" view entry); reopened, it is the model again, and an
// export names the file instead of copying its weights. std::nullopt when the file is gone,
// changed, or imports to something else (a newer importer, a hand-edited project).
std::optional<ModelSource> reopenedModel(const QString& path, const QString& sha256,
                                         const QString& until, const Pipeline& pipeline);

// Class names are short: a labels file (or the metadata's "labels") larger than this, or a name
// longer than this, is not one, and is refused whole.
inline constexpr qint64 kMaxLabelsBytes = qint64{1} << 20;
inline constexpr int kMaxLabelLength = 200;

// The class names in the metadata's "labels" (a JSON array of strings); empty if none, or when
// they are unusable (not such an array, too large, a name too long), with `problem` saying so
// in one sentence.
QStringList labelsFromMetadata(const OnnxModelInfo& model, QString* problem = nullptr);
// <file's base name>.labels.txt beside `path`, absolute.
QString labelsPathBeside(const QString& path);
// The class names in <file's base name>.labels.txt beside `path`, one a line (UTF-8); empty if
// there is no such file. A file that is not one (a folder, a FIFO, too large, binary, not UTF-8,
// empty, a line too long) gives no names and `problem`: one sentence naming the file and what is
// wrong with it. Never blocks: only a regular file is opened. `fileName` gets the labels file's
// name when it gives names.
QStringList labelsBeside(const QString& path, QString* fileName = nullptr,
                         QString* problem = nullptr);
// Why `labels` (from `from`, for people) cannot name the `classes` a head scores; empty when
// they can (or when either count is unknown).
QString labelCountProblem(const QStringList& labels, int classes, const QString& from);
// Writes `labels` to <base name>.labels.txt beside `path` (a pipeline file), one a line, so
// that opening the pipeline names the classes again; nothing when `labels` is empty. False with
// a message naming the file; `fileName` gets the file's name when one was written.
bool writeLabelsBeside(const QString& path, const QStringList& labels, QString* fileName,
                       QString* error);

} // namespace convscope::ui
