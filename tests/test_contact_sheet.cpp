// Contact sheets: one tile per map where the layout says, each tile showing its map in the
// export colours, labels and a title drawn, and `convscope-cli run --contact-sheet` naming one
// sheet per layer in the manifest.

#include "support/tensors.hpp"

#include "convscope/contact_sheet.hpp"

#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <random>

using namespace convscope;

namespace {

QRgb rgb_at(const RgbImage& image, int x, int y) {
    const std::uint8_t* p = &image.pixels[(static_cast<std::size_t>(y) * image.width + x) * 3];
    return qRgb(p[0], p[1], p[2]);
}

// Pixels in `rect` of `image` that are not the white background.
int ink(const QImage& image, const PixelRect& rect) {
    int count = 0;
    for (int y = rect.y; y < rect.y + rect.height; ++y)
        for (int x = rect.x; x < rect.x + rect.width; ++x)
            count += image.pixel(x, y) != qRgb(255, 255, 255) ? 1 : 0;
    return count;
}

} // namespace

class TestContactSheet : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void layoutHasOneTilePerMap_data();
    void layoutHasOneTilePerMap();
    void tilesShowTheirMapsAndLabels();
    void badArgumentsAreClearErrors();
    void cliWritesOneSheetPerLayer();
};

void TestContactSheet::layoutHasOneTilePerMap_data() {
    QTest::addColumn<int>("maps");
    QTest::addColumn<int>("height");
    QTest::addColumn<int>("width");
    QTest::addColumn<int>("columns");
    QTest::addColumn<int>("expected_columns");
    QTest::addColumn<int>("expected_rows");
    QTest::addColumn<int>("tile_w");
    QTest::addColumn<int>("tile_h");
    // tile_size 64: the longer side of the map becomes 64.
    QTest::newRow("one map") << 1 << 8 << 8 << 0 << 1 << 1 << 64 << 64;
    QTest::newRow("ten maps, about square") << 10 << 8 << 8 << 0 << 4 << 3 << 64 << 64;
    QTest::newRow("sixteen wide maps") << 16 << 10 << 40 << 0 << 4 << 4 << 64 << 16;
    QTest::newRow("five tall maps, two columns") << 5 << 30 << 15 << 2 << 2 << 3 << 32 << 64;
    QTest::newRow("more columns than maps") << 3 << 200 << 100 << 8 << 3 << 1 << 32 << 64;
}

void TestContactSheet::layoutHasOneTilePerMap() {
    QFETCH(int, maps);
    QFETCH(int, height);
    QFETCH(int, width);
    QFETCH(int, columns);
    QFETCH(int, expected_columns);
    QFETCH(int, expected_rows);
    QFETCH(int, tile_w);
    QFETCH(int, tile_h);
    ContactSheetOptions options;
    options.tile_size = 64;
    options.columns = columns;
    const ContactSheetLayout layout = contact_sheet_layout({maps, height, width}, options);
    QCOMPARE(layout.columns, expected_columns);
    QCOMPARE(layout.rows, expected_rows);
    QCOMPARE(layout.tile_width, tile_w);
    QCOMPARE(layout.tile_height, tile_h);
    QCOMPARE(static_cast<int>(layout.tiles.size()), maps);
    QCOMPARE(static_cast<int>(layout.labels.size()), maps);
    const PixelRect sheet{0, 0, layout.width, layout.height};
    for (int i = 0; i < maps; ++i) {
        const PixelRect& t = layout.tiles[static_cast<std::size_t>(i)];
        QCOMPARE(t.width, tile_w);
        QCOMPARE(t.height, tile_h);
        // Inside the sheet, below the title, in row-major order, never overlapping.
        QVERIFY(sheet.contains(t.x, t.y) && sheet.contains(t.x + t.width - 1, t.y + t.height - 1));
        QVERIFY(t.y >= layout.title.y + layout.title.height);
        QCOMPARE(layout.labels[static_cast<std::size_t>(i)].y, t.y + t.height);
        for (int j = 0; j < i; ++j) {
            const PixelRect& u = layout.tiles[static_cast<std::size_t>(j)];
            const bool apart = t.x >= u.x + u.width || u.x >= t.x + t.width ||
                               t.y >= u.y + u.height || u.y >= t.y + t.height;
            QVERIFY2(apart, qPrintable(QString("tiles %1 and %2 overlap").arg(j).arg(i)));
        }
        if (i > 0 && i % layout.columns != 0)
            QVERIFY(t.x > layout.tiles[static_cast<std::size_t>(i) - 1].x);
    }
}

void TestContactSheet::tilesShowTheirMapsAndLabels() {
    QTemporaryDir dir;
    const Tensor maps = test::random_tensor({6, 8, 8}, 3, -1.0f, 2.0f);
    ContactSheetOptions options;
    options.tile_size = 64; // 8× enlargement, nearest neighbour
    options.colormap = Colormap::Magma;
    const QString path = dir.path() + "/sheet.png";
    write_contact_sheet(path.toStdString(), maps, "layer 2: conv [6, 8, 8]", options);

    const QImage png(path);
    QVERIFY(!png.isNull());
    const ContactSheetLayout layout = contact_sheet_layout(maps.shape(), options);
    QCOMPARE(png.width(), layout.width);
    QCOMPARE(png.height(), layout.height);
    QVERIFY2(ink(png, layout.title) > 50, "no title drawn");

    for (int c = 0; c < maps.channels(); ++c) {
        const PixelRect& t = layout.tiles[static_cast<std::size_t>(c)];
        // Every map pixel is an 8×8 block of the tile in the export's colours.
        const RgbImage expected =
            colorize(maps, c, Colormap::Magma, display_range(Colormap::Magma, map_range(maps, c)));
        for (int y = 0; y < 8; ++y)
            for (int x = 0; x < 8; ++x)
                for (int d : {0, 7}) // two corners of each block
                    QCOMPARE(QColor(png.pixel(t.x + 8 * x + d, t.y + 8 * y + d)).name(),
                             QColor(rgb_at(expected, x, y)).name());
        QVERIFY2(ink(png, layout.labels[static_cast<std::size_t>(c)]) > 30,
                 qPrintable(QString("no label under map %1").arg(c)));
    }
    // Between the tiles, the background.
    const PixelRect& first = layout.tiles[0];
    QCOMPARE(png.pixel(first.x + first.width + 3, first.y + 5), qRgb(255, 255, 255));
}

void TestContactSheet::badArgumentsAreClearErrors() {
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, contact_sheet_layout({0, 8, 8}));
    ContactSheetOptions bad;
    bad.tile_size = 0;
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, contact_sheet_layout({1, 8, 8}, bad));
    QTemporaryDir dir;
    QVERIFY_THROWS_EXCEPTION(
        std::exception, write_contact_sheet((dir.path() + "/no/such/dir/s.png").toStdString(),
                                            test::random_tensor({1, 4, 4}, 1, -1.0f, 2.0f), "t"));
}

void TestContactSheet::cliWritesOneSheetPerLayer() {
    QTemporaryDir dir;
    QProcess cli;
    cli.start(CONVSCOPE_CLI_PATH,
              {"run", "--image", QStringLiteral(CONVSCOPE_RESOURCES_DIR) + "/samples/coins.png",
               "--pipeline",
               QStringLiteral(CONVSCOPE_RESOURCES_DIR) + "/pipelines/first-layers-of-a-cnn.json",
               "--out", dir.path(), "--contact-sheet", "--backend", "naive"});
    QVERIFY(cli.waitForFinished(60000));
    QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());

    QFile file(dir.path() + "/manifest.json");
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QJsonArray layers = QJsonDocument::fromJson(file.readAll()).object()["layers"].toArray();
    QVERIFY(layers.size() >= 3);
    for (const QJsonValue& value : layers) {
        const QJsonObject layer = value.toObject();
        const QString sheet = layer["contact_sheet"].toString();
        QVERIFY2(sheet.endsWith("/contact_sheet.png"), qPrintable(sheet));
        QVERIFY(!QDir::isAbsolutePath(sheet));
        const QJsonArray shape = layer["shape"].toArray();
        ContactSheetOptions defaults;
        const ContactSheetLayout layout =
            contact_sheet_layout({shape[0].toInt(), shape[1].toInt(), shape[2].toInt()}, defaults);
        const QImage png(dir.path() + "/" + sheet);
        QVERIFY2(!png.isNull(), qPrintable(sheet));
        QCOMPARE(png.size(), QSize(layout.width, layout.height));
        for (const PixelRect& t : layout.tiles)
            QVERIFY2(ink(png, t) > 0, qPrintable(sheet + ": an empty tile"));
    }
}

QTEST_GUILESS_MAIN(TestContactSheet)
#include "test_contact_sheet.moc"
