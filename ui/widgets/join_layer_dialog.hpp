#pragma once
// Which earlier layers a new add or concat layer joins: every layer above the insertion point
// (and the input image) with its output shape, the sensible default ticked (the previous layer
// and the latest other one that fits), and why the choice cannot be joined when it cannot.
// The same dialog changes an existing join's inputs (Layers ▸ Change inputs…): its inputs come
// first, ticked, in their order, and the choice must also leave every later layer runnable.

#include "layer_graph.hpp"

#include <QDialog>

class QDialogButtonBox;
class QLabel;
class QListWidget;

namespace convscope::ui {

class JoinLayerDialog : public QDialog {
    Q_OBJECT

public:
    JoinLayerDialog(const Pipeline& pipeline, Shape input, int at, JoinKind kind,
                    QWidget* parent = nullptr);
    // For the join layer `at` of `pipeline`: which layers it reads instead.
    static JoinLayerDialog* forChange(const Pipeline& pipeline, Shape input, int at,
                                      QWidget* parent = nullptr);

    // The ticked layers, in the list's order (latest first); kPipelineInput for the image.
    std::vector<int> inputs() const;
    void setInputs(const std::vector<int>& inputs);
    // Why the ticked layers cannot be joined (OK is disabled then); empty when they can.
    QString problem() const;
    QListWidget* list() const { return list_; }

private:
    JoinLayerDialog(const Pipeline& pipeline, Shape input, int at, JoinKind kind,
                    const std::vector<int>* current, QWidget* parent);
    void check();

    Pipeline pipeline_;
    Shape input_;
    int at_;
    JoinKind kind_;
    bool change_ = false; // changing layer at_'s inputs, not inserting a join there
    QListWidget* list_;
    QLabel* problem_;
    QDialogButtonBox* buttons_;
};

} // namespace convscope::ui
