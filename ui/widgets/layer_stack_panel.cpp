#include "layer_stack_panel.hpp"

#include "document.hpp"
#include "pipeline_edit.hpp"

#include <QAbstractItemModel>
#include <QApplication>
#include <QHBoxLayout>
#include <QListWidget>
#include <QMenu>
#include <QPainter>
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
        const QFontMetrics fm(option.font);
        int lines =
            1 + std::max<int>(1, index.data(kDetailRole).toString().count(QLatin1Char('\n')) + 1);
        if (index.data(kErrorRole).toBool())
            lines =
                1 + std::min(
                        4, 1 + int(fm.horizontalAdvance(index.data(kDetailRole).toString()) / 220));
        size.setHeight(fm.height() * lines + 12);
        return size;
    }
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
    list_ = new QListWidget(this);
    list_->setItemDelegate(new LayerDelegate(list_));
    list_->setDragDropMode(QAbstractItemView::InternalMove);
    list_->setDefaultDropAction(Qt::MoveAction);
    list_->setSelectionMode(QAbstractItemView::SingleSelection);
    list_->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed);
    list_->setToolTip(tr("The layers, first to last. Drag to reorder, tick to enable, double-click "
                         "or F2 to rename."));
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
    buttons->addStretch();
    buttons->addWidget(upButton_);
    buttons->addWidget(downButton_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(buttons);
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
            QTimer::singleShot(0, this,
                               [this, p] { document_->edit(tr("Rename layer"), p); });
        }
    });
    connect(list_->model(), &QAbstractItemModel::rowsMoved, this,
            [this](const QModelIndex&, int start, int, const QModelIndex&, int row) {
                if (rebuilding_)
                    return;
                const int to = row > start ? row - 1 : row;
                QTimer::singleShot(0, this, [this, start, to] { onRowsMoved(start, to); });
            });
    connect(document_, &Document::pipelineChanged, this, &LayerStackPanel::rebuild);
    connect(document_, &Document::selectionChanged, this, [this] {
        rebuilding_ = true;
        list_->setCurrentRow(document_->selectedLayer());
        rebuilding_ = false;
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
    rebuilding_ = false;
    refreshDetails();
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
    rebuilding_ = true;
    const Pipeline& p = document_->pipeline();
    for (int i = 0; i < list_->count() && i < int(p.layers.size()); ++i) {
        QListWidgetItem* item = list_->item(i);
        QString detail = describeLayer(p.layers[i]);
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
                          .arg(describeLayer(p.layers[i]),
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
}

void LayerStackPanel::addLayer(int kind) {
    Pipeline p = document_->pipeline();
    const int at = p.layers.empty() ? 0 : document_->selectedLayer() + 1;
    // The new layer reads the one before it.
    const Shape in = document_->outputShapeOf(at - 1);
    Layer layer =
        makeLayer(NewLayerKind(kind), in.empty() ? channel_count(p.input_mode) : in.channels);
    p.layers.insert(p.layers.begin() + at, layer);
    document_->edit(tr("Add %1").arg(layerTypeTitle(layer)), p, {.select = at});
}

void LayerStackPanel::removeSelected() {
    Pipeline p = document_->pipeline();
    const int at = document_->selectedLayer();
    if (at < 0 || at >= int(p.layers.size()))
        return;
    const QString name = QString::fromStdString(display_name(p.layers[at]));
    p.layers.erase(p.layers.begin() + at);
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
    p.layers.insert(p.layers.begin() + at + 1, copy);
    document_->edit(tr("Duplicate %1").arg(QString::fromStdString(display_name(copy))), p,
                    {.select = at + 1});
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
    Layer layer = p.layers[from];
    p.layers.erase(p.layers.begin() + from);
    p.layers.insert(p.layers.begin() + to, layer);
    document_->edit(tr("Move %1").arg(QString::fromStdString(display_name(layer))), p,
                    {.select = to});
}

} // namespace convscope::ui
