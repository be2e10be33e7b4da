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

// Opens `path` as the app does: the import, then the metadata's input preparation. A model
// whose head needs a fixed input (a flatten before a fully connected layer) and which states
// its input size is fitted to that size (resized); every other model runs on the whole image.
// std::nullopt with a message naming the file when it cannot be imported.
std::optional<ModelSource> importModel(const QString& path, QString* error);

// The class names in the metadata's "labels" (a JSON array of strings); empty if none.
QStringList labelsFromMetadata(const OnnxModelInfo& model);
// The class names in <file's base name>.labels.txt beside `path`, one a line; empty if there is
// no such file. `fileName` gets the labels file's name when there is one.
QStringList labelsBeside(const QString& path, QString* fileName = nullptr);
// The per-channel normalisation the metadata states (input_mean, input_std); identity when it
// states none. A value that is not a list of numbers, or of the wrong length, is reported in
// `warnings` and left out.
InputNormalization normalizationFromMetadata(const OnnxModelInfo& model, int channels,
                                             QStringList* warnings);
// Writes `labels` to <base name>.labels.txt beside `path` (a pipeline file), one a line, so
// that opening the pipeline names the classes again; nothing when `labels` is empty. False with
// a message naming the file; `fileName` gets the file's name when one was written.
bool writeLabelsBeside(const QString& path, const QStringList& labels, QString* fileName,
                       QString* error);
// [height, width] from the metadata's input_size, else from the declared input shape; 0 × 0
// when neither says.
Pair inputSizeOf(const OnnxModelInfo& model);
// Whether the pipeline reads a fixed number of features somewhere (a Linear after a Flatten),
// so that it runs only on inputs of the size it was made for.
bool needsFixedInputSize(const Pipeline& pipeline);

} // namespace convscope::ui
