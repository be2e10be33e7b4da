// Compare: a pinned map beside another and their difference (Sobel x against Sobel y; a map
// before and after an edit).

#include "compare_view.hpp"
#include "document.hpp"
#include "map_data.hpp"
#include "render_coordinator.hpp"

#include "convscope/pipeline_json.hpp"

#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

using namespace convscope;
using namespace convscope::ui;

class TestCompareView : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void sobelXAgainstSobelY() {
        Document document;
        document.resetPipeline(
            load_pipeline(CONVSCOPE_RESOURCES_DIR "/pipelines/edge-detectors.json"));
        QVERIFY(document.loadImage(QStringLiteral(CONVSCOPE_RESOURCES_DIR "/samples/camera.png")));
        RenderCoordinator coordinator(&document);
        coordinator.setMeasureReference(false);
        MapDataProvider data(&coordinator);
        CompareView view(&document, &data);
        view.resize(900, 360);
        view.show();
        document.setFocus({0, 0});
        QTRY_VERIFY_WITH_TIMEOUT(data.isCurrent(), 20000);
        view.pinCurrent();
        QVERIFY(view.hasPin());
        QTRY_VERIFY(view.comparedMap() == (MapId{0, 0}) && view.differenceStats());
        QSignalSpy compared(&view, &CompareView::compared);
        document.setFocus({0, 1});
        // The job for B = map 1 runs now: until it is done, what the view reports is still the
        // comparison of map 0 with itself, never map 1 with map 0's difference.
        QVERIFY(!(view.comparedMap() == (MapId{0, 1})) || view.differenceStats()->differing > 0);
        QTRY_VERIFY(view.comparedMap() == (MapId{0, 1}) && view.differenceStats());
        const Tensor& maps = *data.snapshot()->maps(0);
        const Tensor& diff = view.difference();
        QCOMPARE(diff.width(), maps.width());
        double maxAbs = 0;
        for (int y = 0; y < maps.height(); ++y)
            for (int x = 0; x < maps.width(); ++x) {
                const float d = maps.at(0, y, x) - maps.at(1, y, x);
                QCOMPARE(diff.at(0, y, x), d);
                maxAbs = std::max(maxAbs, double(std::abs(d)));
            }
        QCOMPARE(view.differenceStats()->maxAbs, maxAbs);
        QVERIFY(view.differenceStats()->differing > 0);
        QVERIFY(view.summary().contains(QStringLiteral("max |Δ|")));

        // A map against itself: identical.
        document.setFocus({0, 0});
        QTRY_VERIFY(view.comparedMap() == (MapId{0, 0}) && view.differenceStats() &&
                    view.differenceStats()->differing == 0);
        QVERIFY(view.summary().contains(QStringLiteral("identical")));
    }

    void aMapBeforeAndAfterAnEdit() {
        Document document;
        document.resetPipeline(
            load_pipeline(CONVSCOPE_RESOURCES_DIR "/pipelines/edge-detectors.json"));
        QVERIFY(document.loadImage(QStringLiteral(CONVSCOPE_RESOURCES_DIR "/samples/camera.png")));
        RenderCoordinator coordinator(&document);
        coordinator.setMeasureReference(false);
        MapDataProvider data(&coordinator);
        CompareView view(&document, &data);
        view.show();
        document.setFocus({0, 2});
        QTRY_VERIFY_WITH_TIMEOUT(data.isCurrent(), 20000);
        view.pinCurrent();
        QTRY_VERIFY(view.differenceStats() && view.differenceStats()->differing == 0);
        // Scale the Laplacian by 2: B = 2A, so A − B = −A.
        Pipeline p = document.pipeline();
        auto& conv = std::get<Conv2d>(p.layers[0].op);
        for (int i = 0; i < 9; ++i)
            conv.weights.values.write()[conv.weights.index(2, 0, i / 3, i % 3)] *= 2.0f;
        document.edit(QStringLiteral("double"), p);
        QTRY_VERIFY_WITH_TIMEOUT(data.isCurrent() && view.differenceStats() &&
                                     view.differenceStats()->differing > 0,
                                 20000);
        const Tensor& after = *data.snapshot()->maps(0);
        const Tensor& diff = view.difference();
        for (int y = 0; y < after.height(); y += 17)
            for (int x = 0; x < after.width(); x += 13)
                QVERIFY(std::abs(diff.at(0, y, x) + after.at(2, y, x) / 2) <= 1e-5f);
    }
};

QTEST_MAIN(TestCompareView)
#include "test_compare_view.moc"
