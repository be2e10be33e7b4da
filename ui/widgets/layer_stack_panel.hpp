#pragma once
// The layer stack: add, remove, duplicate, reorder (drag or buttons), enable/disable, rename.
// Each row shows what the layer does, where it reads from when that is not the layer above it,
// its output shape and its time; a layer that cannot run is marked in red with the reason. Skip
// connections are drawn as arcs in the list's left margin; edits keep every edge valid
// (layer_graph.hpp), and a move that cannot is refused with the reason shown over the list.

#include "layer_graph.hpp"
#include "render_types.hpp"

#include <QWidget>

#include <memory>

class QAction;
class QLabel;
class QListWidget;
class QMenu;
class QTimer;
class QToolButton;

namespace convscope::ui {

class Document;

class LayerStackPanel : public QWidget {
    Q_OBJECT

public:
    explicit LayerStackPanel(Document* document, QWidget* parent = nullptr);

    QListWidget* list() const { return list_; }
    // The kinds of layer one can add, each inserted after the selected layer (the Add button's
    // menu, also in the main window's Edit menu).
    QMenu* addLayerMenu() const { return addLayerMenu_; }
    // What row `layer` shows under its name (shape, time, or the error).
    QString rowDetail(int layer) const;
    bool rowHasError(int layer) const;
    // The arcs drawn beside the list (one per skip connection), and the margin they are drawn in.
    const std::vector<SkipEdge>& skipArcs() const { return arcs_; }
    QWidget* arcMargin() const;
    // Why the last move was refused, while it is shown over the list (empty otherwise).
    QString notice() const;
    // "Change inputs…" of the selected add or concat layer (disabled for other layers): in the
    // list's context menu, the Edit menu, and as a button while a join is selected.
    QAction* changeInputsAction() const { return changeInputs_; }

public Q_SLOTS:
    void setResult(std::shared_ptr<const convscope::ui::RenderResult> result);
    void addLayer(int kind); // NewLayerKind, inserted after the selected layer
    // The dialog-free end of adding an add or concat layer (after the selected layer).
    void addJoinLayer(convscope::ui::JoinKind kind, const std::vector<int>& inputs);
    // Asks which layers the selected join reads (JoinLayerDialog), as one undo step.
    void changeSelectedInputs();
    // Its dialog-free end: the selected join reads `inputs` instead; refused with the reason
    // shown over the list when the result would not be valid (changeJoinProblem).
    bool setSelectedJoinInputs(const std::vector<int>& inputs);
    void removeSelected();
    void duplicateSelected();
    void moveSelected(int delta);

private:
    void rebuild();
    void refreshDetails();
    void onRowsMoved(int from, int to);
    void showNotice(const QString& text);
    void updateChangeInputs();

    Document* document_;
    QListWidget* list_;
    QLabel* notice_;
    QTimer* noticeTimer_;
    std::vector<SkipEdge> arcs_;
    QToolButton* addButton_;
    QMenu* addLayerMenu_;
    QToolButton* removeButton_;
    QToolButton* duplicateButton_;
    QToolButton* upButton_;
    QToolButton* downButton_;
    QToolButton* inputsButton_;
    QAction* changeInputs_;
    std::shared_ptr<const RenderResult> result_;
    bool rebuilding_ = false;
};

} // namespace convscope::ui
