// The pixel inspector, driven as a user would: hover (or click) pixels of the large view and read
// the arithmetic table. Its numbers must add up to the map's value for every layer kind.

#include "document.hpp"
#include "explain_tools.hpp"
#include "feature_map_overview.hpp"
#include "feature_map_view.hpp"
#include "main_window.hpp"
#include "map_data.hpp"
#include "pixel_inspector.hpp"
#include "render_coordinator.hpp"

#include "support/compare.hpp"
#include "support/main_window_fixture.hpp"

#include "convscope/image_io.hpp"
#include "convscope/pipeline_json.hpp"

#include <QDockWidget>
#include <QLabel>
#include <QTableWidget>
#include <QTest>

using namespace convscope;
using namespace convscope::ui;

namespace {

// Every layer kind, with stride, dilation, padding of every mode and a disabled layer.
const char* kEveryKind = R"({
  "format": "convscope-pipeline", "version": 1, "input": {"mode": "rgb"},
  "layers": [
    {"type": "conv", "name": "strided_dilated",
     "weights": [[[[1, -2, 0.5], [0.25, 3, -1], [2, 0, -0.5]],
                  [[0.5, 0.5, 0.5], [-1, 1, -1], [0, 0.75, 0]],
                  [[-0.5, 1, 1.5], [1, -1, 0], [0.25, 0.25, 0.25]]],
                 [[[0, 1, 0], [1, -4, 1], [0, 1, 0]],
                  [[1, 0, -1], [2, 0, -2], [1, 0, -1]],
                  [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9]]]],
     "bias": [0.125, -0.75], "stride": 2, "padding": 2, "padding_mode": "zeros", "dilation": 2,
     "groups": 1},
    {"type": "conv", "name": "reflect_pad",
     "weights": [[[[1, 2, 1], [0, 0, 0], [-1, -2, -1]], [[0.5, 0, -0.5], [1, 0, -1], [0.5, 0, -0.5]]]],
     "bias": [0.3], "stride": 1, "padding": "same", "padding_mode": "reflect", "dilation": 1,
     "groups": 1},
    {"type": "leaky_relu", "name": "leaky", "negative_slope": 0.1},
    {"type": "maxpool", "name": "maxpool_padded", "kernel_size": 3, "stride": 2, "padding": 1},
    {"type": "conv", "name": "replicate_pad",
     "weights": [[[[0.2, -0.4], [0.6, 0.1]]]], "bias": [-0.05], "stride": 1, "padding": 1,
     "padding_mode": "replicate", "dilation": 1, "groups": 1},
    {"type": "avgpool", "name": "avg_no_pad_count", "kernel_size": 3, "stride": 2, "padding": 1,
     "count_include_pad": false, "ceil_mode": true},
    {"type": "avgpool", "name": "avg_pad_count", "kernel_size": 2, "stride": 1, "padding": 1},
    {"type": "relu", "name": "relu"},
    {"type": "sigmoid", "name": "sigmoid"},
    {"type": "tanh", "name": "tanh", "enabled": false},
    {"type": "conv", "name": "circular",
     "weights": [[[[1, -1, 2], [0.5, 0.5, -3], [1, 1, 1]]]], "bias": [0], "stride": 1,
     "padding": 1, "padding_mode": "circular", "dilation": 1, "groups": 1}
  ]})";

double cellValue(QTableWidget* t, int row, int column) {
    QTableWidgetItem* item = t->item(row, column);
    if (!item)
        return std::nan("");
    bool ok = false;
    const double v = item->text().toDouble(&ok);
    return ok ? v : std::nan("");
}

int kindOf(QTableWidget* t, int row) {
    return t->item(row, 0) ? t->item(row, 0)->data(Qt::UserRole).toInt() : 0;
}

} // namespace

class TestPixelInspector : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { test::prepareGuiTests(); }

    void hoveringTheLargeViewTracesTheFieldOnTheOverview() {
        const auto window = test::openMainWindow(QSize(1500, 950));
        MainWindow& w = *window;
        auto* tools = w.findChild<ExplainTools*>();
        QVERIFY(tools);
        w.findChild<QDockWidget*>(QStringLiteral("inspectorDock"))->raise();
        QTRY_VERIFY(tools->inspector()->isVisible());
        w.document()->setFocus({3, 2});
        QTRY_VERIFY_WITH_TIMEOUT(w.coordinator()->isIdle() && tools->data()->isCurrent() &&
                                     w.mapView()->imageSize() == QSize(225, 150),
                                 20000);
        // The mouse over the middle of the large view.
        QTest::mouseMove(w.mapView(), w.mapView()->rect().center());
        QTRY_VERIFY(tools->inspector()->position().x() >= 0);
        QVERIFY(tools->inspector()->map() == (MapId{3, 2}));
        QTRY_VERIFY(w.overview()->hasReceptiveField());
        // Outlined on the input, on every map of the conv before (it mixes all channels) and on
        // the traced map itself.
        QVERIFY(!w.overview()->fieldRect({-1, 0}).isEmpty());
        for (int c = 0; c < 8; ++c)
            QVERIFY(!w.overview()->fieldRect({0, c}).isEmpty());
        QVERIFY(!w.overview()->fieldRect({3, 2}).isEmpty());
        QVERIFY(w.overview()->fieldRect({3, 1}).isEmpty());
        // A click pins it.
        QTest::mouseClick(w.mapView(), Qt::LeftButton, {}, w.mapView()->rect().center());
        QVERIFY(tools->inspector()->isPinned());
        QCOMPARE(w.mapView()->marker(), QRect(tools->inspector()->position(), QSize(1, 1)));
    }

    void arithmeticAddsUpForEveryLayerKind() {
        Document document;
        document.resetPipeline(parse_pipeline(kEveryKind));
        QVERIFY(document.loadImage(QStringLiteral(CONVSCOPE_RESOURCES_DIR "/samples/coins.png")));
        RenderCoordinator coordinator(&document);
        coordinator.setMeasureReference(false);
        MapDataProvider data(&coordinator);
        PixelInspector inspector(&document, &data);
        inspector.resize(700, 900);
        inspector.show();
        QTRY_VERIFY_WITH_TIMEOUT(data.isCurrent(), 20000);
        auto snapshot = data.snapshot();
        QCOMPARE(snapshot->layerCount(), int(document.pipeline().layers.size()));

        QTableWidget* table = inspector.arithmetic();
        int checked = 0;
        for (int layer = 0; layer < snapshot->layerCount(); ++layer) {
            const Tensor& maps = *snapshot->maps(layer);
            for (int channel = 0; channel < maps.channels(); ++channel) {
                // Corners reach into the padding; the middle does not.
                const QPoint where[] = {{0, 0},
                                        {maps.width() - 1, maps.height() - 1},
                                        {maps.width() / 2, maps.height() / 3}};
                for (QPoint p : where) {
                    document.setFocus({layer, channel});
                    inspector.hoverAt(p);
                    QTRY_VERIFY(inspector.position() == p &&
                                inspector.map() == (MapId{layer, channel}));
                    const QString context = QStringLiteral("layer %1 map %2 at %3,%4")
                                                .arg(layer)
                                                .arg(channel)
                                                .arg(p.x())
                                                .arg(p.y());
                    const double mapValue = maps.at(channel, p.y(), p.x());
                    // The value row and the map row, as shown.
                    double shownValue = std::nan(""), shownMap = std::nan("");
                    const int last = table->columnCount() - 1;
                    const ValueExplanation explanation = *inspector.explanation();
                    const auto& terms = explanation.terms;
                    const bool pool = std::holds_alternative<PoolExplanation>(terms);
                    const int valueColumn = pool ? 1 : last;
                    for (int r = 0; r < table->rowCount(); ++r) {
                        if (kindOf(table, r) == PixelInspector::Value)
                            shownValue = cellValue(table, r, valueColumn);
                        if (kindOf(table, r) == PixelInspector::MapValue)
                            shownMap = cellValue(table, r, valueColumn);
                    }
                    QVERIFY2(test::close_enough(shownMap, mapValue, 1e-5), qPrintable(context));
                    QVERIFY2(test::close_enough(shownValue, mapValue, 3e-5), qPrintable(context));

                    if (std::holds_alternative<ConvExplanation>(terms)) {
                        // Σ products per channel = its subtotal; Σ subtotals + bias = value.
                        double channelSum = 0, total = 0, sum = std::nan(""), bias = 0;
                        int padded = 0;
                        for (int r = 0; r < table->rowCount(); ++r) {
                            switch (kindOf(table, r)) {
                            case PixelInspector::Term: {
                                const double input =
                                    table->item(r, 1)->text().startsWith(QStringLiteral("0 ·"))
                                        ? 0.0
                                        : table->item(r, 1)->text().section(u' ', 0, 0).toDouble();
                                const double weight = cellValue(table, r, 2);
                                const double product = cellValue(table, r, 3);
                                QVERIFY2(test::close_enough(input * weight, product, 1e-5),
                                         qPrintable(context));
                                channelSum += product;
                                if (table->item(r, 0)->font().italic())
                                    ++padded;
                                break;
                            }
                            case PixelInspector::Subtotal:
                                QVERIFY2(
                                    test::close_enough(channelSum, cellValue(table, r, 3), 1e-5),
                                    qPrintable(context));
                                total += cellValue(table, r, 3);
                                channelSum = 0;
                                break;
                            case PixelInspector::Sum:
                                sum = cellValue(table, r, 3);
                                break;
                            case PixelInspector::Bias:
                                bias = cellValue(table, r, 3);
                                break;
                            default:
                                break;
                            }
                        }
                        QVERIFY2(test::close_enough(total, sum, 1e-5), qPrintable(context));
                        QVERIFY2(test::close_enough(sum + bias, shownValue, 1e-5),
                                 qPrintable(context));
                        if (p == QPoint(0, 0) && layer == 0)
                            QVERIFY2(padded > 0, "the corner reads padding");
                    } else if (const auto* pe = std::get_if<PoolExplanation>(&terms)) {
                        if (pe->kind == PoolKind::Max) {
                            double best = -INFINITY;
                            int winners = 0;
                            for (int r = 0; r < table->rowCount(); ++r) {
                                const int kind = kindOf(table, r);
                                if (kind == PixelInspector::Term ||
                                    kind == PixelInspector::Winner) {
                                    const double v = cellValue(table, r, 1);
                                    if (!std::isnan(v))
                                        best = std::max(best, v);
                                    winners += kind == PixelInspector::Winner;
                                }
                            }
                            QCOMPARE(winners, 1);
                            QVERIFY2(test::close_enough(best, shownValue, 1e-6),
                                     qPrintable(context));
                        } else {
                            double sum = 0, shownSum = 0, divisor = 0;
                            for (int r = 0; r < table->rowCount(); ++r) {
                                const int kind = kindOf(table, r);
                                // Pooling has no bias: the divisor row is a divisor.
                                QVERIFY2(kind != PixelInspector::Bias, qPrintable(context));
                                if (kind == PixelInspector::Term) {
                                    const double v = cellValue(table, r, 1);
                                    if (!std::isnan(v))
                                        sum += v;
                                } else if (kind == PixelInspector::Sum) {
                                    shownSum = cellValue(table, r, 1);
                                } else if (kind == PixelInspector::Divisor) {
                                    divisor = cellValue(table, r, 1);
                                }
                            }
                            QVERIFY2(divisor > 0, qPrintable(context));
                            QVERIFY2(test::close_enough(sum, shownSum, 1e-5), qPrintable(context));
                            QVERIFY2(test::close_enough(shownSum / divisor, shownValue, 1e-5),
                                     qPrintable(context));
                        }
                    } else {
                        // Activation / disabled layer: before and after, after = the map value.
                        double before = std::nan("");
                        for (int r = 0; r < table->rowCount(); ++r)
                            if (kindOf(table, r) == PixelInspector::Before)
                                before = cellValue(table, r, 1);
                        const Tensor& in = *snapshot->maps(layer - 1);
                        QVERIFY2(test::close_enough(before, in.at(channel, p.y(), p.x()), 1e-6),
                                 qPrintable(context));
                    }
                    // The receptive field reaches back to the input.
                    QCOMPARE(inspector.field()->levels.size(), std::size_t(layer + 2));
                    QCOMPARE(inspector.fieldView()->levelCount(), layer + 2);
                    QVERIFY(!inspector.fieldView()->fieldRect(0).isEmpty());
                    ++checked;
                }
            }
        }
        QVERIFY(checked >= 30);
    }

    // The layers of modern CNNs, on the real fixture pipelines (a residual network with batch
    // norms, skip connections and a classifier head; adds and concats of earlier layers; pads of
    // every mode): the generic table shows the engine's rows, its value and the map's own value
    // stand in the same column and equal the map, and every number read from a map is the map's.
    void arithmeticOfEveryModernLayerKind_data() {
        // The fixture's own input where the pipeline needs its size (the classifier's linear
        // layers), else a photo.
        const QString fixtures = QStringLiteral(CONVSCOPE_TEST_DATA_DIR "/fixtures/torch/");
        const QString photo = QStringLiteral(CONVSCOPE_RESOURCES_DIR "/samples/coins.png");
        QTest::addColumn<QString>("fixture");
        QTest::addColumn<QString>("image");
        QTest::newRow("residual") << QStringLiteral("residual") << photo;
        QTest::newRow("merge") << QStringLiteral("merge") << photo;
        QTest::newRow("pad") << QStringLiteral("pad") << photo;
        QTest::newRow("classifier")
            << QStringLiteral("classifier") << fixtures + "classifier/input.npy";
    }

    void arithmeticOfEveryModernLayerKind() {
        QFETCH(QString, fixture);
        QFETCH(QString, image);
        Document document;
        document.resetPipeline(
            load_pipeline((QStringLiteral(CONVSCOPE_TEST_DATA_DIR "/fixtures/torch/") + fixture +
                           "/pipeline.json")
                              .toStdString()));
        QString error;
        QVERIFY2(document.loadImage(image, &error), qPrintable(error));
        RenderCoordinator coordinator(&document);
        coordinator.setMeasureReference(false);
        MapDataProvider data(&coordinator);
        PixelInspector inspector(&document, &data);
        inspector.resize(700, 900);
        inspector.show();
        QTRY_VERIFY_WITH_TIMEOUT(data.isCurrent(), 20000);
        auto snapshot = data.snapshot();
        const Pipeline& pipeline = document.pipeline();
        QCOMPARE(snapshot->layerCount(), int(pipeline.layers.size()));
        QTableWidget* table = inspector.arithmetic();
        int generic = 0;
        for (int layer = 0; layer < snapshot->layerCount(); ++layer) {
            const Tensor& maps = *snapshot->maps(layer);
            const int channels[] = {0, maps.channels() - 1};
            for (int channel : channels) {
                const QPoint where[] = {{0, 0},
                                        {maps.width() - 1, maps.height() - 1},
                                        {maps.width() / 2, maps.height() / 3}};
                for (QPoint p : where) {
                    document.setFocus({layer, channel});
                    inspector.hoverAt(p);
                    QTRY_VERIFY(inspector.position() == p &&
                                inspector.map() == (MapId{layer, channel}));
                    const QString context = QStringLiteral("%1: layer %2 map %3 at %4,%5")
                                                .arg(fixture)
                                                .arg(layer + 1)
                                                .arg(channel)
                                                .arg(p.x())
                                                .arg(p.y());
                    const ValueExplanation explanation = *inspector.explanation();
                    const auto& terms = explanation.terms;
                    if (std::holds_alternative<ConvExplanation>(terms) ||
                        std::holds_alternative<PoolExplanation>(terms) ||
                        std::holds_alternative<ActivationExplanation>(terms) ||
                        std::holds_alternative<PassThroughExplanation>(terms))
                        continue; // their own renderers, checked above
                    ++generic;
                    const ExplanationTable engine = explanation_table(explanation);
                    // The engine's rows, then the map's value.
                    QCOMPARE(table->rowCount(), int(engine.rows.size()) + 1);
                    const int valueColumn = int(engine.columns.size());
                    const double mapValue = maps.at(channel, p.y(), p.x());
                    double shownValue = std::nan(""), shownMap = std::nan(""), inputs = 0;
                    for (int r = 0; r < table->rowCount(); ++r) {
                        const int kind = kindOf(table, r);
                        if (kind == PixelInspector::Value)
                            shownValue = cellValue(table, r, valueColumn);
                        if (kind == PixelInspector::MapValue)
                            shownMap = cellValue(table, r, valueColumn);
                        if (r == table->rowCount() - 1)
                            continue;
                        const ExplanationRow& row = engine.rows[std::size_t(r)];
                        QCOMPARE(table->item(r, 0)->text(), QString::fromStdString(row.label));
                        if (!row.source.is_map())
                            continue;
                        // A number read from a map, shown as the map holds it (an input, or
                        // the input of a product).
                        QVERIFY2(kind == PixelInspector::Before || kind == PixelInspector::Term ||
                                     kind == PixelInspector::Winner,
                                 qPrintable(context));
                        const Tensor& source = *snapshot->maps(row.source.level - 1);
                        const double read =
                            source.at(row.source.channel, row.source.y, row.source.x);
                        QVERIFY2(test::close_enough(cellValue(table, r, 1), read, 1e-5),
                                 qPrintable(context));
                        inputs += read;
                    }
                    QVERIFY2(test::close_enough(shownMap, mapValue, 1e-5), qPrintable(context));
                    QVERIFY2(test::close_enough(shownValue, mapValue, 3e-5), qPrintable(context));
                    if (const auto* add = std::get_if<AddExplanation>(&terms))
                        QVERIFY2(test::close_enough(inputs + add->constant, mapValue, 3e-5),
                                 qPrintable(context));
                    QVERIFY2(inspector.formula().contains(
                                 QString::fromStdString(engine.title).toHtmlEscaped()),
                             qPrintable(context + ": " + inspector.formula()));
                    QCOMPARE(inspector.field()->levels.size(), std::size_t(layer + 2));
                }
            }
        }
        QVERIFY(generic >= 12);
    }

    void clickPinsAndHoverNoLongerMoves() {
        Document document;
        document.resetPipeline(load_pipeline(CONVSCOPE_RESOURCES_DIR "/pipelines/default.json"));
        QVERIFY(document.loadImage(QStringLiteral(CONVSCOPE_RESOURCES_DIR "/samples/chelsea.png")));
        RenderCoordinator coordinator(&document);
        coordinator.setMeasureReference(false);
        MapDataProvider data(&coordinator);
        PixelInspector inspector(&document, &data);
        QWidget view;
        view.resize(200, 200);
        inspector.attachView(&view);
        inspector.show();
        view.show();
        document.setFocus({3, 1});
        QTRY_VERIFY_WITH_TIMEOUT(data.isCurrent(), 20000);
        inspector.hoverAt({10, 12});
        QTRY_COMPARE(inspector.position(), QPoint(10, 12));
        QTest::mouseClick(&view, Qt::LeftButton, {}, QPoint(50, 50));
        QVERIFY(inspector.isPinned());
        QVERIFY(inspector.headline().contains(QStringLiteral("pinned")));
        inspector.hoverAt({30, 40});
        QTest::qWait(80);
        QCOMPARE(inspector.position(), QPoint(10, 12));
        // A 3×3 conv after a 2×2 pool after a 3×3 conv: 3 → 6 → 8 cells on the input.
        // A copy of the field: a reference into the temporary optional would dangle.
        const std::optional<ReceptiveField> field = inspector.field();
        QVERIFY(field);
        const FieldLevel& input = field->levels.front();
        QCOMPARE(input.rows.extent(), 8);
        QCOMPARE(input.cols.extent(), 8);
        inspector.unpin();
        QVERIFY(!inspector.isPinned());
        QTRY_COMPARE(inspector.position(), QPoint(30, 40));
    }
};

QTEST_MAIN(TestPixelInspector)
#include "test_pixel_inspector.moc"
