#include "join_layer_dialog.hpp"

#include <QDialogButtonBox>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

#include <algorithm>

namespace convscope::ui {

namespace {
constexpr int kLayerRole = Qt::UserRole + 1;
}

JoinLayerDialog::JoinLayerDialog(const Pipeline& pipeline, Shape input, int at, JoinKind kind,
                                 QWidget* parent)
    : JoinLayerDialog(pipeline, input, at, kind, nullptr, parent) {}

JoinLayerDialog* JoinLayerDialog::forChange(const Pipeline& pipeline, Shape input, int at,
                                            QWidget* parent) {
    const std::optional<JoinKind> kind = joinKindOf(pipeline, at);
    if (!kind)
        return nullptr;
    const std::vector<int> current = pipeline.layers[std::size_t(at)].inputs;
    return new JoinLayerDialog(pipeline, input, at, *kind, &current, parent);
}

JoinLayerDialog::JoinLayerDialog(const Pipeline& pipeline, Shape input, int at, JoinKind kind,
                                 const std::vector<int>* current, QWidget* parent)
    : QDialog(parent), pipeline_(pipeline), input_(input), at_(at), kind_(kind),
      change_(current != nullptr) {
    setObjectName(QStringLiteral("joinLayerDialog"));
    const bool add = kind == JoinKind::Add;
    const QString layer = change_ ? layerReference(pipeline, at) : QString();
    if (change_)
        setWindowTitle(add ? tr("Add: change which layers it sums")
                           : tr("Concat: change which layers it joins"));
    else
        setWindowTitle(add ? tr("Add: which layers to sum") : tr("Concat: which layers to join"));
    QString introText;
    if (change_)
        introText = add ? tr("Layer %1 adds the maps of the layers you tick, element by element "
                             "(torch.add). They must have one shape, and the layers after it "
                             "must still run on the sum.")
                              .arg(layer)
                        : tr("Layer %1 puts the channels of the layers you tick one after "
                             "another, in this list's order (torch.cat along channels). They "
                             "must have one height and width, and the layers after it must "
                             "still run on the result.")
                              .arg(layer);
    else
        introText =
            add ? tr("The new layer, inserted as layer %1, adds the maps of the layers you tick, "
                     "element by element (torch.add): a residual connection. They must have one "
                     "shape.")
                      .arg(at + 1)
                : tr("The new layer, inserted as layer %1, puts the channels of the layers you "
                     "tick one after another, in this list's order (torch.cat along channels). "
                     "They must have one height and width.")
                      .arg(at + 1);
    auto* intro = new QLabel(introText, this);
    intro->setWordWrap(true);

    list_ = new QListWidget(this);
    list_->setObjectName(QStringLiteral("joinInputs"));
    const std::vector<JoinCandidate> candidates = joinCandidates(pipeline, input, at);
    // Latest first; a join's own inputs before the rest, in the order it reads them.
    std::vector<JoinCandidate> rows(candidates.rbegin(), candidates.rend());
    if (current) {
        std::vector<JoinCandidate> ordered;
        for (int source : *current)
            for (const JoinCandidate& c : candidates)
                if (c.layer == source)
                    ordered.push_back(c);
        for (const JoinCandidate& c : rows)
            if (std::find(current->begin(), current->end(), c.layer) == current->end())
                ordered.push_back(c);
        rows = std::move(ordered);
    }
    // Layers whose maps cannot be joined with the previous layer's are shown, but greyed.
    const Shape main = candidates[std::size_t(std::min(at, int(pipeline.layers.size())))].shape;
    for (const JoinCandidate& row : rows) {
        const QString shape =
            row.shape.empty() ? tr("cannot run") : QString::fromStdString(row.shape.str());
        auto* item = new QListWidgetItem(
            tr("%1   %2").arg(layerReference(pipeline, row.layer), shape), list_);
        item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable | Qt::ItemIsSelectable);
        item->setCheckState(Qt::Unchecked);
        item->setData(kLayerRole, row.layer);
        const bool fitsMain = !row.shape.empty() && (add ? row.shape == main
                                                         : row.shape.height == main.height &&
                                                               row.shape.width == main.width);
        if (!fitsMain) {
            item->setForeground(palette().color(QPalette::PlaceholderText));
            item->setToolTip(add ? tr("Not the shape of the layer before the join")
                                 : tr("Not the height and width of the layer before the join"));
        }
    }
    problem_ = new QLabel(this);
    problem_->setObjectName(QStringLiteral("joinProblem"));
    problem_->setWordWrap(true);
    buttons_ = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons_->button(QDialogButtonBox::Ok)
        ->setText(change_ ? tr("Change inputs")
                  : add   ? tr("Insert add")
                          : tr("Insert concat"));
    connect(buttons_, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(list_, 1);
    layout->addWidget(problem_);
    layout->addWidget(buttons_);
    resize(480, std::min(520, 200 + list_->count() * list_->fontMetrics().height() * 3 / 2));

    setInputs(current ? *current : defaultJoinInputs(pipeline, input, at, kind));
    connect(list_, &QListWidget::itemChanged, this, &JoinLayerDialog::check);
}

std::vector<int> JoinLayerDialog::inputs() const {
    std::vector<int> ticked;
    for (int row = 0; row < list_->count(); ++row)
        if (list_->item(row)->checkState() == Qt::Checked)
            ticked.push_back(list_->item(row)->data(kLayerRole).toInt());
    return ticked;
}

void JoinLayerDialog::setInputs(const std::vector<int>& inputs) {
    const QSignalBlocker blocker(list_);
    for (int row = 0; row < list_->count(); ++row) {
        QListWidgetItem* item = list_->item(row);
        const int layer = item->data(kLayerRole).toInt();
        item->setCheckState(std::find(inputs.begin(), inputs.end(), layer) != inputs.end()
                                ? Qt::Checked
                                : Qt::Unchecked);
    }
    check();
}

QString JoinLayerDialog::problem() const {
    if (change_)
        return changeJoinProblem(pipeline_, input_, at_, inputs());
    return joinProblem(pipeline_, input_, at_, kind_, inputs());
}

void JoinLayerDialog::check() {
    const QString why = problem();
    QString text = why;
    if (why.isEmpty()) {
        QStringList names;
        for (int layer : inputs())
            names.append(layerReference(pipeline_, layer));
        const QString read =
            names.join(kind_ == JoinKind::Add ? QStringLiteral(" + ") : tr(", then "));
        text = change_ ? tr("Layer %1 will read %2.").arg(layerReference(pipeline_, at_), read)
                       : tr("The new layer will read %1.").arg(read);
    }
    problem_->setText(text);
    const bool dark = palette().color(QPalette::Base).lightness() < 128;
    problem_->setStyleSheet(why.isEmpty() ? QString()
                            : dark        ? QStringLiteral("color: #ff7a6e;")
                                          : QStringLiteral("color: #be1e1e;"));
    buttons_->button(QDialogButtonBox::Ok)->setEnabled(why.isEmpty());
}

} // namespace convscope::ui
