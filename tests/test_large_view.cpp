// The map shown large: its caption stays readable however narrow the view is.

#include "feature_map_view.hpp"
#include "support/main_window_fixture.hpp"

#include <QFontMetrics>
#include <QImage>
#include <QTest>

using namespace convscope;
using namespace convscope::ui;

namespace {

// Every line fits the view, and between them the lines hold every word of the caption.
void verifyReadable(const FeatureMapView& view, const QString& caption) {
    const QStringList lines = view.captionLines();
    QVERIFY(!lines.isEmpty());
    const QFontMetrics fm = view.fontMetrics();
    for (const QString& line : lines) {
        QVERIFY2(fm.horizontalAdvance(line) + 36 <= view.width(),
                 qPrintable(QStringLiteral("\"%1\" is wider than the view (%2 px)")
                                .arg(line)
                                .arg(view.width())));
        QVERIFY2(!line.contains(QChar(0x2026)), qPrintable(line + QStringLiteral(" is cut")));
    }
    const QString shown = lines.join(QStringLiteral(" · "));
    for (const QString& part : caption.split(QStringLiteral(" · ")))
        QVERIFY2(shown.contains(part), qPrintable(part + QStringLiteral(" missing from ") + shown));
    QVERIFY(shown.endsWith(QStringLiteral(" %")));
}

} // namespace

class TestLargeView : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { test::prepareGuiTests(); }

    // A narrow view wraps the caption between its parts instead of cutting it.
    void aNarrowViewWrapsTheCaption() {
        FeatureMapView view;
        view.resize(900, 400);
        QImage image(64, 48, QImage::Format_RGB32);
        image.fill(Qt::gray);
        const QString caption = QStringLiteral("Layer 12 · colour_and_edges · map 15");
        view.setImage(image, caption);
        view.show();
        QCOMPARE(view.captionLines().size(), 1);
        verifyReadable(view, caption);

        view.resize(240, 300);
        QVERIFY(view.captionLines().size() > 1);
        verifyReadable(view, caption);
        // The whole caption is in the tooltip too.
        QVERIFY(view.toolTip().contains(caption));
    }

    // A single part wider than the view is shortened in the middle, never overflowing it.
    void aPartWiderThanTheViewIsShortened() {
        FeatureMapView view;
        view.resize(200, 200);
        QImage image(8, 8, QImage::Format_RGB32);
        image.fill(Qt::gray);
        view.setImage(image, QStringLiteral("Layer 3 · a_very_long_layer_name_from_an_onnx_graph_"
                                            "that_goes_on · map 2"));
        view.show();
        const QFontMetrics fm = view.fontMetrics();
        for (const QString& line : view.captionLines())
            QVERIFY(fm.horizontalAdvance(line) + 36 <= view.width());
        QVERIFY(view.captionLines().join(QLatin1Char(' ')).contains(QStringLiteral("map 2")));
    }

    // At 1280×720 in the normal layout, the caption of layer 1's map reads whole.
    void theCaptionReadsWholeAt1280x720() {
        auto w = test::openMainWindow(QSize(1280, 720));
        QTRY_VERIFY_WITH_TIMEOUT(test::isIdle(*w) && !w->mapView()->caption().isEmpty(), 20000);
        const QString caption = w->mapView()->caption();
        QVERIFY(caption.contains(QStringLiteral("map 1")));
        verifyReadable(*w->mapView(), caption);
    }
};

QTEST_MAIN(TestLargeView)
#include "test_large_view.moc"
