// write_png: the one PNG writer of maps, contact sheets and animation frames. A picture comes
// back pixel for pixel; a file that cannot be written is an IoError naming it, and leaves
// neither half a picture nor a temporary file behind.

#include "convscope/image_io.hpp"
#include "convscope/png_writer.hpp"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QTemporaryDir>
#include <QTest>

using namespace convscope;

namespace {

RgbImage gradient(int w, int h) {
    RgbImage image{w, h, std::vector<std::uint8_t>(std::size_t(w) * h * 3)};
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            std::uint8_t* p = &image.pixels[(std::size_t(y) * w + x) * 3];
            p[0] = std::uint8_t(x * 255 / std::max(1, w - 1));
            p[1] = std::uint8_t(y * 255 / std::max(1, h - 1));
            p[2] = std::uint8_t((x + y) % 256);
        }
    return image;
}

} // namespace

class TestPngWriter : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void aPictureComesBackPixelForPixel() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("picture.png"));
        const RgbImage image = gradient(37, 21);
        write_png(path.toStdString(), image);
        const QImage read(path);
        QCOMPARE(read.size(), QSize(37, 21));
        for (int y = 0; y < 21; ++y)
            for (int x = 0; x < 37; ++x) {
                const std::uint8_t* p = &image.pixels[(std::size_t(y) * 37 + x) * 3];
                QCOMPARE(read.pixel(x, y), qRgb(p[0], p[1], p[2])); // R, G, B in that order
            }
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files),
                 QStringList{QStringLiteral("picture.png")});
    }

    void aFileThatCannotBeWrittenIsNamedAndNothingIsLeft() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("missing-folder/picture.png"));
        try {
            write_png(path.toStdString(), gradient(4, 4));
            QFAIL("no error");
        } catch (const IoError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(path), e.what());
        }
        QVERIFY(!QFile::exists(path));
        QVERIFY(!QFile::exists(path + QStringLiteral(".part")));
    }

    void anExistingPictureIsReplacedWhole() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("picture.png"));
        write_png(path.toStdString(), gradient(50, 50));
        write_png(path.toStdString(), gradient(3, 2));
        QCOMPARE(QImage(path).size(), QSize(3, 2));
    }

    void aMalformedPictureIsRefused() {
        QTemporaryDir dir;
        RgbImage bad = gradient(4, 4);
        bad.pixels.resize(5);
        QVERIFY_THROWS_EXCEPTION(IoError, write_png(dir.filePath("bad.png").toStdString(), bad));
        QVERIFY_THROWS_EXCEPTION(IoError,
                                 write_png(dir.filePath("empty.png").toStdString(), RgbImage{}));
    }
};

QTEST_MAIN(TestPngWriter)
#include "test_png_writer.moc"
