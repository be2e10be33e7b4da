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
    : QDialog(parent), pipeline_(pipeline), input_(input), at_(at), kind_(kind) {
    setObjectName(QStringLiteral("joinLayerDialog"));
    const bool add = kind == JoinKind::Add;
    setWindowTitle(add ? tr("Add: which layers to sum") : tr("Concat: which layers to join"));
    auto* intro = new QLabel(
        add ? tr("The new layer, inserted as layer %1, adds the maps of the layers you tick, "
                 "element by element (torch.add): a residual connection. They must have one "
                 "shape.")
                  .arg(at + 1)
            : tr("The new layer, inserted as layer %1, puts the channels of the layers you tick "
                 "one after another, in this list's order (torch.cat along channels). They must "
                 "have one height and width.")
                  .arg(at + 1),
        this);
    intro->setWordWrap(true);

    list_ = new QListWidget(this);
    list_->setObjectName(QStringLiteral("joinInputs"));
    const std::vector<JoinCandidate> candidates = joinCandidates(pipeline, input, at);
    // Layers whose maps cannot be joined with the previous layer's are shown, but greyed.
    const Shape main = candidates[std::size_t(std::min(at, int(pipeline.layers.size())))].shape;
    for (auto it = candidates.rbegin(); it != candidates.rend(); ++it) {
        const QString shape =
            it->shape.empty() ? tr("cannot run") : QString::fromStdString(it->shape.str());
        auto* item = new QListWidgetItem(
            tr("%1   %2").arg(layerReference(pipeline, it->layer), shape), list_);
        item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable | Qt::ItemIsSelectable);
        item->setCheckState(Qt::Unchecked);
        item->setData(kLayerRole, it->layer);
        const bool fitsMain = !it->shape.empty() && (add ? it->shape == main
                                                         : it->shape.height == main.height &&
                                                               it->shape.width == main.width);
        if (!fitsMain) {
            item->setForeground(palette().color(QPalette::PlaceholderText));
            item->setToolTip(add ? tr("Not the shape of the layer before the new one")
                                 : tr("Not the height and width of the layer before the new one"));
        }
    }
    problem_ = new QLabel(this);
    problem_->setObjectName(QStringLiteral("joinProblem"));
    problem_->setWordWrap(true);
    buttons_ = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons_->button(QDialogButtonBox::Ok)->setText(add ? tr("Insert add") : tr("Insert concat"));
    connect(buttons_, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(list_, 1);
    layout->addWidget(problem_);
    layout->addWidget(buttons_);
    resize(480, std::min(520, 200 + list_->count() * list_->fontMetrics().height() * 3 / 2));

    setInputs(defaultJoinInputs(pipeline, input, at, kind));
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
    return joinProblem(pipeline_, input_, at_, kind_, inputs());
}

void JoinLayerDialog::check() {
    const QString why = problem();
    QString text = why;
    if (why.isEmpty()) {
        QStringList names;
        for (int layer : inputs())
            names.append(layerReference(pipeline_, layer));
        text = tr("The new layer will read %1.")
                   .arg(names.join(kind_ == JoinKind::Add ? QStringLiteral(" + ") : tr(", then ")));
    }
    problem_->setText(text);
    const bool dark = palette().color(QPalette::Base).lightness() < 128;
    problem_->setStyleSheet(why.isEmpty() ? QString()
                            : dark        ? QStringLiteral("color: #ff7a6e;")
                                          : QStringLiteral("color: #be1e1e;"));
    buttons_->button(QDialogButtonBox::Ok)->setEnabled(why.isEmpty());
}

} // namespace convscope::ui
