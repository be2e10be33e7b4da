#pragma once
// The document: what the user is looking at and editing, with no widgets (nomacs' split between
// core and GUI). Panels read it and change it through undoable commands; the render coordinator
// watches it.

#include "model_source.hpp"
#include "render_types.hpp"

#include "convscope/pipeline.hpp"
#include "convscope/tensor.hpp"

#include <QObject>
#include <QSize>
#include <QString>
#include <QUndoStack>

#include <memory>
#include <optional>

namespace convscope::ui {

// How an edit becomes an undo step (Document::edit).
struct EditOptions {
    // Edits with the same non-empty key in a row merge into one step (a drag of one value).
    QString mergeKey;
    // The layer to select afterwards (-1: keep the selection).
    int select = -1;
};

class Document : public QObject {
    Q_OBJECT

public:
    explicit Document(QObject* parent = nullptr);
    ~Document() override;

    const Pipeline& pipeline() const { return pipeline_; }
    std::shared_ptr<const Tensor> input() const { return input_; }
    // Counts the changes of the pipeline and of the input: a result or a snapshot made at the
    // current revision shows the document as it is.
    quint64 revision() const { return revision_; }
    QString imagePath() const { return imagePath_; }
    // The image file's own size (the input may be fitted to the network's size, see InputFit).
    QSize imageSize() const { return imageSize_; }
    QString pipelinePath() const { return pipelinePath_; }
    QUndoStack* undoStack() { return &undoStack_; }

    // The layer the properties panel and kernel editor show, and the filter (output channel) the
    // kernel editor edits.
    int selectedLayer() const { return selectedLayer_; }
    int selectedFilter() const { return selectedFilter_; }
    void setSelectedLayer(int layer);
    void setSelectedFilter(int filter);
    // The selected layer's convolution, or null when it is not a conv (or nothing is selected).
    const Conv2d* selectedConv() const;
    // For an edit: sets `edited` to a copy of the pipeline and returns its selected conv (null
    // when there is none), to change and hand to edit() as one step.
    Conv2d* selectedConv(Pipeline& edited) const;

    // The pipeline as it was opened (a model's trained weights): resetPipeline and
    // loadPipeline set it; edits leave it. The kernel editor restores filters from it.
    const Pipeline& openedPipeline() const { return openedPipeline_; }
    // Layer `layer`'s convolution as it was opened (the layer of the same name, or at the same
    // index when it has none); null when there is none.
    const Conv2d* openedConv(int layer) const;

    // The map shown large.
    MapId focus() const { return focus_; }
    void setFocus(MapId focus);

    DisplaySettings display() const { return display_; }
    void setDisplay(DisplaySettings display);

    BackendKind liveBackend() const { return liveBackend_; }
    void setLiveBackend(BackendKind kind);

    // Loads an image in the pipeline's input mode; false with a message naming the file.
    bool loadImage(const QString& path, QString* error = nullptr);
    // How a pipeline file replaces the pipeline: as an undoable step, or as a fresh start
    // (no undo step, nothing to save: the session is the file, as when it is named at start-up).
    enum class LoadAs { Edit, FreshStart };
    // Replaces the pipeline with a file's; false with a message, the pipeline unchanged.
    bool loadPipeline(const QString& path, QString* error = nullptr, LoadAs as = LoadAs::Edit);
    // Replaces the pipeline with an ONNX model's (see importModel), as loadPipeline does with
    // a pipeline file; false with a message naming the file, the pipeline unchanged. What
    // the import left out is in model()->warnings.
    bool loadModel(const QString& path, QString* error = nullptr, LoadAs as = LoadAs::Edit);
    // Why the class names beside the last pipeline file opened were not used (one sentence
    // naming the labels file), or empty.
    QString labelsProblem() const { return labelsProblem_; }
    // The model the session was opened from (null after a pipeline file or a project).
    const ModelSource* model() const { return model_ ? &*model_ : nullptr; }
    // The session is `model` as opened (a project saved with the model unedited, reopened, see
    // reopenedModel): from now on it counts as that model while the pipeline equals
    // model.imported. No undo step; the class names stay the session's.
    void attachModel(ModelSource model);
    // The pipeline is the model's import as opened: nothing edited since.
    bool modelUnedited() const { return model_ && pipeline_ == model_->imported; }
    // The names of the classes the pipeline scores, in output order: the model's, a pipeline
    // file's <name>.labels.txt, or a project's; empty when none are known.
    QStringList classLabels() const { return labels_; }
    void setClassLabels(const QStringList& labels);
    // Replaces the pipeline without an undo step (start-up).
    void resetPipeline(const Pipeline& pipeline, const QString& path = {});
    // Replaces pipeline and image together without an undo step (a project): the image is
    // read first, in the new pipeline's input mode, and nothing changes unless it could be;
    // false with a message naming the file. An empty `imagePath` keeps the image.
    bool resetSession(const Pipeline& pipeline, const QString& imagePath, QString* error = nullptr);

    // Every edit goes through here: one undo step named `text`. (Which layers changed is the
    // engine's to find: it compares with its last run.)
    void edit(const QString& text, const Pipeline& after, const EditOptions& options = {});

    // The shape of the maps layer `index` reads (its first input), and the shape layer `layer`
    // produces (-1: the input); empty where an earlier layer cannot run.
    Shape inputShapeOf(int index) const;
    Shape outputShapeOf(int layer) const;

Q_SIGNALS:
    void pipelineChanged();
    void inputChanged();
    void selectionChanged();
    void focusChanged();
    void displayChanged();
    void liveBackendChanged();
    void imageError(const QString& message);
    // model() or classLabels() changed.
    void modelChanged();

private:
    friend class PipelineCommand; // the only way to change the pipeline: an undo step
    // Applies a pipeline state (the commands' redo/undo).
    void applyPipeline(const Pipeline& pipeline, int select);
    bool reloadInput(QString* error);
    // The image at `path` as `pipeline`'s input: in its mode, fitted to its input size as it
    // says; null with a message naming the file.
    static std::shared_ptr<const Tensor> readInput(const QString& path, const Pipeline& pipeline,
                                                   QString* error, QSize* fileSize);
    void setModel(std::optional<ModelSource> model, QStringList labels);

    Pipeline pipeline_;
    Pipeline openedPipeline_;
    std::shared_ptr<const Tensor> input_;
    quint64 revision_ = 0;
    QString imagePath_;
    QString pipelinePath_;
    QSize imageSize_;
    QUndoStack undoStack_;
    int selectedLayer_ = 0;
    int selectedFilter_ = 0;
    MapId focus_;
    DisplaySettings display_;
    BackendKind liveBackend_ = BackendKind::Fast;
    std::optional<ModelSource> model_;
    QStringList labels_;
    QString labelsProblem_;
};

} // namespace convscope::ui
