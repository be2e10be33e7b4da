// The statistics panel shows the engine's statistics of the map shown large, flags dead maps,
// and draws the histogram.

#include "document.hpp"
#include "feature_map_overview.hpp"
#include "main_window.hpp"
#include "map_data.hpp"
#include "number_format.hpp"
#include "render_coordinator.hpp"
#include "statistics_panel.hpp"

#include "support/main_window_fixture.hpp"

#include "convscope/naive_backend.hpp"
#include "convscope/pipeline_json.hpp"

#include <QLabel>
#include <QTest>

using namespace convscope;
using namespace convscope::ui;

class TestStatisticsPanel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { test::prepareGuiTests(); }

    void overviewFlagsDeadMaps() {
        const auto window = test::openMainWindow();
        MainWindow& w = *window;
        QTRY_VERIFY_WITH_TIMEOUT(w.coordinator()->isIdle(), 20000);
        QCOMPARE(w.overview()->deadMapCount(1), 0);
        Pipeline p = w.document()->pipeline();
        std::get<Conv2d>(p.layers[0].op).bias.write()[2] = -1000.0f;
        w.document()->edit(QStringLiteral("kill"), p);
        QTRY_VERIFY_WITH_TIMEOUT(w.coordinator()->isIdle() && w.overview()->isDeadMap({1, 2}),
                                 20000);
        QVERIFY(!w.overview()->isDeadMap({0, 2})); // the conv's map is negative, not zero
        QVERIFY(w.overview()->isDeadMap({2, 2}));  // pooled zeros stay zeros
        QCOMPARE(w.overview()->deadMapCount(1), 1);
        QVERIFY(w.overview()->bandTitle(2).contains(QStringLiteral("relu1")));
        w.grab().save(QStringLiteral("/tmp/h7-dead.png"));
    }

    void shownFiguresMatchTheEngine() {
        Document document;
        document.resetPipeline(load_pipeline(CONVSCOPE_RESOURCES_DIR "/pipelines/default.json"));
        QVERIFY(document.loadImage(QStringLiteral(CONVSCOPE_RESOURCES_DIR "/samples/chelsea.png")));
        RenderCoordinator coordinator(&document);
        coordinator.setMeasureReference(false);
        MapDataProvider data(&coordinator);
        StatisticsPanel panel(&document, &data);
        panel.resize(320, 400);
        panel.show();

        // The reference: the naive backend on the same input.
        auto naive = make_backend(BackendKind::Naive);
        const RunResult& reference = naive->run(document.pipeline(), *document.input());
        for (MapId id : {MapId{0, 0}, MapId{1, 3}, MapId{2, 5}, MapId{4, 1}, MapId{-1, 2}}) {
            document.setFocus(id);
            QTRY_VERIFY_WITH_TIMEOUT(panel.shownStatistics() && panel.shownMap() == id, 20000);
            const MapStatistics shown = *panel.shownStatistics();
            const Tensor& maps =
                id.layer < 0 ? *document.input() : *reference.layers[id.layer].output;
            const MapStatistics expected = map_statistics(maps, id.channel, StatisticsPanel::kBins);
            const QString where = QStringLiteral("%1:%2").arg(id.layer).arg(id.channel);
            QCOMPARE(shown.count, expected.count);
            QVERIFY2(std::abs(shown.min - expected.min) <=
                         1e-5f * std::max(1.0f, std::abs(expected.min)),
                     qPrintable(where));
            QVERIFY2(std::abs(shown.max - expected.max) <=
                         1e-5f * std::max(1.0f, std::abs(expected.max)),
                     qPrintable(where));
            QVERIFY2(std::abs(shown.mean - expected.mean) <=
                         1e-5 * std::max(1.0, std::abs(expected.mean)),
                     qPrintable(where));
            QVERIFY2(std::abs(shown.stddev - expected.stddev) <=
                         1e-5 * std::max(1.0, expected.stddev),
                     qPrintable(where));
            // Values within rounding of zero may land on either side of a ReLU in the two
            // backends: the zero fraction agrees closely, not exactly.
            QVERIFY2(std::abs(shown.zero_fraction - expected.zero_fraction) < 1e-2,
                     qPrintable(where + QStringLiteral(" zeros %1 vs %2")
                                            .arg(shown.zero_fraction)
                                            .arg(expected.zero_fraction)));
            // Exactly the engine's statistics of the map the app computed.
            const MapStatistics own = map_statistics(*data.snapshot()->maps(id.layer), id.channel,
                                                     StatisticsPanel::kBins);
            QCOMPARE(shown.zero_fraction, own.zero_fraction);
            QCOMPARE(shown.mean, own.mean);
            QCOMPARE(int(shown.histogram.size()), StatisticsPanel::kBins);
            // What the user reads is those numbers.
            QCOMPARE(panel.figureText(QStringLiteral("min")), formatNumber(shown.min));
            QCOMPARE(panel.figureText(QStringLiteral("max")), formatNumber(shown.max));
            QCOMPARE(panel.figureText(QStringLiteral("mean")), formatNumber(shown.mean));
            QCOMPARE(panel.figureText(QStringLiteral("std")), formatNumber(shown.stddev));
            QCOMPARE(panel.figureText(QStringLiteral("count")), QString::number(expected.count));
            QCOMPARE(panel.histogram()->statistics().histogram, shown.histogram);
            std::int64_t total = 0;
            for (auto n : shown.histogram)
                total += n;
            QCOMPARE(total, shown.count);
        }
        // The histogram reads back its bars.
        QVERIFY(panel.histogram()->binAt(panel.histogram()->rect().center()) >= 0);
    }

    void deadMapIsFlagged() {
        Document document;
        Pipeline p = load_pipeline(CONVSCOPE_RESOURCES_DIR "/pipelines/default.json");
        // A filter whose bias keeps it negative everywhere: dead after the ReLU.
        std::get<Conv2d>(p.layers[0].op).bias.write()[2] = -1000.0f;
        document.resetPipeline(p);
        QVERIFY(document.loadImage(QStringLiteral(CONVSCOPE_RESOURCES_DIR "/samples/chelsea.png")));
        RenderCoordinator coordinator(&document);
        coordinator.setMeasureReference(false);
        MapDataProvider data(&coordinator);
        StatisticsPanel panel(&document, &data);
        panel.show();
        document.setFocus({1, 2});
        QTRY_VERIFY_WITH_TIMEOUT(panel.shownStatistics() && panel.shownMap() == (MapId{1, 2}),
                                 20000);
        QVERIFY(panel.shownStatistics()->is_dead());
        auto* flag = panel.findChild<QLabel*>(QStringLiteral("deadFlag"));
        QVERIFY(flag && flag->isVisible());
        QCOMPARE(panel.figureText(QStringLiteral("zeros")), QStringLiteral("100.00 %"));
        document.setFocus({1, 1});
        QTRY_VERIFY(panel.shownMap() == (MapId{1, 1}));
        QVERIFY(!flag->isVisible());
    }
};

QTEST_MAIN(TestStatisticsPanel)
#include "test_statistics_panel.moc"
