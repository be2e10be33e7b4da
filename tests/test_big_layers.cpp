// Real-sized networks in the window: a ResNet-18 (random weights, built by the engine's
// resnet18_onnx and imported like any model) at 224 × 224, and the bundled face-recognition
// trunk on the astronaut. The overview keeps layers of 64 to 512 maps readable (collapsed to
// one row, expandable to a compact grid) and makes pixmaps only for what is on screen; the
// filters grid shows conv1's filters as colour pictures and a deep layer's as heat maps; the
// kernel editor edits a 7×7×3 and a 3×3×512 filter, zeroes one and restores its trained weights.

#include "document.hpp"
#include "feature_map_overview.hpp"
#include "feature_map_view.hpp"
#include "filter_grid.hpp"
#include "kernel_editor.hpp"
#include "main_window.hpp"
#include "pipeline_edit.hpp"
#include "render_coordinator.hpp"
#include "support/main_window_fixture.hpp"

#include "convscope/onnx_import.hpp"
#include "convscope/resnet18_onnx.hpp"

#include <QCheckBox>
#include <QDockWidget>
#include <QImage>
#include <QScrollArea>
#include <QScrollBar>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

using namespace convscope;
using namespace convscope::ui;
using convscope::test::isIdle;

namespace {

const Conv2d& convOf(const Document& doc, int layer) {
    return std::get<Conv2d>(doc.pipeline().layers[std::size_t(layer)].op);
}

// The first conv layer reading `inChannels` channels (-1: none).
int convReading(const Pipeline& pipeline, int inChannels) {
    for (int i = 0; i < int(pipeline.layers.size()); ++i)
        if (const auto* conv = std::get_if<Conv2d>(&pipeline.layers[std::size_t(i)].op))
            if (conv->weights.in_channels == inChannels)
                return i;
    return -1;
}

void typeInto(KernelCell* cell, const QString& text) {
    cell->setFocus();
    cell->selectAll();
    QTest::keyClicks(cell, text);
    QTest::keyClick(cell, Qt::Key_Return);
}

} // namespace

class TestBigLayers : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QString model_, image_;
    Pipeline resnet_;

    // A window on the ResNet-18 and the 224 × 224 astronaut, every layer rendered.
    std::unique_ptr<MainWindow> openResNet(QSize size = QSize(1600, 1000)) {
        auto w = test::openMainWindow(size);
        if (!w->openPath(image_))
            return nullptr;
        w->document()->resetPipeline(resnet_);
        if (!QTest::qWaitFor([&] { return isIdle(*w); }, 60000))
            return nullptr;
        return w;
    }

private Q_SLOTS:
    void initTestCase() {
        test::prepareGuiTests();
        QVERIFY(dir_.isValid());
        model_ = dir_.filePath(QStringLiteral("resnet18.onnx"));
        write_resnet18_onnx(model_.toStdString()); // the trunk, batch norms as their own layers
        const OnnxImport imported = import_onnx(model_.toStdString());
        QVERIFY(imported.complete());
        resnet_ = imported.pipeline;
        QVERIFY(resnet_.layers.size() > 40);
        image_ = dir_.filePath(QStringLiteral("astronaut-224.png"));
        const QImage photo(QStringLiteral(CONVSCOPE_RESOURCES_DIR "/samples/astronaut.png"));
        QVERIFY(!photo.isNull());
        QVERIFY(
            photo.scaled(224, 224, Qt::IgnoreAspectRatio, Qt::SmoothTransformation).save(image_));
    }

    void theOverviewOfAResNetShowsEveryLayerAndStaysBounded() {
        auto w = openResNet();
        QVERIFY(w);
        const auto result = w->coordinator()->lastResult();
        QVERIFY2(!result->error, qPrintable(result->error ? result->error->message : QString()));
        const int layers = int(resnet_.layers.size());
        QCOMPARE(int(result->layers.size()), layers);
        FeatureMapOverview* overview = w->overview();
        QCOMPARE(overview->bandCount(), layers + 1);
        int maps = 0;
        for (const LayerRender& layer : result->layers)
            maps += int(layer.maps.size());
        QVERIFY(maps > 5000);

        // Only the tiles drawn so far were coloured (thumbnails are coloured when first drawn).
        const auto coloured = [&] {
            int count = 0;
            for (const LayerRender& layer : w->coordinator()->lastResult()->layers)
                for (const MapRender& map : layer.maps)
                    count += map.picture.isNull() ? 0 : 1;
            return count;
        };
        QTRY_VERIFY(coloured() > 0);
        QVERIFY2(coloured() < maps / 10, qPrintable(QString::number(coloured())));

        // conv1's 64 maps start collapsed to one row; the rest are counted, not drawn.
        QVERIFY(overview->isCollapsible(0));
        QVERIFY(!overview->isLayerExpanded(0));
        const int hidden = overview->hiddenMapCount(0);
        QVERIFY(hidden > 0 && hidden < 64);
        QVERIFY(!overview->tileRect({0, 0}).isEmpty());
        QVERIFY(overview->tileRect({0, 63}).isEmpty());
        QVERIFY(overview->thumbnail({0, 63}).isNull()); // not shown: not made
        const int rowTop = overview->tileRect({0, 0}).top();
        for (int c = 0; c < 64 - hidden; ++c)
            QCOMPARE(overview->tileRect({0, c}).top(), rowTop);

        // Only what has been on screen became pixmaps.
        QTRY_VERIFY(overview->pixmapsMade() > 0);
        QVERIFY2(overview->pixmapsMade() < maps / 10,
                 qPrintable(QString::number(overview->pixmapsMade())));

        // Expanded: every map, in a compact grid of smaller tiles.
        QTest::mouseClick(overview, Qt::LeftButton, {}, overview->expandToggleRect(0).center());
        QVERIFY(overview->isLayerExpanded(0));
        QCOMPARE(overview->hiddenMapCount(0), 0);
        QVERIFY(!overview->tileRect({0, 63}).isEmpty());
        QVERIFY(overview->tileRect({0, 0}).height() < overview->tileHeight() ||
                64 <= FeatureMapOverview::kCompactMapCount);
        // A layer of 512 maps expanded stays within a few screens.
        const int deep = convReading(resnet_, 512);
        QVERIFY(deep > 0);
        overview->setLayerExpanded(deep, true);
        QCOMPARE(overview->hiddenMapCount(deep), 0);
        QVERIFY2(overview->bandRect(deep).height() < 3 * w->overviewScroll()->viewport()->height(),
                 qPrintable(QStringLiteral("%1 px for 512 maps in a %2 × %3 viewport")
                                .arg(overview->bandRect(deep).height())
                                .arg(w->overviewScroll()->viewport()->width())
                                .arg(w->overviewScroll()->viewport()->height())));
        // The choice survives an edit (a new result).
        w->document()->setSelectedLayer(0);
        typeInto(w->kernelEditor()->cell(0, 3, 3), QStringLiteral("0.2"));
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 30000);
        QVERIFY(overview->isLayerExpanded(0));
        QVERIFY(overview->isLayerExpanded(deep));
        // Collapsed again by its switch.
        QTest::mouseClick(overview, Qt::LeftButton, {}, overview->expandToggleRect(0).center());
        QVERIFY(!overview->isLayerExpanded(0));

        // Scroll through the whole overview: the pixmaps held stay within the cache's bound.
        QScrollBar* bar = w->overviewScroll()->verticalScrollBar();
        QVERIFY(bar->maximum() > 0);
        for (int v = 0; v <= bar->maximum(); v += bar->pageStep() / 2) {
            bar->setValue(v);
            QCoreApplication::processEvents();
        }
        bar->setValue(bar->maximum());
        QCoreApplication::processEvents();
        QVERIFY(overview->pixmapsHeld() > 0);
        const QRect last = overview->tileRect({layers - 1, 0});
        QVERIFY(!last.isEmpty());
        // A map of the last layer, clicked, is shown large.
        QTest::mouseClick(overview, Qt::LeftButton, {}, last.center());
        QCOMPARE(w->document()->focus(), (MapId{layers - 1, 0}));
        QTRY_VERIFY_WITH_TIMEOUT(
            isIdle(*w) && w->coordinator()->lastResult()->focus == (MapId{layers - 1, 0}), 30000);
        QVERIFY(!w->coordinator()->lastResult()->focusImage.isNull());
    }

    // Thumbnails are made only for the tiles on screen: a collapsed layer of 512 maps makes
    // them for its one row, expanded it makes the rest as they come into view, and every
    // thumbnail made shows the map's own values.
    void thumbnailsAreMadeOnlyForTheTilesOnScreen() {
        auto w = openResNet();
        QVERIFY(w);
        FeatureMapOverview* overview = w->overview();
        const auto made = [&](int layer) {
            int count = 0;
            for (const MapRender& map : w->coordinator()->lastResult()->layers[layer].maps)
                count += map.hasThumbnail() ? 1 : 0;
            return count;
        };
        const auto madeInAll = [&] {
            int count = 0;
            for (int i = 0; i < int(resnet_.layers.size()); ++i)
                count += made(i);
            return count;
        };
        const auto settled = [&] {
            return isIdle(*w) &&
                   overview->paintedGeneration() >= w->coordinator()->displayedGeneration();
        };
        int maps = 0;
        for (const LayerRender& layer : w->coordinator()->lastResult()->layers)
            maps += int(layer.maps.size());
        QTRY_VERIFY_WITH_TIMEOUT(settled(), 30000);
        QVERIFY2(madeInAll() > 0 && madeInAll() < maps / 10,
                 qPrintable(QStringLiteral("%1 of %2").arg(madeInAll()).arg(maps)));

        // The last layer of 512 maps, scrolled to: collapsed, only its row's thumbnails.
        const int deep = int(resnet_.layers.size()) - 1;
        QCOMPARE(int(w->coordinator()->lastResult()->layers[deep].maps.size()), 512);
        QVERIFY(!overview->isLayerExpanded(deep));
        QCOMPARE(made(deep), 0); // far below the screen
        QScrollBar* bar = w->overviewScroll()->verticalScrollBar();
        bar->setValue(bar->maximum());
        QTRY_VERIFY_WITH_TIMEOUT(made(deep) > 0 && settled(), 30000);
        const int row = 512 - overview->hiddenMapCount(deep);
        QVERIFY2(made(deep) <= row,
                 qPrintable(QStringLiteral("%1 made, %2 in the row").arg(made(deep)).arg(row)));
        QVERIFY(overview->thumbnail({deep, 511}).isNull());

        // Expanded: the tiles on screen get theirs, from the engine's cached maps (no run).
        const int runs = w->coordinator()->renderThread()->completedRuns();
        overview->setLayerExpanded(deep, true);
        bar->setValue(bar->maximum());
        QTRY_VERIFY_WITH_TIMEOUT(made(deep) > row && settled(), 30000);
        QCOMPARE(w->coordinator()->renderThread()->completedRuns(), runs);
        const QRect shown = w->overviewScroll()->viewport()->rect().translated(
            0, bar->value()); // the overview's visible part, in its coordinates
        int checked = 0;
        const auto backend = make_backend(BackendKind::Fast);
        const RunResult& run = backend->run(w->document()->pipeline(), w->document()->input());
        const Tensor& out = *run.layers[std::size_t(deep)].output;
        const int thumb = w->coordinator()->thumbnailSize();
        for (int c = 0; c < 512; ++c) {
            const QRect tile = overview->tileRect({deep, c});
            const MapRender& map = w->coordinator()->lastResult()->layers[deep].maps[c];
            if (!shown.contains(tile))
                continue;
            QVERIFY2(map.hasThumbnail(), qPrintable(QStringLiteral("map %1 on screen").arg(c)));
            const MapSummary expected = sampleThumbnail(out, c, thumb);
            const QImage picture =
                colorizeValues(expected.values.data(), expected.width, expected.height,
                               std::size_t(expected.width), map.colormap, map.shownRange);
            QCOMPARE(overview->thumbnail({deep, c}), picture);
            ++checked;
        }
        QVERIFY2(checked > row, qPrintable(QString::number(checked)));
        QVERIFY(madeInAll() < maps / 4);
    }

    void conv1FiltersAreColourPicturesAndOpenInTheKernelEditor() {
        auto w = openResNet();
        QVERIFY(w);
        Document* doc = w->document();
        doc->setSelectedLayer(0);
        auto* dock = w->findChild<QDockWidget*>(QStringLiteral("filtersDock"));
        QVERIFY(dock);
        dock->show();
        dock->raise();
        FilterGrid* grid = w->filterGrid();
        QTRY_VERIFY(grid->isVisible());
        QCOMPARE(grid->layer(), 0);
        QCOMPARE(grid->pictures().filterCount(), 64);
        QCOMPARE(grid->pictures().style(), FilterPictures::Style::Colour);
        QCOMPARE(grid->pictures().picture(0).size(), QSize(7, 7));
        QVERIFY(grid->filterRect(63).bottom() > grid->filterRect(0).bottom()); // several rows

        // Click filter 6: the kernel editor shows it, 7 × 7 × 3 cells.
        grid->scrollArea()->ensureVisible(grid->filterRect(5).center().x(),
                                          grid->filterRect(5).center().y());
        QTest::mouseClick(grid->canvas(), Qt::LeftButton, {}, grid->filterRect(5).center());
        QCOMPARE(doc->selectedFilter(), 5);
        KernelEditor* editor = w->kernelEditor();
        QCOMPARE(editor->filterSpin()->value(), 6);
        QCOMPARE(editor->cellCount(), 7 * 7 * 3);
        QVERIFY(w->findChild<QDockWidget*>(QStringLiteral("kernelDock"))->isVisible());

        // An edit redraws that filter's picture only.
        dock->raise();
        QTRY_VERIFY(grid->isVisible());
        const QImage before = grid->pictures().picture(5);
        typeInto(editor->cell(1, 3, 3), QStringLiteral("0.01"));
        QCOMPARE(convOf(*doc, 0).weights.at(5, 1, 3, 3), 0.01f);
        QTRY_VERIFY(grid->pictures().picture(5) != before);
        QVERIFY(grid->lastRedone() == std::vector<int>{5} || grid->lastRedone().size() == 64);

        // Zero this filter: one step, its map goes dead; restore: one step, the trained weights.
        const int steps = doc->undoStack()->count();
        QVERIFY(!editor->filterIsTrained());
        auto* zero = editor->findChild<QToolButton*>(QStringLiteral("zeroFilter"));
        auto* restore = editor->findChild<QToolButton*>(QStringLiteral("restoreFilter"));
        QVERIFY(zero && restore);
        QVERIFY(restore->isEnabled());
        QTest::mouseClick(zero, Qt::LeftButton);
        QCOMPARE(doc->undoStack()->count(), steps + 1);
        for (int c = 0; c < 3; ++c)
            for (int y = 0; y < 7; ++y)
                for (int x = 0; x < 7; ++x)
                    QCOMPARE(convOf(*doc, 0).weights.at(5, c, y, x), 0.0f);
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w) && w->overview()->isDeadMap({0, 5}), 30000);
        QVERIFY(!w->overview()->isDeadMap({0, 4}));
        QTest::mouseClick(restore, Qt::LeftButton);
        QCOMPARE(doc->undoStack()->count(), steps + 2);
        QVERIFY(editor->filterIsTrained());
        QVERIFY(!restore->isEnabled());
        QVERIFY(filterMatches(convOf(*doc, 0), 5, std::get<Conv2d>(resnet_.layers[0].op)));
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w) && !w->overview()->isDeadMap({0, 5}), 30000);
        doc->undoStack()->undo(); // back to zero
        QCOMPARE(convOf(*doc, 0).weights.at(5, 0, 0, 0), 0.0f);
        QVERIFY(!editor->filterIsTrained());

        // Heat maps instead of colour, if asked.
        grid->colourBox()->setChecked(false);
        QCOMPARE(grid->pictures().style(), FilterPictures::Style::HeatMaps);
        QCOMPARE(grid->pictures().picture(0).size(), QSize(2 * 7 + 1, 2 * 7 + 1));
    }

    void aDeepFilterOf512ChannelsStaysEditable() {
        auto w = openResNet();
        QVERIFY(w);
        Document* doc = w->document();
        const int deep = convReading(resnet_, 512);
        QVERIFY(deep > 0);
        QCOMPARE(convOf(*doc, deep).weights.kernel_h, 3);
        doc->setSelectedLayer(deep);
        auto* dock = w->findChild<QDockWidget*>(QStringLiteral("filtersDock"));
        dock->show();
        dock->raise();
        FilterGrid* grid = w->filterGrid();
        QTRY_VERIFY(grid->isVisible());
        QCOMPARE(grid->layer(), deep);
        QCOMPARE(grid->pictures().filterCount(), 512);
        QCOMPARE(grid->pictures().style(), FilterPictures::Style::HeatMaps);
        QCOMPARE(grid->pictures().mosaicColumns(), 23); // ceil(sqrt(512))
        QCOMPARE(grid->pictures().picture(0).size(), QSize(23 * 4 - 1, 23 * 4 - 1));
        // The last filter, scrolled to and clicked.
        const QRect last = grid->filterRect(511);
        grid->scrollArea()->ensureVisible(last.center().x(), last.center().y());
        QTest::mouseClick(grid->canvas(), Qt::LeftButton, {}, last.center());
        QCOMPARE(doc->selectedFilter(), 511);
        // The click fell on one input channel's cell of the mosaic: the editor shows that one.
        const int zoomed = last.width() / grid->pictures().picture(0).width();
        const int clicked = grid->pictures().channelAt((last.center().x() - last.left()) / zoomed,
                                                       (last.center().y() - last.top()) / zoomed);
        QVERIFY(clicked >= 0);
        QCOMPARE(w->kernelEditor()->inputChannel(), clicked);
        QVERIFY(w->kernelEditor()->cell(clicked, 0, 0));

        // The kernel editor: a page of channels, chosen by the input-channel box.
        KernelEditor* editor = w->kernelEditor();
        const int perPage = KernelEditor::channelsPerPage(3, 3);
        QVERIFY(perPage < 512);
        QCOMPARE(editor->cellCount(), perPage * 9);
        QSpinBox* channel = editor->channelSpin();
        QCOMPARE(channel->maximum(), 512);
        channel->setValue(500);
        QCOMPARE(editor->inputChannel(), 499);
        QVERIFY(editor->firstShownChannel() <= 499 &&
                499 < editor->firstShownChannel() + editor->shownChannelCount());
        QVERIFY(editor->cellCount() <= perPage * 9);
        KernelCell* cell = editor->cell(499, 1, 1);
        QVERIFY(cell);
        QVERIFY(!editor->cell(0, 1, 1)); // another page
        typeInto(cell, QStringLiteral("0.125"));
        QCOMPARE(convOf(*doc, deep).weights.at(511, 499, 1, 1), 0.125f);
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 30000);
        QVERIFY(!w->coordinator()->lastResult()->error);
        // Zeroing and restoring a 4608-weight filter.
        editor->zero();
        QCOMPARE(convOf(*doc, deep).weights.at(511, 499, 1, 1), 0.0f);
        editor->restoreTrained();
        QVERIFY(editor->filterIsTrained());
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 30000);
    }

    void theFaceRecognitionTrunkShowsEveryLayerAndItsConv1Filters() {
        auto w = test::openMainWindow(QSize(1600, 1000));
        const QString model = QStringLiteral(
            CONVSCOPE_RESOURCES_DIR "/models/face-recognition/face_recognition_trunk.onnx");
        const OnnxImport imported = import_onnx(model.toStdString());
        QVERIFY(w->openPath(QStringLiteral(CONVSCOPE_RESOURCES_DIR "/samples/astronaut.png")));
        w->document()->resetPipeline(imported.pipeline);
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(*w), 60000);
        const auto result = w->coordinator()->lastResult();
        QVERIFY2(!result->error, qPrintable(result->error ? result->error->message : QString()));
        QCOMPARE(result->layers.size(), imported.pipeline.layers.size());
        // Every layer's maps are shown (their thumbnails made as they come into view).
        for (int l = 0; l < int(result->layers.size()); ++l) {
            const QPoint tile = w->overview()->tileRect({l, 0}).center();
            w->overviewScroll()->ensureVisible(tile.x(), tile.y());
            QTRY_VERIFY_WITH_TIMEOUT(!w->overview()->thumbnail({l, 0}).isNull(), 30000);
        }
        const int conv1 = convReading(imported.pipeline, 3);
        QCOMPARE(conv1, 0);
        w->document()->setSelectedLayer(conv1);
        auto* dock = w->findChild<QDockWidget*>(QStringLiteral("filtersDock"));
        dock->show();
        dock->raise();
        QTRY_VERIFY(w->filterGrid()->isVisible());
        QCOMPARE(w->filterGrid()->pictures().filterCount(), 32);
        QCOMPARE(w->filterGrid()->pictures().style(), FilterPictures::Style::Colour);
        QCOMPARE(w->filterGrid()->pictures().picture(0).size(), QSize(7, 7));
    }
};

QTEST_MAIN(TestBigLayers)
#include "test_big_layers.moc"
