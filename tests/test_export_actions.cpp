// Export from the GUI: every file it writes decodes back to the map's values (or colours).

#include "document.hpp"
#include "export_actions.hpp"
#include "map_data.hpp"
#include "number_format.hpp"
#include "render_coordinator.hpp"

#include "convscope/contact_sheet.hpp"
#include "convscope/npy.hpp"
#include "convscope/pipeline_json.hpp"

#include <QApplication>
#include <QClipboard>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace convscope;
using namespace convscope::ui;

namespace {

struct Fixture {
    Document document;
    RenderCoordinator coordinator{&document};
    MapDataProvider data{&coordinator};
    QWidget window;
    ExportActions actions{&document, &data, &window};

    Fixture() {
        document.resetPipeline(load_pipeline(CONVSCOPE_RESOURCES_DIR "/pipelines/default.json"));
        document.loadImage(QStringLiteral(CONVSCOPE_RESOURCES_DIR "/samples/chelsea.png"));
        coordinator.setMeasureReference(false);
    }
    // Runs `start` and waits for its finished() signal; true when it succeeded.
    bool run(const std::function<void()>& start, QString* message = nullptr) {
        QSignalSpy spy(&actions, &ExportActions::finished);
        start();
        if (spy.isEmpty() && !spy.wait(30000))
            return false;
        if (message)
            *message = spy.first().at(1).toString();
        return spy.first().at(0).toBool();
    }
};

} // namespace

class TestExportActions : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        qputenv("CONVSCOPE_NO_DIALOGS", "1");
    }

    void currentMapDecodesBack() {
        Fixture f;
        QTemporaryDir dir;
        f.document.setFocus({3, 4});
        QString message;
        const QString tiff = dir.filePath(QStringLiteral("map.tiff"));
        QVERIFY2(f.run([&] { f.actions.exportCurrentMap(tiff); }, &message), qPrintable(message));
        const Tensor& maps = *f.data.snapshot()->maps(3);
        const Tensor read = read_map_tiff(tiff.toStdString());
        QCOMPARE(read.width(), maps.width());
        QCOMPARE(read.height(), maps.height());
        for (int y = 0; y < maps.height(); ++y)
            for (int x = 0; x < maps.width(); ++x)
                QCOMPARE(read.at(0, y, x), maps.at(4, y, x));

        const QString npy = dir.filePath(QStringLiteral("map.npy"));
        QVERIFY(f.run([&] { f.actions.exportCurrentMap(npy); }));
        const NpyArray array = read_npy(npy.toStdString());
        QCOMPARE(array.shape,
                 (std::vector<std::size_t>{std::size_t(maps.height()), std::size_t(maps.width())}));
        for (int y = 0; y < maps.height(); ++y)
            for (int x = 0; x < maps.width(); ++x)
                QCOMPARE(array.values[std::size_t(y) * maps.width() + x], maps.at(4, y, x));

        const QString png = dir.filePath(QStringLiteral("map.png"));
        QVERIFY(f.run([&] { f.actions.exportCurrentMap(png); }));
        const QImage image(png);
        QCOMPARE(image.size(), QSize(maps.width(), maps.height()));
        const QImage expected = mapPicture(maps, 4, Colormap::Auto, false);
        QCOMPARE(image.convertToFormat(QImage::Format_RGB888), expected);

        const QString bar = dir.filePath(QStringLiteral("map-bar.png"));
        QVERIFY(f.run([&] { f.actions.exportCurrentMap(bar, true); }));
        const QImage withBar(bar);
        QVERIFY(withBar.width() > maps.width() + 20);
        QVERIFY(withBar.height() >= maps.height());

        // The clipboard gets the same picture.
        QVERIFY(f.run([&] { f.actions.copyCurrentMap(); }));
        QCOMPARE(QApplication::clipboard()->image().size(), QSize(maps.width(), maps.height()));
    }

    // With the view set to Global, the PNG with colorbar is coloured over the global range
    // the view uses (and says it on its scale), not over the map's own range.
    void aPngWithColorbarFollowsTheViewsNormalisation() {
        Fixture f;
        QTemporaryDir dir;
        f.document.setFocus({3, 4});
        DisplaySettings display = f.document.display();
        display.normalisation = Normalisation::Global;
        f.document.setDisplay(display);
        const QString bar = dir.filePath(QStringLiteral("global-bar.png"));
        QVERIFY(f.run([&] { f.actions.exportCurrentMap(bar, true); }));
        const std::shared_ptr<const MapSnapshot> snapshot = f.data.snapshot(); // kept alive
        const MapSnapshot& s = *snapshot;
        const Tensor& maps = *s.maps(3);
        ValueRange global = map_range(*s.maps(0), 0);
        for (int layer = 0; layer < s.layerCount(); ++layer)
            for (int c = 0; c < s.maps(layer)->channels(); ++c) {
                const ValueRange r = map_range(*s.maps(layer), c);
                global = {std::min(global.min, r.min), std::max(global.max, r.max)};
            }
        const ValueRange own = map_range(maps, 4);
        QVERIFY(global.max > own.max || global.min < own.min); // the test can tell them apart
        const QPalette palette = f.window.palette();
        const QImage written = QImage(bar).convertToFormat(QImage::Format_RGB888);
        const ValueRange shown = display_range(resolve_colormap(Colormap::Auto, global), global);
        const QString note = rangeNote({3, 4}, Normalisation::Global, global, shown);
        QCOMPARE(written, mapPicture(maps, 4, Colormap::Auto, true, &palette, global, note));
        QVERIFY(written != mapPicture(maps, 4, Colormap::Auto, true, &palette, {}, note));
        // Without the colorbar too, and per layer.
        display.normalisation = Normalisation::PerLayer;
        f.document.setDisplay(display);
        const QString plain = dir.filePath(QStringLiteral("layer.png"));
        QVERIFY(f.run([&] { f.actions.exportCurrentMap(plain); }));
        QCOMPARE(QImage(plain).convertToFormat(QImage::Format_RGB888),
                 mapPicture(maps, 4, Colormap::Auto, false, nullptr,
                            normalisedRange(s, {3, 4}, Normalisation::PerLayer)));
    }

    // The PNG with colorbar says on the picture which normalisation its scale follows, and over
    // which values: a line under picture and bar, also kept as the PNG's Description text.
    void aPngWithColorbarNamesItsNormalisation() {
        Fixture f;
        QTemporaryDir dir;
        f.document.setFocus({3, 4});
        QHash<Normalisation, QImage> written;
        for (Normalisation n :
             {Normalisation::PerMap, Normalisation::PerLayer, Normalisation::Global}) {
            DisplaySettings display = f.document.display();
            display.normalisation = n;
            f.document.setDisplay(display);
            const QString path = dir.filePath(QStringLiteral("bar-%1.png").arg(int(n)));
            QVERIFY(f.run([&] { f.actions.exportCurrentMap(path, true); }));
            written[n] = QImage(path);
        }
        const std::shared_ptr<const MapSnapshot> snapshot = f.data.snapshot();
        const ValueRange layer = normalisedRange(*snapshot, {3, 4}, Normalisation::PerLayer);
        const QString note = written[Normalisation::PerLayer].text(QStringLiteral("Description"));
        QVERIFY2(note.startsWith(QStringLiteral("range: per layer, ") + formatNumber(layer.min, 4) +
                                 QStringLiteral(" … ") + formatNumber(layer.max, 4)),
                 qPrintable(note));
        QVERIFY(written[Normalisation::PerMap]
                    .text(QStringLiteral("Description"))
                    .startsWith(QStringLiteral("range: per map, ")));
        QVERIFY(written[Normalisation::Global]
                    .text(QStringLiteral("Description"))
                    .startsWith(QStringLiteral("range: global, ")));

        // The note is drawn: the picture has a line under the map and bar, and that line has
        // ink in it (the text colour on the background), unlike the same picture without it.
        const Tensor& maps = *snapshot->maps(3);
        const QPalette palette = f.window.palette();
        const QImage bare = mapPicture(maps, 4, Colormap::Auto, true, &palette, layer);
        const QImage labelled =
            written[Normalisation::PerLayer].convertToFormat(QImage::Format_RGB888);
        QVERIFY(labelled.height() > bare.height());
        const QColor background = palette.color(QPalette::Base);
        int ink = 0;
        for (int y = bare.height(); y < labelled.height(); ++y)
            for (int x = 0; x < labelled.width(); ++x)
                ink += labelled.pixelColor(x, y) != background;
        QVERIFY2(ink > 50, qPrintable(QString::number(ink)));
    }

    void stackAndLayerFoldersFollowTheCliLayout() {
        Fixture f;
        QTemporaryDir dir;
        const QString all = dir.filePath(QStringLiteral("all"));
        QString message;
        QVERIFY2(f.run(
                     [&] {
                         f.actions.exportMaps(-1, all, ExportFormats{true, false, true}, true);
                     },
                     &message),
                 qPrintable(message));
        QFile file(all + QStringLiteral("/manifest.json"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QJsonObject manifest = QJsonDocument::fromJson(file.readAll()).object();
        QCOMPARE(manifest.value(QStringLiteral("format")).toString(),
                 QStringLiteral("convscope-manifest"));
        const QJsonArray layers = manifest.value(QStringLiteral("layers")).toArray();
        QCOMPARE(layers.size(), 5);
        for (const QJsonValue& layer : layers)
            for (const QJsonValue& name : layer.toObject().value(QStringLiteral("files")).toArray())
                QVERIFY2(QFile::exists(all + u'/' + name.toString()), qPrintable(name.toString()));
        const NpyArray maps2 =
            read_npy((all + QStringLiteral("/layer03_pool1/maps.npy")).toStdString());
        QCOMPARE(maps2.values, f.data.snapshot()->maps(2)->to_dense());

        const QString one = dir.filePath(QStringLiteral("one"));
        QVERIFY(f.run([&] {
            f.actions.exportMaps(3, one, ExportFormats{true, true, false}, true);
        }));
        QFile oneFile(one + QStringLiteral("/manifest.json"));
        QVERIFY(oneFile.open(QIODevice::ReadOnly));
        const QJsonObject oneManifest = QJsonDocument::fromJson(oneFile.readAll()).object();
        const QJsonArray oneLayers = oneManifest.value(QStringLiteral("layers")).toArray();
        QCOMPARE(oneLayers.size(), 1);
        const QJsonObject entry = oneLayers.first().toObject();
        // Numbered as the app shows them: layer 4 "combinations" with maps 1 to 8; the zero-based
        // index for programs says so by its name.
        QCOMPARE(entry.value(QStringLiteral("index")).toInt(), 3);
        QCOMPARE(entry.value(QStringLiteral("number")).toInt(), 4);
        QCOMPARE(entry.value(QStringLiteral("files")).toArray().size(), 16); // 8 PNG + 8 TIFF
        QCOMPARE(entry.value(QStringLiteral("files")).toArray().first().toString(),
                 QStringLiteral("layer04_combinations/map001.png"));
        QVERIFY(QFile::exists(one + QStringLiteral("/layer04_combinations/map008.tiff")));
        QVERIFY(!QFile::exists(one + QStringLiteral("/layer04_combinations/map000.tiff")));
        QVERIFY(QFile::exists(one + QStringLiteral("/layer04_combinations/contact_sheet.png")));
        const Tensor tiff = read_map_tiff(
            (one + QStringLiteral("/layer04_combinations/map006.tiff")).toStdString());
        QCOMPARE(tiff.to_dense(), [&] {
            const Tensor& m = *f.data.snapshot()->maps(3);
            std::vector<float> v;
            for (int y = 0; y < m.height(); ++y)
                for (int x = 0; x < m.width(); ++x)
                    v.push_back(m.at(5, y, x));
            return v;
        }());
    }

    // After an edit, the manifest holds the pipeline that made the maps, not the path of the
    // file it was loaded from (which would give other numbers); the path stays as provenance.
    void theManifestHoldsThePipelineThatMadeTheMaps() {
        Fixture f;
        QVERIFY(f.document.loadPipeline(
            QStringLiteral(CONVSCOPE_RESOURCES_DIR "/pipelines/default.json")));
        Pipeline edited = f.document.pipeline();
        std::get<Conv2d>(edited.layers[0].op).weights.set(2, 0, 1, 1, 0.375f);
        edited.layers[1].name = "edited relu";
        f.document.edit(QStringLiteral("edit"), edited);
        QTemporaryDir dir;
        QVERIFY(f.run([&] {
            f.actions.exportMaps(-1, dir.path(), ExportFormats{false, false, true}, false);
        }));
        QFile file(dir.filePath(QStringLiteral("manifest.json")));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray text = file.readAll();
        QJsonParseError parseError;
        const QJsonObject manifest = QJsonDocument::fromJson(text, &parseError).object();
        QVERIFY2(parseError.error == QJsonParseError::NoError,
                 qPrintable(parseError.errorString()));
        QCOMPARE(manifest.value(QStringLiteral("version")).toInt(), 2);
        QVERIFY(manifest.value(QStringLiteral("pipeline_source"))
                    .toString()
                    .endsWith(QStringLiteral("default.json")));
        const QJsonObject pipeline = manifest.value(QStringLiteral("pipeline")).toObject();
        QCOMPARE(pipeline.value(QStringLiteral("format")).toString(),
                 QStringLiteral("convscope-pipeline"));
        const Pipeline recorded = parse_pipeline(QJsonDocument(pipeline).toJson().toStdString());
        QVERIFY(recorded == edited);
        QVERIFY(!(recorded == load_pipeline(CONVSCOPE_RESOURCES_DIR "/pipelines/default.json")));
    }

    void contactSheetHasTheEngineLayout() {
        Fixture f;
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("sheet.png"));
        QVERIFY(f.run([&] { f.actions.exportContactSheet(0, path); }));
        const QImage sheet(path);
        const ContactSheetLayout layout = contact_sheet_layout(f.data.snapshot()->maps(0)->shape());
        QCOMPARE(sheet.size(), QSize(layout.width, layout.height));
    }

    void failuresAreReported() {
        Fixture f;
        QString message;
        QVERIFY(!f.run([&] { f.actions.exportCurrentMap(QStringLiteral("/proc/nope/map.tiff")); },
                       &message));
        QVERIFY(message.contains(QStringLiteral("/proc/nope")));
    }
};

QTEST_MAIN(TestExportActions)
#include "test_export_actions.moc"
