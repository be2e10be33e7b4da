// The main window, driven through its real widgets offscreen: editing, errors, the speed panel,
// and the edit path seen from the user's side (one engine run per edit with every value panel
// open; failures that clear the busy indicator and say what went wrong).

#include "app_style.hpp"
#include "compare_view.hpp"
#include "document.hpp"
#include "explain_tools.hpp"
#include "feature_map_overview.hpp"
#include "feature_map_view.hpp"
#include "help_dialogs.hpp"
#include "kernel_editor.hpp"
#include "layer_properties_panel.hpp"
#include "layer_stack_panel.hpp"
#include "main_window.hpp"
#include "map_data.hpp"
#include "pipeline_edit.hpp"
#include "pixel_inspector.hpp"
#include "project_io.hpp"
#include "render_coordinator.hpp"
#include "sliding_window_view.hpp"
#include "speed_panel.hpp"
#include "statistics_panel.hpp"
#include "window_geometry.hpp"

#include "support/main_window_fixture.hpp"
#include "support/test_backends.hpp"

#include "convscope/memory_budget.hpp"
#include "convscope/pipeline_json.hpp"

#include <QAbstractButton>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QLabel>
#include <QLayout>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QScreen>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QStatusBar>
#include <QStyle>
#include <QStyleOptionButton>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>

using namespace convscope;
using namespace convscope::ui;

using test::isIdle;
using test::openMainWindow;

namespace {

// A window whose render thread runs `make` backends, on the sample and the default pipeline.
std::unique_ptr<MainWindow> windowWithBackends(RenderThread::BackendFactory make) {
    auto w = openMainWindow(QSize(1400, 900), false);
    w->coordinator()->setMeasureReference(false); // a deliberate benchmark, not an edit's work
    w->coordinator()->setBackendFactory(std::move(make));
    w->openDefaults();
    return w;
}

} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { test::prepareGuiTests(); }

    void startsOnTheSampleWithMaps() {
        auto w = openMainWindow();
        QVERIFY(w->windowTitle().contains(QStringLiteral("ConvScope")));
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        QCOMPARE(w->document()->imageSize(), QSize(451, 300));
        QCOMPARE(w->document()->pipeline().layers.size(), std::size_t(5));
        // Input band + one band per layer, every map drawn.
        QCOMPARE(w->overview()->bandCount(), 6);
        for (int layer = 0; layer < 5; ++layer)
            for (int c = 0; c < 8; ++c)
                QVERIFY2(!w->overview()->thumbnail({layer, c}).isNull(),
                         qPrintable(QString("%1:%2").arg(layer).arg(c)));
        QVERIFY(!w->overview()->tileRect({0, 0}).isEmpty());
        QTRY_VERIFY(w->mapView()->paintedGeneration() == w->coordinator()->displayedGeneration());
        QCOMPARE(w->mapView()->imageSize(), QSize(451, 300));
        QVERIFY(w->layerStack()->rowDetail(0).contains(QStringLiteral("[8, 300, 451]")));
    }

    // The overview scrolls from the first result on (no resize needed), and a layer picked in
    // the Layers list is brought into view there while the large view shows its selected map.
    void theOverviewScrollsAndFollowsTheLayersList() {
        auto w = openMainWindow(QSize(1400, 900));
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w) && w->overview()->bandCount() == 6, 20000);
        QScrollBar* bar = w->overviewScroll()->verticalScrollBar();
        QTRY_VERIFY(bar->maximum() > 0);
        FeatureMapOverview* overview = w->overview();
        QCOMPARE(overview->height(), overview->heightForWidth(overview->width()));
        QCOMPARE(bar->value(), 0);
        const QRect last = overview->bandRect(4);
        QVERIFY(last.top() > w->overviewScroll()->viewport()->height()); // below the fold

        QListWidget* list = w->layerStack()->list();
        QTest::mouseClick(list->viewport(), Qt::LeftButton, {},
                          list->visualItemRect(list->item(4)).center());
        QCOMPARE(w->document()->selectedLayer(), 4);
        const QRect visible(QPoint(0, bar->value()), w->overviewScroll()->viewport()->size());
        QVERIFY2(visible.contains(last.topLeft()) && visible.bottom() >= last.top() + 100,
                 qPrintable(QStringLiteral("band %1..%2, visible %3..%4")
                                .arg(last.top())
                                .arg(last.bottom())
                                .arg(visible.top())
                                .arg(visible.bottom())));
        QCOMPARE(w->document()->focus(), (MapId{4, 0}));
        QTRY_VERIFY_WITH_TIMEOUT(
            isIdle(*w) && w->mapView()->caption().startsWith(QStringLiteral("Layer 5 ")), 20000);

        // A conv's selected filter is the map shown large.
        QTest::mouseClick(list->viewport(), Qt::LeftButton, {},
                          list->visualItemRect(list->item(3)).center());
        w->kernelEditor()->filterSpin()->setValue(6);
        QCOMPARE(w->document()->focus(), (MapId{3, 5}));
        QTRY_VERIFY_WITH_TIMEOUT(
            isIdle(*w) && w->mapView()->caption().startsWith(QStringLiteral("Layer 4 ")), 20000);
        QVERIFY(w->mapView()->caption().endsWith(QStringLiteral("map 6")));
        // Back to the first layer: the overview scrolls up again.
        QTest::mouseClick(list->viewport(), Qt::LeftButton, {},
                          list->visualItemRect(list->item(0)).center());
        QVERIFY(bar->value() <= overview->bandRect(0).top());
    }

    // The first window's place: the preferred size where it fits, else the whole screen.
    void theFirstWindowFitsTheScreen_data() {
        QTest::addColumn<QRect>("available");
        QTest::addColumn<QRect>("expected");
        QTest::addColumn<bool>("maximized");
        QTest::newRow("1920x1080")
            << QRect(0, 0, 1920, 1050) << QRect(160, 25, 1600, 1000) << false;
        QTest::newRow("1600x1000") << QRect(0, 0, 1600, 1000) << QRect(8, 40, 1584, 960) << true;
        QTest::newRow("1280x720 beside a panel")
            << QRect(64, 0, 1216, 720) << QRect(72, 40, 1200, 680) << true;
    }

    void theFirstWindowFitsTheScreen() {
        QFETCH(QRect, available);
        QFETCH(QRect, expected);
        QFETCH(bool, maximized);
        const WindowPlacement placement =
            initialWindowPlacement(available, QSize(1600, 1000), QSize(16, 40));
        QCOMPARE(placement.geometry, expected);
        QCOMPARE(placement.maximized, maximized);
        QVERIFY(available.contains(placement.geometry));
    }

    // The real window: the first one fits the screen it opens on; at 1280 × 720 every panel is
    // within it (the layout's minimum is what its panels need, not what fixed sizes add up to);
    // the user's geometry is kept for the next start.
    void theWindowFitsTheScreenAndRemembersItsGeometry() {
        QSettings().clear();
        {
            // Fresh settings: placed for the screen it opens on (the test screen is small).
            MainWindow first;
            QVERIFY(first.isMaximized() ||
                    first.screen()->availableGeometry().contains(first.geometry()));
            // A 1280 × 720 projector: all of it, and no more (the layout's minimum fits).
            const QRect projector(0, 0, 1280, 720);
            first.placeFirstWindow(projector);
            QVERIFY(first.isMaximized());
            QVERIFY2(projector.contains(first.geometry()),
                     qPrintable(QStringLiteral("%1 × %2")
                                    .arg(first.geometry().width())
                                    .arg(first.geometry().height())));
            // A large screen: the preferred size, centred.
            first.placeFirstWindow(QRect(0, 0, 1920, 1050));
            QVERIFY(!first.isMaximized());
            QCOMPARE(first.geometry(), QRect(160, 25, 1600, 1000));
        }
        auto w = openMainWindow(QSize(1264, 680));
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        QTest::qWait(50);
        const QSize minimum = w->minimumSizeHint();
        QVERIFY2(minimum.width() <= 1264 && minimum.height() <= 680,
                 qPrintable(QStringLiteral("%1 × %2").arg(minimum.width()).arg(minimum.height())));
        QCOMPARE(w->size(), QSize(1264, 680));
        const QRect inside = w->rect();
        auto within = [&](QWidget* widget) {
            return widget && widget->isVisible() &&
                   inside.contains(QRect(widget->mapTo(w.get(), QPoint()), widget->size()));
        };
        for (const QString& text : {QStringLiteral("Transpose"), QStringLiteral("Paste")}) {
            QToolButton* button = nullptr;
            for (QToolButton* b : w->kernelEditor()->findChildren<QToolButton*>())
                if (b->text() == text)
                    button = b;
            QVERIFY2(within(button), qPrintable(text));
        }
        QVERIFY(within(w->kernelEditor()->cell(0, 0, 2)));
        QVERIFY(within(w->speedPanel()));
        QVERIFY(within(w->statusBar()));
        for (const QString& dock :
             {QStringLiteral("inspectorDock"), QStringLiteral("slidingWindowDock")}) {
            w->findChild<QDockWidget*>(dock)->raise();
            QTRY_VERIFY2(within(w->findChild<QDockWidget*>(dock)->widget()), qPrintable(dock));
        }
        QCOMPARE(w->size(), QSize(1264, 680));

        // Closed at a size of the user's, the next window opens at that size.
        w->resize(1200, 650);
        QTRY_COMPARE(w->size(), QSize(1200, 650));
        w->close();
        MainWindow next;
        QCOMPARE(next.size(), QSize(1200, 650));
        QSettings().clear(); // the other tests start from the default layout
    }

    void theLargeViewGetsDetailWhenZoomedIn() {
        auto w = openMainWindow();
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        QVERIFY(w->openPath(QStringLiteral(CONVSCOPE_RESOURCES_DIR "/samples/rocket-large.jpg")));
        w->document()->setFocus({0, 0});
        QTRY_VERIFY_WITH_TIMEOUT(
            isIdle(*w) && w->mapView()->imageSize() == QSize(w->document()->imageSize()), 20000);
        // Fitted, the picture is made at the size it is shown at; the view still speaks in map
        // pixels.
        auto nearlyWanted = [&w] {
            const QSize made = w->coordinator()->lastResult()->focusImage.size();
            const QSize wanted = w->mapView()->wantedPictureSize();
            return std::abs(made.width() - wanted.width()) <= 1 &&
                   std::abs(made.height() - wanted.height()) <= 1;
        };
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w) && nearlyWanted(), 20000);
        const QSize fitted = w->coordinator()->lastResult()->focusImage.size();
        QVERIFY(fitted.width() < w->document()->imageSize().width());
        // Zoomed in, more detail arrives (nothing recomputed).
        for (int i = 0; i < 4; ++i)
            w->mapView()->zoomIn();
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w) && w->coordinator()->lastResult()->focusImage.width() >
                                                   fitted.width(),
                                 20000);
        QCOMPARE(w->coordinator()->lastResult()->fromLayer, 5);
        QCOMPARE(w->mapView()->imageSize(), w->document()->imageSize());
    }

    void everyLayerKindShowsItsPyTorchNameInTheProperties() {
        // A residual network of pipeline version 2: selecting any of its layers names it as
        // torch.nn does; kinds without an editor here say so instead of showing another's.
        Document document;
        document.resetPipeline(
            load_pipeline(CONVSCOPE_TEST_DATA_DIR "/fixtures/torch/residual/pipeline.json"));
        LayerPropertiesPanel panel(&document);
        panel.show();
        auto* title = panel.findChild<QLabel*>(QStringLiteral("title"));
        auto* other = panel.findChild<QLabel*>(QStringLiteral("other_kind"));
        QVERIFY(title && other);
        const QStringList expected = {
            "Conv2d",  "BatchNorm2d", "ReLU",        "Conv2d", "BatchNorm2d",
            "ReLU",    "Conv2d",      "BatchNorm2d", "Add",    "ReLU",
            "Conv2d",  "BatchNorm2d", "ReLU",        "Conv2d", "BatchNorm2d",
            "Conv2d",  "BatchNorm2d", "Add",         "ReLU",   "AdaptiveAvgPool2d(1)",
            "Flatten", "Linear",      "Softmax"};
        QCOMPARE(int(document.pipeline().layers.size()), int(expected.size()));
        for (int i = 0; i < int(expected.size()); ++i) {
            document.setSelectedLayer(i);
            QCOMPARE(title->text(), QStringLiteral("Layer %1: %2").arg(i + 1).arg(expected[i]));
            const bool editable = expected[i] == "Conv2d" || expected[i] == "ReLU";
            QCOMPARE(other->isVisible(), !editable);
            if (!editable)
                QVERIFY2(other->text().contains(QStringLiteral("pipeline file")),
                         qPrintable(other->text()));
        }
    }

    void typingAKernelValueRecomputesFromItsLayerOnly() {
        auto w = openMainWindow();
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        w->document()->setSelectedLayer(3); // "combinations": conv 8→8
        // Its map is shown large, at the size the view asks for: then the edit's run is the last.
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w) && w->mapView()->imageSize() == QSize(225, 150), 20000);
        QTest::qWait(100);
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        const QImage before0 = w->overview()->thumbnail({0, 0});
        const QImage before3 = w->overview()->thumbnail({3, 0});
        KernelCell* cell = w->kernelEditor()->cell(0, 1, 1);
        QVERIFY(cell);
        cell->setFocus();
        cell->selectAll();
        QTest::keyClicks(cell, QStringLiteral("-3.5"));
        QTest::keyClick(cell, Qt::Key_Return);
        const auto* conv = std::get_if<Conv2d>(&w->document()->pipeline().layers[3].op);
        QVERIFY(conv);
        QCOMPARE(conv->weights.at(0, 0, 1, 1), -3.5f);
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        const auto result = w->coordinator()->lastResult();
        QCOMPARE(result->fromLayer, 3);
        for (int i = 0; i < 3; ++i)
            QVERIFY2(!result->layers[i].recomputed, qPrintable(QString::number(i)));
        QVERIFY(result->layers[3].recomputed && result->layers[4].recomputed);
        QCOMPARE(w->overview()->thumbnail({0, 0}), before0);
        QVERIFY(w->overview()->thumbnail({3, 0}) != before3);
        QCOMPARE(w->document()->undoStack()->count(), 1);
    }

    // Undo and redo reach the document wherever the focus is: in a kernel cell after Enter, in
    // a spin box, in the Layers list. Ctrl+Y redoes too. Typing not yet entered is undone in
    // its field first.
    void undoAndRedoWorkFromAnyFocus() {
        auto w = openMainWindow();
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        auto weight = [&w] {
            return std::get<Conv2d>(w->document()->pipeline().layers[0].op).weights.at(0, 0, 1, 1);
        };
        const float original = weight();
        KernelCell* cell = w->kernelEditor()->cell(0, 1, 1);
        cell->setFocus();
        cell->selectAll();
        QTest::keyClicks(cell, QStringLiteral("2.5"));
        QTest::keyClick(cell, Qt::Key_Return);
        QCOMPARE(weight(), 2.5f);
        QVERIFY(cell->hasFocus() || QApplication::focusWidget() == nullptr);
        QTest::keyClick(cell, Qt::Key_Z, Qt::ControlModifier);
        QCOMPARE(weight(), original);
        QCOMPARE(cell->text().toFloat(), original);
        QTest::keyClick(cell, Qt::Key_Y, Qt::ControlModifier);
        QCOMPARE(weight(), 2.5f);
        QTest::keyClick(cell, Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
        QCOMPARE(weight(), 2.5f); // nothing more to redo
        // From a spin box and from the Layers list.
        QSpinBox* filter = w->kernelEditor()->filterSpin();
        QTest::keyClick(filter, Qt::Key_Z, Qt::ControlModifier);
        QCOMPARE(weight(), original);
        QTest::keyClick(w->layerStack()->list(), Qt::Key_Y, Qt::ControlModifier);
        QCOMPARE(weight(), 2.5f);
        // Typing not yet entered: Ctrl+Z takes it back in the cell, the document is untouched.
        cell->selectAll();
        QTest::keyClicks(cell, QStringLiteral("7"));
        QTest::keyClick(cell, Qt::Key_Z, Qt::ControlModifier);
        QCOMPARE(weight(), 2.5f);
        QCOMPARE(w->document()->undoStack()->index(), 1);
    }

    // Space plays and pauses the slide whenever the Sliding window tab is shown, wherever the
    // focus is (after clicking a map, in a kernel cell after Enter, on a button); behind
    // another tab it does nothing, and in a text field it types.
    void spaceTogglesTheSlideWheneverItsTabIsShown() {
        auto w = openMainWindow();
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        SlidingWindowView* slide = w->tools()->slidingWindow();
        w->findChild<QDockWidget*>(QStringLiteral("slidingWindowDock"))->raise();
        QTRY_VERIFY_WITH_TIMEOUT(slide->isVisible() && slide->isReady(), 20000);
        slide->setSpeed(2);
        auto space = [&w] {
            QWidget* focus = QApplication::focusWidget();
            QTest::keyClick(focus ? focus : w.get(), Qt::Key_Space);
        };
        // After clicking a map of the overview.
        QTest::mouseClick(w->overview(), Qt::LeftButton, {},
                          w->overview()->tileRect({0, 2}).center());
        space();
        QVERIFY(slide->isPlaying());
        space();
        QVERIFY(!slide->isPlaying());
        // In a kernel cell after Enter.
        KernelCell* cell = w->kernelEditor()->cell(0, 0, 0);
        cell->setFocus();
        QTest::keyClick(cell, Qt::Key_Return);
        space();
        QVERIFY(slide->isPlaying());
        space();
        QVERIFY(!slide->isPlaying());
        // On the Play button itself (a button of its own would take Space as a click).
        auto* play = slide->findChild<QPushButton*>(QStringLiteral("slidePlay"));
        play->setFocus();
        space();
        QVERIFY(slide->isPlaying());
        space();
        QVERIFY(!slide->isPlaying());
        // The layer's name in the properties: Space is a character there.
        auto* name = qobject_cast<QLineEdit*>(w->properties()->field(QStringLiteral("name")));
        QVERIFY(name);
        name->setFocus();
        space();
        QVERIFY(!slide->isPlaying());
        // Behind the Speed tab: nothing.
        w->findChild<QDockWidget*>(QStringLiteral("speedDock"))->raise();
        QTRY_VERIFY(!slide->isVisible());
        cell->setFocus();
        space();
        QVERIFY(!slide->isPlaying());
    }

    void addRemoveAndReorderLayers() {
        auto w = openMainWindow();
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        LayerStackPanel* stack = w->layerStack();
        w->document()->setSelectedLayer(4);
        stack->addLayer(int(NewLayerKind::AvgPool));
        QCOMPARE(w->document()->pipeline().layers.size(), std::size_t(6));
        QVERIFY(std::holds_alternative<Pool2d>(w->document()->pipeline().layers[5].op));
        QCOMPARE(stack->list()->count(), 6);
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        QCOMPARE(w->coordinator()->lastResult()->layers[5].shape, (Shape{8, 75, 112}));
        QCOMPARE(w->overview()->bandCount(), 7);

        w->document()->setSelectedLayer(0);
        stack->addLayer(int(NewLayerKind::Conv)); // identity conv after layer 0
        QCOMPARE(w->document()->pipeline().layers.size(), std::size_t(7));
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        QVERIFY(!w->coordinator()->lastResult()->error);

        stack->removeSelected();
        QCOMPARE(w->document()->pipeline().layers.size(), std::size_t(6));
        // Move the pooling (layer 3) up above the ReLU: the order changes, maps follow.
        w->document()->setSelectedLayer(2);
        stack->moveSelected(-1);
        QVERIFY(std::holds_alternative<Pool2d>(w->document()->pipeline().layers[1].op));
        QVERIFY(std::holds_alternative<Activation>(w->document()->pipeline().layers[2].op));
        QCOMPARE(stack->list()->item(1)->text(), QStringLiteral("pool1"));
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        QCOMPARE(w->coordinator()->lastResult()->layers[1].shape, (Shape{8, 150, 225}));

        stack->duplicateSelected();
        QCOMPARE(w->document()->pipeline().layers.size(), std::size_t(7));
        QCOMPARE(w->document()->undoStack()->count(), 5);
    }

    // Typing 20 in Dilation (cap 16): nothing at the first digit, and the limit is said in the
    // status bar, not silently applied.
    void aParameterTypedBeyondItsLimitSaysSo() {
        auto w = openMainWindow();
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        w->document()->setSelectedLayer(0);
        auto* dilation =
            qobject_cast<QSpinBox*>(w->properties()->field(QStringLiteral("dilation_h")));
        QVERIFY(dilation);
        QVERIFY2(dilation->toolTip().contains(QStringLiteral("1 to 16")),
                 qPrintable(dilation->toolTip()));
        const int before = w->document()->undoStack()->count();
        dilation->setFocus();
        QTRY_VERIFY(dilation->hasFocus());
        dilation->selectAll();
        QTest::keyClicks(dilation, QStringLiteral("20"));
        QCOMPARE(dilation->text(), QStringLiteral("20"));
        QCOMPARE(w->document()->undoStack()->count(), before); // nothing applied yet
        QTest::keyClick(dilation, Qt::Key_Return);
        const Conv2d& conv = std::get<Conv2d>(w->document()->pipeline().layers[0].op);
        QCOMPARE(conv.dilation.h, 16);
        const QString said = w->statusBar()->currentMessage();
        QVERIFY2(said.contains(QStringLiteral("1 to 16")) && said.contains(QStringLiteral("20")),
                 qPrintable(said));
        // A file may hold more than typing allows: shown as it is, and kept when another
        // parameter is edited (not clamped to 16 behind the user's back).
        Pipeline p = w->document()->pipeline();
        std::get<Conv2d>(p.layers[0].op).dilation = Pair{20, 1};
        w->document()->edit(QStringLiteral("from a file"), p);
        QCOMPARE(dilation->value(), 20);
        auto* stride = qobject_cast<QSpinBox*>(w->properties()->field(QStringLiteral("stride_w")));
        stride->setValue(2);
        QCOMPARE(std::get<Conv2d>(w->document()->pipeline().layers[0].op).stride.w, 2);
        QCOMPARE(std::get<Conv2d>(w->document()->pipeline().layers[0].op).dilation.h, 20);
    }

    void anInvalidParameterMarksTheLayer() {
        auto w = openMainWindow();
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        w->document()->setSelectedLayer(2); // max pool
        auto* kernelH =
            qobject_cast<QSpinBox*>(w->properties()->field(QStringLiteral("pool_kernel_h")));
        QVERIFY(kernelH);
        auto* window =
            qobject_cast<QSpinBox*>(w->properties()->field(QStringLiteral("pool_kernel_h")));
        window->setMaximum(1000);
        window->setValue(400);
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        const auto result = w->coordinator()->lastResult();
        QVERIFY(result->error);
        QCOMPARE(result->error->layer, 2);
        QCOMPARE(int(result->layers.size()), 2); // nothing after it ran
        QVERIFY(!result->error->message.isEmpty());
        QVERIFY(w->layerStack()->rowHasError(2));
        QVERIFY(!w->layerStack()->rowHasError(1));
        QVERIFY(w->layerStack()->rowDetail(3).contains(QStringLiteral("not run")));
        // Fix it: the maps come back.
        window->setValue(2);
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        QVERIFY(!w->coordinator()->lastResult()->error);
        QVERIFY(!w->layerStack()->rowHasError(2));
    }

    void undoAndRedoRestoreTheExactMaps() {
        auto w = openMainWindow();
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        w->document()->setFocus({3, 2});
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        const QImage original = w->coordinator()->lastResult()->focusImage;
        const QImage originalThumb = w->overview()->thumbnail({4, 2});
        w->document()->setSelectedLayer(3);
        w->document()->setSelectedFilter(2);
        w->kernelEditor()->applyPresetById(QStringLiteral("laplacian"));
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        const QImage edited = w->coordinator()->lastResult()->focusImage;
        QVERIFY(edited != original);
        w->document()->undoStack()->undo();
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        QCOMPARE(w->coordinator()->lastResult()->focusImage, original);
        QCOMPARE(w->overview()->thumbnail({4, 2}), originalThumb);
        w->document()->undoStack()->redo();
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        QCOMPARE(w->coordinator()->lastResult()->focusImage, edited);
    }

    void loadsAnImageByPath() {
        auto w = openMainWindow();
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        QVERIFY(w->openPath(QStringLiteral(CONVSCOPE_RESOURCES_DIR "/samples/camera.png")));
        QCOMPARE(w->document()->imageSize(), QSize(512, 512));
        QVERIFY(w->windowTitle().contains(QStringLiteral("camera.png")));
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        QCOMPARE(w->coordinator()->lastResult()->layers[0].shape, (Shape{8, 512, 512}));
        QVERIFY(!w->openPath(QStringLiteral("/nonexistent/picture.png")));
        QVERIFY(w->lastStatus().contains(QStringLiteral("picture.png")));
        // Gray input: the first conv adapts to one channel and everything still runs.
        Pipeline p = w->document()->pipeline();
        QCOMPARE(w->document()->input()->channels(), 3);
    }

    // A file that cannot be opened — from the command line, File ▸ Open, Recent files or a
    // project's image — is named in a message box with the reason; what was open stays open.
    // The box does not block (window-modal, opened), so it is read here as the user sees it.
    void brokenFilesAreNamedInAMessageBox_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("says");
        QTest::newRow("empty image") << "empty.png" << QByteArray() << "image “empty.png”";
        QTest::newRow("text as jpeg")
            << "text.jpg" << QByteArray("just some words\n") << "image “text.jpg”";
        QTest::newRow("bad pipeline")
            << "bad.json" << QByteArray("{\"layers\": [") << "pipeline “bad.json”";
        QTest::newRow("bad project")
            << "bad.convscope" << QByteArray("{\"format\": 3}") << "project “bad.convscope”";
        QTest::newRow("project, broken image")
            << "lecture.convscope" << QByteArray(R"({"format": "convscope-project", "version": 1,
                             "image": {"path": "text.jpg"},
                             "pipeline": {"format": "convscope-pipeline", "version": 1,
                                          "input": "gray", "layers": [{"type": "relu"}]}})")
            << "project “lecture.convscope”";
        QTest::newRow("missing") << "gone.png" << QByteArray() << "image “gone.png”";
    }

    void brokenFilesAreNamedInAMessageBox() {
        QFETCH(QString, name);
        QFETCH(QByteArray, bytes);
        QFETCH(QString, says);
        QTemporaryDir dir;
        QFile text(dir.filePath(QStringLiteral("text.jpg")));
        QVERIFY(text.open(QIODevice::WriteOnly));
        text.write("just some words\n");
        text.close();
        const QString path = dir.filePath(name);
        if (name != QLatin1String("gone.png") && name != QLatin1String("text.jpg")) {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(bytes);
        }
        auto w = openMainWindow();
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        const Pipeline pipeline = w->document()->pipeline();
        const QString image = w->document()->imagePath();
        const auto input = w->document()->input();
        QVERIFY(!w->openPath(path));
        QMessageBox* box = nullptr;
        QTRY_VERIFY((box = w->findChild<QMessageBox*>(QStringLiteral("fileProblemBox"))) &&
                    box->isVisible());
        QVERIFY2(box->text().contains(says), qPrintable(box->text()));
        QVERIFY(!box->informativeText().isEmpty());
        QVERIFY2(!box->informativeText().startsWith(path), qPrintable(box->informativeText()));
        QCOMPARE(box->windowModality(), Qt::WindowModal);
        QVERIFY(w->lastStatus().contains(name));
        // What was open stays open.
        QCOMPARE(w->document()->pipeline(), pipeline);
        QCOMPARE(w->document()->imagePath(), image);
        QCOMPARE(w->document()->input(), input);
        QVERIFY(!w->isWindowModified());
        box->button(QMessageBox::Ok)->click();
        QTRY_VERIFY(!w->findChild<QMessageBox*>(QStringLiteral("fileProblemBox")));
    }

    // Named on the command line, a broken file is reported once the window is on screen; two
    // are reported one after the other; the open dialog's failures reach the same box.
    void brokenFilesAtStartAreReportedOnceShown() {
        QTemporaryDir dir;
        const QString empty = dir.filePath(QStringLiteral("empty.png"));
        QFile file(empty);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.close();
        auto w = openMainWindow(QSize(1400, 900), false);
        w->hide();
        w->openDefaults();
        QVERIFY(!w->openPath(empty, MainWindow::OpenReason::CommandLine));
        QVERIFY(!w->openPath(dir.filePath(QStringLiteral("bad.json")),
                             MainWindow::OpenReason::CommandLine));
        QTest::qWait(20);
        QVERIFY(!w->findChild<QMessageBox*>(QStringLiteral("fileProblemBox")));
        w->show();
        QMessageBox* box = nullptr;
        QTRY_VERIFY((box = w->findChild<QMessageBox*>(QStringLiteral("fileProblemBox"))) &&
                    box->isVisible());
        QVERIFY(box->text().contains(QStringLiteral("empty.png")));
        box->button(QMessageBox::Ok)->click();
        QTRY_VERIFY((box = w->findChild<QMessageBox*>(QStringLiteral("fileProblemBox"))) &&
                    box->isVisible() && box->text().contains(QStringLiteral("bad.json")));
        QVERIFY(
            box->informativeText().contains(QStringLiteral("no such file"), Qt::CaseInsensitive));
        box->button(QMessageBox::Ok)->click();
        QTRY_VERIFY(!w->findChild<QMessageBox*>(QStringLiteral("fileProblemBox")));
        Q_EMIT w->tools()->project()->openFailed(dir.filePath(QStringLiteral("x.convscope")),
                                                 QStringLiteral("not a project"));
        QTRY_VERIFY((box = w->findChild<QMessageBox*>(QStringLiteral("fileProblemBox"))) &&
                    box->text().contains(QStringLiteral("project “x.convscope”")));
        QCOMPARE(box->informativeText(), QStringLiteral("Not a project."));
        box->button(QMessageBox::Ok)->click();
    }

    // Presentation mode (View, F11): full screen, large type and cells, only the layers, the
    // large map and the kernel editor; Esc brings back the layout as it was.
    void presentationModeShowsWhatTheRoomNeeds() {
        auto w = openMainWindow();
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        auto* action = w->findChild<QAction*>(QStringLiteral("presentationMode"));
        QVERIFY(action && action->isCheckable());
        QCOMPARE(action->shortcut(), QKeySequence(Qt::Key_F11));
        const QSize cell = w->kernelEditor()->cell(0, 0, 0)->size();
        const qreal points = w->layerStack()->font().pointSizeF();
        QVERIFY(w->speedPanel()->isVisible() && w->overview()->isVisible());

        w->kernelEditor()->cell(0, 0, 0)->setFocus();
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_F11);
        QVERIFY(w->isPresenting());
        QVERIFY(action->isChecked());
        QVERIFY(w->windowState() & Qt::WindowFullScreen);
        QTRY_VERIFY(!w->speedPanel()->isVisible());
        QVERIFY(w->layerStack()->isVisible());
        QVERIFY(w->mapView()->isVisible());
        QVERIFY(w->kernelEditor()->isVisible());
        QVERIFY(!w->overview()->isVisible());
        QVERIFY(!w->properties()->isVisible());
        QVERIFY(!w->statusBar()->isVisible());
        QVERIFY(!w->findChild<QToolBar*>(QStringLiteral("mainToolBar"))->isVisible());
        for (QDockWidget* dock : w->tools()->docks())
            QVERIFY2(!dock->isVisible(), qPrintable(dock->objectName()));
        QVERIFY(w->layerStack()->font().pointSizeF() >= 1.5 * points);
        QVERIFY(w->kernelEditor()->cell(0, 0, 0)->width() >= 1.5 * cell.width());
        QVERIFY(w->kernelEditor()->cell(0, 0, 0)->height() >= 1.5 * cell.height());

        QTest::keyClick(QApplication::focusWidget() ? QApplication::focusWidget() : w.get(),
                        Qt::Key_Escape);
        QVERIFY(!w->isPresenting());
        QVERIFY(!action->isChecked());
        QVERIFY(!(w->windowState() & Qt::WindowFullScreen));
        QTRY_VERIFY(w->speedPanel()->isVisible());
        QVERIFY(w->overview()->isVisible());
        QVERIFY(w->properties()->isVisible());
        QVERIFY(w->statusBar()->isVisible());
        QCOMPARE(w->layerStack()->font().pointSizeF(), points);
        QCOMPARE(w->kernelEditor()->cell(0, 0, 0)->size(), cell);
        // F11 toggles both ways.
        QTest::keyClick(w.get(), Qt::Key_F11);
        QVERIFY(w->isPresenting());
        QTest::keyClick(w.get(), Qt::Key_F11);
        QVERIFY(!w->isPresenting());
    }

    // The first screen says what to do next, until the user has done it.
    void theFirstScreenSaysClickAMap() {
        QSettings().remove(QStringLiteral("firstStepTaken"));
        auto w = openMainWindow();
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        QLabel* hint = w->firstStepHint();
        QVERIFY(hint->isVisible());
        QCOMPARE(hint->text(), QStringLiteral("Click a map to edit the filter that made it"));
        QVERIFY(hint->geometry().bottom() <= w->overviewScroll()->geometry().top());
        QTest::mouseClick(w->overview(), Qt::LeftButton, {},
                          w->overview()->tileRect({0, 3}).center());
        QVERIFY(!hint->isVisible());
        QCOMPARE(w->document()->focus(), (MapId{0, 3}));
        auto again = openMainWindow();
        QVERIFY(!again->firstStepHint()->isVisible());
        QSettings().remove(QStringLiteral("firstStepTaken"));
    }

    // Help lists every key from the window's own actions, and walks the tour in the app.
    void helpHasShortcutsAndGettingStarted() {
        auto w = openMainWindow();
        QMenu* help = nullptr;
        for (QAction* a : w->menuBar()->actions())
            if (a->text() == QStringLiteral("&Help"))
                help = a->menu();
        QVERIFY(help);
        QAction* keys = nullptr;
        QAction* tour = nullptr;
        for (QAction* a : help->actions()) {
            if (a->text() == QStringLiteral("&Keyboard shortcuts"))
                keys = a;
            if (a->text() == QStringLiteral("&Getting started"))
                tour = a;
        }
        QVERIFY(keys && tour);
        keys->trigger();
        auto* dialog = w->findChild<ShortcutsDialog*>(QStringLiteral("shortcutsDialog"));
        QVERIFY(dialog && dialog->isVisible());
        QMap<QString, QString> listed;
        for (int row = 0; row < dialog->table()->rowCount(); ++row)
            listed[dialog->table()->item(row, 0)->text()] = dialog->table()->item(row, 1)->text();
        auto keysFor = [&listed](const QString& what) {
            for (auto it = listed.begin(); it != listed.end(); ++it)
                if (it.key().contains(what))
                    return it.value();
            return QString();
        };
        QVERIFY2(keysFor(QStringLiteral("Edit ▸ Undo")).contains(QStringLiteral("Ctrl+Z")),
                 qPrintable(QStringList(listed.keys()).join(QLatin1Char('|'))));
        QVERIFY(keysFor(QStringLiteral("Edit ▸ Redo")).contains(QStringLiteral("Ctrl+Y")));
        QCOMPARE(keysFor(QStringLiteral("View ▸ Presentation mode")), QStringLiteral("F11"));
        QCOMPARE(keysFor(QStringLiteral("Leave presentation mode")), QStringLiteral("Esc"));
        QCOMPARE(keysFor(QStringLiteral("sliding window")), QStringLiteral("Space"));
        QVERIFY(keysFor(QStringLiteral("Open image")).contains(QStringLiteral("Ctrl+O")));
        dialog->close();

        tour->trigger();
        auto* page = w->findChild<GettingStartedDialog*>(QStringLiteral("gettingStartedDialog"));
        QVERIFY(page && page->isVisible());
        const QString text = page->browser()->toPlainText();
        QVERIFY2(text.contains(QStringLiteral("Click a map of layer 1")),
                 qPrintable(text.left(200)));
        for (const QString& step : {QStringLiteral("preset"), QStringLiteral("Max pooling"),
                                    QStringLiteral("normalisation"), QStringLiteral("Speed panel"),
                                    QStringLiteral("Presentation mode")})
            QVERIFY2(text.contains(step), qPrintable(step));
        QVERIFY(!text.contains(QStringLiteral("**"))); // rendered, not shown as source
        page->close();
    }

    // With --dark, an unticked check box is still a box: its outline stands out from the base.
    void uncheckedBoxesShowOnTheDarkPalette() {
        std::unique_ptr<QStyle> style(createAppStyle());
        const QPalette dark = darkPalette();
        QCheckBox box(QStringLiteral("Bias"));
        box.setStyle(style.get());
        box.setPalette(dark);
        box.resize(box.sizeHint());
        QVERIFY(!box.isChecked());
        const QImage picture = box.grab().toImage();
        QStyleOptionButton option;
        option.initFrom(&box);
        const QRect indicator = style->subElementRect(QStyle::SE_CheckBoxIndicator, &option, &box);
        QVERIFY(!indicator.isEmpty());
        const int base = dark.color(QPalette::Base).lightness();
        int contrast = 0;
        auto look = [&](int x, int y) {
            contrast = std::max(contrast, std::abs(picture.pixelColor(x, y).lightness() - base));
        };
        for (int x = indicator.left(); x <= indicator.right(); ++x) {
            look(x, indicator.top());
            look(x, indicator.bottom());
        }
        for (int y = indicator.top(); y <= indicator.bottom(); ++y) {
            look(indicator.left(), y);
            look(indicator.right(), y);
        }
        QVERIFY2(contrast >= 60, qPrintable(QString::number(contrast)));
    }

    // Two recent files of the same name are told apart by their folders.
    void recentFilesOfTheSameNameShowTheirFolders() {
        QTemporaryDir dir;
        QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("a")));
        QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("b")));
        const QString sample = QStringLiteral(CONVSCOPE_RESOURCES_DIR "/samples/coins.png");
        for (const QString& folder : {QStringLiteral("a"), QStringLiteral("b")})
            QVERIFY(QFile::copy(sample, dir.filePath(folder + QStringLiteral("/pasted.png"))));
        QVERIFY(QFile::copy(sample, dir.filePath(QStringLiteral("a/other.png"))));
        auto w = openMainWindow();
        QVERIFY(w->openPath(dir.filePath(QStringLiteral("a/pasted.png"))));
        QVERIFY(w->openPath(dir.filePath(QStringLiteral("b/pasted.png"))));
        QVERIFY(w->openPath(dir.filePath(QStringLiteral("a/other.png"))));
        auto* menu = w->findChild<QMenu*>(QStringLiteral("recentMenu"));
        QVERIFY(menu);
        QStringList labels;
        for (QAction* a : menu->actions())
            labels.append(a->text());
        QVERIFY(labels.size() >= 3);
        const QString a = QDir::toNativeSeparators(dir.filePath(QStringLiteral("a")));
        const QString b = QDir::toNativeSeparators(dir.filePath(QStringLiteral("b")));
        QCOMPARE(labels[0], QStringLiteral("&1 other.png"));
        QCOMPARE(labels[1], QStringLiteral("&2 pasted.png — %1").arg(b));
        QCOMPARE(labels[2], QStringLiteral("&3 pasted.png — %1").arg(a));
        QVERIFY(menu->toolTipsVisible());
        QSettings().remove(QStringLiteral("recentFiles"));
    }

    // Closing a window with unsaved edits: its document's undo stack clears itself as it goes
    // and must not announce it, since the window's title and the project's marker that listen
    // are half destroyed by then (UBSan: a member call on a QWidget that is no MainWindow any
    // more). Under LeakSanitizer this test also catches what the window makes and never frees.
    void closingAWindowWithUnsavedEditsCallsNothingBack() {
        auto w = openMainWindow();
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        w->document()->setSelectedLayer(0);
        w->kernelEditor()->applyPresetById(QStringLiteral("laplacian"));
        QVERIFY(!w->document()->undoStack()->isClean());
        int announcements = 0;
        QObject listener;
        connect(w->document()->undoStack(), &QUndoStack::cleanChanged, &listener,
                [&announcements] { ++announcements; });
        w.reset();
        QCOMPARE(announcements, 0);
    }

    // An image whose maps would not fit the memory budget: the window says so with the figures
    // and offers a scaled copy instead of running out of memory.
    void anImageBeyondTheBudgetOffersAScaledCopy() {
        auto w = openMainWindow();
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        set_memory_budget(60'000'000); // chelsea.png (451 × 300) needs about 16 MB, camera 30
        QTemporaryDir dir;
        const QString big = dir.filePath(QStringLiteral("big.png"));
        QVERIFY(QImage(QStringLiteral(CONVSCOPE_RESOURCES_DIR "/samples/camera.png"))
                    .scaled(1600, 1600)
                    .save(big));
        w->setInteractive(true);
        QString text;
        auto answer = [&](QMessageBox::StandardButton button) {
            QTimer::singleShot(50, [&text, button] {
                auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
                if (!box)
                    return;
                text = box->text() + QLatin1Char(' ') + box->informativeText();
                box->button(button)->click();
            });
        };
        answer(QMessageBox::Cancel);
        QVERIFY(!w->openPath(big));
        QVERIFY2(text.contains(QStringLiteral("memory budget of 60.0 MB")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("1600 × 1600")), qPrintable(text));
        QCOMPARE(w->document()->imageSize(), QSize(451, 300)); // still the sample

        answer(QMessageBox::Yes);
        QVERIFY(w->openPath(big));
        QVERIFY(w->document()->imageSize().width() < 1600);
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        QVERIFY(!w->coordinator()->lastResult()->error); // the copy fits: every layer runs
        w->setInteractive(false);
        set_memory_budget(0);
    }

    // Layers whose maps would not fit the budget do not run: the first of them says why, as a
    // layer with a bad parameter does, and the ones before it still show.
    void layersBeyondTheBudgetDoNotRun() {
        auto w = openMainWindow();
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        set_memory_budget(10'000'000); // conv1 and relu1 take 4.5 MB each on the sample
        Pipeline p = w->document()->pipeline();
        std::get<Conv2d>(p.layers[0].op).weights.values.write()[0] += 0.5f;
        w->document()->edit(QStringLiteral("edit"), p);
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w) && w->coordinator()->lastResult()->error &&
                                     w->coordinator()->lastResult()->error->layer >= 0,
                                 20000);
        const auto result = w->coordinator()->lastResult();
        const RunError& error = *result->error;
        QVERIFY2(error.message.contains(QStringLiteral("not enough memory")) &&
                     error.message.contains(QStringLiteral("memory budget of 10.0 MB")),
                 qPrintable(error.message));
        QVERIFY(error.layer >= 1 && error.layer <= 3);
        QCOMPARE(int(result->shapes.size()), error.layer);
        // The references are timed on the layers that ran, not refused for the ones that did not.
        QTRY_VERIFY_WITH_TIMEOUT(w->coordinator()->lastReference() &&
                                     w->coordinator()->lastReference()->generation ==
                                         result->generation,
                                 20000);
        const auto reference = w->coordinator()->lastReference();
        QVERIFY2(reference->failure.isEmpty(), qPrintable(reference->failure));
        QCOMPARE(int(reference->fastMs.size()), error.layer);
        set_memory_budget(0);
    }

    void theSpeedPanelShowsNumbers() {
        auto w = openMainWindow();
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        SpeedPanel* speed = w->speedPanel();
        QTRY_VERIFY_WITH_TIMEOUT(speed->cellText(0, 3) != QStringLiteral("—") &&
                                     !speed->cellText(0, 3).isEmpty(),
                                 30000);
        bool ok = false;
        QVERIFY(speed->cellText(0, 2).toDouble(&ok) > 0 && ok);
        QVERIFY(speed->cellText(0, 3).toDouble(&ok) > 0 && ok);
        QVERIFY(speed->cellText(0, 4).endsWith(QStringLiteral("×")));
        // OpenCV's time names its peer: the 3 → 8 conv is a network layer, DNN's; so is the
        // total, the whole stack as one DNN net.
        QTRY_VERIFY_WITH_TIMEOUT(speed->cellText(0, 5).endsWith(QStringLiteral(" DNN")), 30000);
        QVERIFY(speed->cellText(0, 5).section(QLatin1Char(' '), 0, 0).toDouble(&ok) > 0 && ok);
        QVERIFY(speed->table()->item(0, 5)->toolTip().contains(QStringLiteral("DNN")));
        QCOMPARE(speed->cellText(5, 0), QStringLiteral("Total"));
        QVERIFY2(speed->cellText(5, 5).endsWith(QStringLiteral(" DNN")),
                 qPrintable(speed->cellText(5, 5)));
        QVERIFY(speed->table()->item(5, 5)->toolTip().contains(QStringLiteral("one network")));
        // The conv's engine time holds the work of the layers fused into it (here the ReLU and
        // the pooling after it): its speedup is against OpenCV's time for all of them.
        {
            const auto ref = w->coordinator()->lastReference();
            QVERIFY(ref->fastKernels.value(1) == QStringLiteral("fused-into-conv"));
            double group = *ref->opencv[0].ms;
            for (int j = 1; j < 5 && ref->fastKernels.value(j) == QStringLiteral("fused-into-conv");
                 ++j)
                group += *ref->opencv[j].ms;
            const double f = group / ref->fastMs[0];
            QCOMPARE(speed->cellText(0, 6), QStringLiteral("%1×").arg(f, 0, 'f', f < 10 ? 1 : 0));
            QVERIFY(speed->table()->item(0, 6)->toolTip().contains(QStringLiteral("fused")));
        }
        // A row without a peer shows none and says why; the total then sums the rows that have.
        auto noPeer = std::make_shared<ReferenceTimings>(*w->coordinator()->lastReference());
        noPeer->opencv[1] = {OpenCvPeer::None, std::nullopt, "no such layer in OpenCV"};
        noPeer->opencvNet = {OpenCvPeer::None, std::nullopt, "layer 2 (relu1): no such layer"};
        w->coordinator()->disconnect(speed);
        speed->setReference(noPeer);
        QTRY_COMPARE(speed->cellText(1, 5), QStringLiteral("—"));
        QVERIFY2(speed->table()->item(1, 5)->toolTip().contains(
                     QStringLiteral("no such layer in OpenCV")),
                 qPrintable(speed->table()->item(1, 5)->toolTip()));
        QVERIFY(!speed->cellText(5, 5).endsWith(QStringLiteral("DNN")));
        QVERIFY(speed->table()->item(5, 5)->toolTip().contains(QStringLiteral("4 of 5 layers")));
        // The naive live switch runs the view on the reference.
        speed->naiveLiveSwitch()->setChecked(true);
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 30000);
        QCOMPARE(w->coordinator()->lastResult()->backend, QStringLiteral("naive"));
    }

    // Add ▸ Max pooling or a drag re-runs only from the changed layer: the layers before it
    // keep the time they took, none reads 0.00 ms.
    void theSpeedPanelKeepsTheTimesOfLayersThatDidNotRerun() {
        auto w = openMainWindow();
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        SpeedPanel* speed = w->speedPanel();
        const auto everyLayerTimed = [&] {
            const int n = int(w->document()->pipeline().layers.size());
            if (speed->cellText(n, 0) != QStringLiteral("Total"))
                return false; // the table has not caught up yet
            for (int i = 0; i < n; ++i) {
                bool ok = false;
                const QString text = speed->cellText(i, 2);
                if (text != QStringLiteral("fused") && text != QStringLiteral("< 0.01") &&
                    !(text.toDouble(&ok) > 0 && ok))
                    return false;
            }
            return true;
        };
        QTRY_VERIFY_WITH_TIMEOUT(everyLayerTimed(), 20000);
        // After the conv: the live run starts at the pooling, the warm reference runs (a few
        // seconds later) fuse it into the conv.
        w->document()->setSelectedLayer(0);
        w->layerStack()->addLayer(int(NewLayerKind::MaxPool));
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        QTest::qWait(400);
        QVERIFY2(everyLayerTimed(), qPrintable(speed->cellText(1, 2)));
        QTRY_VERIFY_WITH_TIMEOUT(speed->cellText(1, 1) == QStringLiteral("fused-into-conv"), 20000);
        QVERIFY2(everyLayerTimed(), qPrintable(speed->cellText(1, 2)));
        // Dragged up (as the list's drag and drop does): times now, and once warm again.
        w->document()->setSelectedLayer(3);
        w->layerStack()->moveSelected(-1);
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        QTest::qWait(400); // the table's rebuild, at most a few a second
        QVERIFY2(everyLayerTimed(), qPrintable(speed->cellText(2, 2)));
        QTest::qWait(3000);
        QVERIFY2(everyLayerTimed(), qPrintable(speed->cellText(2, 2)));
    }

    void oneEditRunsTheEngineOnceWithTheValuePanelsOpen() {
        auto computed = std::make_shared<std::atomic<int>>(0);
        auto w = windowWithBackends([computed](BackendKind) {
            auto backend = std::make_unique<test::CountingBackend>();
            backend->computed = computed;
            return backend;
        });
        // Every panel that reads values open at once: each tab brought forward and detached, as
        // a user would, so none hides behind another.
        for (const char* name :
             {"statisticsDock", "inspectorDock", "compareDock", "slidingWindowDock"}) {
            auto* dock = w->findChild<QDockWidget*>(QString::fromLatin1(name));
            QVERIFY(dock);
            dock->raise();
            QTRY_VERIFY(dock->widget()->isVisible());
            dock->setFloating(true);
        }
        ExplainTools* tools = w->tools();
        QTRY_VERIFY(tools->statistics()->isVisible() && tools->inspector()->isVisible() &&
                    tools->compare()->isVisible() && tools->slidingWindow()->isVisible());
        w->document()->setSelectedLayer(0);
        w->document()->setFocus({0, 1});
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w) && tools->data()->isCurrent(), 20000);
        tools->inspector()->pinAt(QPoint(100, 80));
        tools->compare()->pinCurrent();
        QTRY_VERIFY_WITH_TIMEOUT(
            tools->compare()->hasPin() && tools->statistics()->shownStatistics(), 20000);
        const int before = computed->load();
        QCOMPARE(before, 5); // the first run: each layer once

        // One edit: a weight of the first layer, typed into the kernel editor.
        KernelCell* cell = w->kernelEditor()->cell(0, 1, 0);
        cell->setFocus();
        cell->selectAll();
        QTest::keyClicks(cell, QStringLiteral("-0.5"));
        QTest::keyClick(cell, Qt::Key_Return);
        const quint64 revision = w->document()->revision();
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w) && tools->data()->isCurrent() &&
                                     tools->statistics()->shownSerial() == revision,
                                 20000);
        QTest::qWait(300); // room for a second run, if anything were to start one
        // Every layer from the edited one, once: one engine run for the view and every panel.
        QCOMPARE(computed->load(), before + 5);
        // The panels' numbers are that run's maps (its kernel name says which engine made them).
        const auto snapshot = tools->data()->snapshot();
        QCOMPARE(snapshot->revision, revision);
        QVERIFY(snapshot->run.layers[0].kernel == "counting");
        QTRY_COMPARE(tools->inspector()->mapValue().value_or(NAN),
                     double(snapshot->maps(0)->at(1, 80, 100)));
    }

    void aPipelineFailingMidStackClearsTheBusyStateAndShowsTheError() {
        auto w = windowWithBackends([](BackendKind) {
            return std::make_unique<test::FailingBackend>(
                "combinations",
                [] { throw PipelineError(3, "weights", "too many weights for this backend"); },
                std::chrono::milliseconds(400));
        });
        auto* busy = w->findChild<QProgressBar*>();
        QVERIFY(busy);
        QTRY_VERIFY_WITH_TIMEOUT(busy->isVisible(), 20000); // the run takes a while
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        QVERIFY(!busy->isVisible());
        QVERIFY2(w->lastStatus().contains(QStringLiteral("Layer 4 cannot run")),
                 qPrintable(w->lastStatus()));
        QVERIFY(w->lastStatus().contains(QStringLiteral("too many weights")));
        QVERIFY(w->layerStack()->rowHasError(3));
        QVERIFY(w->layerStack()->rowDetail(3).contains(QStringLiteral("too many weights")));
    }

    void anUnexpectedExceptionReachesTheUserAsAMessage() {
        auto w = windowWithBackends([](BackendKind) {
            return std::make_unique<test::FailingBackend>(
                "pool1", [] { throw std::runtime_error("the kernel exploded"); });
        });
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        QVERIFY2(w->lastStatus().contains(QStringLiteral("the kernel exploded")),
                 qPrintable(w->lastStatus()));
        // The overview says so where the maps would be, and the window lives on.
        bool shown = false;
        for (int b = 0; b < w->overview()->bandCount(); ++b)
            shown = shown || w->overview()->bandTitle(b) == QStringLiteral("Pipeline");
        QVERIFY(shown);
        QVERIFY(w->isVisible());
        w->document()->setFocus({-1, 0});
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
    }

    void oneAddLayerMenuOneThumbnailRuleEngineNames() {
        auto w = openMainWindow();
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        // The Edit menu's "Add layer" is the layer stack's own menu.
        QMenu* stackMenu = w->layerStack()->addLayerMenu();
        bool found = false;
        for (QAction* menu : w->menuBar()->actions())
            if (menu->menu())
                for (QAction* a : menu->menu()->actions())
                    found = found || a->menu() == stackMenu;
        QVERIFY(found);
        QCOMPARE(stackMenu->actions().size(), qsizetype(newLayerChoices().size()));
        // The thumbnails follow the tile size through one rule.
        QCOMPARE(w->coordinator()->thumbnailSize(), w->overview()->thumbnailSize());
        w->overview()->setTileHeight(w->overview()->tileHeight() + 32);
        QCOMPARE(w->coordinator()->thumbnailSize(), w->overview()->thumbnailSize());
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        const QImage thumb = w->overview()->thumbnail({0, 0});
        QCOMPARE(std::max(thumb.width(), thumb.height()), w->overview()->thumbnailSize());
        // Padding modes are the engine's names, in its order.
        w->document()->setSelectedLayer(0);
        auto* modes =
            qobject_cast<QComboBox*>(w->properties()->field(QStringLiteral("padding_mode")));
        QVERIFY(modes);
        QCOMPARE(modes->count(), int(std::size(kPaddingModes)));
        for (int i = 0; i < modes->count(); ++i)
            QCOMPARE(modes->itemText(i), engineName(to_string(kPaddingModes[i])));
    }

    void panelsBehindATabAskForNoValues() {
        // Docks behind another tab are only moved off screen: their panels must not keep the
        // engine's maps (which would cost it its buffer reuse on every edit).
        auto w = openMainWindow();
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 20000);
        ExplainTools* tools = w->tools();
        QVERIFY(!tools->statistics()->isVisible());
        QVERIFY(!tools->data()->isWanted());
        QVERIFY(!w->coordinator()->keepMaps());
        QVERIFY(!w->coordinator()->lastResult()->maps);
        // Bring the statistics forward: it wants values, gets the live run's, shows them.
        w->findChild<QDockWidget*>(QStringLiteral("statisticsDock"))->raise();
        QTRY_VERIFY(tools->statistics()->isVisible());
        QVERIFY(tools->data()->isWanted());
        QTRY_VERIFY_WITH_TIMEOUT(
            tools->data()->isCurrent() && tools->statistics()->shownStatistics(), 20000);
        // And back behind the kernel editor: the maps are let go.
        w->findChild<QDockWidget*>(QStringLiteral("kernelDock"))->raise();
        QTRY_VERIFY(!tools->statistics()->isVisible());
        QVERIFY(!tools->data()->isWanted());
        QVERIFY(!tools->data()->snapshot());
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
