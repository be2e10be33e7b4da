#include "project_io.hpp"

#include "document.hpp"

#include "resource_paths.hpp"

#include "convscope/image_io.hpp"

#include <QAction>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageBox>
#include <QPushButton>
#include <QSaveFile>
#include <QUndoStack>
#include <QWidget>

namespace convscope::ui {

namespace {

const char* normalisationName(Normalisation n) {
    switch (n) {
    case Normalisation::PerLayer:
        return "per_layer";
    case Normalisation::Global:
        return "global";
    case Normalisation::PerMap:
        break;
    }
    return "per_map";
}

QString projectFilter() {
    return QObject::tr("ConvScope projects (*.convscope);;All files (*)");
}

} // namespace

QString viewSettingsJson(const Document& document, const QString& projectDir) {
    QJsonObject view;
    const auto colormap = to_string(document.display().colormap);
    view[QStringLiteral("colormap")] = QString::fromUtf8(colormap.data(), int(colormap.size()));
    view[QStringLiteral("normalisation")] =
        QString::fromLatin1(normalisationName(document.display().normalisation));
    view[QStringLiteral("selected_layer")] = document.selectedLayer();
    view[QStringLiteral("selected_filter")] = document.selectedFilter();
    QJsonObject focus;
    focus[QStringLiteral("layer")] = document.focus().layer;
    focus[QStringLiteral("channel")] = document.focus().channel;
    view[QStringLiteral("focus")] = focus;
    // The class names of a model's head (the Prediction panel's), which no pipeline field holds.
    if (!document.classLabels().isEmpty())
        view[QStringLiteral("class_labels")] = QJsonArray::fromStringList(document.classLabels());
    // A model as opened, nothing edited: the file it is, so that the reopened session is the
    // model again (see reopenedModel). The path is relative to the project, as the image's is.
    if (const ModelSource* model = document.model(); model && document.modelUnedited()) {
        QJsonObject reference;
        reference[QStringLiteral("path")] =
            projectDir.isEmpty() ? model->path : QDir(projectDir).relativeFilePath(model->path);
        reference[QStringLiteral("sha256")] = model->sha256;
        if (!model->until.isEmpty())
            reference[QStringLiteral("until")] = model->until;
        view[QStringLiteral("model")] = reference;
    }
    return QString::fromUtf8(QJsonDocument(view).toJson(QJsonDocument::Compact));
}

void applyViewSettingsJson(Document& document, const QString& json, const QString& projectDir) {
    const QJsonObject view = QJsonDocument::fromJson(json.toUtf8()).object();
    DisplaySettings display = document.display();
    Colormap map;
    const QByteArray name = view.value(QStringLiteral("colormap")).toString().toUtf8();
    if (parse_colormap(std::string_view(name.constData(), std::size_t(name.size())), map))
        display.colormap = map;
    const QString norm = view.value(QStringLiteral("normalisation")).toString();
    if (norm == QLatin1String("per_layer"))
        display.normalisation = Normalisation::PerLayer;
    else if (norm == QLatin1String("global"))
        display.normalisation = Normalisation::Global;
    else if (norm == QLatin1String("per_map"))
        display.normalisation = Normalisation::PerMap;
    document.setDisplay(display);
    QStringList labels;
    for (const QJsonValue& v : view.value(QStringLiteral("class_labels")).toArray())
        labels << v.toString();
    document.setClassLabels(labels);
    const QJsonObject model = view.value(QStringLiteral("model")).toObject();
    if (!model.isEmpty()) {
        const QString path = model.value(QStringLiteral("path")).toString();
        const QString absolute =
            path.isEmpty() || projectDir.isEmpty() ? path : QDir(projectDir).absoluteFilePath(path);
        if (auto source =
                reopenedModel(absolute, model.value(QStringLiteral("sha256")).toString(),
                              model.value(QStringLiteral("until")).toString(), document.pipeline()))
            document.attachModel(std::move(*source));
    }
    const int layers = int(document.pipeline().layers.size());
    if (view.contains(QStringLiteral("selected_layer")))
        document.setSelectedLayer(view.value(QStringLiteral("selected_layer")).toInt());
    if (view.contains(QStringLiteral("selected_filter")))
        document.setSelectedFilter(view.value(QStringLiteral("selected_filter")).toInt());
    const QJsonObject focus = view.value(QStringLiteral("focus")).toObject();
    if (!focus.isEmpty()) {
        const int layer =
            std::clamp(focus.value(QStringLiteral("layer")).toInt(-1), -1, layers - 1);
        document.setFocus(
            MapId{layer, std::max(0, focus.value(QStringLiteral("channel")).toInt())});
    }
}

bool writeProjectFile(const QString& path, const Project& project, QString* error) {
    std::string text;
    try {
        text = serialize_project(project, QFileInfo(path).absolutePath().toStdString());
    } catch (const std::exception& e) {
        if (error)
            *error = QString::fromUtf8(e.what());
        return false;
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        if (error)
            *error = QObject::tr("%1: cannot be written (%2)").arg(path, file.errorString());
        return false;
    }
    file.write(text.data(), qint64(text.size()));
    if (!file.commit()) {
        if (error)
            *error = QObject::tr("%1: cannot be written (%2)").arg(path, file.errorString());
        return false;
    }
    return true;
}

ProjectController::ProjectController(Document* document, QWidget* window)
    : QObject(window), document_(document), window_(window) {
    setObjectName(QStringLiteral("projectController"));
    openAction_ = new QAction(tr("Open pro&ject…"), this);
    openAction_->setToolTip(tr("Open a .convscope project: image, pipeline and view settings"));
    connect(openAction_, &QAction::triggered, this, &ProjectController::openDialog);
    saveAction_ = new QAction(tr("&Save project"), this);
    saveAction_->setShortcut(QKeySequence::Save);
    saveAction_->setToolTip(
        tr("Save the whole session (image, pipeline, view settings) as a .convscope project"));
    connect(saveAction_, &QAction::triggered, this, &ProjectController::save);
    saveAsAction_ = new QAction(tr("Save project &as…"), this);
    saveAsAction_->setShortcut(QKeySequence::SaveAs);
    saveAsAction_->setToolTip(tr("Save the session as a new .convscope project file"));
    connect(saveAsAction_, &QAction::triggered, this, &ProjectController::saveAs);
    embedAction_ = new QAction(tr("&Embed the image in the project"), this);
    embedAction_->setCheckable(true);
    embedAction_->setToolTip(tr("Store the image's bytes inside the project file (self-contained) "
                                "instead of a path relative to the project"));
    connect(embedAction_, &QAction::toggled, this, &ProjectController::setEmbedImage);

    connect(document_->undoStack(), &QUndoStack::cleanChanged, this, [this] { announce(); });
    connect(document_, &Document::inputChanged, this, &ProjectController::markDirty);
    connect(document_, &Document::displayChanged, this, &ProjectController::markDirty);
}

ProjectController::~ProjectController() = default;

void ProjectController::addTemporaryFolder(const QString& folder) {
    const QString canonical = QDir(folder).canonicalPath();
    if (!canonical.isEmpty())
        temporaryFolders_.append(canonical);
}

bool ProjectController::isTemporary(const QString& path) const {
    const QString canonical = QFileInfo(path).canonicalFilePath();
    QStringList folders = temporaryFolders_;
    if (embeddedDir_)
        folders.append(QDir(embeddedDir_->path()).canonicalPath());
    for (const QString& folder : folders)
        if (!canonical.isEmpty() && canonical.startsWith(folder + u'/'))
            return true;
    return false;
}

bool ProjectController::isProjectFile(const QString& path) {
    return QFileInfo(path).suffix().compare(QLatin1String("convscope"), Qt::CaseInsensitive) == 0;
}

bool ProjectController::isModified() const {
    // Pipeline edits always count. A new image or view setting counts once the session is a
    // project: before that, looking at another picture is not a change anyone needs to save.
    return !document_->undoStack()->isClean() || (dirty_ && !projectPath_.isEmpty());
}

void ProjectController::setEmbedImage(bool embed) {
    if (embed == embed_)
        return;
    embed_ = embed;
    embedAction_->setChecked(embed);
    if (!projectPath_.isEmpty())
        markDirty();
}

void ProjectController::markDirty() {
    if (loading_)
        return;
    dirty_ = true;
    announce();
}

void ProjectController::setClean() {
    dirty_ = false;
    document_->undoStack()->setClean();
    announce();
}

void ProjectController::announce() {
    const bool modified = isModified();
    if (modified == lastModified_)
        return;
    lastModified_ = modified;
    Q_EMIT modifiedChanged(modified);
}

void ProjectController::detach() {
    if (projectPath_.isEmpty())
        return;
    projectPath_.clear();
    Q_EMIT projectPathChanged(projectPath_);
    announce();
}

bool ProjectController::save() {
    if (projectPath_.isEmpty())
        return saveAs();
    QString error;
    if (saveTo(projectPath_, &error))
        return true;
    if (interactive_)
        QMessageBox::warning(window_, tr("Save project"), error);
    return false;
}

bool ProjectController::saveAs() {
    QString suggestion = projectPath_;
    if (suggestion.isEmpty()) {
        const QFileInfo image(document_->imagePath());
        suggestion =
            image.absoluteDir().filePath(image.completeBaseName() + QStringLiteral(".convscope"));
        // Not beside a pasted image or a bundled sample: in the home folder.
        const QString resources = QDir(convscope::resource_dir()).canonicalPath();
        if (isTemporary(document_->imagePath()) ||
            (!resources.isEmpty() && image.canonicalFilePath().startsWith(resources + u'/')))
            suggestion =
                QDir::home().filePath(image.completeBaseName() + QStringLiteral(".convscope"));
    }
    QString path =
        QFileDialog::getSaveFileName(window_, tr("Save project"), suggestion, projectFilter());
    if (path.isEmpty())
        return false;
    if (QFileInfo(path).suffix().isEmpty())
        path += QStringLiteral(".convscope");
    QString error;
    if (saveTo(path, &error))
        return true;
    QMessageBox::warning(window_, tr("Save project"), error);
    return false;
}

bool ProjectController::saveTo(const QString& path, QString* error) {
    const QString image = document_->imagePath();
    Project project;
    try {
        if (image.isEmpty()) {
            project.pipeline = document_->pipeline();
        } else {
            // An image in a temporary folder would be gone next time: embed it.
            const bool embed = embed_ || isTemporary(image);
            project = make_project(image.toStdString(), document_->pipeline(), embed);
            if (embed && isTemporary(image))
                project.image_path.clear(); // a temporary copy is not worth remembering
        }
    } catch (const std::exception& e) {
        if (error)
            *error = QString::fromUtf8(e.what());
        Q_EMIT message(QString::fromUtf8(e.what()));
        return false;
    }
    project.view_json = viewSettingsJson(*document_, QFileInfo(path).absolutePath()).toStdString();
    QString problem;
    if (!writeProjectFile(path, project, &problem)) {
        if (error)
            *error = problem;
        Q_EMIT message(problem);
        return false;
    }
    // Clean before the new name is announced: whoever shows the name shows it unmodified.
    setClean();
    const QString absolute = QFileInfo(path).absoluteFilePath();
    if (absolute != projectPath_) {
        projectPath_ = absolute;
        Q_EMIT projectPathChanged(projectPath_);
    }
    Q_EMIT message(tr("Saved project %1").arg(QFileInfo(path).fileName()));
    Q_EMIT saved(absolute);
    return true;
}

bool ProjectController::open(const QString& path, QString* error) {
    auto fail = [&](const QString& text) {
        if (error)
            *error = text;
        Q_EMIT message(text);
        return false;
    };
    Project project;
    try {
        project = load_project(path.toStdString());
    } catch (const std::exception& e) {
        return fail(QString::fromUtf8(e.what()));
    }
    // Where the image comes from: the embedded bytes unpacked to a private folder under their
    // original name, or the file beside the project.
    QString imagePath;
    std::unique_ptr<QTemporaryDir> unpacked;
    if (project.has_embedded_image()) {
        unpacked = std::make_unique<QTemporaryDir>();
        QString name = QFileInfo(QString::fromStdString(project.image_name)).fileName();
        if (name.isEmpty())
            name = QFileInfo(QString::fromStdString(project.image_path)).fileName();
        if (name.isEmpty())
            name = QStringLiteral("image.png");
        imagePath = unpacked->filePath(name);
        QFile file(imagePath);
        if (!unpacked->isValid() || !file.open(QIODevice::WriteOnly) ||
            file.write(reinterpret_cast<const char*>(project.embedded_image.data()),
                       qint64(project.embedded_image.size())) !=
                qint64(project.embedded_image.size()))
            return fail(tr("%1: cannot unpack the embedded image").arg(path));
    } else if (!project.image_path.empty()) {
        imagePath = QString::fromStdString(project.image_path);
        if (!QFileInfo::exists(imagePath))
            return fail(tr("%1: its image %2 is missing (moved or deleted?)")
                            .arg(QFileInfo(path).fileName(), imagePath));
    }
    // All or nothing: a project whose image cannot be read leaves the session as it was.
    loading_ = true;
    QString imageError;
    const bool ok = document_->resetSession(project.pipeline, imagePath, &imageError);
    if (ok)
        applyViewSettingsJson(*document_, QString::fromStdString(project.view_json),
                              QFileInfo(path).absolutePath());
    loading_ = false;
    if (!ok)
        return fail(tr("%1: %2").arg(QFileInfo(path).fileName(), imageError));
    if (unpacked)
        embeddedDir_ = std::move(unpacked);
    projectPath_.clear(); // the embedding choice below is the file's, no change to it
    setEmbedImage(project.has_embedded_image());
    // Clean before the name is announced: an image opened earlier counted as a change of the
    // project only once there is one, and the title must not show that.
    setClean();
    projectPath_ = QFileInfo(path).absoluteFilePath();
    Q_EMIT projectPathChanged(projectPath_);
    Q_EMIT message(tr("Opened project %1").arg(QFileInfo(path).fileName()));
    Q_EMIT opened(projectPath_);
    return true;
}

bool ProjectController::openDialog() {
    if (!maybeSave())
        return false;
    const QString dir = projectPath_.isEmpty() ? QFileInfo(document_->imagePath()).absolutePath()
                                               : QFileInfo(projectPath_).absolutePath();
    const QString path =
        QFileDialog::getOpenFileName(window_, tr("Open project"), dir, projectFilter());
    if (path.isEmpty())
        return false;
    QString error;
    if (open(path, &error))
        return true;
    Q_EMIT openFailed(path, error);
    return false;
}

QString ProjectController::unsavedChangesText() const {
    if (!projectPath_.isEmpty())
        return tr("The project “%1” has unsaved changes.").arg(QFileInfo(projectPath_).fileName());
    const QString image = document_->imagePath().isEmpty()
                              ? tr("no image")
                              : QFileInfo(document_->imagePath()).fileName();
    return tr("The session on “%1” has unsaved changes.").arg(image);
}

bool ProjectController::maybeSave() {
    if (!isModified())
        return true;
    if (!interactive_)
        return true;
    QMessageBox box(QMessageBox::Warning, tr("ConvScope"), unsavedChangesText(),
                    QMessageBox::NoButton, window_);
    box.setObjectName(QStringLiteral("saveChangesBox"));
    box.setInformativeText(projectPath_.isEmpty()
                               ? tr("Save them as a project (image, pipeline and view in one "
                                    "file)?")
                               : tr("Save the changes?"));
    box.setStandardButtons(QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel);
    box.setDefaultButton(QMessageBox::Save);
    switch (box.exec()) {
    case QMessageBox::Save:
        return save();
    case QMessageBox::Cancel:
        return false;
    default:
        return true;
    }
}

} // namespace convscope::ui
