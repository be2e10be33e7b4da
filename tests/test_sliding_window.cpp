// The sliding-window animation: geometry, play/step/scrub, and the exported frame count.

#include "document.hpp"
#include "map_data.hpp"
#include "render_coordinator.hpp"
#include "sliding_window_view.hpp"

#include "convscope/animation_export.hpp"
#include "convscope/pipeline_json.hpp"

#include <QDir>
#include <QFontMetricsF>
#include <QImage>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <functional>
#include <set>

using namespace convscope;
using namespace convscope::ui;

class TestSlidingWindow : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    // Which steps an export shows: all of a small map; of a large one (chelsea's 451 × 451),
    // the first steps one by one, then positions along the rows and down the map, the last
    // step last. (Every 902nd step showed the window at one column only.)
    void framesSlideAlongRowsAndDown() {
        QVERIFY(animationSteps(0, 5, 10).empty());
        QCOMPARE(animationSteps(3, 2, 10), (std::vector<int>{0, 1, 2, 3, 4, 5}));
        const int w = 451, h = 451;
        const std::vector<int> steps = animationSteps(w, h, 150);
        QVERIFY2(steps.size() > 100 && steps.size() <= 150,
                 qPrintable(QString::number(steps.size())));
        QVERIFY(std::adjacent_find(steps.begin(), steps.end(), std::greater_equal<int>()) ==
                steps.end()); // strictly increasing: raster order
        for (int i = 0; i < 50; ++i)
            QCOMPARE(steps[std::size_t(i)], i); // the first row, step by step
        QCOMPARE(steps.back(), w * h - 1);
        std::set<int> columns, rows;
        for (int step : steps) {
            columns.insert(step % w);
            rows.insert(step / w);
        }
        QVERIFY2(columns.size() > 40, qPrintable(QString::number(columns.size())));
        QVERIFY2(rows.size() > 8, qPrintable(QString::number(rows.size())));
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

        // Export: the frames show the steps of exportSteps, whose window positions cover more
        // than one column and more than one row.
        QTemporaryDir dir;
        const int maxFrames = 30;
        const std::vector<int> expected = view.exportSteps(maxFrames);
        QVERIFY(expected.size() > 1 && int(expected.size()) <= maxFrames);
        std::set<int> columns, rows;
        for (int step : expected) {
            columns.insert(view.canvas()->geometry().windowOrigin(step).x());
            rows.insert(view.canvas()->geometry().windowOrigin(step).y());
        }
        QVERIFY2(
            columns.size() > 1 && rows.size() > 1,
            qPrintable(QStringLiteral("%1 columns, %2 rows").arg(columns.size()).arg(rows.size())));
        QString error;
        const QString gif = dir.filePath(QStringLiteral("slide.gif"));
        QVERIFY2(view.exportGif(gif, maxFrames, QSize(320, 180), 50, &error), qPrintable(error));
        const GifAnimation animation = read_gif(gif.toStdString());
        QCOMPARE(animation.frames.size(), expected.size());
        QCOMPARE(animation.frames.front().width, 320);
        QVERIFY(animation.frames.front().pixels != animation.frames.back().pixels);
        const QString pngs = dir.filePath(QStringLiteral("frames"));
        QVERIFY2(view.exportPngSequence(pngs, maxFrames, QSize(320, 180), &error),
                 qPrintable(error));
        const QStringList names =
            QDir(pngs).entryList({QStringLiteral("*.png")}, QDir::Files, QDir::Name);
        QCOMPARE(std::size_t(names.size()), expected.size());
        // Each frame is the picture of its step (PNG is exact): a late frame shows the window
        // where exportSteps puts it.
        for (std::size_t k : {std::size_t(1), expected.size() / 2, expected.size() - 1}) {
            const QImage frame = QImage(QDir(pngs).filePath(names[qsizetype(k)]))
                                     .convertToFormat(QImage::Format_RGB888);
            const QImage painted = view.canvas()
                                       ->renderFrame(expected[k], QSize(320, 180))
                                       .convertToFormat(QImage::Format_RGB888);
            QVERIFY2(frame == painted, qPrintable(names[qsizetype(k)]));
        }

        // Captions fit every frame size, never cut off with "…".
        for (const QSize size :
             {QSize(320, 180), SlidingWindowView::kExportFrameSize, view.canvas()->size()}) {
            const auto text = view.canvas()->frameText(QRectF(QPointF(0, 0), QSizeF(size)),
                                                       view.steps() - 1, view.font());
            const QFontMetricsF metrics(text.font);
            QVERIFY(text.top < text.bottom);
            for (const auto& caption : text.captions) {
                QVERIFY(!caption.text.isEmpty() && !caption.text.contains(u'…'));
                const QStringList lines = caption.text.split(u'\n');
                QVERIFY(caption.box.height() >= lines.size() * metrics.height());
                for (const QString& line : lines)
                    QVERIFY2(metrics.horizontalAdvance(line) <= caption.box.width(),
                             qPrintable(QStringLiteral("%1 at %2×%3")
                                            .arg(line)
                                            .arg(size.width())
                                            .arg(size.height())));
            }
        }

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
