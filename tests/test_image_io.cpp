// Loading inputs (real sample images, hand-written PPM/PGM files, NumPy arrays), the errors for
// files that cannot be read, NPY and TIFF round trips, PNG export, and the colormaps.

#include "convscope/colormap.hpp"
#include "convscope/image_io.hpp"
#include "convscope/map_export.hpp"
#include "convscope/memory_budget.hpp"
#include "convscope/npy.hpp"

#include <sys/stat.h>

#include <QtTest/QtTest>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include "support/compare.hpp"

using namespace convscope;

namespace {

QString samples_dir() {
    return QStringLiteral(CONVSCOPE_RESOURCES_DIR) + "/samples";
}

bool write_file(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    return f.write(bytes) == bytes.size();
}

// A binary PPM (P6, 8-bit) from R, G, B triples, rows packed.
QByteArray ppm(int width, int height, const std::vector<int>& rgb) {
    QByteArray bytes = QString("P6\n%1 %2\n255\n").arg(width).arg(height).toLatin1();
    for (int v : rgb)
        bytes.append(static_cast<char>(v));
    return bytes;
}

// A binary PGM (P5) with the given maxval (255: one byte per sample; 65535: two, big-endian).
QByteArray pgm(int width, int height, int maxval, const std::vector<int>& gray) {
    QByteArray bytes = QString("P5\n%1 %2\n%3\n").arg(width).arg(height).arg(maxval).toLatin1();
    for (int v : gray) {
        if (maxval > 255)
            bytes.append(static_cast<char>((v >> 8) & 0xff));
        bytes.append(static_cast<char>(v & 0xff));
    }
    return bytes;
}

// A float64 .npy file written byte by byte (version 1.0, little-endian, C order).
QByteArray npy_f8(const QString& shape_tuple, const std::vector<double>& values) {
    QByteArray header =
        "{'descr': '<f8', 'fortran_order': False, 'shape': " + shape_tuple.toLatin1() + ", }";
    // Magic (6) + version (2) + length (2) + header + '\n' is a multiple of 64.
    while ((10 + header.size() + 1) % 64 != 0)
        header.append(' ');
    header.append('\n');
    QByteArray bytes("\x93NUMPY\x01\x00", 8);
    bytes.append(static_cast<char>(header.size() & 0xff));
    bytes.append(static_cast<char>((header.size() >> 8) & 0xff));
    bytes.append(header);
    bytes.append(reinterpret_cast<const char*>(values.data()),
                 static_cast<qsizetype>(values.size() * sizeof(double)));
    return bytes;
}

void verify_unit_range(const Tensor& t) {
    const std::vector<float> dense = t.to_dense();
    QVERIFY(!dense.empty());
    float lo = 1, hi = 0;
    for (float v : dense) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    QVERIFY2(lo >= 0.0f && hi <= 1.0f, qPrintable(QString("range [%1, %2]").arg(lo).arg(hi)));
    QVERIFY2(hi > lo, "a real photo is not constant");
}

// Pixels are exact fractions of 255: 1e-6 (the tests' policy, tighter).
constexpr double kPixelTolerance = 1e-6;

// A .npy file with any header text and data, as a hostile writer would make it: version
// `major`.0, the header as given (not padded), then `data`.
QByteArray raw_npy(const QByteArray& header, const QByteArray& data = {}, int major = 1,
                   quint32 claimed_length = 0) {
    QByteArray bytes("\x93NUMPY", 6);
    bytes.append(static_cast<char>(major));
    bytes.append('\0');
    const quint32 length = claimed_length ? claimed_length : quint32(header.size());
    bytes.append(static_cast<char>(length & 0xff));
    bytes.append(static_cast<char>((length >> 8) & 0xff));
    if (major >= 2) {
        bytes.append(static_cast<char>((length >> 16) & 0xff));
        bytes.append(static_cast<char>((length >> 24) & 0xff));
    }
    return bytes + header + data;
}

QByteArray f4_header(const QByteArray& shape) {
    return "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }\n";
}

QByteArray read_file(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// A PNG header (signature and IHDR) declaring any size, followed by no image data.
QByteArray png_claiming(quint32 width, quint32 height) {
    QByteArray bytes("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16);
    for (quint32 v : {width, height})
        for (int shift = 24; shift >= 0; shift -= 8)
            bytes.append(static_cast<char>((v >> shift) & 0xff));
    bytes.append("\x08\x02\0\0\0", 5); // 8-bit RGB
    bytes.append("\0\0\0\0", 4);       // CRC (wrong, never reached)
    return bytes;
}

// Sets the memory budget for one test and restores the default afterwards.
struct BudgetForTest {
    explicit BudgetForTest(std::uint64_t bytes) { set_memory_budget(bytes); }
    ~BudgetForTest() { set_memory_budget(0); }
};

} // namespace

class TestImageIo : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    // Inputs
    void grayPngInGrayModeHasOneChannel();
    void grayPngInRgbModeHasThreeEqualChannels();
    void colorPngInRgbModeHasThreeChannelsInRgbOrder();
    void colorPngInGrayModeUsesBgrToGrayWeights();
    void ppmRedPixelIsChannelZero();
    void pgmOneChannelInGrayModeIsTakenAsIs();
    void sixteenBitPgmIsDividedBy65535();
    void npyInputIsTakenAsIs();
    void npyFloat64InputIsConverted();
    void npyWithWrongChannelCountIsRejected();
    void unreadableInputThrowsIoErrorNamingFile_data();
    void unreadableInputThrowsIoErrorNamingFile();
    void readableImageNamesAreRecognised();

    // Outputs
    void npyRoundTripKeepsShapeAndValues();
    void npyOfTensorIsChannelsHeightWidth();
    void readNpyOfGarbageThrowsIoError();
    void hostileNpyIsRefusedBeforeAllocating_data();
    void hostileNpyIsRefusedBeforeAllocating();
    void damagedJpegIsAnError_data();
    void damagedJpegIsAnError();
    void oversizedImageIsRefusedBeforeDecoding_data();
    void oversizedImageIsRefusedBeforeDecoding();
    void shapeIsReadFromTheHeaderAlone();
    void tiffHeaderSizeIsTheDecodedSize();
    void fifoIsRefusedWithoutWaiting();
    void tiffRoundTripIsExact();
    void tiffOfOneChannelOfSeveral();
    void mapPngIsWrittenAndDecodable();
    void writeToMissingFolderThrowsIoError();

    // Colormaps
    void autoColormapPicksDivergingForSignedMaps();
    void divergingDisplayRangeIsSymmetric();
    void mapRangeSkipsNonFiniteValues();
    void colorizeGivesThreeBytesPerPixel_data();
    void colorizeGivesThreeBytesPerPixel();
    void grayColormapGoesFromBlackToWhite();
    void divergingColormapShowsZeroAsWhite();
    void colormapNamesParseBack();
};

void TestImageIo::initTestCase() {
    QVERIFY2(QFileInfo::exists(samples_dir() + "/camera.png"), qPrintable(samples_dir()));
    QVERIFY2(QFileInfo::exists(samples_dir() + "/chelsea.png"), qPrintable(samples_dir()));
}

void TestImageIo::grayPngInGrayModeHasOneChannel() {
    const Tensor t = load_input((samples_dir() + "/camera.png").toStdString(), InputMode::Gray);
    QVERIFY(t.shape() == (Shape{1, 512, 512}));
    verify_unit_range(t);
    // Known pixels (read with Pillow): (0,0) = 200, (y=100, x=200) = 54, (511,511) = 149.
    QVERIFY(test::close_enough(t.at(0, 0, 0), 200.0f / 255.0f, kPixelTolerance));
    QVERIFY(test::close_enough(t.at(0, 100, 200), 54.0f / 255.0f, kPixelTolerance));
    QVERIFY(test::close_enough(t.at(0, 511, 511), 149.0f / 255.0f, kPixelTolerance));
}

void TestImageIo::grayPngInRgbModeHasThreeEqualChannels() {
    const Tensor t = load_input((samples_dir() + "/camera.png").toStdString(), InputMode::Rgb);
    QVERIFY(t.shape() == (Shape{3, 512, 512}));
    verify_unit_range(t);
    for (int y = 0; y < 512; y += 37)
        for (int x = 0; x < 512; x += 41) {
            QCOMPARE(t.at(1, y, x), t.at(0, y, x));
            QCOMPARE(t.at(2, y, x), t.at(0, y, x));
        }
    QVERIFY(test::close_enough(t.at(2, 100, 200), 54.0f / 255.0f, kPixelTolerance));
}

void TestImageIo::colorPngInRgbModeHasThreeChannelsInRgbOrder() {
    const Tensor t = load_input((samples_dir() + "/chelsea.png").toStdString(), InputMode::Rgb);
    // 451 wide, 300 high.
    QVERIFY2(t.shape() == (Shape{3, 300, 451}), t.shape().str().c_str());
    verify_unit_range(t);
    // Known pixels (read with Pillow, R, G, B): (0,0) = 143 120 104; (150,225) = 190 150 124.
    QVERIFY(test::close_enough(t.at(0, 0, 0), 143.0f / 255.0f, kPixelTolerance));
    QVERIFY(test::close_enough(t.at(1, 0, 0), 120.0f / 255.0f, kPixelTolerance));
    QVERIFY(test::close_enough(t.at(2, 0, 0), 104.0f / 255.0f, kPixelTolerance));
    QVERIFY(test::close_enough(t.at(0, 150, 225), 190.0f / 255.0f, kPixelTolerance));
    QVERIFY(test::close_enough(t.at(1, 150, 225), 150.0f / 255.0f, kPixelTolerance));
    QVERIFY(test::close_enough(t.at(2, 150, 225), 124.0f / 255.0f, kPixelTolerance));
    QVERIFY(test::close_enough(t.at(0, 299, 450), 162.0f / 255.0f, kPixelTolerance));
}

void TestImageIo::colorPngInGrayModeUsesBgrToGrayWeights() {
    const Tensor t = load_input((samples_dir() + "/chelsea.png").toStdString(), InputMode::Gray);
    QVERIFY(t.shape() == (Shape{1, 300, 451}));
    verify_unit_range(t);
    // 0.299 R + 0.587 G + 0.114 B of (143, 120, 104).
    const float want = (0.299f * 143 + 0.587f * 120 + 0.114f * 104) / 255.0f;
    QVERIFY2(test::close_enough(t.at(0, 0, 0), want, 1e-3f),
             qPrintable(QString("got %1, want %2").arg(t.at(0, 0, 0)).arg(want)));
}

void TestImageIo::ppmRedPixelIsChannelZero() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("red-green-blue.ppm");
    // One row: pure red, pure green, pure blue, and (10, 20, 30).
    QVERIFY(write_file(path, ppm(4, 1, {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30})));

    const Tensor t = load_input(path.toStdString(), InputMode::Rgb);
    QVERIFY(t.shape() == (Shape{3, 1, 4}));
    QCOMPARE(t.at(0, 0, 0), 1.0f);
    QCOMPARE(t.at(1, 0, 0), 0.0f);
    QCOMPARE(t.at(2, 0, 0), 0.0f);
    QCOMPARE(t.at(0, 0, 1), 0.0f);
    QCOMPARE(t.at(1, 0, 1), 1.0f);
    QCOMPARE(t.at(2, 0, 1), 0.0f);
    QCOMPARE(t.at(0, 0, 2), 0.0f);
    QCOMPARE(t.at(1, 0, 2), 0.0f);
    QCOMPARE(t.at(2, 0, 2), 1.0f);
    QVERIFY(test::close_enough(t.at(0, 0, 3), 10.0f / 255.0f, kPixelTolerance));
    QVERIFY(test::close_enough(t.at(1, 0, 3), 20.0f / 255.0f, kPixelTolerance));
    QVERIFY(test::close_enough(t.at(2, 0, 3), 30.0f / 255.0f, kPixelTolerance));

    // Gray mode: OpenCV's weights 0.299 R + 0.587 G + 0.114 B.
    const Tensor g = load_input(path.toStdString(), InputMode::Gray);
    QVERIFY(g.shape() == (Shape{1, 1, 4}));
    QVERIFY(test::close_enough(g.at(0, 0, 0), 0.299f, 1e-3f));
    QVERIFY(test::close_enough(g.at(0, 0, 1), 0.587f, 1e-3f));
    QVERIFY(test::close_enough(g.at(0, 0, 2), 0.114f, 1e-3f));
}

void TestImageIo::pgmOneChannelInGrayModeIsTakenAsIs() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("gray.pgm");
    const std::vector<int> pixels{0, 1, 127, 128, 254, 255};
    QVERIFY(write_file(path, pgm(3, 2, 255, pixels)));
    const Tensor t = load_input(path.toStdString(), InputMode::Gray);
    QVERIFY(t.shape() == (Shape{1, 2, 3}));
    const std::vector<float> got = t.to_dense();
    QCOMPARE(got.size(), pixels.size());
    for (std::size_t i = 0; i < pixels.size(); ++i)
        QVERIFY2(test::close_enough(got[i], pixels[i] / 255.0f, kPixelTolerance),
                 qPrintable(QString("pixel %1: got %2").arg(i).arg(got[i])));

    // In rgb mode the gray image becomes three equal channels.
    const Tensor rgb = load_input(path.toStdString(), InputMode::Rgb);
    QVERIFY(rgb.shape() == (Shape{3, 2, 3}));
    for (int c = 0; c < 3; ++c)
        for (int y = 0; y < 2; ++y)
            for (int x = 0; x < 3; ++x)
                QCOMPARE(rgb.at(c, y, x), t.at(0, y, x));
}

void TestImageIo::sixteenBitPgmIsDividedBy65535() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("deep.pgm");
    const std::vector<int> pixels{0, 1, 255, 256, 32768, 65535};
    QVERIFY(write_file(path, pgm(2, 3, 65535, pixels)));
    const Tensor t = load_input(path.toStdString(), InputMode::Gray);
    QVERIFY(t.shape() == (Shape{1, 3, 2}));
    const std::vector<float> got = t.to_dense();
    QCOMPARE(got.size(), pixels.size());
    for (std::size_t i = 0; i < pixels.size(); ++i)
        QVERIFY2(test::close_enough(got[i], static_cast<float>(pixels[i] / 65535.0), 1e-7f),
                 qPrintable(QString("pixel %1: got %2, want %3")
                                .arg(i)
                                .arg(got[i], 0, 'g', 9)
                                .arg(pixels[i] / 65535.0, 0, 'g', 9)));
    // 255 in a 16-bit file is dark, not white (a /255 bug would give 1.0).
    QVERIFY(got[2] < 0.01f);
}

void TestImageIo::npyInputIsTakenAsIs() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    // (C, H, W) = (3, 2, 2) for rgb; values outside [0, 1] are kept as they are.
    const std::vector<float> values{-1.5f, 0, 0.25f, 2, 3, 4, 5, 6, 7, 8, 9, 10.5f};
    const QString rgb_path = dir.filePath("input-rgb.npy");
    write_npy(rgb_path.toStdString(), {3, 2, 2}, values);
    const Tensor rgb = load_input(rgb_path.toStdString(), InputMode::Rgb);
    QVERIFY(rgb.shape() == (Shape{3, 2, 2}));
    QCOMPARE(rgb.to_dense(), values);

    // (H, W) for gray.
    const std::vector<float> plane{0.5f, -0.5f, 100.0f, 1e-20f, 7, 8};
    const QString gray_path = dir.filePath("input-gray.npy");
    write_npy(gray_path.toStdString(), {2, 3}, plane);
    const Tensor gray = load_input(gray_path.toStdString(), InputMode::Gray);
    QVERIFY(gray.shape() == (Shape{1, 2, 3}));
    QCOMPARE(gray.to_dense(), plane);

    // (1, H, W) for gray too.
    const QString one_path = dir.filePath("input-one.npy");
    write_npy(one_path.toStdString(), {1, 3, 2}, plane);
    QVERIFY(load_input(one_path.toStdString(), InputMode::Gray).shape() == (Shape{1, 3, 2}));
}

void TestImageIo::npyFloat64InputIsConverted() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("double.npy");
    const std::vector<double> values{0.1, 0.2, -3.0, 1e10, 0.0, 1.0};
    QVERIFY(write_file(path, npy_f8("(2, 3)", values)));
    const NpyArray array = read_npy(path.toStdString());
    QCOMPARE(array.shape, (std::vector<std::size_t>{2, 3}));
    QCOMPARE(array.values.size(), values.size());
    for (std::size_t i = 0; i < values.size(); ++i)
        QCOMPARE(array.values[i], static_cast<float>(values[i]));
    const Tensor t = load_input(path.toStdString(), InputMode::Gray);
    QVERIFY(t.shape() == (Shape{1, 2, 3}));
    QCOMPARE(t.at(0, 0, 1), 0.2f);
}

void TestImageIo::npyWithWrongChannelCountIsRejected() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("two-channels.npy");
    write_npy(path.toStdString(), {2, 2, 2}, std::vector<float>(8, 0.5f));
    for (InputMode mode : {InputMode::Gray, InputMode::Rgb}) {
        try {
            (void)load_input(path.toStdString(), mode);
            QFAIL("a 2-channel array was accepted");
        } catch (const IoError& e) {
            QVERIFY2(QString(e.what()).contains("two-channels.npy"), e.what());
        }
    }
}

void TestImageIo::unreadableInputThrowsIoErrorNamingFile_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<bool>("is_folder");
    QTest::addColumn<bool>("exists");

    QByteArray noise(4096, '\0');
    std::mt19937 rng(1234);
    for (char& c : noise)
        c = static_cast<char>(rng() & 0xff);
    QTest::newRow("missing file") << "missing.png" << QByteArray() << false << false;
    QTest::newRow("random bytes named .png") << "corrupt.png" << noise << false << true;
    QTest::newRow("truncated PNG signature")
        << "truncated.png" << QByteArray("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16) << false << true;
    QTest::newRow("empty file") << "empty.png" << QByteArray() << false << true;
    QTest::newRow("folder") << "folder.png" << QByteArray() << true << true;
    QTest::newRow("text named .npy") << "text.npy" << QByteArray("not an array\n") << false << true;
    QTest::newRow("empty .npy") << "empty.npy" << QByteArray() << false << true;
}

void TestImageIo::unreadableInputThrowsIoErrorNamingFile() {
    QFETCH(QString, name);
    QFETCH(QByteArray, content);
    QFETCH(bool, is_folder);
    QFETCH(bool, exists);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(name);
    if (is_folder)
        QVERIFY(QDir(dir.path()).mkdir(name));
    else if (exists)
        QVERIFY(write_file(path, content));
    QCOMPARE(QFileInfo::exists(path), exists);

    for (InputMode mode : {InputMode::Gray, InputMode::Rgb}) {
        try {
            (void)load_input(path.toStdString(), mode);
            QFAIL("load_input accepted it");
        } catch (const IoError& e) {
            QVERIFY2(QString(e.what()).contains(name), e.what());
        } catch (const std::exception& e) {
            QFAIL(qPrintable(QString("expected IoError, got: ") + e.what()));
        }
    }
}

void TestImageIo::readableImageNamesAreRecognised() {
    QVERIFY(is_readable_image_name("photo.png"));
    QVERIFY(is_readable_image_name("photo.JPG"));
    QVERIFY(is_readable_image_name("/some/dir/scan.tiff"));
    QVERIFY(is_readable_image_name("array.npy"));
    QVERIFY(is_readable_image_name("image.ppm"));
    QVERIFY(!is_readable_image_name("notes.txt"));
    QVERIFY(!is_readable_image_name("pipeline.json"));
}

void TestImageIo::npyRoundTripKeepsShapeAndValues() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath("round-trip.npy").toStdString();
    std::vector<float> values;
    for (int i = 0; i < 2 * 3 * 5; ++i)
        values.push_back(static_cast<float>(i) * 0.1f - 1.3f);
    values[0] = -std::numeric_limits<float>::max();
    values[1] = std::numeric_limits<float>::denorm_min();
    values[2] = std::numeric_limits<float>::infinity(); // NPY stores any float32
    write_npy(path, {2, 3, 5}, values);
    const NpyArray back = read_npy(path);
    QCOMPARE(back.shape, (std::vector<std::size_t>{2, 3, 5}));
    QCOMPARE(back.values.size(), values.size());
    for (std::size_t i = 0; i < values.size(); ++i)
        QVERIFY2(back.values[i] == values[i], qPrintable(QString("element %1").arg(i)));

    // The header is a multiple of 64 bytes (NumPy's alignment) and the data follows it.
    const qint64 size = QFileInfo(QString::fromStdString(path)).size();
    QCOMPARE((size - static_cast<qint64>(values.size() * 4)) % 64, qint64{0});
}

void TestImageIo::npyOfTensorIsChannelsHeightWidth() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath("tensor.npy").toStdString();
    std::vector<float> values(2 * 3 * 19);
    for (std::size_t i = 0; i < values.size(); ++i)
        values[i] = static_cast<float>(i) / 7.0f;
    const Tensor t = Tensor::from_dense(Shape{2, 3, 19}, values);
    write_npy(path, t);
    const NpyArray back = read_npy(path);
    QCOMPARE(back.shape, (std::vector<std::size_t>{2, 3, 19}));
    QCOMPARE(back.values, values); // no row padding in the file
}

void TestImageIo::readNpyOfGarbageThrowsIoError() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString garbage = dir.filePath("garbage.npy");
    QVERIFY(write_file(garbage, QByteArray("\x93NUMPY\x01\x00\xff\x00{'descr'", 18)));
    QVERIFY_THROWS_EXCEPTION(IoError, read_npy(garbage.toStdString()));
    QVERIFY_THROWS_EXCEPTION(IoError, read_npy(dir.filePath("absent.npy").toStdString()));
    // An int32 array is not supported.
    QByteArray ints = npy_f8("(2,)", {0.0, 0.0});
    ints.replace("<f8", "<i4");
    const QString int_path = dir.filePath("ints.npy");
    QVERIFY(write_file(int_path, ints));
    try {
        (void)read_npy(int_path.toStdString());
        QFAIL("an int32 array was read");
    } catch (const IoError& e) {
        QVERIFY2(QString(e.what()).contains("ints.npy"), e.what());
    }
}

// .npy files made to break a reader: each is refused with one line naming the file and what is
// wrong, before anything the header declares is allocated.
void TestImageIo::hostileNpyIsRefusedBeforeAllocating_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("fragment");

    const QByteArray data(24, '\0'); // (2, 3) float32
    QTest::newRow("a 50,000-character shape (backtracking regex)")
        << raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (" +
                   QByteArray("1, ").repeated(16666) + "2, 3), }\n")
        << "NumPy allows";
    QTest::newRow("a header of 4 GB claimed in 30 bytes")
        << raw_npy("{'descr'", {}, 2, 0xfffffff0u) << "NumPy allows";
    QTest::newRow("a header longer than the file")
        << raw_npy("{'descr'", {}, 1, 9000) << "truncated";
    QTest::newRow("8 GB of data declared in 3 KB")
        << raw_npy(f4_header("(65536, 32768)"), QByteArray(3000, '\0')) << "declares";
    QTest::newRow("a negative dimension")
        << raw_npy(f4_header("(-24, 32)"), QByteArray(3072, 0)) << "negative";
    QTest::newRow("a shape that wraps around 64 bits")
        << raw_npy(f4_header("(4611686018427387905, 4)"), QByteArray(16, '\0')) << "declares";
    QTest::newRow("a dimension of 25 digits")
        << raw_npy(f4_header("(9999999999999999999999999, 1)"), data) << "too large";
    QTest::newRow("big-endian") << raw_npy("{'descr': '>f4', 'fortran_order': False, "
                                           "'shape': (2, 3), }\n",
                                           data)
                                << "big-endian";
    QTest::newRow("int16") << raw_npy("{'descr': '<i2', 'fortran_order': False, "
                                      "'shape': (2, 3), }\n",
                                      data)
                           << "float32";
    QTest::newRow("Fortran order") << raw_npy("{'descr': '<f4', 'fortran_order': True, "
                                              "'shape': (2, 3), }\n",
                                              data)
                                   << "Fortran";
    QTest::newRow("no shape") << raw_npy("{'descr': '<f4', 'fortran_order': False}\n", data)
                              << "shape";
    QTest::newRow("an unknown key") << raw_npy("{'descr': '<f4', 'fortran_order': False, "
                                               "'shape': (2, 3), 'extra': 1}\n",
                                               data)
                                    << "unknown key";
    QTest::newRow("shape given twice") << raw_npy("{'descr': '<f4', 'fortran_order': False, "
                                                  "'shape': (2, 3), 'shape': (3, 2)}\n",
                                                  data)
                                       << "twice";
    QTest::newRow("text after the dictionary")
        << raw_npy(f4_header("(2, 3)") + "junk", data) << "after its dictionary";
    QTest::newRow("not a dictionary") << raw_npy(QByteArray(200, 'A'), data) << "malformed";
    QTest::newRow("an unterminated string")
        << raw_npy("{'descr': '<f4, 'fortran_order': False, 'shape': (2, 3)}", data) << "malformed";
    QTest::newRow("a shape of words")
        << raw_npy(f4_header("(two, three)"), data) << "whole numbers";
    QTest::newRow("data after the array")
        << raw_npy(f4_header("(2, 3)"), data + "more") << "follow";
    QTest::newRow("data cut short") << raw_npy(f4_header("(2, 3)"), data.left(20)) << "truncated";
    QTest::newRow("version 9") << raw_npy(f4_header("(2, 3)"), data, 9) << "version";
    QTest::newRow("four dimensions, more than one image")
        << raw_npy(f4_header("(2, 1, 2, 3)"), data + data) << "dimensions";
    QTest::newRow("five dimensions") << raw_npy(f4_header("(1, 1, 1, 2, 3)"), data) << "dimensions";
    QTest::newRow("an empty array") << raw_npy(f4_header("(0, 3)")) << "empty";
    QTest::newRow("a map wider than any")
        << raw_npy(f4_header("(1, 2000000)"), QByteArray(8000000, '\0'))
        << "at most 1048576 columns";
}

void TestImageIo::hostileNpyIsRefusedBeforeAllocating() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, fragment);
    // Small enough that the 8 GB claims would fail to allocate if they were believed.
    const BudgetForTest budget(64'000'000);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("hostile.npy");
    QVERIFY(write_file(path, bytes));
    try {
        (void)load_input(path.toStdString(), InputMode::Gray);
        QFAIL("the array was loaded");
    } catch (const IoError& e) {
        const QString msg = QString::fromUtf8(e.what());
        QVERIFY2(msg.startsWith(path + ": "), qPrintable(msg));
        QVERIFY2(msg.contains(fragment), qPrintable(msg));
        QVERIFY2(msg.size() < 300 && !msg.contains('\n'), qPrintable(msg));
    } catch (const std::exception& e) {
        QFAIL(qPrintable(QString("expected IoError, got: ") + e.what()));
    }
}

// A JPEG that libjpeg had to patch up (cut short, or with damage in its data) is refused: its
// maps would show pixels that are not in the file.
void TestImageIo::damagedJpegIsAnError_data() {
    QTest::addColumn<QByteArray>("bytes");
    const QByteArray jpeg = read_file(samples_dir() + "/rocket.jpg");
    QVERIFY(jpeg.size() > 10000);
    for (double cut : {0.1, 0.5, 0.9, 0.999})
        QTest::newRow(qPrintable(QString("cut at %1%").arg(cut * 100)))
            << jpeg.left(qsizetype(double(jpeg.size()) * cut));
    QTest::newRow("end-of-image marker missing") << jpeg.left(jpeg.size() - 2);
    // A marker in the middle of the entropy-coded data, where only RSTn may appear.
    QByteArray marker = jpeg;
    marker[jpeg.size() / 2] = '\xff';
    marker[jpeg.size() / 2 + 1] = '\xc0';
    QTest::newRow("a frame marker inside the scan") << marker;
}

void TestImageIo::damagedJpegIsAnError() {
    QFETCH(QByteArray, bytes);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("damaged.jpg");
    QVERIFY(write_file(path, bytes));
    try {
        (void)load_input(path.toStdString(), InputMode::Rgb);
        QFAIL("the damaged JPEG was loaded");
    } catch (const IoError& e) {
        const QString msg = QString::fromUtf8(e.what());
        QVERIFY2(msg.startsWith(path + ": "), qPrintable(msg));
        QVERIFY2(msg.contains("JPEG"), qPrintable(msg));
        QVERIFY2(!msg.contains('\n'), qPrintable(msg));
    }
    // The intact file loads.
    QVERIFY(!load_input((samples_dir() + "/rocket.jpg").toStdString(), InputMode::Rgb).empty());
}

void TestImageIo::oversizedImageIsRefusedBeforeDecoding_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("a 40-byte PNG claiming 20000 x 20000")
        << png_claiming(20000, 20000) << "20000 × 20000";
    QTest::newRow("a PNG claiming 60000 x 60000") << png_claiming(60000, 60000) << "at most";
    QTest::newRow("a PNG claiming 4294967295 columns")
        << png_claiming(0xffffffffu, 1) << "at most 1048576 columns";
    QByteArray pgm_header("P5\n30000 30000\n255\n");
    QTest::newRow("a PGM claiming 30000 x 30000") << pgm_header << "30000 × 30000";
    QTest::newRow("a file in a format ConvScope does not read (DICOM)")
        << QByteArray(128, '\0') + "DICM" + QByteArray(64, '\0') << "not an image format";
}

void TestImageIo::oversizedImageIsRefusedBeforeDecoding() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, fragment);
    const BudgetForTest budget(256'000'000);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("claims.png");
    QVERIFY(write_file(path, bytes));
    for (InputMode mode : {InputMode::Gray, InputMode::Rgb}) {
        try {
            (void)load_input(path.toStdString(), mode);
            QFAIL("the image was decoded");
        } catch (const std::runtime_error& e) {
            const QString msg = QString::fromUtf8(e.what());
            QVERIFY2(msg.startsWith(path + ": "), qPrintable(msg));
            QVERIFY2(msg.contains(fragment), qPrintable(msg));
        }
    }
}

// `info` needs only the shape: it comes from the header, even when the budget could not hold
// the decoded image.
void TestImageIo::shapeIsReadFromTheHeaderAlone() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("claims.png");
    QVERIFY(write_file(path, png_claiming(20000, 15000)));
    const BudgetForTest budget(100'000'000);
    QCOMPARE(peek_input_shape(path.toStdString(), InputMode::Rgb), (Shape{3, 15000, 20000}));
    QCOMPARE(peek_input_shape(path.toStdString(), InputMode::Gray), (Shape{1, 15000, 20000}));
    QCOMPARE(peek_input_shape((samples_dir() + "/rocket.jpg").toStdString(), InputMode::Gray),
             load_input((samples_dir() + "/rocket.jpg").toStdString(), InputMode::Gray).shape());
    const QString npy = dir.filePath("big.npy");
    QVERIFY(write_file(npy, raw_npy(f4_header("(3, 4, 5)"), QByteArray(240, '\0'))));
    QCOMPARE(peek_input_shape(npy.toStdString(), InputMode::Rgb), (Shape{3, 4, 5}));
}

// A TIFF directory may list a tag twice (a fuzzer found one: ImageWidth 12, then 5); libtiff
// takes the first and ignores the rest, so the header must too, or `info` reports another size
// than `run` decodes and the memory check is made for the wrong image.
void TestImageIo::tiffHeaderSizeIsTheDecodedSize() {
    const int width = 12, height = 9;
    QByteArray tiff("II*\0", 4);
    auto u16 = [&](int v) { tiff.append(char(v & 0xff)).append(char((v >> 8) & 0xff)); };
    auto u32 = [&](quint32 v) {
        for (int k = 0; k < 4; ++k)
            tiff.append(char((v >> (8 * k)) & 0xff));
    };
    const int entries = 10;
    const quint32 pixels_at = 8 + 2 + 12 * entries + 4;
    u32(8); // the first directory
    u16(entries);
    // Tag, type (3: SHORT, 4: LONG), count 1, value.
    for (auto [tag, value] : std::vector<std::pair<int, quint32>>{{256, width},
                                                                  {257, height},
                                                                  {256, 5}, // the duplicate
                                                                  {258, 8},
                                                                  {259, 1},
                                                                  {262, 1},
                                                                  {273, pixels_at},
                                                                  {277, 1},
                                                                  {278, height},
                                                                  {279, width * height}}) {
        u16(tag);
        u16(tag == 273 || tag == 279 ? 4 : 3);
        u32(1);
        if (tag == 273 || tag == 279)
            u32(value);
        else {
            u16(int(value));
            u16(0);
        }
    }
    u32(0); // no further directory
    QCOMPARE(quint32(tiff.size()), pixels_at);
    for (int i = 0; i < width * height; ++i)
        tiff.append(char(i));

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath("duplicate-width.tiff").toStdString();
    QVERIFY(write_file(QString::fromStdString(path), tiff));
    const Tensor decoded = load_input(path, InputMode::Gray);
    QCOMPARE(decoded.shape(), (Shape{1, height, width}));
    QCOMPARE(peek_input_shape(path, InputMode::Gray), decoded.shape());
}

// A named pipe never ends: reading one would hang (or, fed by /dev/zero, fill the memory).
void TestImageIo::fifoIsRefusedWithoutWaiting() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("pipe.png");
    QCOMPARE(::mkfifo(path.toLocal8Bit().constData(), 0600), 0);
    QElapsedTimer timer;
    timer.start();
    try {
        (void)load_input(path.toStdString(), InputMode::Gray);
        QFAIL("a FIFO was read");
    } catch (const IoError& e) {
        QVERIFY2(QString(e.what()).contains("not a regular file"), e.what());
    }
    QVERIFY(timer.elapsed() < 5000);
}

void TestImageIo::tiffRoundTripIsExact() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath("map.tiff").toStdString();
    // 21 columns: wider than one padded row vector, so the row stride matters.
    const Shape shape{1, 5, 21};
    std::vector<float> values(shape.elements());
    for (std::size_t i = 0; i < values.size(); ++i)
        values[i] = std::sin(static_cast<float>(i)) * 1000.0f / static_cast<float>(i + 1);
    values[0] = -3.0e38f;
    values[1] = 1e-30f;
    values[2] = 0.1f;
    const Tensor t = Tensor::from_dense(shape, values);
    write_map_tiff(path, t, 0);
    QVERIFY(QFileInfo(QString::fromStdString(path)).size() > 0);
    const Tensor back = read_map_tiff(path);
    QVERIFY(back.shape() == shape);
    const std::vector<float> got = back.to_dense();
    QCOMPARE(got.size(), values.size());
    for (std::size_t i = 0; i < values.size(); ++i)
        QVERIFY2(got[i] == values[i], qPrintable(QString("element %1: %2 != %3")
                                                     .arg(i)
                                                     .arg(got[i], 0, 'g', 9)
                                                     .arg(values[i], 0, 'g', 9)));
}

void TestImageIo::tiffOfOneChannelOfSeveral() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath("channel-2.tif").toStdString();
    std::vector<float> values(3 * 4 * 6);
    for (std::size_t i = 0; i < values.size(); ++i)
        values[i] = static_cast<float>(i) - 30.5f;
    const Tensor t = Tensor::from_dense(Shape{3, 4, 6}, values);
    write_map_tiff(path, t, 2);
    const Tensor back = read_map_tiff(path);
    QVERIFY(back.shape() == (Shape{1, 4, 6}));
    for (int y = 0; y < 4; ++y)
        for (int x = 0; x < 6; ++x)
            QCOMPARE(back.at(0, y, x), t.at(2, y, x));

    // A PNG is not a float TIFF map.
    const std::string png = dir.filePath("not-a-map.png").toStdString();
    write_map_png(png, t, 0, Colormap::Gray);
    QVERIFY_THROWS_EXCEPTION(IoError, read_map_tiff(png));
    QVERIFY_THROWS_EXCEPTION(IoError, read_map_tiff(dir.filePath("absent.tiff").toStdString()));
}

void TestImageIo::mapPngIsWrittenAndDecodable() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    std::vector<float> values(2 * 7 * 33);
    for (std::size_t i = 0; i < values.size(); ++i)
        values[i] = static_cast<float>(i % 33) - 10.0f;
    const Tensor t = Tensor::from_dense(Shape{2, 7, 33}, values);
    for (Colormap map : {Colormap::Auto, Colormap::Gray, Colormap::Viridis, Colormap::Diverging}) {
        const QString path = dir.filePath(
            QString("map-%1.png").arg(QString::fromStdString(std::string(to_string(map)))));
        write_map_png(path.toStdString(), t, 1, map);
        QVERIFY(QFileInfo::exists(path));
        QVERIFY(QFileInfo(path).size() > 0);
        // It is a real PNG of the map's size.
        const Tensor back = load_input(path.toStdString(), InputMode::Rgb);
        QVERIFY(back.shape() == (Shape{3, 7, 33}));
        // Columns differ in value, so the picture is not one flat colour.
        QVERIFY(back.at(0, 3, 0) != back.at(0, 3, 32) || back.at(1, 3, 0) != back.at(1, 3, 32) ||
                back.at(2, 3, 0) != back.at(2, 3, 32));
    }
    // Gray: the minimum (column 0) is black and the maximum (column 32) white.
    const Tensor gray = load_input(dir.filePath("map-gray.png").toStdString(), InputMode::Rgb);
    QCOMPARE(gray.at(0, 0, 0), 0.0f);
    QCOMPARE(gray.at(0, 0, 32), 1.0f);
}

void TestImageIo::writeToMissingFolderThrowsIoError() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const Tensor t(1, 4, 4);
    const std::string png = dir.filePath("no/such/folder/map.png").toStdString();
    try {
        write_map_png(png, t, 0, Colormap::Viridis);
        QFAIL("wrote into a missing folder");
    } catch (const IoError& e) {
        QVERIFY2(QString(e.what()).contains("map.png"), e.what());
    }
    const std::string tiff = dir.filePath("no/such/folder/map.tiff").toStdString();
    QVERIFY_THROWS_EXCEPTION(IoError, write_map_tiff(tiff, t, 0));
    const std::string npy = dir.filePath("no/such/folder/map.npy").toStdString();
    try {
        write_npy(npy, t);
        QFAIL("wrote into a missing folder");
    } catch (const IoError& e) {
        QVERIFY2(QString(e.what()).contains("map.npy"), e.what());
    }
}

void TestImageIo::autoColormapPicksDivergingForSignedMaps() {
    QVERIFY(resolve_colormap(Colormap::Auto, ValueRange{-1.0f, 2.0f}) == Colormap::Diverging);
    QVERIFY(resolve_colormap(Colormap::Auto, ValueRange{0.0f, 2.0f}) == Colormap::Viridis);
    QVERIFY(resolve_colormap(Colormap::Auto, ValueRange{0.5f, 0.5f}) == Colormap::Viridis);
    // All negative is not "both signs".
    QVERIFY(resolve_colormap(Colormap::Auto, ValueRange{-3.0f, -1.0f}) == Colormap::Viridis);
    // An explicit choice is kept.
    QVERIFY(resolve_colormap(Colormap::Magma, ValueRange{-1.0f, 2.0f}) == Colormap::Magma);
    QVERIFY(resolve_colormap(Colormap::Diverging, ValueRange{0.0f, 2.0f}) == Colormap::Diverging);
}

void TestImageIo::divergingDisplayRangeIsSymmetric() {
    const ValueRange a = display_range(Colormap::Diverging, ValueRange{-1.0f, 3.0f});
    QCOMPARE(a.min, -3.0f);
    QCOMPARE(a.max, 3.0f);
    const ValueRange b = display_range(Colormap::Diverging, ValueRange{-5.0f, 2.0f});
    QCOMPARE(b.min, -5.0f);
    QCOMPARE(b.max, 5.0f);
    // Other maps span the data's own range.
    const ValueRange c = display_range(Colormap::Viridis, ValueRange{-1.0f, 3.0f});
    QCOMPARE(c.min, -1.0f);
    QCOMPARE(c.max, 3.0f);
}

void TestImageIo::mapRangeSkipsNonFiniteValues() {
    Tensor t(2, 2, 3);
    t.at(0, 0, 0) = -2.0f;
    t.at(0, 1, 2) = 5.0f;
    t.at(0, 0, 1) = std::numeric_limits<float>::quiet_NaN();
    t.at(0, 1, 0) = std::numeric_limits<float>::infinity();
    t.at(1, 0, 0) = 100.0f; // another channel does not count
    const ValueRange r = map_range(t, 0);
    QCOMPARE(r.min, -2.0f);
    QCOMPARE(r.max, 5.0f);
    QVERIFY(r.is_signed());
    const ValueRange r1 = map_range(t, 1);
    QCOMPARE(r1.min, 0.0f);
    QCOMPARE(r1.max, 100.0f);
    QVERIFY(!r1.is_signed());
}

void TestImageIo::colorizeGivesThreeBytesPerPixel_data() {
    QTest::addColumn<int>("map");
    QTest::newRow("gray") << static_cast<int>(Colormap::Gray);
    QTest::newRow("viridis") << static_cast<int>(Colormap::Viridis);
    QTest::newRow("magma") << static_cast<int>(Colormap::Magma);
    QTest::newRow("inferno") << static_cast<int>(Colormap::Inferno);
    QTest::newRow("turbo") << static_cast<int>(Colormap::Turbo);
    QTest::newRow("diverging") << static_cast<int>(Colormap::Diverging);
}

void TestImageIo::colorizeGivesThreeBytesPerPixel() {
    QFETCH(int, map);
    const Colormap colormap = static_cast<Colormap>(map);
    // 2 channels of 3 × 19: channel 1 is a ramp from -9 to 47.
    Tensor t(2, 3, 19);
    for (int y = 0; y < 3; ++y)
        for (int x = 0; x < 19; ++x)
            t.at(1, y, x) = static_cast<float>(y * 19 + x) - 9.0f;
    const ValueRange range = map_range(t, 1);
    QCOMPARE(range.min, -9.0f);
    QCOMPARE(range.max, 47.0f);
    const RgbImage image = colorize(t, 1, colormap, display_range(colormap, range));
    QCOMPARE(image.width, 19);
    QCOMPARE(image.height, 3);
    QCOMPARE(image.pixels.size(), std::size_t{19 * 3 * 3});
    // The minimum (first pixel) and the maximum (last pixel) get different colours.
    const std::size_t last = image.pixels.size() - 3;
    const bool differ = image.pixels[0] != image.pixels[last] ||
                        image.pixels[1] != image.pixels[last + 1] ||
                        image.pixels[2] != image.pixels[last + 2];
    QVERIFY(differ);
}

void TestImageIo::grayColormapGoesFromBlackToWhite() {
    Tensor t(1, 1, 3);
    t.at(0, 0, 0) = 2.0f;
    t.at(0, 0, 1) = 3.0f;
    t.at(0, 0, 2) = 4.0f;
    const RgbImage image = colorize(t, 0, Colormap::Gray, ValueRange{2.0f, 4.0f});
    QCOMPARE(image.pixels.size(), std::size_t{9});
    for (int c = 0; c < 3; ++c) {
        QCOMPARE(int(image.pixels[static_cast<std::size_t>(c)]), 0);
        QCOMPARE(int(image.pixels[static_cast<std::size_t>(6 + c)]), 255);
        // The middle value is mid-gray.
        QVERIFY(std::abs(int(image.pixels[static_cast<std::size_t>(3 + c)]) - 128) <= 1);
    }
}

void TestImageIo::divergingColormapShowsZeroAsWhite() {
    Tensor t(1, 1, 3);
    t.at(0, 0, 0) = -1.0f;
    t.at(0, 0, 1) = 0.0f;
    t.at(0, 0, 2) = 1.0f;
    const RgbImage image = colorize(t, 0, Colormap::Diverging, ValueRange{-1.0f, 1.0f});
    QCOMPARE(image.pixels.size(), std::size_t{9});
    // Zero is (nearly) white.
    for (int c = 0; c < 3; ++c)
        QVERIFY2(image.pixels[static_cast<std::size_t>(3 + c)] > 230,
                 qPrintable(QString("channel %1 = %2")
                                .arg(c)
                                .arg(int(image.pixels[static_cast<std::size_t>(3 + c)]))));
    // Negative is blue (B > R), positive is red (R > B).
    QVERIFY(image.pixels[2] > image.pixels[0]);
    QVERIFY(image.pixels[6] > image.pixels[8]);
}

void TestImageIo::colormapNamesParseBack() {
    const QStringList names = QString::fromStdString(colormap_names()).split(", ");
    QVERIFY(names.size() >= 7);
    for (const QString& name : names) {
        Colormap map = Colormap::Gray;
        QVERIFY2(parse_colormap(name.toStdString(), map), qPrintable(name));
        QCOMPARE(QString::fromStdString(std::string(to_string(map))), name);
    }
    Colormap map = Colormap::Gray;
    QVERIFY(!parse_colormap("rainbow", map));
    QVERIFY(map == Colormap::Gray);
}

QTEST_APPLESS_MAIN(TestImageIo)
#include "test_image_io.moc"
