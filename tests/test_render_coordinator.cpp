// The render coordinator without widgets: results arrive off the GUI thread, incremental runs
// start at the first changed layer, the newest request wins, errors stop the run at their layer,
// every run ends in a result (a failure included), and the values panels read come from the one
// engine run of each edit. Links Qt Gui only, no Qt Widgets.

#include "document.hpp"
#include "map_data.hpp"
#include "pipeline_edit.hpp"
#include "render_coordinator.hpp"

#include "support/test_backends.hpp"

#include "convscope/backend.hpp"
#include "convscope/colormap.hpp"
#include "convscope/pipeline_json.hpp"

#include <QSignalSpy>
#include <QTest>

#include <new>
#include <stdexcept>

using namespace convscope;
using namespace convscope::ui;

class TestRenderCoordinator : public QObject {
    Q_OBJECT

    void setUp(Document& doc) {
        doc.resetPipeline(load_pipeline(CONVSCOPE_RESOURCES_DIR "/pipelines/default.json"));
        QVERIFY(doc.loadImage(QStringLiteral(CONVSCOPE_RESOURCES_DIR "/samples/chelsea.png")));
    }

private Q_SLOTS:
    void rendersEveryLayer() {
        Document doc;
        RenderCoordinator coordinator(&doc);
        QSignalSpy spy(&coordinator, &RenderCoordinator::resultReady);
        setUp(doc);
        QTRY_VERIFY_WITH_TIMEOUT(coordinator.isIdle(), 20000);
        const auto result = coordinator.lastResult();
        QCOMPARE(int(result->layers.size()), 5);
        QCOMPARE(result->layers[2].shape, (Shape{8, 150, 225}));
        QCOMPARE(result->layers[0].maps.size(), std::size_t(8));
        QVERIFY(!result->layers[0].maps[0].thumbnail().isNull());
        QCOMPARE(result->backend, QStringLiteral("fast"));
        QVERIFY(spy.count() >= 1);
    }

    void theNewestRequestWins() {
        Document doc;
        RenderCoordinator coordinator(&doc);
        setUp(doc);
        QTRY_VERIFY_WITH_TIMEOUT(coordinator.isIdle(), 20000);
        QSignalSpy spy(&coordinator, &RenderCoordinator::resultReady);
        Pipeline p = doc.pipeline();
        for (int i = 1; i <= 40; ++i) {
            std::get<Conv2d>(p.layers[0].op).weights.set(0, 0, 1, 1, float(i));
            doc.edit(QStringLiteral("scrub"), p, {.mergeKey = QStringLiteral("same-drag")});
            coordinator.renderNow(); // no coalescing: every edit is a request
        }
        QCOMPARE(doc.undoStack()->count(), 1); // one drag, one step
        QTRY_VERIFY_WITH_TIMEOUT(coordinator.isIdle(), 20000);
        QVERIFY(spy.count() < 40); // the middle requests were dropped
        quint64 last = 0;
        for (const auto& args : spy) {
            const auto r = args.at(0).value<std::shared_ptr<const RenderResult>>();
            QVERIFY(r->generation > last);
            last = r->generation;
        }
        QCOMPARE(last, coordinator.requestedGeneration());
        // The shown maps are those of the final weights: compare with a fresh render.
        const QImage shown = coordinator.lastResult()->layers[0].maps[0].thumbnail();
        Document fresh;
        RenderCoordinator other(&fresh);
        fresh.resetPipeline(doc.pipeline());
        QVERIFY(fresh.loadImage(doc.imagePath()));
        QTRY_VERIFY_WITH_TIMEOUT(other.isIdle(), 20000);
        QCOMPARE(other.lastResult()->layers[0].maps[0].thumbnail(), shown);
    }

    void incrementalRunsStartAtTheChangedLayer() {
        Document doc;
        RenderCoordinator coordinator(&doc);
        coordinator.setMeasureReference(false);
        setUp(doc);
        QTRY_VERIFY_WITH_TIMEOUT(coordinator.isIdle(), 20000);
        Pipeline p = doc.pipeline();
        std::get<Activation>(p.layers[4].op).kind = ActivationKind::Tanh;
        doc.edit(QStringLiteral("tanh"), p);
        QTRY_VERIFY_WITH_TIMEOUT(coordinator.isIdle(), 20000);
        QCOMPARE(coordinator.lastResult()->fromLayer, 4);
        // Display changes recompute nothing.
        doc.setDisplay({Colormap::Magma, Normalisation::Global});
        QTRY_VERIFY_WITH_TIMEOUT(coordinator.isIdle(), 20000);
        QCOMPARE(coordinator.lastResult()->fromLayer, 5);
        QCOMPARE(coordinator.lastResult()->layers[1].maps[0].colormap, Colormap::Magma);
        // A new image recomputes everything.
        QVERIFY(doc.loadImage(QStringLiteral(CONVSCOPE_RESOURCES_DIR "/samples/coffee.png")));
        QTRY_VERIFY_WITH_TIMEOUT(coordinator.isIdle(), 20000);
        QCOMPARE(coordinator.lastResult()->fromLayer, 0);
        QCOMPARE(coordinator.lastResult()->layers[0].shape, (Shape{8, 400, 600}));
    }

    void anErrorStopsTheRunAtItsLayer() {
        Document doc;
        RenderCoordinator coordinator(&doc);
        setUp(doc);
        Pipeline p = doc.pipeline();
        std::get<Conv2d>(p.layers[3].op).groups = 3; // 8 channels do not split in 3 groups
        doc.edit(QStringLiteral("groups"), p);
        QTRY_VERIFY_WITH_TIMEOUT(coordinator.isIdle(), 20000);
        const auto result = coordinator.lastResult();
        QVERIFY(result->error);
        QCOMPARE(result->error->layer, 3);
        QCOMPARE(int(result->layers.size()), 3);
        QVERIFY(!result->error->message.isEmpty());
        doc.undoStack()->undo();
        QTRY_VERIFY_WITH_TIMEOUT(coordinator.isIdle(), 20000);
        QVERIFY(!coordinator.lastResult()->error);
        QCOMPARE(int(coordinator.lastResult()->layers.size()), 5);
    }

    void rangesAreExactAlsoWhereDerived() {
        // A ReLU's range is derived from its input's without reading its maps: it must still be
        // the exact min..max of every map, like a full pass over the engine's output finds.
        Document doc;
        RenderCoordinator coordinator(&doc);
        coordinator.setMeasureReference(false);
        setUp(doc);
        Pipeline p = doc.pipeline();
        p.layers[2].enabled = false; // a disabled layer passes its input's range on, too
        doc.edit(QStringLiteral("disable"), p);
        QTRY_VERIFY_WITH_TIMEOUT(coordinator.isIdle(), 20000);
        const auto result = coordinator.lastResult();
        const auto backend = make_backend(BackendKind::Fast);
        const RunResult& run = backend->run(doc.pipeline(), *doc.input());
        QCOMPARE(result->layers.size(), run.layers.size());
        for (std::size_t i = 0; i < run.layers.size(); ++i)
            for (int c = 0; c < run.layers[i].output->channels(); ++c) {
                const ValueRange exact = map_range(*run.layers[i].output, c);
                const ValueRange shown = result->layers[i].maps[c].range;
                QVERIFY2(shown.min == exact.min && shown.max == exact.max,
                         qPrintable(QStringLiteral("layer %1 map %2").arg(i).arg(c)));
            }
    }

    void theFocusPictureIsMadeAtTheRequestedSize() {
        Document doc;
        RenderCoordinator coordinator(&doc);
        coordinator.setMeasureReference(false);
        setUp(doc);
        doc.setFocus({0, 3});
        QTRY_VERIFY_WITH_TIMEOUT(coordinator.isIdle(), 20000);
        QCOMPARE(coordinator.lastResult()->focusImage.size(), QSize(451, 300)); // full size
        QCOMPARE(coordinator.lastResult()->focusMapSize, QSize(451, 300));
        const QImage full = coordinator.lastResult()->focusImage;

        coordinator.setFocusSize(QSize(200, 200));
        QTRY_VERIFY_WITH_TIMEOUT(coordinator.isIdle(), 20000);
        const auto small = coordinator.lastResult();
        QCOMPARE(small->fromLayer, 5); // only the picture was made again
        QCOMPARE(small->focusMapSize, QSize(451, 300));
        QCOMPARE(small->focusImage.size(), QSize(200, 133)); // the map's shape, box-filtered
        // A reduced picture shows the same map: compare with the full one scaled down.
        const QImage reference =
            full.scaled(small->focusImage.size(), Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
        double difference = 0;
        for (int y = 0; y < reference.height(); ++y)
            for (int x = 0; x < reference.width(); ++x)
                difference +=
                    std::abs(qGray(reference.pixel(x, y)) - qGray(small->focusImage.pixel(x, y)));
        QVERIFY2(
            difference / (reference.width() * reference.height()) < 12,
            qPrintable(QString::number(difference / (reference.width() * reference.height()))));

        // The input, too.
        doc.setFocus({-1, 0});
        QTRY_VERIFY_WITH_TIMEOUT(coordinator.isIdle(), 20000);
        QCOMPARE(coordinator.lastResult()->focusImage.size(), QSize(200, 133));
        QCOMPARE(coordinator.lastResult()->focusMapSize, QSize(451, 300));
    }

    void everyMapIsColouredOverTheRangeExportsReadBack() {
        // The thumbnails' colour range under each normalisation is the one normalisedRange gives
        // the exports and colour bars: the map's own, its layer's union, or every layer's.
        Document doc;
        RenderCoordinator coordinator(&doc);
        coordinator.setMeasureReference(false);
        MapDataProvider data(&coordinator);
        data.setWanted(QStringLiteral("a panel"), true);
        setUp(doc);
        for (Normalisation n :
             {Normalisation::PerMap, Normalisation::PerLayer, Normalisation::Global}) {
            doc.setDisplay({Colormap::Magma, n}); // a sequential map: the range as it is
            QTRY_VERIFY_WITH_TIMEOUT(coordinator.isIdle() && data.isCurrent(), 20000);
            const auto result = coordinator.lastResult();
            const auto snapshot = data.snapshot();
            QCOMPARE(int(result->layers.size()), snapshot->layerCount());
            ValueRange global = map_range(*snapshot->maps(0), 0);
            for (int i = 0; i < snapshot->layerCount(); ++i)
                for (int c = 0; c < snapshot->maps(i)->channels(); ++c) {
                    const ValueRange r = map_range(*snapshot->maps(i), c);
                    global = {std::min(global.min, r.min), std::max(global.max, r.max)};
                }
            int sharedWider = 0; // maps coloured over more than their own range
            for (int i = 0; i < snapshot->layerCount(); ++i) {
                const Tensor& maps = *snapshot->maps(i);
                ValueRange layer = map_range(maps, 0);
                for (int c = 0; c < maps.channels(); ++c) {
                    const ValueRange r = map_range(maps, c);
                    layer = {std::min(layer.min, r.min), std::max(layer.max, r.max)};
                }
                for (int c = 0; c < maps.channels(); ++c) {
                    const ValueRange own = map_range(maps, c);
                    const ValueRange want = n == Normalisation::PerMap     ? own
                                            : n == Normalisation::PerLayer ? layer
                                                                           : global;
                    const ValueRange read = normalisedRange(*snapshot, {i, c}, n);
                    const ValueRange shown = result->layers[i].maps[c].shownRange;
                    const QString where = QStringLiteral("normalisation %1, layer %2 map %3")
                                              .arg(int(n))
                                              .arg(i)
                                              .arg(c);
                    QVERIFY2(read.min == want.min && read.max == want.max, qPrintable(where));
                    QVERIFY2(shown.min == want.min && shown.max == want.max, qPrintable(where));
                    sharedWider += want.min != own.min || want.max != own.max;
                }
            }
            // The normalisations differ on this pipeline, so a wrong choice shows.
            QVERIFY((n == Normalisation::PerMap) == (sharedWider == 0));
        }
    }

    void oneEditRunsTheEngineOnceAndThePanelsReadThatRun() {
        // Counting backends for both kinds: whatever the coordinator runs, it runs here.
        auto counting = std::make_shared<std::atomic<int>>(0);
        int backendsMade = 0;
        Document doc;
        RenderCoordinator coordinator(&doc);
        coordinator.setMeasureReference(false); // a deliberate benchmark, not part of an edit
        coordinator.setBackendFactory([&](BackendKind) {
            ++backendsMade;
            auto backend = std::make_unique<test::CountingBackend>();
            backend->computed = counting;
            return backend;
        });
        MapDataProvider data(&coordinator);
        data.setWanted(QStringLiteral("a panel"), true);
        setUp(doc);
        QTRY_VERIFY_WITH_TIMEOUT(coordinator.isIdle() && data.isCurrent(), 20000);
        QCOMPARE(counting->load(), 5); // the first run: every layer once
        QSignalSpy snapshots(&data, &MapDataProvider::snapshotReady);

        Pipeline p = doc.pipeline();
        std::get<Conv2d>(p.layers[3].op).weights.values.write()[0] = 0.5f;
        doc.edit(QStringLiteral("one edit"), p);
        QTRY_VERIFY_WITH_TIMEOUT(coordinator.isIdle() && data.isCurrent(), 20000);
        // Layers 3 and 4 once each: one run, from the changed layer, and no second one for the
        // values (the provider has no engine of its own to run).
        QCOMPARE(counting->load(), 5 + 2);
        QCOMPARE(backendsMade, 2); // the render thread's two, made when it started
        QVERIFY(snapshots.count() >= 1);
        // The snapshot is that run's: its maps are the engine's and show the edit.
        const auto snapshot = data.snapshot();
        QCOMPARE(snapshot->revision, doc.revision());
        QVERIFY(snapshot->run.layers[3].kernel == "counting");
        QCOMPARE(snapshot->layerCount(), 5);
        QVERIFY(snapshot->pipeline.layers == doc.pipeline().layers);
        QVERIFY(coordinator.lastResult()->maps == snapshot);

        // A focus change computes nothing and hands the same maps over.
        doc.setFocus({3, 1});
        QTRY_VERIFY_WITH_TIMEOUT(coordinator.isIdle() && data.isCurrent(), 20000);
        QCOMPARE(counting->load(), 7);
        QVERIFY(data.snapshot()->run.layers[3].output == snapshot->run.layers[3].output);

        // Nobody wants values: results stop carrying them, the old snapshot is let go.
        data.setWanted(QStringLiteral("a panel"), false);
        QVERIFY(!data.snapshot());
        doc.setFocus({3, 2});
        QTRY_VERIFY_WITH_TIMEOUT(coordinator.isIdle(), 20000);
        QVERIFY(!coordinator.lastResult()->maps);
        // Asked for once (an export), they come without running anything.
        bool called = false;
        data.withCurrent(this, [&](std::shared_ptr<const MapSnapshot> s) {
            called = true;
            QCOMPARE(s->revision, doc.revision());
        });
        QTRY_VERIFY_WITH_TIMEOUT(called, 20000);
        QCOMPARE(counting->load(), 7);
    }

    void aRunFailingMidStackClearsTheBusyStateAndReportsTheLayer() {
        // The engine fails at layer 3 after a while (longer than the 100 ms before the busy
        // indicator shows), as a backend with a limit of its own would.
        Document doc;
        RenderCoordinator coordinator(&doc);
        coordinator.setMeasureReference(false);
        coordinator.setBackendFactory([](BackendKind) {
            return std::make_unique<test::FailingBackend>(
                "combinations",
                [] { throw PipelineError(3, "weights", "layer 4 is too large for this backend"); },
                std::chrono::milliseconds(400));
        });
        QSignalSpy busy(&coordinator, &RenderCoordinator::busyChanged);
        setUp(doc);
        QTRY_VERIFY_WITH_TIMEOUT(coordinator.isIdle(), 20000);
        QVERIFY(!coordinator.isBusy());
        QCOMPARE(busy.count(), 2); // shown, then cleared by the failure's result
        QCOMPARE(busy.at(0).at(0).toBool(), true);
        QCOMPARE(busy.at(1).at(0).toBool(), false);
        const auto result = coordinator.lastResult();
        QVERIFY(result->error);
        QCOMPARE(result->error->layer, 3);
        QCOMPARE(result->error->field, QStringLiteral("weights"));
        QVERIFY(result->error->message.contains(QStringLiteral("too large")));
        // Nothing half-computed is shown, but the input is, so no stale map stays on screen.
        QVERIFY(result->layers.empty());
        QCOMPARE(result->focus, (MapId{-1, 0}));
        QVERIFY(!result->focusImage.isNull());
    }

    void anUnexpectedExceptionBecomesAMessage() {
        Document doc;
        RenderCoordinator coordinator(&doc);
        coordinator.setMeasureReference(false);
        coordinator.setBackendFactory([](BackendKind) {
            return std::make_unique<test::FailingBackend>(
                "relu2", [] { throw std::runtime_error("the kernel exploded"); });
        });
        setUp(doc);
        QTRY_VERIFY_WITH_TIMEOUT(coordinator.isIdle(), 20000);
        auto result = coordinator.lastResult();
        QVERIFY(result->error);
        QCOMPARE(result->error->layer, -1); // the run as a whole failed
        QVERIFY2(result->error->message.contains(QStringLiteral("the kernel exploded")),
                 qPrintable(result->error->message));
        // The thread lives on: a pipeline without the failing layer renders.
        Pipeline p = doc.pipeline();
        p.layers.pop_back();
        doc.edit(QStringLiteral("without relu2"), p);
        QTRY_VERIFY_WITH_TIMEOUT(coordinator.isIdle(), 20000);
        result = coordinator.lastResult();
        QVERIFY(!result->error);
        QCOMPARE(int(result->layers.size()), 4);
    }

    void runningOutOfMemorySaysSo() {
        Document doc;
        RenderCoordinator coordinator(&doc);
        coordinator.setMeasureReference(false);
        coordinator.setBackendFactory([](BackendKind) {
            return std::make_unique<test::FailingBackend>("pool1", [] { throw std::bad_alloc(); });
        });
        setUp(doc);
        QTRY_VERIFY_WITH_TIMEOUT(coordinator.isIdle(), 20000);
        const auto result = coordinator.lastResult();
        QVERIFY(result->error);
        QVERIFY2(result->error->message.contains(QStringLiteral("memory")),
                 qPrintable(result->error->message));
    }

    void aFailingReferenceTimingReachesTheSpeedPanel() {
        // The live run is fine; the naive reference the thread times in the background throws.
        Document doc;
        RenderCoordinator coordinator(&doc);
        coordinator.setBackendFactory([](BackendKind kind) -> std::unique_ptr<Backend> {
            if (kind == BackendKind::Fast)
                return make_backend(BackendKind::Fast);
            return std::make_unique<test::FailingBackend>(
                "relu1", [] { throw std::runtime_error("no reference today"); });
        });
        QSignalSpy reference(&coordinator, &RenderCoordinator::referenceReady);
        setUp(doc);
        QTRY_VERIFY_WITH_TIMEOUT(reference.count() == 1, 30000);
        const auto timings = coordinator.lastReference();
        QVERIFY2(timings->failure.contains(QStringLiteral("no reference today")),
                 qPrintable(timings->failure));
        QVERIFY(!coordinator.lastResult()->error);
    }
};

QTEST_MAIN(TestRenderCoordinator)
#include "test_render_coordinator.moc"
