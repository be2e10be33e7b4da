// The Layers list of a residual network: each row says where its layer reads from, arcs join
// the layers of a skip connection, adding an add or concat asks which layers it joins, and
// reordering keeps every edge or is refused with the reason over the list.

#include "document.hpp"
#include "join_layer_dialog.hpp"
#include "layer_properties_panel.hpp"
#include "layer_stack_panel.hpp"
#include "pipeline_edit.hpp"

#include "convscope/pipeline_json.hpp"

#include <QAbstractItemModel>
#include <QAction>
#include <QApplication>
#include <QDialogButtonBox>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QStandardPaths>
#include <QTest>
#include <QTimer>
#include <QToolButton>

using namespace convscope;
using namespace convscope::ui;

namespace {

struct Fixture {
    Document document;
    LayerStackPanel panel{&document};

    explicit Fixture(const char* pipeline = CONVSCOPE_TEST_DATA_DIR
                     "/fixtures/torch/residual/pipeline.json") {
        document.resetPipeline(load_pipeline(pipeline));
        document.loadImage(QStringLiteral(CONVSCOPE_RESOURCES_DIR "/samples/chelsea.png"));
        panel.resize(300, 900);
        panel.show();
    }
    // What row `layer` reads under its name, with plain spaces (references do not wrap).
    QString detail(int layer) const {
        return panel.rowDetail(layer).replace(QChar(0x00A0), QLatin1Char(' '));
    }
    const std::vector<int>& inputsOf(int layer) const {
        return document.pipeline().layers[std::size_t(layer)].inputs;
    }
};

// Runs `accept` on the join dialog once addLayer opens it.
void whenTheJoinDialogOpens(std::function<void(JoinLayerDialog*)> accept) {
    QTimer::singleShot(0, [accept] {
        auto* dialog = qobject_cast<JoinLayerDialog*>(QApplication::activeModalWidget());
        QVERIFY(dialog);
        accept(dialog);
    });
}

} // namespace

class TestLayerStack : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void rowsSayWhereTheirLayerReads() {
        Fixture f;
        QVERIFY2(f.detail(8).contains(QStringLiteral("← sum of 8 · batchnorm + 3 · relu")),
                 qPrintable(f.detail(8)));
        QVERIFY2(f.detail(15).contains(QStringLiteral("← reads 10 · relu")),
                 qPrintable(f.detail(15)));
        QVERIFY(!f.detail(9).contains(QStringLiteral("←")));
        // The whole detail fits its row: name, kind and inputs on three lines; narrower, the
        // inputs wrap and the row grows to hold them.
        QListWidget* list = f.panel.list();
        const int wide = list->visualItemRect(list->item(8)).height();
        QVERIFY(wide >= 3 * list->fontMetrics().height());
        f.panel.resize(170, 900);
        QTRY_VERIFY(list->visualItemRect(list->item(8)).height() >=
                    wide + list->fontMetrics().height());
    }

    void thePropertiesOfAJoinNameWhatItJoins() {
        Fixture f;
        LayerPropertiesPanel properties(&f.document);
        properties.show();
        f.document.setSelectedLayer(8);
        auto* other = properties.findChild<QLabel*>(QStringLiteral("other_kind"));
        QVERIFY(other);
        QVERIFY2(
            other->text().startsWith(QStringLiteral("Add: the sum of 8 · batchnorm + 3 · relu.")),
            qPrintable(other->text()));
    }

    void arcsJoinTheRowsOfASkipConnection() {
        Fixture f;
        QCOMPARE(f.panel.skipArcs().size(), std::size_t(3));
        QWidget* margin = f.panel.arcMargin();
        QVERIFY(margin->isVisible());
        QVERIFY(margin->width() >= 10);
        // Ink in the margin between the rows of layers 3 and 9 (the first block's skip arc),
        // and none beside layer 1, which no arc passes.
        QListWidget* list = f.panel.list();
        const QImage picture = margin->grab().toImage();
        const QColor background = picture.pixelColor(0, 0);
        const auto inkBetween = [&](int top, int bottom) {
            int ink = 0;
            for (int y = top; y < bottom; ++y)
                for (int x = 0; x < picture.width(); ++x)
                    ink += picture.pixelColor(x, y) != background;
            return ink;
        };
        const int y3 = list->visualItemRect(list->item(2)).center().y();
        const int y9 = list->visualItemRect(list->item(8)).center().y();
        QVERIFY(inkBetween(y3, y9) > (y9 - y3));
        const QRect first = list->visualItemRect(list->item(0));
        QCOMPARE(inkBetween(first.top(), first.bottom()), 0);

        // A straight stack has no arcs and no margin.
        Fixture straight(CONVSCOPE_RESOURCES_DIR "/pipelines/default.json");
        QVERIFY(straight.panel.skipArcs().empty());
        QVERIFY(!straight.panel.arcMargin()->isVisible());
    }

    void aMoveThatBreaksAnEdgeIsRefusedWithTheReason() {
        Fixture f;
        const Pipeline before = f.document.pipeline();
        const int steps = f.document.undoStack()->count();
        f.document.setSelectedLayer(8); // the add, which reads the batch norm above it
        f.panel.moveSelected(-1);
        QCOMPARE(f.document.pipeline(), before);
        QCOMPARE(f.document.undoStack()->count(), steps);
        QVERIFY2(f.panel.notice().contains(QStringLiteral("9 · add reads 8 · batchnorm")),
                 qPrintable(f.panel.notice()));

        // Dragged: the row goes back where it was.
        QListWidget* list = f.panel.list();
        QVERIFY(list->model()->moveRow(QModelIndex(), 2, QModelIndex(), 10)); // relu below the add
        QTRY_VERIFY(f.panel.notice().contains(QStringLiteral("9 · add reads 3 · relu")));
        QCOMPARE(f.document.pipeline(), before);
        QCOMPARE(list->item(2)->text(), QStringLiteral("relu"));
        QCOMPARE(list->item(8)->text(), QStringLiteral("add"));

        // A move that keeps the edges: the add follows the relu it reads to its new number, and
        // the notice goes.
        f.document.setSelectedLayer(1);
        f.panel.moveSelected(1);
        QCOMPARE(f.inputsOf(8), (std::vector<int>{7, 1}));
        QVERIFY(f.panel.notice().isEmpty());
        QVERIFY(f.detail(8).contains(QStringLiteral("+ 2 · relu")));
        f.document.undoStack()->undo();
        QCOMPARE(f.document.pipeline(), before);
    }

    void addingAnAddAsksWhichLayersItJoins() {
        Fixture f;
        const Pipeline before = f.document.pipeline();
        f.document.setSelectedLayer(7); // batch norm, before the block's add
        bool asked = false;
        whenTheJoinDialogOpens([&](JoinLayerDialog* dialog) {
            asked = true;
            // The default: the previous layer and the latest other layer of its shape.
            QCOMPARE(dialog->inputs(), (std::vector<int>{7, 6}));
            QVERIFY(dialog->problem().isEmpty());
            // The block's input instead of the conv.
            dialog->setInputs({7, 2});
            dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->click();
        });
        f.panel.addLayer(int(NewLayerKind::Add));
        QVERIFY(asked);
        const Layer& added = f.document.pipeline().layers[8];
        QVERIFY(std::holds_alternative<Add>(added.op));
        QCOMPARE(added.inputs, (std::vector<int>{7, 2}));
        QCOMPARE(f.inputsOf(9), (std::vector<int>{8, 2})); // the old add reads the new one
        QCOMPARE(f.document.selectedLayer(), 8);
        QCOMPARE(f.document.undoStack()->undoText(),
                 QStringLiteral("Add the sum of 8 · batchnorm + 3 · relu"));
        QCOMPARE(f.panel.skipArcs().size(), std::size_t(4));
        QVERIFY(plan_pipeline(f.document.pipeline(), f.document.input()->shape()).complete());
        f.document.undoStack()->undo();
        QCOMPARE(f.document.pipeline(), before);

        // Cancelled: nothing added.
        whenTheJoinDialogOpens([](JoinLayerDialog* dialog) { dialog->reject(); });
        f.panel.addLayer(int(NewLayerKind::Concat));
        QCOMPARE(f.document.pipeline(), before);
    }

    void theJoinDialogSaysWhyAChoiceCannotBeJoined() {
        Fixture f(CONVSCOPE_RESOURCES_DIR "/pipelines/default.json");
        const Pipeline p = f.document.pipeline();
        // After layer 4 (on pooled maps) with layer 1 (full size): not one shape.
        JoinLayerDialog dialog(p, f.document.input()->shape(), 4, JoinKind::Add);
        dialog.setInputs({3, 0});
        QPushButton* ok = dialog.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
        QVERIFY(!ok->isEnabled());
        auto* why = dialog.findChild<QLabel*>(QStringLiteral("joinProblem"));
        QVERIFY2(why->text().startsWith(QStringLiteral("Add needs maps of one shape")),
                 qPrintable(why->text()));
        // One layer is no join.
        dialog.setInputs({3});
        QVERIFY(!ok->isEnabled());
        // The pool has the conv's shape.
        dialog.setInputs({3, 2});
        QVERIFY(ok->isEnabled());
        QCOMPARE(why->text(),
                 QStringLiteral("The new layer will read 4 · combinations + 3 · pool1."));
        // The list offers every earlier layer and the input image, latest first.
        QCOMPARE(dialog.list()->count(), 5);
        QVERIFY(dialog.list()->item(4)->text().startsWith(QStringLiteral("the input image")));
    }

    // Change inputs… of a selected add: the join dialog with its inputs ticked, in their order;
    // OK is one undo step; an invalid choice is refused with the reason, changing nothing.
    void aJoinsInputsChangeInOneUndoStep() {
        Fixture f;
        const Pipeline before = f.document.pipeline();
        QAction* change = f.panel.changeInputsAction();
        auto* button = f.panel.findChild<QToolButton*>(QStringLiteral("changeInputsButton"));
        QVERIFY(button);
        f.document.setSelectedLayer(7); // a batch norm: nothing to choose
        QVERIFY(!change->isEnabled());
        QVERIFY(!button->isVisible());
        f.document.setSelectedLayer(8); // the first block's add
        QVERIFY(change->isEnabled());
        QVERIFY(button->isVisible());
        QVERIFY(f.panel.list()->actions().contains(change)); // also the rows' context menu

        const int steps = f.document.undoStack()->count();
        bool asked = false;
        whenTheJoinDialogOpens([&](JoinLayerDialog* dialog) {
            asked = true;
            QCOMPARE(dialog->inputs(), (std::vector<int>{7, 2}));
            QVERIFY(dialog->list()->item(0)->text().startsWith(QStringLiteral("8 · batchnorm")));
            QVERIFY(dialog->list()->item(1)->text().startsWith(QStringLiteral("3 · relu")));
            QPushButton* ok = dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
            QCOMPARE(ok->text(), QStringLiteral("Change inputs"));
            dialog->setInputs({7, 6});
            auto* why = dialog->findChild<QLabel*>(QStringLiteral("joinProblem"));
            QCOMPARE(why->text(),
                     QStringLiteral("Layer 9 · add will read 8 · batchnorm + 7 · conv."));
            ok->click();
        });
        change->trigger();
        QVERIFY(asked);
        QCOMPARE(f.inputsOf(8), (std::vector<int>{7, 6}));
        QCOMPARE(f.document.undoStack()->count(), steps + 1);
        QCOMPARE(f.document.undoStack()->undoText(),
                 QStringLiteral("Change the inputs of add to 8 · batchnorm + 7 · conv"));
        QVERIFY(f.detail(8).contains(QStringLiteral("← sum of 8 · batchnorm + 7 · conv")));
        QCOMPARE(f.document.selectedLayer(), 8);
        f.document.undoStack()->undo();
        QCOMPARE(f.document.pipeline(), before);

        // A later layer: refused over the list, nothing changed.
        QVERIFY(!f.panel.setSelectedJoinInputs({7, 9}));
        QVERIFY2(f.panel.notice().contains(QStringLiteral("does not come before layer 9")),
                 qPrintable(f.panel.notice()));
        QCOMPARE(f.document.pipeline(), before);
        QCOMPARE(f.document.undoStack()->index(), steps);

        // Cancelled: nothing.
        whenTheJoinDialogOpens([](JoinLayerDialog* dialog) { dialog->reject(); });
        f.panel.changeSelectedInputs();
        QCOMPARE(f.document.pipeline(), before);
    }

    void theChangeDialogRefusesWhatLaterLayersCannotRun() {
        Fixture f(CONVSCOPE_RESOURCES_DIR "/pipelines/default.json");
        const Shape image = f.document.input()->shape();
        Pipeline p = f.document.pipeline();
        insertLayer(p, 5, makeJoinLayer(JoinKind::Concat, {4, 2}));
        insertLayer(p, 6, makeLayer(NewLayerKind::Conv, outputShapeOf(p, image, 5).channels));
        QVERIFY(plan_pipeline(p, image).complete());
        std::unique_ptr<JoinLayerDialog> dialog(JoinLayerDialog::forChange(p, image, 5));
        QVERIFY(dialog);
        QVERIFY(!JoinLayerDialog::forChange(p, image, 6)); // a conv has no inputs to choose
        QCOMPARE(dialog->inputs(), (std::vector<int>{4, 2}));
        QPushButton* ok = dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
        QVERIFY(ok->isEnabled());
        dialog->setInputs({4, 3, 2});
        QVERIFY(!ok->isEnabled());
        auto* why = dialog->findChild<QLabel*>(QStringLiteral("joinProblem"));
        QVERIFY2(why->text().contains(QStringLiteral("could not run")), qPrintable(why->text()));
    }

    void removingAndDuplicatingKeepTheEdges() {
        Fixture f;
        f.document.setSelectedLayer(9); // the second block's input relu
        f.panel.removeSelected();
        QCOMPARE(f.inputsOf(14), (std::vector<int>{8})); // the downsample conv reads the add
        QVERIFY(plan_pipeline(f.document.pipeline(), f.document.input()->shape()).complete());
        f.document.undoStack()->undo();
        f.document.setSelectedLayer(7);
        f.panel.duplicateSelected();
        QCOMPARE(f.inputsOf(9), (std::vector<int>{8, 2})); // the add reads the copy
        QVERIFY(f.inputsOf(8).empty());                    // which reads the original
    }
};

QTEST_MAIN(TestLayerStack)
#include "test_layer_stack.moc"
