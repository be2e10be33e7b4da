#pragma once
// A file the user asked for that cannot be opened: which file, what it was to be and why, in
// the words a message box and the status bar show. What was open stays open; the user must be
// told, not find it out from a status line that vanishes.

#include <QString>

namespace convscope::ui {

struct FileProblem {
    enum class Kind { Image, Pipeline, Project, Model };

    QString path;
    Kind kind = Kind::Image;
    QString reason; // the reader's message; it may start with the file's path

    // What the file would have been, by its name (.json: a pipeline, .convscope: a project,
    // .onnx: a model).
    static Kind kindOf(const QString& path);

    // "Cannot open the pipeline “bad.json”."
    QString text() const;
    // The reason without the file's path or name in front (the text names the file already).
    QString why() const;
    // One line for the status bar: the file and the reason.
    QString line() const;
};

} // namespace convscope::ui
