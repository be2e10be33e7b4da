#pragma once
// The layer stack: add, remove, duplicate, reorder (drag or buttons), enable/disable, rename.
// Each row shows what the layer does, its output shape and its time; a layer that cannot run is
// marked in red with the reason.

#include "render_types.hpp"

#include <QWidget>

#include <memory>

class QListWidget;
class QMenu;
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

public Q_SLOTS:
    void setResult(std::shared_ptr<const convscope::ui::RenderResult> result);
    void addLayer(int kind); // NewLayerKind, inserted after the selected layer
    void removeSelected();
    void duplicateSelected();
    void moveSelected(int delta);

private:
    void rebuild();
    void refreshDetails();
    void onRowsMoved(int from, int to);

    Document* document_;
    QListWidget* list_;
    QToolButton* addButton_;
    QMenu* addLayerMenu_;
    QToolButton* removeButton_;
    QToolButton* duplicateButton_;
    QToolButton* upButton_;
    QToolButton* downButton_;
    std::shared_ptr<const RenderResult> result_;
    bool rebuilding_ = false;
};

} // namespace convscope::ui
