// The main window, driven through its real widgets offscreen.

#include "document.hpp"
#include "feature_map_overview.hpp"
#include "feature_map_view.hpp"
#include "kernel_editor.hpp"
#include "layer_properties_panel.hpp"
#include "layer_stack_panel.hpp"
#include "main_window.hpp"
#include "pipeline_edit.hpp"
#include "render_coordinator.hpp"
#include "speed_panel.hpp"

#include <QCheckBox>
#include <QListWidget>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTest>

using namespace convscope;
using namespace convscope::ui;

namespace {

bool idle(MainWindow& w) {
    return w.coordinator()->isIdle();
}

std::shared_ptr<MainWindow> makeWindow() {
    auto w = std::make_shared<MainWindow>();
    w->setInteractive(false);
    w->resize(1400, 900);
    w->openDefaults();
    w->show();
    return w;
}

} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        qputenv("CONVSCOPE_RESOURCES", CONVSCOPE_RESOURCES_DIR);
    }

    void startsOnTheSampleWithMaps() {
        auto w = makeWindow();
        QVERIFY(w->windowTitle().contains(QStringLiteral("ConvScope")));
        QTRY_VERIFY_WITH_TIMEOUT(idle(*w), 20000);
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

    void theLargeViewGetsDetailWhenZoomedIn() {
        auto w = makeWindow();
        QTRY_VERIFY_WITH_TIMEOUT(idle(*w), 20000);
        QVERIFY(w->openPath(QStringLiteral(CONVSCOPE_RESOURCES_DIR "/samples/rocket-large.jpg")));
        w->document()->setFocus({0, 0});
        QTRY_VERIFY_WITH_TIMEOUT(
            idle(*w) && w->mapView()->imageSize() == QSize(w->document()->imageSize()), 20000);
        // Fitted, the picture is made at the size it is shown at; the view still speaks in map
        // pixels.
        auto nearlyWanted = [&w] {
            const QSize made = w->coordinator()->lastResult()->focusImage.size();
            const QSize wanted = w->mapView()->wantedPictureSize();
            return std::abs(made.width() - wanted.width()) <= 1 &&
                   std::abs(made.height() - wanted.height()) <= 1;
        };
        QTRY_VERIFY_WITH_TIMEOUT(idle(*w) && nearlyWanted(), 20000);
        const QSize fitted = w->coordinator()->lastResult()->focusImage.size();
        QVERIFY(fitted.width() < w->document()->imageSize().width());
        // Zoomed in, more detail arrives (nothing recomputed).
        for (int i = 0; i < 4; ++i)
            w->mapView()->zoomIn();
        QTRY_VERIFY_WITH_TIMEOUT(
            idle(*w) && w->coordinator()->lastResult()->focusImage.width() > fitted.width(), 20000);
        QCOMPARE(w->coordinator()->lastResult()->fromLayer, 5);
        QCOMPARE(w->mapView()->imageSize(), w->document()->imageSize());
    }

    void typingAKernelValueRecomputesFromItsLayerOnly() {
        auto w = makeWindow();
        QTRY_VERIFY_WITH_TIMEOUT(idle(*w), 20000);
        w->document()->setSelectedLayer(3); // "combinations": conv 8→8
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
        QTRY_VERIFY_WITH_TIMEOUT(idle(*w), 20000);
        const auto result = w->coordinator()->lastResult();
        QCOMPARE(result->fromLayer, 3);
        for (int i = 0; i < 3; ++i)
            QVERIFY2(!result->layers[i].recomputed, qPrintable(QString::number(i)));
        QVERIFY(result->layers[3].recomputed && result->layers[4].recomputed);
        QCOMPARE(w->overview()->thumbnail({0, 0}), before0);
        QVERIFY(w->overview()->thumbnail({3, 0}) != before3);
        QCOMPARE(w->document()->undoStack()->count(), 1);
    }

    void addRemoveAndReorderLayers() {
        auto w = makeWindow();
        QTRY_VERIFY_WITH_TIMEOUT(idle(*w), 20000);
        LayerStackPanel* stack = w->layerStack();
        w->document()->setSelectedLayer(4);
        stack->addLayer(int(NewLayerKind::AvgPool));
        QCOMPARE(w->document()->pipeline().layers.size(), std::size_t(6));
        QVERIFY(std::holds_alternative<Pool2d>(w->document()->pipeline().layers[5].op));
        QCOMPARE(stack->list()->count(), 6);
        QTRY_VERIFY_WITH_TIMEOUT(idle(*w), 20000);
        QCOMPARE(w->coordinator()->lastResult()->layers[5].shape, (Shape{8, 75, 112}));
        QCOMPARE(w->overview()->bandCount(), 7);

        w->document()->setSelectedLayer(0);
        stack->addLayer(int(NewLayerKind::Conv)); // identity conv after layer 0
        QCOMPARE(w->document()->pipeline().layers.size(), std::size_t(7));
        QTRY_VERIFY_WITH_TIMEOUT(idle(*w), 20000);
        QVERIFY(!w->coordinator()->lastResult()->error);

        stack->removeSelected();
        QCOMPARE(w->document()->pipeline().layers.size(), std::size_t(6));
        // Move the pooling (layer 3) up above the ReLU: the order changes, maps follow.
        w->document()->setSelectedLayer(2);
        stack->moveSelected(-1);
        QVERIFY(std::holds_alternative<Pool2d>(w->document()->pipeline().layers[1].op));
        QVERIFY(std::holds_alternative<Activation>(w->document()->pipeline().layers[2].op));
        QCOMPARE(stack->list()->item(1)->text(), QStringLiteral("pool1"));
        QTRY_VERIFY_WITH_TIMEOUT(idle(*w), 20000);
        QCOMPARE(w->coordinator()->lastResult()->layers[1].shape, (Shape{8, 150, 225}));

        stack->duplicateSelected();
        QCOMPARE(w->document()->pipeline().layers.size(), std::size_t(7));
        QCOMPARE(w->document()->undoStack()->count(), 5);
    }

    void anInvalidParameterMarksTheLayer() {
        auto w = makeWindow();
        QTRY_VERIFY_WITH_TIMEOUT(idle(*w), 20000);
        w->document()->setSelectedLayer(2); // max pool
        auto* kernelH =
            qobject_cast<QSpinBox*>(w->properties()->field(QStringLiteral("pool_kernel_h")));
        QVERIFY(kernelH);
        auto* window =
            qobject_cast<QSpinBox*>(w->properties()->field(QStringLiteral("pool_kernel_h")));
        window->setMaximum(1000);
        window->setValue(400);
        QTRY_VERIFY_WITH_TIMEOUT(idle(*w), 20000);
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
        QTRY_VERIFY_WITH_TIMEOUT(idle(*w), 20000);
        QVERIFY(!w->coordinator()->lastResult()->error);
        QVERIFY(!w->layerStack()->rowHasError(2));
    }

    void undoAndRedoRestoreTheExactMaps() {
        auto w = makeWindow();
        QTRY_VERIFY_WITH_TIMEOUT(idle(*w), 20000);
        w->document()->setFocus({3, 2});
        QTRY_VERIFY_WITH_TIMEOUT(idle(*w), 20000);
        const QImage original = w->coordinator()->lastResult()->focusImage;
        const QImage originalThumb = w->overview()->thumbnail({4, 2});
        w->document()->setSelectedLayer(3);
        w->document()->setSelectedFilter(2);
        w->kernelEditor()->applyPresetById(QStringLiteral("laplacian"));
        QTRY_VERIFY_WITH_TIMEOUT(idle(*w), 20000);
        const QImage edited = w->coordinator()->lastResult()->focusImage;
        QVERIFY(edited != original);
        w->document()->undoStack()->undo();
        QTRY_VERIFY_WITH_TIMEOUT(idle(*w), 20000);
        QCOMPARE(w->coordinator()->lastResult()->focusImage, original);
        QCOMPARE(w->overview()->thumbnail({4, 2}), originalThumb);
        w->document()->undoStack()->redo();
        QTRY_VERIFY_WITH_TIMEOUT(idle(*w), 20000);
        QCOMPARE(w->coordinator()->lastResult()->focusImage, edited);
    }

    void loadsAnImageByPath() {
        auto w = makeWindow();
        QTRY_VERIFY_WITH_TIMEOUT(idle(*w), 20000);
        QVERIFY(w->openPath(QStringLiteral(CONVSCOPE_RESOURCES_DIR "/samples/camera.png")));
        QCOMPARE(w->document()->imageSize(), QSize(512, 512));
        QVERIFY(w->windowTitle().contains(QStringLiteral("camera.png")));
        QTRY_VERIFY_WITH_TIMEOUT(idle(*w), 20000);
        QCOMPARE(w->coordinator()->lastResult()->layers[0].shape, (Shape{8, 512, 512}));
        QVERIFY(!w->openPath(QStringLiteral("/nonexistent/picture.png")));
        QVERIFY(w->lastStatus().contains(QStringLiteral("picture.png")));
        // Gray input: the first conv adapts to one channel and everything still runs.
        Pipeline p = w->document()->pipeline();
        QCOMPARE(w->document()->input()->channels(), 3);
    }

    void theSpeedPanelShowsNumbers() {
        auto w = makeWindow();
        QTRY_VERIFY_WITH_TIMEOUT(idle(*w), 20000);
        SpeedPanel* speed = w->speedPanel();
        QTRY_VERIFY_WITH_TIMEOUT(speed->cellText(0, 3) != QStringLiteral("—") &&
                                     !speed->cellText(0, 3).isEmpty(),
                                 30000);
        bool ok = false;
        QVERIFY(speed->cellText(0, 2).toDouble(&ok) > 0 && ok);
        QVERIFY(speed->cellText(0, 3).toDouble(&ok) > 0 && ok);
        QVERIFY(speed->cellText(0, 4).endsWith(QStringLiteral("×")));
        QVERIFY(speed->cellText(0, 5).toDouble(&ok) > 0 && ok); // OpenCV filter2D
        QCOMPARE(speed->cellText(5, 0), QStringLiteral("Total"));
        // The naive live switch runs the view on the reference.
        speed->naiveLiveSwitch()->setChecked(true);
        QTRY_VERIFY_WITH_TIMEOUT(idle(*w), 30000);
        QCOMPARE(w->coordinator()->lastResult()->backend, QStringLiteral("naive"));
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
