// The kernel editor and the pipeline edits behind it: typing, scrubbing (one undo step per
// drag), Tab order, presets, the tools, resizing, and kernels as text.

#include "document.hpp"
#include "kernel_editor.hpp"
#include "kernel_presets.hpp"
#include "layer_properties_panel.hpp"
#include "pipeline_edit.hpp"
#include "support/main_window_fixture.hpp"

#include <QApplication>
#include <QClipboard>
#include <QDockWidget>
#include <QHBoxLayout>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTest>
#include <QWheelEvent>

using namespace convscope;
using namespace convscope::ui;

namespace {

Pipeline twoLayerPipeline() {
    Pipeline p;
    p.input_mode = InputMode::Rgb;
    p.layers.push_back(makeLayer(NewLayerKind::Conv, 3)); // identity 3→3, 3×3
    p.layers.push_back(makeLayer(NewLayerKind::ReLU, 3));
    return p;
}

// Counts the paint events each widget receives while it is on.
class PaintCounter : public QObject {
public:
    QHash<QObject*, int> paints;
    bool eventFilter(QObject* watched, QEvent* event) override {
        if (event->type() == QEvent::Paint)
            ++paints[watched];
        return false;
    }
    int of(QObject* widget) const { return paints.value(widget); }
};

const Conv2d& conv0(const Document& d) {
    return std::get<Conv2d>(d.pipeline().layers[0].op);
}

void wheel(QWidget* w, int delta, Qt::KeyboardModifiers modifiers = Qt::NoModifier) {
    const QPointF pos(w->width() / 2.0, w->height() / 2.0);
    QWheelEvent event(pos, w->mapToGlobal(pos), QPoint(), QPoint(0, delta), Qt::NoButton, modifiers,
                      Qt::NoScrollPhase, false);
    QApplication::sendEvent(w, &event);
}

} // namespace

class TestKernelEditor : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        qputenv("CONVSCOPE_RESOURCES", CONVSCOPE_RESOURCES_DIR);
    }

    void showsOneGridPerInputChannel() {
        Document doc;
        doc.resetPipeline(twoLayerPipeline());
        KernelEditor editor(&doc);
        editor.show();
        QCOMPARE(editor.cellCount(), 27);
        QCOMPARE(editor.cell(0, 1, 1)->text(), QStringLiteral("1"));
        QCOMPARE(editor.cell(1, 1, 1)->text(), QStringLiteral("0"));
        doc.setSelectedFilter(2);
        QCOMPARE(editor.cell(2, 1, 1)->text(), QStringLiteral("1"));
        QCOMPARE(editor.filterSpin()->value(), 3);
    }

    // Layer 1, filter 4 of the default stack holds 0.007125 and -0.01869: a cell must show each
    // whole (never "007125" or ".01869"), the full value in its tooltip.
    void cellsShowEveryValueWhole() {
        Document doc;
        doc.resetPipeline(twoLayerPipeline());
        KernelEditor editor(&doc);
        editor.show();
        QVERIFY(QTest::qWaitForWindowExposed(&editor));
        const std::vector<float> values = {0.007125f, -0.01869f, 123.4567f, -0.0003141f, 1.0f};
        Pipeline p = doc.pipeline();
        auto& w = std::get<Conv2d>(p.layers[0].op).weights;
        for (std::size_t i = 0; i < values.size(); ++i)
            w.set(0, 1, int(i / 3), int(i % 3), values[i]);
        doc.edit(QStringLiteral("weights"), p);
        for (std::size_t i = 0; i < values.size(); ++i) {
            KernelCell* cell = editor.cell(1, int(i / 3), int(i % 3));
            const QString text = cell->text();
            QVERIFY2(cell->fontMetrics().horizontalAdvance(text) <= cell->textRoom(),
                     qPrintable(text));
            bool ok = false;
            const double shown = QLocale::c().toDouble(text, &ok);
            QVERIFY2(ok, qPrintable(text));
            // Rounded to the cell, not cut: the sign and the magnitude survive.
            QVERIFY2(std::abs(shown - values[i]) <= 0.06 * std::abs(values[i]),
                     qPrintable(QStringLiteral("%1 shows as %2").arg(values[i]).arg(text)));
            QVERIFY2(cell->toolTip().contains(QString::number(values[i], 'g', 7)),
                     qPrintable(cell->toolTip()));
        }
        // A wider cell (larger type in presentation mode) shows more digits.
        KernelCell* wide = editor.cell(1, 0, 0);
        wide->setFixedSize(160, 28);
        QCOMPARE(wide->text(), QStringLiteral("0.007125"));
    }

    void typingAValueEditsTheWeightAndTabMovesOn() {
        Document doc;
        doc.resetPipeline(twoLayerPipeline());
        KernelEditor editor(&doc);
        editor.show();
        QVERIFY(QTest::qWaitForWindowExposed(&editor));
        KernelCell* cell = editor.cell(0, 0, 0);
        cell->setFocus();
        QTRY_VERIFY(cell->hasFocus());
        cell->selectAll();
        QTest::keyClicks(cell, QStringLiteral("0.25"));
        QTest::keyClick(cell, Qt::Key_Tab);
        QCOMPARE(conv0(doc).weights.at(0, 0, 0, 0), 0.25f);
        QCOMPARE(doc.undoStack()->count(), 1);
        QTRY_VERIFY(editor.cell(0, 0, 1)->hasFocus()); // Tab went to the next cell
        // Non-numbers are refused, the old value comes back.
        KernelCell* next = editor.cell(0, 0, 1);
        next->selectAll();
        QTest::keyClicks(next, QStringLiteral("abc"));
        QTest::keyClick(next, Qt::Key_Return);
        QCOMPARE(conv0(doc).weights.at(0, 0, 0, 1), 0.0f);
        QCOMPARE(doc.undoStack()->count(), 1);
    }

    void aWeightEditRepaintsOnlyWhatItChanges() {
        // Every repaint on the GUI thread takes a core from the engine's run of the same edit:
        // a weight edit repaints its own cell, not the filter's other cells (their text and
        // colour are unchanged) nor the layer's properties (no setting changed).
        Document doc;
        doc.resetPipeline(twoLayerPipeline());
        QWidget window;
        auto* layout = new QHBoxLayout(&window);
        auto* editor = new KernelEditor(&doc);
        auto* properties = new LayerPropertiesPanel(&doc);
        layout->addWidget(editor);
        layout->addWidget(properties);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QTest::qWait(50);
        PaintCounter counter;
        qApp->installEventFilter(&counter);
        KernelCell* cell = editor->cell(0, 0, 0);
        cell->setFocus();
        cell->selectAll();
        QTest::keyClicks(cell, QStringLiteral("0.5")); // within the largest weight (1)
        QTest::keyClick(cell, Qt::Key_Return);
        QCOMPARE(conv0(doc).weights.at(0, 0, 0, 0), 0.5f);
        QTRY_VERIFY(counter.of(cell) > 0); // the window does paint
        QTest::qWait(50);
        qApp->removeEventFilter(&counter);
        for (int c = 0; c < 3; ++c)
            for (int y = 0; y < 3; ++y)
                for (int x = 0; x < 3; ++x) {
                    KernelCell* other = editor->cell(c, y, x);
                    if (other != cell)
                        QVERIFY2(counter.of(other) == 0, qPrintable(other->objectName()));
                }
        QCOMPARE(counter.of(properties), 0);
        for (QWidget* child : properties->findChildren<QWidget*>())
            QVERIFY2(counter.of(child) == 0, qPrintable(child->objectName()));
    }

    void scrubbingMergesIntoOneUndoStep() {
        Document doc;
        doc.resetPipeline(twoLayerPipeline());
        KernelEditor editor(&doc);
        editor.show();
        KernelCell* cell = editor.cell(0, 1, 1);
        for (int i = 0; i < 5; ++i)
            wheel(cell, 120);
        QCOMPARE(conv0(doc).weights.at(0, 0, 1, 1), 1.5f);
        QCOMPARE(doc.undoStack()->count(), 1);
        wheel(cell, -120, Qt::ShiftModifier);
        QCOMPARE(conv0(doc).weights.at(0, 0, 1, 1), 1.49f);
        QCOMPARE(doc.undoStack()->count(), 1);
        // A drag on another cell: a new step.
        KernelCell* other = editor.cell(0, 0, 0);
        QTest::mousePress(other, Qt::LeftButton, {}, QPoint(20, 20));
        QTest::mouseMove(other, QPoint(20, 10));
        QTest::mouseMove(other, QPoint(20, 0));
        QTest::mouseRelease(other, Qt::LeftButton, {}, QPoint(20, 0));
        QCOMPARE(conv0(doc).weights.at(0, 0, 0, 0), 0.2f);
        QCOMPARE(doc.undoStack()->count(), 2);
        doc.undoStack()->undo();
        doc.undoStack()->undo();
        QCOMPARE(conv0(doc).weights.at(0, 0, 1, 1), 1.0f);
        QCOMPARE(editor.cell(0, 1, 1)->text(), QStringLiteral("1"));
    }

    void presetsLoadWithDescriptions() {
        const auto presets =
            loadKernelPresets(QStringLiteral(CONVSCOPE_RESOURCES_DIR "/presets/kernels.json"));
        QVERIFY(presets.size() >= 10);
        for (const KernelPreset& p : presets)
            QVERIFY(!p.description.isEmpty() && !p.kernel.empty());
        Document doc;
        doc.resetPipeline(twoLayerPipeline());
        KernelEditor editor(&doc);
        editor.applyPresetById(QStringLiteral("gaussian_5x5"));
        QCOMPARE(conv0(doc).weights.kernel_h, 5);
        QCOMPARE(editor.cellCount(), 75);
        QVERIFY(editor.presetDescription().contains(QStringLiteral("Gaussian")));
        double sum = 0;
        for (int i = 0; i < 3; ++i)
            for (int y = 0; y < 5; ++y)
                for (int x = 0; x < 5; ++x)
                    sum += conv0(doc).weights.at(0, i, y, x);
        QCOMPARE(std::round(sum * 1e5) / 1e5, 1.0);
    }

    // Sobel x on one filter, then another filter or another layer: the explanation follows the
    // filter shown, and comes back with it; an edited weight ends it.
    void presetExplanationFollowsTheSelection() {
        Document doc;
        Pipeline p = twoLayerPipeline();
        p.layers.push_back(makeLayer(NewLayerKind::Conv, 3));
        doc.resetPipeline(p);
        KernelEditor editor(&doc);
        editor.show();
        doc.setSelectedFilter(2);
        editor.applyPresetById(QStringLiteral("sobel_x"));
        QVERIFY(editor.presetDescription().contains(QStringLiteral("Sobel x")));
        doc.setSelectedFilter(0);
        QVERIFY2(!editor.presetDescription().contains(QStringLiteral("Sobel")),
                 qPrintable(editor.presetDescription()));
        doc.setSelectedFilter(2);
        QVERIFY(editor.presetDescription().contains(QStringLiteral("Sobel x")));
        doc.setSelectedLayer(2);
        doc.setSelectedFilter(0);
        QVERIFY2(!editor.presetDescription().contains(QStringLiteral("Sobel")),
                 qPrintable(editor.presetDescription()));
        doc.setSelectedLayer(0);
        doc.setSelectedFilter(2);
        QVERIFY(editor.presetDescription().contains(QStringLiteral("Sobel x")));
        Pipeline edited = doc.pipeline();
        std::get<Conv2d>(edited.layers[0].op).weights.set(2, 0, 0, 0, 5.0f);
        doc.edit(QStringLiteral("weight"), edited);
        QVERIFY(editor.presetDescription().isEmpty());
    }

    // Typing 201 in the kernel size: nothing happens until Enter, the digits are not refused,
    // and the limit is said rather than silently applied.
    void spinBoxesApplyOnEnterAndSayTheirLimits() {
        Document doc;
        doc.resetPipeline(twoLayerPipeline());
        KernelEditor editor(&doc);
        editor.show();
        QVERIFY(QTest::qWaitForWindowExposed(&editor));
        QSignalSpy messages(&editor, &KernelEditor::message);
        auto* size = editor.findChild<QSpinBox*>(QStringLiteral("kernel_h"));
        QVERIFY(size);
        QVERIFY2(size->toolTip().contains(QStringLiteral("1 to 15")), qPrintable(size->toolTip()));
        size->setFocus();
        QTRY_VERIFY(size->hasFocus());
        size->selectAll();
        QTest::keyClicks(size, QStringLiteral("5"));
        QCOMPARE(conv0(doc).weights.kernel_h, 3); // not at the first keystroke
        QTest::keyClick(size, Qt::Key_Return);
        QCOMPARE(conv0(doc).weights.kernel_h, 5);
        size->selectAll();
        QTest::keyClicks(size, QStringLiteral("201"));
        QCOMPARE(size->text(), QStringLiteral("201")); // every digit typed is kept
        QCOMPARE(conv0(doc).weights.kernel_h, 5);
        QTest::keyClick(size, Qt::Key_Return);
        QCOMPARE(conv0(doc).weights.kernel_h, 15);
        QCOMPARE(messages.count(), 1);
        const QString said = messages.front().front().toString();
        QVERIFY2(said.contains(QStringLiteral("1 to 15")) && said.contains(QStringLiteral("201")),
                 qPrintable(said));
        // The filter number too waits for Enter: "3" is not filter 1 first.
        auto* filter = editor.filterSpin();
        filter->setFocus();
        QTRY_VERIFY(filter->hasFocus());
        filter->selectAll();
        QTest::keyClicks(filter, QStringLiteral("3"));
        QCOMPARE(doc.selectedFilter(), 0);
        QTest::keyClick(filter, Qt::Key_Return);
        QCOMPARE(doc.selectedFilter(), 2);
    }

    void toolsChangeTheSelectedFilter() {
        Document doc;
        doc.resetPipeline(twoLayerPipeline());
        KernelEditor editor(&doc);
        QVERIFY(editor.setKernelText(QStringLiteral("1 0 -1\n2 0 -2\n1 0 -1")));
        QCOMPARE(conv0(doc).weights.at(0, 2, 1, 0), 2.0f);
        editor.transpose();
        QCOMPARE(conv0(doc).weights.at(0, 0, 0, 1), 2.0f);
        QCOMPARE(conv0(doc).weights.at(0, 0, 2, 1), -2.0f);
        editor.flipVertical();
        QCOMPARE(conv0(doc).weights.at(0, 0, 0, 1), -2.0f);
        editor.flipHorizontal();
        QCOMPARE(conv0(doc).weights.at(0, 0, 0, 0), -1.0f);
        editor.zero();
        QCOMPARE(conv0(doc).weights.at(0, 0, 0, 1), 0.0f);
        QVERIFY(editor.setKernelText(QStringLiteral("[[1, 1], [1, 1]]")));
        QCOMPARE(conv0(doc).weights.kernel_w, 2);
        editor.normalise();
        QCOMPARE(conv0(doc).weights.at(0, 1, 1, 1), 1.0f / 12.0f);
        editor.randomise();
        QVERIFY(conv0(doc).weights.at(0, 0, 0, 0) != 1.0f / 12.0f);
        QVERIFY(!editor.setKernelText(QStringLiteral("1 2\n3")));
        editor.setKernelSize(7, 3);
        QCOMPARE(conv0(doc).weights.kernel_h, 7);
        QCOMPARE(conv0(doc).weights.kernel_w, 3);
        QCOMPARE(editor.cellCount(), 63);
        // Copy as text and paste it back onto another filter.
        editor.copyKernel();
        const QString text = QApplication::clipboard()->text();
        doc.setSelectedFilter(1);
        editor.pasteKernel();
        const Conv2d& c = conv0(doc);
        for (int i = 0; i < 3; ++i)
            for (int y = 0; y < 7; ++y)
                for (int x = 0; x < 3; ++x)
                    QCOMPARE(c.weights.at(1, i, y, x), c.weights.at(0, i, y, x));
        QVERIFY(!text.isEmpty());
    }

    void pipelineEditsKeepTheirMeaning() {
        Conv2d conv = std::get<Conv2d>(makeLayer(NewLayerKind::Conv, 3).op);
        setInChannels(conv, 1); // RGB → gray: weights of the three channels sum
        QCOMPARE(conv.weights.in_channels, 1);
        QCOMPARE(conv.weights.at(0, 0, 1, 1), 1.0f);
        setInChannels(conv, 3);
        QCOMPARE(conv.weights.at(0, 2, 1, 1), 1.0f / 3.0f);
        setOutChannels(conv, 5);
        QCOMPARE(conv.weights.out_channels, 5);
        QCOMPARE(conv.bias.size(), std::size_t(5));
        resizeKernel(conv, 1, 1);
        QCOMPARE(conv.weights.at(0, 0, 0, 0), 1.0f / 3.0f);
        Conv2d rect = std::get<Conv2d>(makeLayer(NewLayerKind::Conv, 1).op);
        resizeKernel(rect, 3, 5);
        transposeFilter(rect, 0);
        QCOMPARE(rect.weights.kernel_h, 5);
        QCOMPARE(rect.weights.kernel_w, 3);
        QCOMPARE(rect.weights.at(0, 0, 2, 1), 1.0f);
    }

    // Selecting a layer without kernels shows the placeholder in the editor's place: the dock
    // keeps its width, and the window does not reflow around it.
    void theDockKeepsItsWidthForALayerWithoutKernels() {
        auto w = test::openMainWindow(QSize(1280, 720));
        QTRY_VERIFY_WITH_TIMEOUT(test::isIdle(*w), 20000);
        auto* dock = w->findChild<QDockWidget*>(QStringLiteral("kernelDock"));
        QVERIFY(dock);
        QTest::qWait(50);
        const int width = dock->width();
        w->document()->setSelectedLayer(1); // relu1
        QTRY_VERIFY_WITH_TIMEOUT(test::isIdle(*w), 20000);
        QTest::qWait(50);
        QCOMPARE(dock->width(), width);
        w->document()->setSelectedLayer(0);
        QTest::qWait(50);
        QCOMPARE(dock->width(), width);
    }
};

QTEST_MAIN(TestKernelEditor)
#include "test_kernel_editor.moc"
