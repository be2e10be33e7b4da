#pragma once
// The document: what the user is looking at and editing, with no widgets (nomacs' split between
// core and GUI). Panels read it and change it through undoable commands; the render coordinator
// watches it.

#include "render_types.hpp"

#include "convscope/pipeline.hpp"
#include "convscope/tensor.hpp"

#include <QObject>
#include <QSize>
#include <QString>
#include <QUndoStack>

#include <memory>

namespace convscope::ui {

class Document : public QObject {
    Q_OBJECT

public:
    explicit Document(QObject* parent = nullptr);

    const Pipeline& pipeline() const { return pipeline_; }
    std::shared_ptr<const Tensor> input() const { return input_; }
    QString imagePath() const { return imagePath_; }
    QSize imageSize() const { return imageSize_; }
    QString pipelinePath() const { return pipelinePath_; }
    QUndoStack* undoStack() { return &undoStack_; }

    // The layer the properties panel and kernel editor show, and the filter (output channel) the
    // kernel editor edits.
    int selectedLayer() const { return selectedLayer_; }
    int selectedFilter() const { return selectedFilter_; }
    void setSelectedLayer(int layer);
    void setSelectedFilter(int filter);

    // The map shown large.
    MapId focus() const { return focus_; }
    void setFocus(MapId focus);

    DisplaySettings display() const { return display_; }
    void setDisplay(DisplaySettings display);

    BackendKind liveBackend() const { return liveBackend_; }
    void setLiveBackend(BackendKind kind);

    // Loads an image in the pipeline's input mode; false with a message naming the file.
    bool loadImage(const QString& path, QString* error = nullptr);
    // Replaces the pipeline with a file's (undoable); false with a message.
    bool loadPipeline(const QString& path, QString* error = nullptr);
    // Replaces the pipeline without an undo step (start-up).
    void resetPipeline(const Pipeline& pipeline, const QString& path = {});

    // Every edit goes through here: one undo step named `text`. Edits with the same non-empty
    // `mergeKey` in a row merge into one step (a drag). `firstChanged` is the first layer whose
    // output may differ; `selectAfter` the layer to select afterwards (-1: keep).
    void edit(const QString& text, const Pipeline& after, int firstChanged,
              const QString& mergeKey = {}, int selectAfter = -1);

    // The shape that enters layer `index` (empty if an earlier layer cannot run).
    Shape inputShapeOf(int index) const;

    // Applies a pipeline state (the commands' redo/undo).
    void applyPipeline(const Pipeline& pipeline, int firstChanged, int select);

Q_SIGNALS:
    void pipelineChanged(int firstChanged);
    void inputChanged();
    void selectionChanged();
    void focusChanged();
    void displayChanged();
    void liveBackendChanged();
    void imageError(const QString& message);

private:
    bool reloadInput(QString* error);

    Pipeline pipeline_;
    std::shared_ptr<const Tensor> input_;
    QString imagePath_;
    QString pipelinePath_;
    QSize imageSize_;
    QUndoStack undoStack_;
    int selectedLayer_ = 0;
    int selectedFilter_ = 0;
    MapId focus_;
    DisplaySettings display_;
    BackendKind liveBackend_ = BackendKind::Fast;
};

} // namespace convscope::ui
