#include "commands.hpp"

#include "document.hpp"

namespace convscope::ui {

PipelineCommand::PipelineCommand(Document* document, const QString& text, Pipeline before,
                                 Pipeline after, QString mergeKey, int selectBefore,
                                 int selectAfter)
    : QUndoCommand(text), document_(document), before_(std::move(before)), after_(std::move(after)),
      mergeKey_(std::move(mergeKey)), selectBefore_(selectBefore), selectAfter_(selectAfter) {}

void PipelineCommand::undo() {
    document_->applyPipeline(before_, selectBefore_);
}

void PipelineCommand::redo() {
    document_->applyPipeline(after_, selectAfter_);
}

int PipelineCommand::id() const {
    return mergeKey_.isEmpty() ? -1 : 1;
}

bool PipelineCommand::mergeWith(const QUndoCommand* other) {
    const auto* next = dynamic_cast<const PipelineCommand*>(other);
    if (!next || next->mergeKey_ != mergeKey_ || mergeKey_.isEmpty())
        return false;
    after_ = next->after_;
    selectAfter_ = next->selectAfter_;
    return true;
}

} // namespace convscope::ui
