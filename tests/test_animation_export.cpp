// Animated GIFs decode back (with giflib itself) to the right number of frames, the right size,
// delay and looping, and colours close to the originals (exact for frames with ≤ 256 colours);
// PNG sequences decode back exactly.

#include "convscope/animation_export.hpp"
#include "convscope/image_io.hpp"
#include "convscope/png_writer.hpp"

#include <gif_lib.h>

#include <QImage>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <random>

#include <sys/stat.h>

using namespace convscope;

namespace {

RgbImage blank(int w, int h) {
    return {w, h, std::vector<std::uint8_t>(static_cast<std::size_t>(w) * h * 3)};
}

void set(RgbImage& image, int x, int y, int r, int g, int b) {
    std::uint8_t* p = &image.pixels[(static_cast<std::size_t>(y) * image.width + x) * 3];
    p[0] = static_cast<std::uint8_t>(r);
    p[1] = static_cast<std::uint8_t>(g);
    p[2] = static_cast<std::uint8_t>(b);
}

// A few flat colours and a moving square: well under 256 colours.
RgbImage flat_frame(int w, int h, int step) {
    RgbImage f = blank(w, h);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const bool square = x >= step * 3 && x < step * 3 + 6 && y >= 4 && y < 10;
            set(f, x, y, square ? 250 : 20, square ? 40 : (x < w / 2 ? 90 : 160), 70 + step);
        }
    return f;
}

// A smooth two-axis gradient: thousands of colours, so median cut has to choose.
RgbImage gradient_frame(int w, int h) {
    RgbImage f = blank(w, h);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            set(f, x, y, x * 255 / (w - 1), y * 255 / (h - 1), (x + y) * 255 / (w + h - 2));
    return f;
}

RgbImage noise_frame(int w, int h, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> byte(0, 255);
    RgbImage f = blank(w, h);
    for (auto& v : f.pixels)
        v = static_cast<std::uint8_t>(byte(rng));
    return f;
}

// Mean and largest per-channel difference between two images of the same size.
std::pair<double, int> difference(const RgbImage& a, const RgbImage& b) {
    double sum = 0;
    int worst = 0;
    for (std::size_t i = 0; i < a.pixels.size(); ++i) {
        const int d = std::abs(int(a.pixels[i]) - int(b.pixels[i]));
        sum += d;
        worst = std::max(worst, d);
    }
    return {sum / static_cast<double>(a.pixels.size()), worst};
}

// The GIF as giflib decodes it, independently of the engine's own reader.
struct Decoded {
    int frames = 0;
    int width = 0;
    int height = 0;
    std::vector<RgbImage> images;
    std::vector<int> delays_cs;
};

Decoded decode_with_giflib(const QString& path) {
    Decoded d;
    int error = 0;
    GifFileType* gif = DGifOpenFileName(path.toLocal8Bit().constData(), &error);
    if (!gif)
        return d;
    if (DGifSlurp(gif) == GIF_OK) {
        d.frames = gif->ImageCount;
        d.width = gif->SWidth;
        d.height = gif->SHeight;
        for (int i = 0; i < gif->ImageCount; ++i) {
            const SavedImage& s = gif->SavedImages[i];
            const ColorMapObject* map =
                s.ImageDesc.ColorMap ? s.ImageDesc.ColorMap : gif->SColorMap;
            RgbImage image = blank(s.ImageDesc.Width, s.ImageDesc.Height);
            for (int k = 0; k < s.ImageDesc.Width * s.ImageDesc.Height; ++k) {
                const GifColorType c = map->Colors[s.RasterBits[k]];
                set(image, k % image.width, k / image.width, c.Red, c.Green, c.Blue);
            }
            d.images.push_back(std::move(image));
            GraphicsControlBlock gcb{};
            DGifSavedExtensionToGCB(gif, i, &gcb);
            d.delays_cs.push_back(gcb.DelayTime);
        }
    }
    DGifCloseFile(gif, &error);
    return d;
}

} // namespace

class TestAnimationExport : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void gifDecodesBackToTheFrames();
    void loopingIsOptional();
    void pngSequenceDecodesExactly();
    void badFramesAreClearErrors();
    void gifsAreWrittenLikeTheOtherExports();
};

void TestAnimationExport::gifDecodesBackToTheFrames() {
    QTemporaryDir dir;
    const int w = 48, h = 30;
    std::vector<RgbImage> frames;
    for (int step = 0; step < 5; ++step)
        frames.push_back(flat_frame(w, h, step));
    frames.push_back(gradient_frame(w, h));
    frames.push_back(noise_frame(w, h, 4));
    const QString path = dir.path() + "/animation.gif";
    write_gif(path.toStdString(), frames, 120, true);

    const Decoded d = decode_with_giflib(path);
    QCOMPARE(d.frames, 7);
    QCOMPARE(d.width, w);
    QCOMPARE(d.height, h);
    for (int i = 0; i < 5; ++i) // ≤ 256 colours: stored exactly
        QVERIFY2(d.images[static_cast<std::size_t>(i)].pixels ==
                     frames[static_cast<std::size_t>(i)].pixels,
                 qPrintable(QString("frame %1 changed").arg(i)));
    const auto [gradient_mean, gradient_worst] = difference(d.images[5], frames[5]);
    QVERIFY2(
        gradient_mean < 5.0 && gradient_worst <= 24,
        qPrintable(QString("gradient: mean %1, worst %2").arg(gradient_mean).arg(gradient_worst)));
    const auto [noise_mean, noise_worst] = difference(d.images[6], frames[6]);
    QVERIFY2(noise_mean < 16.0, qPrintable(QString("noise: mean %1").arg(noise_mean)));
    Q_UNUSED(noise_worst);
    for (int delay : d.delays_cs)
        QCOMPARE(delay, 12);

    // The engine's reader agrees, and sees the loop extension.
    const GifAnimation back = read_gif(path.toStdString());
    QCOMPARE(back.frames.size(), std::size_t(7));
    QCOMPARE(back.loop_count, 0);
    QCOMPARE(back.delays_ms[0], 120);
    for (std::size_t i = 0; i < back.frames.size(); ++i)
        QVERIFY(back.frames[i].pixels == d.images[i].pixels);

    // Deterministic: the same frames give the same bytes.
    const QString again = dir.path() + "/again.gif";
    write_gif(again.toStdString(), frames, 120, true);
    QFile a(path), b(again);
    QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
    QVERIFY(a.readAll() == b.readAll());
}

void TestAnimationExport::loopingIsOptional() {
    QTemporaryDir dir;
    const QString path = dir.path() + "/once.gif";
    write_gif(path.toStdString(), {flat_frame(20, 12, 0), flat_frame(20, 12, 1)}, 40, false);
    const GifAnimation back = read_gif(path.toStdString());
    QCOMPARE(back.frames.size(), std::size_t(2));
    QCOMPARE(back.loop_count, -1);
    QCOMPARE(back.delays_ms[1], 40);
}

void TestAnimationExport::pngSequenceDecodesExactly() {
    QTemporaryDir dir;
    const std::vector<RgbImage> frames{gradient_frame(17, 9), noise_frame(17, 9, 1),
                                       flat_frame(17, 9, 2)};
    const std::vector<std::string> paths =
        write_png_sequence((dir.path() + "/frames").toStdString(), "window", frames);
    QCOMPARE(paths.size(), frames.size());
    QVERIFY(QString::fromStdString(paths[2]).endsWith("frames/window_0002.png"));
    for (std::size_t i = 0; i < frames.size(); ++i) {
        const QImage png =
            QImage(QString::fromStdString(paths[i])).convertToFormat(QImage::Format_RGB888);
        QCOMPARE(png.width(), 17);
        QCOMPARE(png.height(), 9);
        for (int y = 0; y < 9; ++y)
            QVERIFY(std::equal(frames[i].pixels.begin() + y * 17 * 3,
                               frames[i].pixels.begin() + (y + 1) * 17 * 3, png.constScanLine(y)));
    }
}

void TestAnimationExport::badFramesAreClearErrors() {
    QTemporaryDir dir;
    const std::string path = (dir.path() + "/bad.gif").toStdString();
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, write_gif(path, {}, 100));
    try {
        write_gif(path, {flat_frame(20, 12, 0), flat_frame(21, 12, 0)}, 100);
        QFAIL("frames of different sizes were accepted");
    } catch (const std::invalid_argument& e) {
        QVERIFY2(QString(e.what()).contains("frame 1"), e.what());
    }
    QVERIFY(!QFile::exists(QString::fromStdString(path)));
    const std::string unwritable = (dir.path() + "/no/such/folder/a.gif").toStdString();
    try {
        write_gif(unwritable, {flat_frame(20, 12, 0)}, 100);
        QFAIL("an unwritable path was accepted");
    } catch (const IoError& e) {
        QVERIFY2(QString(e.what()).contains("a.gif"), e.what());
    }
    QVERIFY_THROWS_EXCEPTION(IoError, read_gif((dir.path() + "/missing.gif").toStdString()));
    QFile text(dir.path() + "/text.gif");
    QVERIFY(text.open(QIODevice::WriteOnly));
    text.write("GIF89a but not really");
    text.close();
    QVERIFY_THROWS_EXCEPTION(IoError, read_gif(text.fileName().toStdString()));
}

// A GIF gets the permissions of every other export (0666 less the umask), not giflib's 0600,
// and a failed write leaves no file behind.
void TestAnimationExport::gifsAreWrittenLikeTheOtherExports() {
    QTemporaryDir dir;
    const mode_t previous = ::umask(022);
    const std::string gif = (dir.path() + "/slide.gif").toStdString();
    const std::string png = (dir.path() + "/map.png").toStdString();
    write_gif(gif, {flat_frame(20, 12, 0), flat_frame(20, 12, 1)}, 40);
    write_png(png, flat_frame(20, 12, 0));
    ::umask(previous);
    struct stat gif_stat {
    }, png_stat{};
    QCOMPARE(::stat(gif.c_str(), &gif_stat), 0);
    QCOMPARE(::stat(png.c_str(), &png_stat), 0);
    QCOMPARE(gif_stat.st_mode & 0777, mode_t(0644));
    QCOMPARE(gif_stat.st_mode & 0777, png_stat.st_mode & 0777);
    QVERIFY(!QFile::exists(QString::fromStdString(gif + ".part")));
    QCOMPARE(read_gif(gif).frames.size(), std::size_t(2));
}

QTEST_GUILESS_MAIN(TestAnimationExport)
#include "test_animation_export.moc"
