#include "document.hpp"

#include "commands.hpp"
#include "pipeline_edit.hpp"

#include "convscope/image_io.hpp"
#include "convscope/pipeline_json.hpp"

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

std::shared_ptr<const Tensor> Document::readInput(const QString& path, InputMode mode,
                                                  QString* error) {
    try {
        return std::make_shared<const Tensor>(load_input(path.toStdString(), mode));
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
    auto tensor = readInput(imagePath_, pipeline_.input_mode, error);
    if (!tensor)
        return false;
    imageSize_ = QSize(tensor->width(), tensor->height());
    input_ = std::move(tensor);
    ++revision_;
    return true;
}

bool Document::resetSession(const Pipeline& pipeline, const QString& imagePath, QString* error) {
    if (imagePath.isEmpty()) {
        resetPipeline(pipeline);
        return true;
    }
    auto tensor = readInput(imagePath, pipeline.input_mode, error);
    if (!tensor) {
        if (error)
            Q_EMIT imageError(*error);
        return false;
    }
    imagePath_ = QFileInfo(imagePath).absoluteFilePath();
    imageSize_ = QSize(tensor->width(), tensor->height());
    input_ = std::move(tensor);
    // The input is already in the new pipeline's mode: applying the pipeline reads nothing.
    pipeline_.input_mode = pipeline.input_mode;
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
            return true;
        }
        pipelinePath_ = absolute;
        openedPipeline_ = loaded;
        edit(tr("Open pipeline %1").arg(QFileInfo(path).fileName()), loaded, {.select = 0});
    } catch (const std::exception& e) {
        if (error)
            *error = QString::fromUtf8(e.what());
        return false;
    }
    return true;
}

void Document::resetPipeline(const Pipeline& pipeline, const QString& path) {
    pipelinePath_ = path;
    openedPipeline_ = pipeline; // shares the weights: no copy
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
    const bool modeChanged = pipeline.input_mode != pipeline_.input_mode;
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
