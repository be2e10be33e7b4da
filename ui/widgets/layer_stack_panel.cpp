#include "layer_stack_panel.hpp"

#include "document.hpp"
#include "join_layer_dialog.hpp"
#include "pipeline_edit.hpp"

#include <QAbstractItemModel>
#include <QAction>
#include <QApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QPainter>
#include <QPainterPath>
#include <QScrollBar>
#include <QStyledItemDelegate>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

namespace convscope::ui {

namespace {

constexpr int kDetailRole = Qt::UserRole + 1;
constexpr int kErrorRole = Qt::UserRole + 2;
constexpr int kIndexRole = Qt::UserRole + 3;

// Two lines per layer: the name (editable) and a detail line (red when the layer cannot run).
class LayerDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter* painter, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override {
        QStyleOptionViewItem opt = option;
        initStyleOption(&opt, index);
        const QString name = opt.text;
        opt.text.clear();
        const QWidget* widget = opt.widget;
        QStyle* style = widget ? widget->style() : QApplication::style();
        style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);
        const QRect textRect =
            style->subElementRect(QStyle::SE_ItemViewItemText, &opt, widget).adjusted(4, 3, -4, -3);

        const bool selected = opt.state & QStyle::State_Selected;
        const QPalette& pal = opt.palette;
        const bool error = index.data(kErrorRole).toBool();
        const bool enabled = index.data(Qt::CheckStateRole).toInt() == Qt::Checked;
        QColor main = selected ? pal.color(QPalette::HighlightedText) : pal.color(QPalette::Text);
        QColor sub =
            selected ? pal.color(QPalette::HighlightedText) : pal.color(QPalette::PlaceholderText);
        if (!enabled) {
            main.setAlpha(140);
            sub.setAlpha(140);
        }
        if (error && !selected)
            sub = pal.color(QPalette::Base).lightness() < 128 ? QColor(255, 120, 110)
                                                              : QColor(190, 30, 30);

        painter->save();
        QFont bold = opt.font;
        bold.setBold(true);
        painter->setFont(bold);
        painter->setPen(main);
        const QFontMetrics bfm(bold);
        const QString number =
            QString::number(index.data(kIndexRole).toInt() + 1) + QStringLiteral("  ");
        painter->drawText(textRect, Qt::AlignLeft | Qt::AlignTop,
                          bfm.elidedText(number + name, Qt::ElideRight, textRect.width()));
        painter->setFont(opt.font);
        painter->setPen(sub);
        const QFontMetrics fm(opt.font);
        QString detail = index.data(kDetailRole).toString();
        if (error)
            detail = QStringLiteral("⚠ ") + detail;
        const QRect second =
            textRect.adjusted(bfm.horizontalAdvance(number), bfm.height() + 2, 0, 0);
        painter->drawText(second, Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap, detail);
        painter->restore();
    }

    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override {
        QSize size = QStyledItemDelegate::sizeHint(option, index);
        // As many lines as the detail takes wrapped to the row's width, measured as paint()
        // lays it out (the list relays out when its width changes).
        QStyleOptionViewItem opt = option;
        initStyleOption(&opt, index);
        opt.text.clear(); // as paint() measures it
        const auto* view = qobject_cast<const QAbstractItemView*>(opt.widget);
        opt.rect = QRect(0, 0, view ? view->viewport()->width() : 260, 1000);
        const QWidget* widget = opt.widget;
        QStyle* style = widget ? widget->style() : QApplication::style();
        const QRect textRect =
            style->subElementRect(QStyle::SE_ItemViewItemText, &opt, widget).adjusted(4, 3, -4, -3);
        QFont bold = opt.font;
        bold.setBold(true);
        const QString number =
            QString::number(index.data(kIndexRole).toInt() + 1) + QStringLiteral("  ");
        const int room =
            std::max(60, textRect.width() - QFontMetrics(bold).horizontalAdvance(number));
        QString detail = index.data(kDetailRole).toString();
        if (index.data(kErrorRole).toBool())
            detail = QStringLiteral("⚠ ") + detail;
        const QFontMetrics fm(opt.font);
        const int detailHeight =
            fm.boundingRect(QRect(0, 0, room, 100000), Qt::AlignLeft | Qt::TextWordWrap, detail)
                .height();
        size.setHeight(QFontMetrics(bold).height() + 2 + std::max(fm.height(), detailHeight) + 8);
        return size;
    }
};

// The left margin of the Layers list: one arc per skip connection, from the row of the layer
// that is read to the row of the layer that reads it (an arrow), on its own lane where arcs
// overlap. Arcs of the selected layer are drawn in the highlight colour.
class ArcMargin : public QWidget {
public:
    ArcMargin(QListWidget* list, QWidget* parent) : QWidget(parent), list_(list) {}
    static constexpr int kLaneWidth = 7;
    static constexpr int kMaxLanes = 6;
    static int widthFor(const std::vector<SkipEdge>& arcs) {
        int lanes = 0;
        for (const SkipEdge& arc : arcs)
            lanes = std::max(lanes, std::min(arc.lane, kMaxLanes - 1) + 1);
        return lanes == 0 ? 0 : 10 + lanes * kLaneWidth;
    }
    void setArcs(const std::vector<SkipEdge>& arcs) {
        arcs_ = arcs;
        update();
    }

protected:
    void paintEvent(QPaintEvent*) override {
        if (arcs_.empty())
            return;
        QPainter p(this);
        p.setRenderHint(QPainter::Antialiasing);
        const double right = width() - 1.5;
        const int selected = list_->currentRow();
        // Between text and background: clearly drawn, yet quieter than the rows' text.
        const QColor text = palette().color(QPalette::Text);
        const QColor base = palette().color(QPalette::Base);
        const QColor muted((text.red() * 3 + base.red() * 2) / 5,
                           (text.green() * 3 + base.green() * 2) / 5,
                           (text.blue() * 3 + base.blue() * 2) / 5);
        const QColor strong = palette().color(QPalette::Highlight);
        // Draw the selected layer's arcs last, over the others.
        std::vector<SkipEdge> ordered = arcs_;
        std::stable_partition(ordered.begin(), ordered.end(), [&](const SkipEdge& a) {
            return a.from != selected && a.to != selected;
        });
        for (const SkipEdge& arc : ordered) {
            const double x = right - 8 - std::min(arc.lane, kMaxLanes - 1) * kLaneWidth;
            const double y0 = arc.from < 0 ? 1.0 : rowY(arc.from);
            const double y1 = rowY(arc.to);
            const bool mine = arc.from == selected || arc.to == selected;
            const QColor colour = mine ? strong : muted;
            const double r = std::min(4.0, (y1 - y0) / 2);
            QPainterPath path;
            path.moveTo(right, y0);
            path.lineTo(x + r, y0);
            path.quadTo(x, y0, x, y0 + r);
            path.lineTo(x, y1 - r);
            path.quadTo(x, y1, x + r, y1);
            path.lineTo(right - 4, y1);
            p.setPen(QPen(colour, mine ? 2.4 : 1.7));
            p.setBrush(Qt::NoBrush);
            p.drawPath(path);
            p.setPen(Qt::NoPen);
            p.setBrush(colour);
            p.drawEllipse(QPointF(right - 2, y0), 2.6, 2.6);
            const QPointF head[] = {{right + 1, y1}, {right - 6, y1 - 4}, {right - 6, y1 + 4}};
            p.drawPolygon(head, 3);
        }
    }

private:
    // The height of a layer's name line in the row, in the margin's coordinates (the margin
    // spans the viewport's height, at its top).
    double rowY(int row) const {
        const QListWidgetItem* item = list_->item(row);
        if (!item)
            return height();
        const QRect rect = list_->visualItemRect(item);
        return rect.top() + 3 + QFontMetrics(list_->font()).height() / 2.0 + 1;
    }

    QListWidget* list_;
    std::vector<SkipEdge> arcs_;
};

// The Layers list with room on its left for the arcs.
class LayerList : public QListWidget {
public:
    explicit LayerList(QWidget* parent) : QListWidget(parent) {
        margin_ = new ArcMargin(this, this);
        margin_->setObjectName(QStringLiteral("skipArcs"));
    }
    ArcMargin* margin() const { return margin_; }
    void setArcs(const std::vector<SkipEdge>& arcs) {
        const int width = ArcMargin::widthFor(arcs);
        if (width != marginWidth_) {
            marginWidth_ = width;
            setViewportMargins(width, 0, 0, 0);
        }
        margin_->setVisible(width > 0);
        margin_->setArcs(arcs);
        placeMargin();
    }

protected:
    void resizeEvent(QResizeEvent* event) override {
        QListWidget::resizeEvent(event);
        placeMargin();
    }
    void scrollContentsBy(int dx, int dy) override {
        QListWidget::scrollContentsBy(dx, dy);
        margin_->update();
    }
    void updateGeometries() override {
        QListWidget::updateGeometries();
        placeMargin();
        margin_->update();
    }
    void currentChanged(const QModelIndex& current, const QModelIndex& previous) override {
        QListWidget::currentChanged(current, previous);
        margin_->update();
    }

private:
    void placeMargin() {
        const QRect area = contentsRect();
        margin_->setGeometry(area.left(), area.top(), marginWidth_, area.height());
    }

    ArcMargin* margin_;
    int marginWidth_ = 0;
};

QToolButton* makeButton(const QString& text, const QString& tip, QWidget* parent) {
    auto* button = new QToolButton(parent);
    button->setText(text);
    button->setToolTip(tip);
    button->setAutoRaise(true);
    button->setToolButtonStyle(Qt::ToolButtonTextOnly);
    return button;
}

} // namespace

LayerStackPanel::LayerStackPanel(Document* document, QWidget* parent)
    : QWidget(parent), document_(document) {
    list_ = new LayerList(this);
    list_->setItemDelegate(new LayerDelegate(list_));
    list_->setResizeMode(QListView::Adjust); // rows rewrap to a new width
    list_->setDragDropMode(QAbstractItemView::InternalMove);
    list_->setDefaultDropAction(Qt::MoveAction);
    list_->setSelectionMode(QAbstractItemView::SingleSelection);
    list_->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed);
    list_->setToolTip(tr("The layers, first to last. Drag to reorder, tick to enable, double-click "
                         "or F2 to rename. Arcs on the left join a layer to the earlier layers it "
                         "reads (skip connections)."));
    list_->setWordWrap(true);
    list_->setUniformItemSizes(false);
    list_->setObjectName(QStringLiteral("layerList"));

    addButton_ = makeButton(tr("Add"), tr("Add a layer after the selected one"), this);
    addButton_->setPopupMode(QToolButton::InstantPopup);
    addLayerMenu_ = new QMenu(tr("&Add layer"), this);
    addLayerMenu_->setObjectName(QStringLiteral("addLayerMenu"));
    for (const NewLayerChoice& choice : newLayerChoices()) {
        const int kind = int(choice.kind);
        connect(addLayerMenu_->addAction(choice.label), &QAction::triggered, this,
                [this, kind] { addLayer(kind); });
    }
    addButton_->setMenu(addLayerMenu_);
    removeButton_ = makeButton(tr("Remove"), tr("Remove the selected layer (Delete)"), this);
    duplicateButton_ = makeButton(
        tr("Duplicate"), tr("Insert a copy of the selected layer after it (Ctrl+D)"), this);
    upButton_ = makeButton(tr("▲"), tr("Move the selected layer up (Ctrl+Up)"), this);
    downButton_ = makeButton(tr("▼"), tr("Move the selected layer down (Ctrl+Down)"), this);
    changeInputs_ = new QAction(tr("Change &inputs…"), this);
    changeInputs_->setObjectName(QStringLiteral("changeJoinInputs"));
    changeInputs_->setToolTip(tr("Choose which earlier layers the selected add or concat layer "
                                 "reads"));
    connect(changeInputs_, &QAction::triggered, this, &LayerStackPanel::changeSelectedInputs);
    inputsButton_ = makeButton(tr("Inputs…"), changeInputs_->toolTip(), this);
    inputsButton_->setObjectName(QStringLiteral("changeInputsButton"));
    connect(inputsButton_, &QToolButton::clicked, this, &LayerStackPanel::changeSelectedInputs);
    list_->addAction(changeInputs_);
    list_->setContextMenuPolicy(Qt::ActionsContextMenu);
    connect(removeButton_, &QToolButton::clicked, this, &LayerStackPanel::removeSelected);
    connect(duplicateButton_, &QToolButton::clicked, this, &LayerStackPanel::duplicateSelected);
    connect(upButton_, &QToolButton::clicked, this, [this] { moveSelected(-1); });
    connect(downButton_, &QToolButton::clicked, this, [this] { moveSelected(1); });

    auto* buttons = new QHBoxLayout;
    buttons->setContentsMargins(0, 0, 0, 0);
    buttons->setSpacing(2);
    buttons->addWidget(addButton_);
    buttons->addWidget(removeButton_);
    buttons->addWidget(duplicateButton_);
    buttons->addWidget(inputsButton_);
    buttons->addStretch();
    buttons->addWidget(upButton_);
    buttons->addWidget(downButton_);
    // Why a move was refused: over the list, where the user just dragged or clicked.
    notice_ = new QLabel(this);
    notice_->setObjectName(QStringLiteral("layerNotice"));
    notice_->setWordWrap(true);
    notice_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    notice_->setStyleSheet(QStringLiteral(
        "QLabel { background: rgba(220, 60, 40, 40); border: 1px solid rgba(200, 50, 30, 160); "
        "border-radius: 4px; padding: 4px 6px; }"));
    notice_->hide();
    noticeTimer_ = new QTimer(this);
    noticeTimer_->setSingleShot(true);
    noticeTimer_->setInterval(12000);
    connect(noticeTimer_, &QTimer::timeout, notice_, &QWidget::hide);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(buttons);
    layout->addWidget(notice_);
    layout->addWidget(list_);

    connect(list_, &QListWidget::currentRowChanged, this, [this](int row) {
        if (!rebuilding_ && row >= 0)
            document_->setSelectedLayer(row);
    });
    connect(list_, &QListWidget::itemChanged, this, [this](QListWidgetItem* item) {
        if (rebuilding_)
            return;
        const int row = list_->row(item);
        if (row < 0 || row >= int(document_->pipeline().layers.size()))
            return;
        Pipeline p = document_->pipeline();
        Layer& layer = p.layers[row];
        const bool enabled = item->checkState() == Qt::Checked;
        const std::string name = item->text().trimmed().toStdString();
        if (enabled != layer.enabled) {
            layer.enabled = enabled;
            const QString text = enabled ? tr("Enable %1") : tr("Disable %1");
            QTimer::singleShot(0, this, [this, p, row, text] {
                document_->edit(text.arg(QString::fromStdString(display_name(p.layers[row]))), p);
            });
        } else if (name != layer.name && name != std::string(type_name(layer))) {
            layer.name = name;
            QTimer::singleShot(0, this, [this, p] { document_->edit(tr("Rename layer"), p); });
        }
    });
    connect(list_->model(), &QAbstractItemModel::rowsMoved, this,
            [this](const QModelIndex&, int start, int, const QModelIndex&, int row) {
                if (rebuilding_)
                    return;
                const int to = row > start ? row - 1 : row;
                QTimer::singleShot(0, this, [this, start, to] { onRowsMoved(start, to); });
            });
    connect(document_, &Document::pipelineChanged, this, [this] {
        notice_->hide();
        rebuild();
    });
    connect(document_, &Document::selectionChanged, this, [this] {
        rebuilding_ = true;
        list_->setCurrentRow(document_->selectedLayer());
        rebuilding_ = false;
        updateChangeInputs();
    });
    rebuild();
}

void LayerStackPanel::rebuild() {
    rebuilding_ = true;
    const Pipeline& p = document_->pipeline();
    while (list_->count() > int(p.layers.size()))
        delete list_->takeItem(list_->count() - 1);
    for (int i = 0; i < int(p.layers.size()); ++i) {
        QListWidgetItem* item = list_->item(i);
        if (!item) {
            item = new QListWidgetItem(list_);
            item->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled | Qt::ItemIsEditable |
                           Qt::ItemIsUserCheckable | Qt::ItemIsDragEnabled);
        }
        item->setText(QString::fromStdString(display_name(p.layers[i])));
        item->setCheckState(p.layers[i].enabled ? Qt::Checked : Qt::Unchecked);
        item->setData(kIndexRole, i);
    }
    list_->setCurrentRow(document_->selectedLayer());
    removeButton_->setEnabled(!p.layers.empty());
    duplicateButton_->setEnabled(!p.layers.empty());
    updateChangeInputs();
    arcs_ = skipEdges(p);
    static_cast<LayerList*>(list_)->setArcs(arcs_);
    QStringList arcText;
    for (const SkipEdge& arc : arcs_)
        arcText.append(tr("%1 → %2").arg(layerReference(p, arc.from), layerReference(p, arc.to)));
    arcMargin()->setToolTip(tr("Skip connections (a layer reading an earlier one):\n%1")
                                .arg(arcText.join(QLatin1Char('\n'))));
    rebuilding_ = false;
    refreshDetails();
}

QWidget* LayerStackPanel::arcMargin() const {
    return static_cast<LayerList*>(list_)->margin();
}

QString LayerStackPanel::notice() const {
    return notice_->isVisibleTo(this) ? notice_->text() : QString();
}

void LayerStackPanel::showNotice(const QString& text) {
    notice_->setText(text);
    notice_->show();
    noticeTimer_->start();
}

void LayerStackPanel::setResult(std::shared_ptr<const RenderResult> result) {
    result_ = std::move(result);
    refreshDetails();
}

QString LayerStackPanel::rowDetail(int layer) const {
    const QListWidgetItem* item = list_->item(layer);
    return item ? item->data(kDetailRole).toString() : QString();
}

bool LayerStackPanel::rowHasError(int layer) const {
    const QListWidgetItem* item = list_->item(layer);
    return item && item->data(kErrorRole).toBool();
}

void LayerStackPanel::refreshDetails() {
    // Rows grow when their details arrive: the selected row, if it was in sight, stays whole.
    const QListWidgetItem* current = list_->currentItem();
    const bool currentInSight =
        current && list_->viewport()->rect().intersects(list_->visualItemRect(current));
    rebuilding_ = true;
    const Pipeline& p = document_->pipeline();
    for (int i = 0; i < list_->count() && i < int(p.layers.size()); ++i) {
        QListWidgetItem* item = list_->item(i);
        QString detail = describeLayer(p.layers[i]);
        if (QString reads = inputsText(p, i); !reads.isEmpty())
            // A reference ("9 · relu") wraps as a whole.
            detail += QStringLiteral("\n← ") +
                      reads.replace(QStringLiteral(" · "), QStringLiteral("\u00A0·\u00A0"));
        bool error = false;
        QString tip = detail;
        if (result_) {
            if (i < int(result_->layers.size())) {
                const LayerRender& layer = result_->layers[i];
                detail += QStringLiteral("\n→ ") + QString::fromStdString(layer.shape.str());
                if (layer.kernel == QLatin1String("fused-into-conv"))
                    detail += tr(" · fused");
                else if (p.layers[i].enabled)
                    detail +=
                        QStringLiteral(" · %1 ms").arg(layer.ms, 0, 'f', layer.ms < 10 ? 2 : 1);
                tip = tr("%1\nOutput %2, kernel: %3")
                          .arg(detail.section(QStringLiteral("\n→ "), 0, 0),
                               QString::fromStdString(layer.shape.str()), layer.kernel);
            } else if (result_->error && i == result_->error->layer) {
                error = true;
                detail = result_->error->message;
                tip = result_->error->message;
            } else {
                detail += tr(" · not run");
                tip = tr("Not run: an earlier layer cannot run");
            }
        }
        item->setData(kDetailRole, detail);
        item->setData(kErrorRole, error);
        item->setToolTip(tip);
    }
    rebuilding_ = false;
    list_->doItemsLayout();
    if (currentInSight)
        list_->scrollToItem(current, QAbstractItemView::EnsureVisible);
    arcMargin()->update();
}

void LayerStackPanel::addLayer(int kind) {
    const auto newKind = NewLayerKind(kind);
    if (newKind == NewLayerKind::Add || newKind == NewLayerKind::Concat) {
        // Which earlier layers it joins is the user's to say.
        const JoinKind join = newKind == NewLayerKind::Add ? JoinKind::Add : JoinKind::Concat;
        const Pipeline& p = document_->pipeline();
        const int at = p.layers.empty() ? 0 : document_->selectedLayer() + 1;
        JoinLayerDialog dialog(p, document_->outputShapeOf(kPipelineInput), at, join, this);
        if (dialog.exec() == QDialog::Accepted)
            addJoinLayer(join, dialog.inputs());
        return;
    }
    Pipeline p = document_->pipeline();
    const int at = p.layers.empty() ? 0 : document_->selectedLayer() + 1;
    // The new layer reads the one before it.
    const Shape in = document_->outputShapeOf(at - 1);
    Layer layer = makeLayer(newKind, in.empty() ? channel_count(p.input_mode) : in.channels);
    const QString text = tr("Add %1").arg(layerTypeTitle(layer));
    insertLayer(p, at, std::move(layer));
    document_->edit(text, p, {.select = at});
}

void LayerStackPanel::addJoinLayer(JoinKind kind, const std::vector<int>& inputs) {
    Pipeline p = document_->pipeline();
    const int at = p.layers.empty() ? 0 : document_->selectedLayer() + 1;
    const QString why = joinProblem(p, document_->outputShapeOf(kPipelineInput), at, kind, inputs);
    if (!why.isEmpty()) {
        showNotice(why);
        return;
    }
    QStringList names;
    for (int source : inputs)
        names.append(layerReference(p, source, true));
    const QString text =
        kind == JoinKind::Add
            ? tr("Add the sum of %1").arg(names.join(QStringLiteral(" + ")))
            : tr("Add the concatenation of %1").arg(names.join(QStringLiteral(", ")));
    insertLayer(p, at, makeJoinLayer(kind, inputs));
    document_->edit(text, p, {.select = at});
}

void LayerStackPanel::updateChangeInputs() {
    const bool join = joinKindOf(document_->pipeline(), document_->selectedLayer()).has_value();
    changeInputs_->setEnabled(join);
    inputsButton_->setVisible(join);
}

void LayerStackPanel::changeSelectedInputs() {
    const int at = document_->selectedLayer();
    std::unique_ptr<JoinLayerDialog> dialog(JoinLayerDialog::forChange(
        document_->pipeline(), document_->outputShapeOf(kPipelineInput), at, this));
    if (!dialog)
        return;
    if (dialog->exec() == QDialog::Accepted)
        setSelectedJoinInputs(dialog->inputs());
}

bool LayerStackPanel::setSelectedJoinInputs(const std::vector<int>& inputs) {
    Pipeline p = document_->pipeline();
    const int at = document_->selectedLayer();
    QString why;
    if (!setJoinInputs(p, document_->outputShapeOf(kPipelineInput), at, inputs, &why)) {
        showNotice(tr("Inputs not changed: %1").arg(why));
        return false;
    }
    QStringList names;
    for (int source : inputs)
        names.append(layerReference(p, source, true));
    const QString name = QString::fromStdString(display_name(p.layers[std::size_t(at)]));
    document_->edit(
        tr("Change the inputs of %1 to %2")
            .arg(name, names.join(joinKindOf(p, at) == JoinKind::Add ? QStringLiteral(" + ")
                                                                     : QStringLiteral(", "))),
        p, {.select = at});
    return true;
}

void LayerStackPanel::removeSelected() {
    Pipeline p = document_->pipeline();
    const int at = document_->selectedLayer();
    if (at < 0 || at >= int(p.layers.size()))
        return;
    const QString name = QString::fromStdString(display_name(p.layers[at]));
    removeLayer(p, at); // what read it reads what it read
    document_->edit(tr("Remove %1").arg(name), p, {.select = std::max(0, at - 1)});
}

void LayerStackPanel::duplicateSelected() {
    Pipeline p = document_->pipeline();
    const int at = document_->selectedLayer();
    if (at < 0 || at >= int(p.layers.size()))
        return;
    Layer copy = p.layers[at];
    if (!copy.name.empty())
        copy.name += "_copy";
    const QString name = QString::fromStdString(display_name(copy));
    // A copy of a layer that reads the one before it reads the original (a chain of two).
    if (copy.inputs.empty())
        copy.inputs = {at};
    insertLayer(p, at + 1, std::move(copy));
    document_->edit(tr("Duplicate %1").arg(name), p, {.select = at + 1});
}

void LayerStackPanel::moveSelected(int delta) {
    const int from = document_->selectedLayer();
    onRowsMoved(from, from + delta);
}

void LayerStackPanel::onRowsMoved(int from, int to) {
    Pipeline p = document_->pipeline();
    const int n = int(p.layers.size());
    if (from < 0 || from >= n || to < 0 || to >= n || from == to) {
        rebuild();
        return;
    }
    const QString name = QString::fromStdString(display_name(p.layers[from]));
    QString reason;
    if (!moveLayer(p, from, to, &reason)) {
        rebuild(); // a drag already moved the row: put it back
        showNotice(tr("Not moved: %1").arg(reason));
        return;
    }
    document_->edit(tr("Move %1").arg(name), p, {.select = to});
}

} // namespace convscope::ui
