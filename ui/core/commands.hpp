#pragma once
// The undo commands. Every edit is a before/after pair of pipeline values: exact to restore, and
// cheap (a pipeline is a few kilobytes of weights).

#include "convscope/pipeline.hpp"

#include <QUndoCommand>

namespace convscope::ui {

class Document;

class PipelineCommand : public QUndoCommand {
public:
    PipelineCommand(Document* document, const QString& text, Pipeline before, Pipeline after,
                    QString mergeKey, int selectBefore, int selectAfter);

    void undo() override;
    void redo() override;
    int id() const override;
    bool mergeWith(const QUndoCommand* other) override;

private:
    Document* document_;
    Pipeline before_;
    Pipeline after_;
    QString mergeKey_;
    int selectBefore_;
    int selectAfter_;
};

} // namespace convscope::ui
