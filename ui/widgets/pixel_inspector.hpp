#pragma once
// The pixel inspector: hover any pixel of the map shown large (click to pin it) to see its value,
// its receptive field traced back through every layer to the input (a rectangle on the input and
// on every intermediate map, with dilation gaps and padding shown), and the arithmetic that made
// it: for a conv the input patch of each channel × the kernel = the products, their sum, + bias;
// for pooling the winner or the mean over the window; for an activation, before and after; for
// every other layer (batch norm, add, concat, global pooling, pad, flatten, linear, softmax) the
// engine's generic table (explanation_table) with its formula.
// Everything is read from the value snapshot; nothing runs the engine here.

#include "map_data.hpp"
#include "render_types.hpp"

#include "convscope/receptive_field.hpp"
#include "convscope/value_explanation.hpp"

#include <QHash>
#include <QImage>
#include <QPoint>
#include <QTimer>
#include <QWidget>

#include <optional>

class QLabel;
class QTableWidget;
class QToolButton;

namespace convscope::ui {

class Document;

// Every level of a receptive field: the whole map with the field's rectangle, a close-up of the
// field with its cells (gaps left by dilation, padding outside the map), and the numbers.
class ReceptiveFieldView : public QWidget {
    Q_OBJECT

public:
    explicit ReceptiveFieldView(QWidget* parent = nullptr);
    void setField(std::shared_ptr<const MapSnapshot> snapshot, const ReceptiveField& field,
                  int tracedChannel, const QStringList& levelNames);
    void clear();
    int levelCount() const { return int(field_.levels.size()); }
    // Where level `level`'s field is drawn on its whole-map picture (widget coordinates).
    QRectF fieldRect(int level) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override { return {260, 80}; }

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    struct Row {
        QImage whole;    // the map, nearest-sampled to fit
        QRectF wholeBox; // where it is drawn
        QRectF fieldBox; // the field on it
        QImage zoom;     // the field and a margin around it, one cell per map pixel
        QRectF zoomBox;
        int zoomX0 = 0, zoomY0 = 0; // the map position of the close-up's first cell
        int shownChannel = 0;
        QString text;
        QPointF textPos;
        double textWidth = 100;
    };
    QImage levelPicture(int level, int channel, QRect region, QSize fit) const;
    void layoutRows();

    std::shared_ptr<const MapSnapshot> snapshot_;
    ReceptiveField field_;
    int tracedChannel_ = 0;
    QStringList names_;
    std::vector<Row> rows_;
    int contentHeight_ = 80;
};

class PixelInspector : public QWidget {
    Q_OBJECT

public:
    PixelInspector(Document* document, MapDataProvider* data, QWidget* parent = nullptr);

    // Clicks on `view` (press and release without dragging) pin the hovered pixel.
    void attachView(QWidget* view);

    // The map pixel under the cursor in the large view ((-1, -1): none).
    void hoverAt(QPoint pixel);
    void pinAt(QPoint pixel);
    void unpin();
    bool isPinned() const { return pinned_; }
    // The pixel being explained and its map ((-1, -1) when none).
    QPoint position() const { return position_; }
    MapId map() const { return map_; }

    // What the panel shows, for tests.
    QTableWidget* arithmetic() const { return table_; }
    ReceptiveFieldView* fieldView() const { return fieldView_; }
    std::optional<ValueExplanation> explanation() const { return explanation_; }
    std::optional<ReceptiveField> field() const { return field_; }
    // The map's own value at the position (from the computed map).
    std::optional<double> mapValue() const { return mapValue_; }
    QString headline() const;
    QString formula() const; // the line of arithmetic under the table (rich text)

    // The row roles in the arithmetic table (Qt::UserRole on column 0).
    enum RowKind { Term = 1, Subtotal, Sum, Bias, Value, MapValue, Before, After, Winner, Divisor };

Q_SIGNALS:
    void explained();
    // The receptive field being shown changed (null: none).
    void fieldChanged(const convscope::ReceptiveField* field);
    void pinnedChanged(bool pinned);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

private:
    void refresh();
    void fillConv(const ConvExplanation& e);
    void fillPool(const PoolExplanation& e);
    void fillActivation(const ActivationExplanation& e);
    void fillPassThrough(const PassThroughExplanation& e);
    void fillTable(const ExplanationTable& table); // any layer, from the engine's generic table
    void addRow(RowKind kind, const QStringList& cells, bool emphasise = false,
                bool padded = false);
    void addFooter();

    Document* document_;
    MapDataProvider* data_;
    QLabel* headline_;
    QLabel* formula_;
    QToolButton* pinButton_;
    ReceptiveFieldView* fieldView_;
    QTableWidget* table_;
    QTimer throttle_;
    QPoint cursor_{-1, -1}; // the map pixel under the mouse
    QPoint hover_{-1, -1};  // the pixel to explain (the cursor's, or the pinned one)
    QPoint position_{-1, -1};
    MapId map_{-2, 0};
    bool pinned_ = false;
    QPoint pressPos_;
    bool pressed_ = false;
    std::optional<ValueExplanation> explanation_;
    int footerColumn_ = -1; // where the map's own value goes under a generic table (-1: default)
    std::optional<ReceptiveField> field_;
    std::optional<double> mapValue_;
    quint64 shownSerial_ = 0;
};

} // namespace convscope::ui
