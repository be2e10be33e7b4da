// The sliding-window animation: geometry, play/step/scrub, and the exported frame count.

#include "document.hpp"
#include "map_data.hpp"
#include "render_coordinator.hpp"
#include "sliding_window_view.hpp"

#include "convscope/animation_export.hpp"
#include "convscope/pipeline_json.hpp"

#include <QDir>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace convscope;
using namespace convscope::ui;

class TestSlidingWindow : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void frameCounts() {
        QCOMPARE(animationFrameCount(0, 5), 0);
        QCOMPARE(animationFrameCount(10, 1), 10);
        QCOMPARE(animationFrameCount(10, 3), 4);
        QCOMPARE(animationFrameStep(3, 10, 3), 9); // the last frame is complete
        QCOMPARE(animationFrameStep(0, 10, 3), 2);
    }

    void stridedDilatedWindowAndExport() {
        Document document;
        document.resetPipeline(
            load_pipeline(CONVSCOPE_RESOURCES_DIR "/pipelines/stride-and-dilation.json"));
        QVERIFY(document.loadImage(QStringLiteral(CONVSCOPE_RESOURCES_DIR "/samples/coins.png")));
        RenderCoordinator coordinator(&document);
        coordinator.setMeasureReference(false);
        MapDataProvider data(&coordinator);
        SlidingWindowView view(&document, &data);
        view.resize(800, 420);
        view.show();
        document.setSelectedLayer(0); // box blur, stride 2, padding 1
        QTRY_VERIFY_WITH_TIMEOUT(view.isReady() && view.layer() == 0, 20000);
        const Tensor& out0 = *data.snapshot()->maps(0);
        QCOMPARE(view.steps(), out0.width() * out0.height());
        const WindowGeometry& g = view.canvas()->geometry();
        QCOMPARE(g.stride, (Pair{2, 2}));
        view.setStep(out0.width() + 1); // second row, second column
        QCOMPARE(view.canvas()->geometry().windowOrigin(view.step()), QPoint(2 - 1, 2 - 1));
        QCOMPARE(g.windowOrigin(0), QPoint(-1, -1)); // starts in the padding

        document.setSelectedLayer(1); // Laplacian, dilation 2, same padding
        QTRY_VERIFY(view.layer() == 1 && view.isReady());
        QCOMPARE(view.canvas()->geometry().dilation, (Pair{2, 2}));
        QCOMPARE(view.canvas()->geometry().pad.top, 2);

        // Step, scrub, play.
        view.setStep(0);
        view.stepForward();
        QCOMPARE(view.step(), 1);
        view.stepBack();
        QCOMPARE(view.step(), 0);
        view.setSpeed(1000);
        view.play();
        QVERIFY(view.isPlaying());
        QTRY_VERIFY(view.step() > 5);
        view.pause();
        QVERIFY(!view.isPlaying());

        // Export: the frame count follows the steps per frame.
        QTemporaryDir dir;
        const int perFrame = view.steps() / 7 + 1;
        const int expected = animationFrameCount(view.steps(), perFrame);
        QString error;
        const QString gif = dir.filePath(QStringLiteral("slide.gif"));
        QVERIFY2(view.exportGif(gif, perFrame, QSize(320, 180), 50, &error), qPrintable(error));
        const GifAnimation animation = read_gif(gif.toStdString());
        QCOMPARE(int(animation.frames.size()), expected);
        QCOMPARE(animation.frames.front().width, 320);
        QVERIFY(animation.frames.front().pixels != animation.frames.back().pixels);
        const QString pngs = dir.filePath(QStringLiteral("frames"));
        QVERIFY2(view.exportPngSequence(pngs, perFrame, QSize(320, 180), &error),
                 qPrintable(error));
        QCOMPARE(int(QDir(pngs).entryList({QStringLiteral("*.png")}, QDir::Files).size()),
                 expected);

        // An activation has no window.
        document.setSelectedLayer(3);
        QTRY_VERIFY(view.layer() == 3);
        QVERIFY(!view.isReady());
    }

    // A conv that cannot run shows its own error, not "select a convolution or pooling layer".
    void aLayerThatCannotRunSaysWhy() {
        Document document;
        Pipeline p = load_pipeline(CONVSCOPE_RESOURCES_DIR "/pipelines/stride-and-dilation.json");
        Conv2d& conv = std::get<Conv2d>(p.layers[1].op);
        conv.dilation = Pair{400, 400}; // the window is larger than the image
        conv.padding = ConvPadding::valid();
        document.resetPipeline(p);
        QVERIFY(document.loadImage(QStringLiteral(CONVSCOPE_RESOURCES_DIR "/samples/coins.png")));
        RenderCoordinator coordinator(&document);
        coordinator.setMeasureReference(false);
        MapDataProvider data(&coordinator);
        SlidingWindowView view(&document, &data);
        view.resize(800, 420);
        view.show();
        document.setSelectedLayer(1);
        QTRY_VERIFY_WITH_TIMEOUT(data.snapshot() && data.snapshot()->error && view.layer() == 1,
                                 20000);
        QVERIFY(!view.isReady());
        const QString error = data.snapshot()->error->message;
        QVERIFY(!error.isEmpty());
        QVERIFY2(view.unavailableReason().contains(error), qPrintable(view.unavailableReason()));
        QVERIFY(view.unavailableReason().contains(QStringLiteral("cannot run")));
        QCOMPARE(view.canvas()->placeholder(), view.unavailableReason());
        QString why;
        QVERIFY(!view.exportGif(QDir::temp().filePath(QStringLiteral("never.gif")), 1,
                                QSize(100, 60), 50, &why));
        QVERIFY2(why.contains(error), qPrintable(why));
        // The layer after it has not run, because of it.
        document.setSelectedLayer(2);
        QTRY_VERIFY(view.layer() == 2);
        QVERIFY2(view.unavailableReason().contains(QStringLiteral("layer 2 before it")),
                 qPrintable(view.unavailableReason()));
    }
};

QTEST_MAIN(TestSlidingWindow)
#include "test_sliding_window.moc"
