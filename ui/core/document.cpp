#include "document.hpp"

#include "class_scores.hpp"
#include "commands.hpp"
#include "pipeline_edit.hpp"

#include "convscope/image_io.hpp"
#include "convscope/input_preparation.hpp"
#include "convscope/pipeline_json.hpp"

#include <QDir>
#include <QFileInfo>

#include <algorithm>

namespace convscope::ui {

Document::Document(QObject* parent) : QObject(parent) {}

// The undo stack clears itself as it is destroyed and announces that it is clean again; whoever
// listens (the window's title, the project's [*] marker) may be half destroyed already, since
// the document usually goes down with its window. A document being destroyed says nothing.
Document::~Document() {
    undoStack_.blockSignals(true);
}

void Document::setSelectedLayer(int layer) {
    layer = std::clamp(layer, 0, std::max(0, int(pipeline_.layers.size()) - 1));
    if (layer == selectedLayer_)
        return;
    selectedLayer_ = layer;
    selectedFilter_ = 0;
    Q_EMIT selectionChanged();
}

void Document::setSelectedFilter(int filter) {
    if (filter == selectedFilter_)
        return;
    selectedFilter_ = std::max(0, filter);
    Q_EMIT selectionChanged();
}

const Conv2d* Document::selectedConv() const {
    if (selectedLayer_ < 0 || selectedLayer_ >= int(pipeline_.layers.size()))
        return nullptr;
    return std::get_if<Conv2d>(&pipeline_.layers[selectedLayer_].op);
}

Conv2d* Document::selectedConv(Pipeline& edited) const {
    edited = pipeline_;
    if (selectedLayer_ < 0 || selectedLayer_ >= int(edited.layers.size()))
        return nullptr;
    return std::get_if<Conv2d>(&edited.layers[selectedLayer_].op);
}

void Document::setFocus(MapId focus) {
    if (focus == focus_)
        return;
    focus_ = focus;
    Q_EMIT focusChanged();
}

void Document::setDisplay(DisplaySettings display) {
    if (display == display_)
        return;
    display_ = display;
    Q_EMIT displayChanged();
}

void Document::setLiveBackend(BackendKind kind) {
    if (kind == liveBackend_)
        return;
    liveBackend_ = kind;
    Q_EMIT liveBackendChanged();
}

std::shared_ptr<const Tensor> Document::readInput(const QString& path, const Pipeline& pipeline,
                                                  QString* error, QSize* fileSize) {
    try {
        const Tensor image = load_input(path.toStdString(), pipeline.input_mode);
        if (fileSize)
            *fileSize = QSize(image.width(), image.height());
        return std::make_shared<const Tensor>(
            fit_input(image, pipeline.input_size, pipeline.input_fit));
    } catch (const std::bad_alloc&) {
        if (error)
            *error = tr("%1: not enough memory to load it").arg(path);
    } catch (const std::exception& e) {
        if (error)
            *error = QString::fromUtf8(e.what());
    }
    return nullptr;
}

bool Document::reloadInput(QString* error) {
    if (imagePath_.isEmpty())
        return false;
    QSize size;
    auto tensor = readInput(imagePath_, pipeline_, error, &size);
    if (!tensor)
        return false;
    imageSize_ = size;
    input_ = std::move(tensor);
    ++revision_;
    return true;
}

bool Document::resetSession(const Pipeline& pipeline, const QString& imagePath, QString* error) {
    if (imagePath.isEmpty()) {
        resetPipeline(pipeline);
        return true;
    }
    QSize size;
    auto tensor = readInput(imagePath, pipeline, error, &size);
    if (!tensor) {
        if (error)
            Q_EMIT imageError(*error);
        return false;
    }
    imagePath_ = QFileInfo(imagePath).absoluteFilePath();
    imageSize_ = size;
    input_ = std::move(tensor);
    // The input is already in the new pipeline's mode and size: applying the pipeline reads
    // nothing.
    pipeline_.input_mode = pipeline.input_mode;
    pipeline_.input_size = pipeline.input_size;
    pipeline_.input_fit = pipeline.input_fit;
    resetPipeline(pipeline);
    Q_EMIT inputChanged();
    return true;
}

bool Document::loadImage(const QString& path, QString* error) {
    const QString previous = imagePath_;
    imagePath_ = QFileInfo(path).absoluteFilePath();
    QString message;
    if (!reloadInput(&message)) {
        imagePath_ = previous;
        if (error)
            *error = message;
        Q_EMIT imageError(message);
        return false;
    }
    Q_EMIT inputChanged();
    return true;
}

bool Document::loadPipeline(const QString& path, QString* error, LoadAs as) {
    try {
        Pipeline loaded = load_pipeline(path.toStdString());
        const QString absolute = QFileInfo(path).absoluteFilePath();
        if (as == LoadAs::FreshStart) {
            resetPipeline(loaded, absolute);
        } else {
            pipelinePath_ = absolute;
            openedPipeline_ = loaded;
            edit(tr("Open pipeline %1").arg(QFileInfo(path).fileName()), loaded,
                 {.mergeKey = {}, .select = 0});
        }
    } catch (const std::exception& e) {
        if (error)
            *error = QString::fromUtf8(e.what());
        return false;
    }
    // The class names beside it, under the limits of a model's (model_source.hpp).
    QString problem;
    QStringList labels = labelsBeside(path, nullptr, &problem);
    if (const auto head = classifierHead(pipeline_)) {
        const QString count = labelCountProblem(labels, head->classes,
                                                QDir::toNativeSeparators(labelsPathBeside(path)));
        if (!count.isEmpty()) {
            problem = count;
            labels.clear();
        }
    }
    labelsProblem_ = problem;
    setModel(std::nullopt, labels);
    return true;
}

bool Document::loadModel(const QString& path, QString* error, LoadAs as) {
    std::optional<ModelSource> source = importModel(path, error);
    if (!source)
        return false;
    const Pipeline pipeline = source->imported;
    const QStringList labels = source->labels;
    if (as == LoadAs::FreshStart) {
        resetPipeline(pipeline, source->path);
    } else {
        pipelinePath_ = source->path;
        openedPipeline_ = pipeline; // what "Restore the trained weights" restores
        edit(tr("Open model %1").arg(QFileInfo(path).fileName()), pipeline,
             {.mergeKey = {}, .select = 0});
    }
    setModel(std::move(source), labels);
    return true;
}

void Document::setModel(std::optional<ModelSource> model, QStringList labels) {
    model_ = std::move(model);
    labels_ = std::move(labels);
    Q_EMIT modelChanged();
}

void Document::attachModel(ModelSource model) {
    setModel(std::move(model), labels_);
}

void Document::setClassLabels(const QStringList& labels) {
    if (labels == labels_)
        return;
    labels_ = labels;
    Q_EMIT modelChanged();
}

void Document::resetPipeline(const Pipeline& pipeline, const QString& path) {
    pipelinePath_ = path;
    openedPipeline_ = pipeline; // shares the weights: no copy
    if (model_ || !labels_.isEmpty())
        setModel(std::nullopt, {});
    undoStack_.clear();
    applyPipeline(pipeline, 0);
}

void Document::edit(const QString& text, const Pipeline& after, const EditOptions& options) {
    if (after == pipeline_)
        return;
    undoStack_.push(new PipelineCommand(this, text, pipeline_, after, options.mergeKey,
                                        selectedLayer_,
                                        options.select < 0 ? selectedLayer_ : options.select));
}

void Document::applyPipeline(const Pipeline& pipeline, int select) {
    // What the image becomes changed: read it again.
    const bool modeChanged =
        pipeline.input_mode != pipeline_.input_mode || pipeline.input_fit != pipeline_.input_fit ||
        (pipeline.input_size != pipeline_.input_size && pipeline.input_fit != InputFit::Whole);
    pipeline_ = pipeline;
    ++revision_;
    if (modeChanged && !imagePath_.isEmpty()) {
        QString error;
        if (reloadInput(&error))
            Q_EMIT inputChanged();
        else
            Q_EMIT imageError(error);
    }
    const int count = int(pipeline_.layers.size());
    const int layer = std::clamp(select, 0, std::max(0, count - 1));
    bool selection = false;
    if (layer != selectedLayer_) {
        selectedLayer_ = layer;
        selection = true;
    }
    if (const Conv2d* conv = selectedConv())
        if (selectedFilter_ >= conv->weights.out_channels) {
            selectedFilter_ = conv->weights.out_channels - 1;
            selection = true;
        }
    // The map shown large must still exist: the last layer's first map, or the input.
    const bool focusMoved = focus_.layer >= count;
    if (focusMoved)
        focus_ = MapId{count - 1, 0};
    Q_EMIT pipelineChanged();
    if (selection)
        Q_EMIT selectionChanged();
    if (focusMoved)
        Q_EMIT focusChanged();
}

const Conv2d* Document::openedConv(int layer) const {
    if (layer < 0 || layer >= int(pipeline_.layers.size()))
        return nullptr;
    const std::string& name = pipeline_.layers[std::size_t(layer)].name;
    const Layer* original = nullptr;
    if (!name.empty()) {
        for (const Layer& candidate : openedPipeline_.layers)
            if (candidate.name == name)
                original = &candidate;
    } else if (layer < int(openedPipeline_.layers.size()) &&
               openedPipeline_.layers[std::size_t(layer)].name.empty()) {
        original = &openedPipeline_.layers[std::size_t(layer)];
    }
    return original ? std::get_if<Conv2d>(&original->op) : nullptr;
}

Shape Document::inputShapeOf(int index) const {
    if (!input_)
        return {};
    return ui::inputShapeOf(pipeline_, input_->shape(), index);
}

Shape Document::outputShapeOf(int layer) const {
    if (!input_)
        return {};
    return ui::outputShapeOf(pipeline_, input_->shape(), layer);
}

} // namespace convscope::ui
