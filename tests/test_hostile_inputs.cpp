// convscope-cli against a corpus of hostile files, generated here from the bundled samples: cut
// and byte-flipped images, malformed .npy headers, pipelines and projects with wrong types,
// huge values, deep nesting and sizes that would exhaust the memory. For every file, `run` and
// `info` must end with exit status 1 or 2 and one line on stderr naming the file: no signal, no
// hang (10 s each), no output claiming success.

#include "cli_runner.hpp"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <random>

namespace {

QString resource(const QString& relative) {
    return QStringLiteral(CONVSCOPE_RESOURCES_DIR) + "/" + relative;
}

QByteArray read_file(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QByteArray pipeline_with(const QByteArray& layers, const QByteArray& mode = "gray") {
    return R"({"format": "convscope-pipeline", "version": 1, "input": {"mode": ")" + mode +
           R"("}, "layers": [)" + layers + "]}";
}

QByteArray conv3x3(const QByteArray& extra) {
    return R"({"type": "conv", "weights": [[[[1, 2, 1], [0, 0, 0], [-1, -2, -1]]]])" + extra + "}";
}

QByteArray project_with(const QByteArray& image, const QByteArray& tail = {}) {
    return R"({"format": "convscope-project", "version": 1, "image": )" + image +
           R"(, "pipeline": )" + pipeline_with(R"({"type": "relu"})") + tail + "}";
}

// A .npy file with any header text and data (version 1.0, or 2.0 with a 4-byte length).
QByteArray npy(const QByteArray& header, const QByteArray& data = {}, int major = 1,
               quint32 claimed = 0) {
    QByteArray bytes("\x93NUMPY", 6);
    bytes.append(char(major));
    bytes.append('\0');
    const quint32 length = claimed ? claimed : quint32(header.size());
    for (int k = 0; k < (major == 1 ? 2 : 4); ++k)
        bytes.append(char((length >> (8 * k)) & 0xff));
    return bytes + header + data;
}

QByteArray f4(const QByteArray& shape) {
    return "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }\n";
}

QByteArray png_claiming(quint32 width, quint32 height) {
    QByteArray bytes("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16);
    for (quint32 v : {width, height})
        for (int shift = 24; shift >= 0; shift -= 8)
            bytes.append(char((v >> shift) & 0xff));
    bytes.append("\x08\x02\0\0\0\0\0\0\0", 9);
    return bytes;
}

struct Case {
    QString file;       // the hostile file (in the corpus folder)
    QStringList run;    // the arguments of `run` that read it (besides --out)
    bool info_reads_it; // false: the damage is in the pixels, which `info` does not decode
};

} // namespace

class TestHostileInputs : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void everyHostileFileFailsCleanly_data();
    void everyHostileFileFailsCleanly();

private:
    void add(const QString& name, const QByteArray& bytes, const QString& option,
             const QStringList& extra = {}, bool info_reads_it = true);
    // The same for damage `info` cannot see (it reads only the image's header).
    void add_pixels(const QString& name, const QByteArray& bytes, const QStringList& extra = {}) {
        add(name, bytes, "--image", extra, false);
    }
    QTemporaryDir dir_;
    std::vector<Case> cases_;
};

void TestHostileInputs::add(const QString& name, const QByteArray& bytes, const QString& option,
                            const QStringList& extra, bool info_reads_it) {
    const QString path = dir_.filePath("corpus/" + name);
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
    f.close();
    cases_.push_back({path, QStringList{option, path} + extra, info_reads_it});
}

void TestHostileInputs::initTestCase() {
    QVERIFY(dir_.isValid());
    QVERIFY(QDir(dir_.path()).mkpath("corpus"));
    std::mt19937 rng(20261201);

    // Images: cut short, byte-flipped where the format checks itself, random, empty, huge.
    const QByteArray png = read_file(resource("samples/coins.png"));
    const QByteArray jpeg = read_file(resource("samples/rocket.jpg"));
    QVERIFY(png.size() > 1000 && jpeg.size() > 1000);
    add("cut-in-header.png", png.left(20), "--image");
    for (double cut : {0.01, 0.3, 0.6, 0.95, 0.999})
        add_pixels(QString("cut-%1.png").arg(cut), png.left(qsizetype(png.size() * cut)));
    for (double cut : {0.02, 0.25, 0.5, 0.75, 0.98})
        add(QString("cut-%1.jpg").arg(cut), jpeg.left(qsizetype(jpeg.size() * cut)), "--image");
    add("no-end-marker.jpg", jpeg.left(jpeg.size() - 2), "--image");
    for (int k = 0; k < 6; ++k) {
        // PNG chunks carry CRCs: a flipped byte anywhere past the signature is detected.
        QByteArray flipped = png;
        const qsizetype at = 16 + qsizetype(rng() % quint32(png.size() - 32));
        flipped[at] = char(flipped[at] ^ (1 << (rng() % 8)));
        add_pixels(QString("flipped-%1.png").arg(k), flipped);
    }
    for (int k = 0; k < 4; ++k) {
        // A marker where the entropy-coded data allows none.
        QByteArray marker = jpeg;
        const qsizetype at = jpeg.size() / 3 + qsizetype(rng() % quint32(jpeg.size() / 2));
        marker[at] = '\xff';
        marker[at + 1] = char(0xc0 + rng() % 3);
        add_pixels(QString("marker-in-scan-%1.jpg").arg(k), marker);
    }
    QByteArray noise(20000, '\0');
    for (char& c : noise)
        c = char(rng());
    add("noise.png", noise, "--image");
    add_pixels("noise.jpg", "\xff\xd8\xff" + noise);
    add("empty.png", {}, "--image");
    add("png-claiming-60000x60000.png", png_claiming(60000, 60000), "--image");
    add_pixels("png-claiming-20000x20000.png", png_claiming(20000, 20000), {"--max-memory", "1G"});
    add_pixels("pgm-claiming-30000x30000.pgm", "P5\n30000 30000\n255\n" + noise,
               {"--max-memory", "1G"});
    add("dicom-named.png", QByteArray(128, '\0') + "DICM" + noise.left(200), "--image");

    // .npy: the header NumPy itself would refuse, shapes that lie about the data.
    const QByteArray data(24, '\0');
    add("long-header.npy",
        npy("{'descr': '<f4', 'fortran_order': False, 'shape': (" +
            QByteArray("1, ").repeated(16000) + "2, 3), }\n"),
        "--image");
    add("header-claims-4GB.npy", npy("{'descr'", {}, 2, 0xfffffff0u), "--image");
    add("data-claims-8GB.npy", npy(f4("(65536, 32768)"), QByteArray(3000, '\0')), "--image");
    add("negative-dimension.npy", npy(f4("(-24, 32)"), QByteArray(3072, '\0')), "--image");
    add("wrapping-shape.npy", npy(f4("(4611686018427387905, 4)"), QByteArray(16, '\0')), "--image");
    add("25-digit-dimension.npy", npy(f4("(9999999999999999999999999, 1)"), data), "--image");
    add("big-endian.npy",
        npy("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }\n", data), "--image");
    add("int16.npy", npy("{'descr': '<i2', 'fortran_order': False, 'shape': (2, 3), }\n", data),
        "--image");
    add("no-shape.npy", npy("{'descr': '<f4', 'fortran_order': False}\n", data), "--image");
    add("junk-header.npy", npy(QByteArray(300, 'A'), data), "--image");
    add("cut-data.npy", npy(f4("(2, 3)"), data.left(10)), "--image");
    add("two-channels.npy", npy(f4("(2, 2, 2)"), QByteArray(32, '\0')), "--image");

    // Pipelines: wrong types, huge values, deep nesting, sizes that overflow or exhaust memory.
    const QByteArray deep(70000, '[');
    const QByteArray undeep(70000, ']');
    add("deep-weights.json",
        pipeline_with(R"({"type": "conv", "weights": )" + deep + "1" + undeep + "}"), "--pipeline");
    add("deep-format.json", R"({"format": )" + deep + undeep + R"(, "version": 1, "layers": []})",
        "--pipeline");
    add("deep-objects.json",
        R"({"format": "convscope-pipeline", "version": 1, "layers": [], "description": )" +
            QByteArray("{\"a\":").repeated(70000) + "1" + QByteArray(70000, '}') + "}",
        "--pipeline");
    // Linear-time parsing: nlohmann's parsers are quadratic in an array of objects (their
    // callback variant) and in an object's keys (half a minute or more each, before the fix).
    add("200000-empty-layers.json", pipeline_with(QByteArray("{}, ").repeated(199999) + "{}"),
        "--pipeline");
    QByteArray keys;
    for (int k = 0; k < 200000; ++k)
        keys += "\"k" + QByteArray::number(k) + "\": 0, ";
    add("200000-keys.json", pipeline_with("{" + keys + R"("type": "relu"})"), "--pipeline");
    add("stride-is-text.json", pipeline_with(conv3x3(R"(, "stride": "two")")), "--pipeline");
    add("weights-are-text.json", pipeline_with(R"({"type": "conv", "weights": "sobel"})"),
        "--pipeline");
    add("weight-1e999.json", pipeline_with(R"({"type": "conv", "weights": [[[[1, 1e999, 0]]]]})"),
        "--pipeline");
    add("padding-1e9.json", pipeline_with(conv3x3(R"(, "padding": 1000000000)")), "--pipeline");
    add("dilation-1e6.json",
        pipeline_with(
            R"({"type": "conv", "padding": "same", "dilation": [1, 1000000], "weights": [[[[)" +
            QByteArray("1,").repeated(302) + "1]]]]}"),
        "--pipeline");
    add("padding-30000.json", pipeline_with(conv3x3(R"(, "padding": 30000)")), "--pipeline");
    // Runs only within the budget: `info` reports what it would take.
    add("dilation-20000-same.json",
        pipeline_with(conv3x3(R"(, "padding": "same", "dilation": 20000)")), "--pipeline",
        {"--max-memory", "2G"}, false);
    add("pool-window-2e6.json", pipeline_with(R"({"type": "maxpool", "kernel_size": 1000000})"),
        "--pipeline");
    add("type-2MB.json", pipeline_with(R"({"type": ")" + QByteArray(2000000, 'x') + R"("})"),
        "--pipeline");
    add("not-json.json", noise, "--pipeline");
    add("truncated.json", pipeline_with(conv3x3("")).left(60), "--pipeline");
    add("rgb-conv-on-gray.json",
        pipeline_with(R"({"type": "conv", "weights": [[[[1]], [[1]], [[1]]]]})"), "--pipeline");
    add("shrinks-to-nothing.json",
        pipeline_with(R"({"type": "maxpool", "kernel_size": 100000, "stride": 1})"), "--pipeline");

    // Projects.
    add("deep-view.convscope",
        project_with(R"({"path": "a.png"})", R"(, "view": {"a": )" + deep + undeep + "}"),
        "--project");
    add("nul-in-path.convscope", project_with(R"({"path": "photo.png\u0000.txt"})"), "--project");
    add("not-an-image-path.convscope", project_with(R"({"path": "/etc/passwd"})"), "--project");
    add("missing-image.convscope", project_with(R"({"path": "no-such-photo.png"})"), "--project");
    add("bad-base64.convscope", project_with(R"({"path": "a.png", "embedded": "AB$D"})"),
        "--project");
    add("embedded-cut-png.convscope",
        project_with(R"({"name": "cut.png", "embedded": ")" + png.left(300).toBase64() + R"("})"),
        "--project", {}, false);
    add("version-array.convscope",
        project_with(R"({"path": "a.png"})").replace("\"version\": 1", "\"version\": [1, 2]"),
        "--project");
    add("not-json.convscope", noise, "--project");
}

void TestHostileInputs::everyHostileFileFailsCleanly_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("file");
    QVERIFY(cases_.size() > 60);
    for (const Case& c : cases_) {
        const QString name = QFileInfo(c.file).fileName();
        QTest::newRow(qPrintable("run " + name))
            << (QStringList{"run", "--out", dir_.filePath("out")} + c.run) << name;
        if (c.info_reads_it)
            QTest::newRow(qPrintable("info " + name)) << (QStringList{"info"} + c.run) << name;
    }
}

void TestHostileInputs::everyHostileFileFailsCleanly() {
    QFETCH(QStringList, arguments);
    QFETCH(QString, file);
    QElapsedTimer timer;
    timer.start();
    const CliResult r = run_cli(arguments, dir_.path(), 10000);
    QVERIFY2(r.exit_code != -2, "still running after 10 s");
    QVERIFY2(r.exit_code != -3, qPrintable("killed by a signal: " + r.err.left(500)));
    QVERIFY2(r.exit_code == 1 || r.exit_code == 2,
             qPrintable(QString("exit status %1: %2").arg(r.exit_code).arg(r.out.left(300))));
    QVERIFY2(r.err.startsWith("convscope-cli: ") && r.err.endsWith('\n') && r.err.count('\n') == 1,
             qPrintable(r.err.left(500)));
    QVERIFY2(r.err.contains(file), qPrintable(file + " not named in: " + r.err.left(500)));
    QVERIFY2(r.err.size() < 1000, qPrintable(r.err.left(500)));
}

QTEST_GUILESS_MAIN(TestHostileInputs)
#include "test_hostile_inputs.moc"
