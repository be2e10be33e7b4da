#include "document.hpp"

#include "commands.hpp"
#include "pipeline_edit.hpp"

#include "convscope/image_io.hpp"
#include "convscope/pipeline_json.hpp"

#include <QFileInfo>

#include <algorithm>

namespace convscope::ui {

Document::Document(QObject* parent) : QObject(parent) {}

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

bool Document::reloadInput(QString* error) {
    if (imagePath_.isEmpty())
        return false;
    try {
        auto tensor =
            std::make_shared<Tensor>(load_input(imagePath_.toStdString(), pipeline_.input_mode));
        imageSize_ = QSize(tensor->width(), tensor->height());
        input_ = std::move(tensor);
    } catch (const std::exception& e) {
        if (error)
            *error = QString::fromUtf8(e.what());
        return false;
    }
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

bool Document::loadPipeline(const QString& path, QString* error) {
    try {
        Pipeline loaded = load_pipeline(path.toStdString());
        pipelinePath_ = QFileInfo(path).absoluteFilePath();
        edit(tr("Open pipeline %1").arg(QFileInfo(path).fileName()), loaded, 0, {}, 0);
    } catch (const std::exception& e) {
        if (error)
            *error = QString::fromUtf8(e.what());
        return false;
    }
    return true;
}

void Document::resetPipeline(const Pipeline& pipeline, const QString& path) {
    pipelinePath_ = path;
    undoStack_.clear();
    applyPipeline(pipeline, 0, 0);
}

void Document::edit(const QString& text, const Pipeline& after, int firstChanged,
                    const QString& mergeKey, int selectAfter) {
    if (after == pipeline_)
        return;
    undoStack_.push(new PipelineCommand(this, text, pipeline_, after, firstChanged, mergeKey,
                                        selectedLayer_,
                                        selectAfter < 0 ? selectedLayer_ : selectAfter));
}

void Document::applyPipeline(const Pipeline& pipeline, int firstChanged, int select) {
    const bool modeChanged = pipeline.input_mode != pipeline_.input_mode;
    pipeline_ = pipeline;
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
    if (count > 0) {
        if (const auto* conv = std::get_if<Conv2d>(&pipeline_.layers[selectedLayer_].op))
            if (selectedFilter_ >= conv->weights.out_channels) {
                selectedFilter_ = conv->weights.out_channels - 1;
                selection = true;
            }
    }
    if (focus_.layer >= count)
        focus_ = MapId{count - 1, 0};
    Q_EMIT pipelineChanged(modeChanged ? 0 : firstChanged);
    if (selection)
        Q_EMIT selectionChanged();
}

Shape Document::inputShapeOf(int index) const {
    if (!input_)
        return {};
    return ui::inputShapeOf(pipeline_, input_->shape(), index);
}

} // namespace convscope::ui
