#pragma once
// Projects (.convscope): the whole session in one file — the image (a path relative to the
// project, or embedded), the pipeline and the view settings. Saves are atomic (QSaveFile);
// unsaved changes are tracked for the window's [*] marker and the "Save changes?" question on
// close (Qt's Application example).

#include "convscope/project.hpp"

#include <QObject>
#include <QString>
#include <QTemporaryDir>

#include <memory>

class QAction;
class QWidget;

namespace convscope::ui {

class Document;

// The view settings kept in a project: colormap, normalisation, the selected layer and filter,
// the map shown large, the class names, and for a model as opened (nothing edited) the model
// file by path (relative to `projectDir`) and SHA-256. As JSON text and back; applied after the
// pipeline, a model reference that still holds makes the session that model again.
QString viewSettingsJson(const Document& document, const QString& projectDir = {});
void applyViewSettingsJson(Document& document, const QString& json, const QString& projectDir = {});

// Writes `project` to `path` atomically (nothing is replaced unless the whole file was written).
bool writeProjectFile(const QString& path, const Project& project, QString* error);

class ProjectController : public QObject {
    Q_OBJECT

public:
    ProjectController(Document* document, QWidget* window);
    ~ProjectController() override;

    QString projectPath() const { return projectPath_; }
    bool isModified() const;
    // Embed the image's bytes in the project (self-contained) instead of a relative path.
    bool embedImage() const { return embed_; }
    void setEmbedImage(bool embed);
    // Images in this folder (the app's pasted, dropped and downscaled copies) vanish with the
    // app: a project embeds them instead of pointing at them.
    void addTemporaryFolder(const QString& folder);
    // No dialogs (tests, screenshots): maybeSave() answers "discard".
    void setInteractive(bool interactive) { interactive_ = interactive; }

    // Saves to the project's file (asks for one when there is none).
    bool save();
    bool saveAs();
    bool saveTo(const QString& path, QString* error = nullptr);
    // Opens a project: pipeline, image and view replace the current ones (one step: the undo
    // history starts afresh). False with a message naming the file.
    bool open(const QString& path, QString* error = nullptr);
    bool openDialog();
    // Asks "Save changes?" when there are any: true when the caller may go on (saved or
    // discarded), false on Cancel or a failed save.
    bool maybeSave();
    // What the question says: which project, or which image the unsaved session is on.
    QString unsavedChangesText() const;
    // Forget the project file (a plain image or pipeline was opened over it).
    void detach();

    QAction* openAction() const { return openAction_; }
    QAction* saveAction() const { return saveAction_; }
    QAction* saveAsAction() const { return saveAsAction_; }
    QAction* embedAction() const { return embedAction_; }

    static bool isProjectFile(const QString& path);

Q_SIGNALS:
    void modifiedChanged(bool modified);
    void projectPathChanged(const QString& path);
    void message(const QString& text);
    void saved(const QString& path);
    void opened(const QString& path);
    // The open dialog's file cannot be opened (the window says so).
    void openFailed(const QString& path, const QString& reason);

private:
    void markDirty();
    void setClean();
    void announce();
    bool isTemporary(const QString& path) const;

    Document* document_;
    QWidget* window_;
    QString projectPath_;
    bool embed_ = false;
    bool dirty_ = false; // changes the undo stack does not see: image, view settings
    bool loading_ = false;
    bool interactive_ = true;
    bool lastModified_ = false;
    std::unique_ptr<QTemporaryDir> embeddedDir_; // where an embedded image is unpacked
    QStringList temporaryFolders_;
    QAction* openAction_;
    QAction* saveAction_;
    QAction* saveAsAction_;
    QAction* embedAction_;
};

} // namespace convscope::ui
