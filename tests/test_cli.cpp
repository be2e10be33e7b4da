// convscope-cli end to end: real processes, real files, the same checks a user would make.

#include "convscope/image_io.hpp"
#include "convscope/map_export.hpp"
#include "convscope/naive_backend.hpp"
#include "convscope/npy.hpp"
#include "convscope/pipeline_json.hpp"

#include "cli_runner.hpp"

#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

using namespace convscope;

namespace {

QString resource(const QString& relative) {
    return QStringLiteral(CONVSCOPE_RESOURCES_DIR) + "/" + relative;
}

QJsonObject read_manifest(const QString& dir) {
    QFile file(dir + "/manifest.json");
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).object();
}

void write_file(const QString& path, const QByteArray& bytes) {
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(bytes);
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void defaultRunWritesEveryListedFile();
    void allFormatsDecodeToTheEngineValues();
    void examplePipelinesRunOnSamples_data();
    void examplePipelinesRunOnSamples();
    void infoPrintsShapesParametersAndFlops();
    void helpDocumentsEveryOption();
    void fastBackendIsTheDefaultAndNamesItsKernels();
    void badInputFailsWithOneClearLine_data();
    void badInputFailsWithOneClearLine();
    void fileNamesThatAreNotUtf8Work();
};

void TestCli::defaultRunWritesEveryListedFile() {
    QTemporaryDir dir;
    const QString out = dir.path() + "/maps";
    const CliResult r = run_cli({"run", "--out", out, "--backend", "naive"});
    QCOMPARE(r.exit_code, 0);
    QVERIFY2(r.err.isEmpty(), qPrintable(r.err));

    const QJsonObject manifest = read_manifest(out);
    QCOMPARE(manifest["backend"].toString(), QString("naive"));
    QVERIFY(manifest["input"].toObject()["image"].toString().endsWith("chelsea.png"));
    // The pipeline that ran, in full; the file it came from as provenance.
    QVERIFY(manifest["pipeline_source"].toString().endsWith("default.json"));
    const Pipeline ran =
        parse_pipeline(QJsonDocument(manifest["pipeline"].toObject()).toJson().toStdString());
    QVERIFY(ran == load_pipeline(CONVSCOPE_RESOURCES_DIR "/pipelines/default.json"));
    const QJsonArray layers = manifest["layers"].toArray();
    QVERIFY(layers.size() >= 3);
    for (int i = 0; i < layers.size(); ++i) {
        const QJsonObject layer = layers[i].toObject();
        QCOMPARE(layer["index"].toInt(), i);
        QCOMPARE(layer["number"].toInt(), i + 1);
        // Folders and maps numbered from 1, as the app shows them.
        QVERIFY2(layer["files"].toArray()[0].toString().startsWith(
                     QStringLiteral("layer%1_").arg(i + 1, 2, 10, QLatin1Char('0'))),
                 qPrintable(layer["files"].toArray()[0].toString()));
        QVERIFY(layer["files"].toArray()[0].toString().endsWith("/map001.png"));
        QVERIFY(!layer["type"].toString().isEmpty());
        QVERIFY(layer["ms"].toDouble() >= 0);
        const QJsonArray shape = layer["shape"].toArray();
        QCOMPARE(shape.size(), 3);
        const QJsonArray files = layer["files"].toArray();
        QCOMPARE(files.size(), shape[0].toInt()); // one PNG per map by default
        for (const QJsonValue& f : files) {
            const QImage png(out + "/" + f.toString());
            QVERIFY2(!png.isNull(), qPrintable(f.toString()));
            QCOMPARE(png.height(), shape[1].toInt());
            QCOMPARE(png.width(), shape[2].toInt());
        }
    }
}

void TestCli::allFormatsDecodeToTheEngineValues() {
    QTemporaryDir dir;
    const QString image = resource("samples/camera.png");
    const QString pipeline_path = resource("pipelines/edge-detectors.json");
    const CliResult r =
        run_cli({"run", "--image", image, "--pipeline", pipeline_path, "--out", dir.path(),
                 "--format", "png,tiff,npy", "--colormap", "magma", "--backend", "naive"});
    QCOMPARE(r.exit_code, 0);

    // The same run in process.
    const Pipeline pipeline = load_pipeline(pipeline_path.toStdString());
    const Tensor input = load_input(image.toStdString(), pipeline.input_mode);
    NaiveBackend backend;
    const RunResult expected = backend.run(pipeline, input);

    // The input tensor is exported too, so a layer can be recomputed elsewhere (PyTorch).
    const QJsonObject manifest = read_manifest(dir.path());
    QCOMPARE(manifest["input"].toObject()["npy"].toString(), QString("input.npy"));
    QVERIFY(read_npy((dir.path() + "/input.npy").toStdString()).values == input.to_dense());

    const QJsonArray layers = manifest["layers"].toArray();
    QCOMPARE(layers.size(), static_cast<int>(pipeline.layers.size()));
    for (int i = 0; i < layers.size(); ++i) {
        const Tensor& want = *expected.layers[i].output;
        QStringList tiffs, npys;
        for (const QJsonValue& f : layers[i].toObject()["files"].toArray()) {
            if (f.toString().endsWith(".tiff"))
                tiffs << f.toString();
            if (f.toString().endsWith(".npy"))
                npys << f.toString();
        }
        QCOMPARE(tiffs.size(), want.channels());
        QCOMPARE(npys.size(), 1);

        const NpyArray npy = read_npy((dir.path() + "/" + npys[0]).toStdString());
        QCOMPARE(npy.shape,
                 (std::vector<std::size_t>{std::size_t(want.channels()), std::size_t(want.height()),
                                           std::size_t(want.width())}));
        QVERIFY(npy.values == want.to_dense());
        for (int c = 0; c < want.channels(); ++c) {
            const Tensor tiff = read_map_tiff((dir.path() + "/" + tiffs[c]).toStdString());
            QCOMPARE(tiff.height(), want.height());
            QCOMPARE(tiff.width(), want.width());
            for (int y = 0; y < want.height(); ++y)
                for (int x = 0; x < want.width(); ++x)
                    QCOMPARE(tiff.at(0, y, x), want.at(c, y, x));
        }
    }
}

void TestCli::examplePipelinesRunOnSamples_data() {
    QTest::addColumn<QString>("pipeline");
    QTest::addColumn<QString>("image");
    const QStringList pipelines = QDir(resource("pipelines")).entryList({"*.json"});
    QVERIFY(pipelines.size() >= 4);
    const QStringList samples = {"samples/coins.png", "samples/rocket.jpg"};
    for (const QString& p : pipelines)
        for (const QString& s : samples)
            QTest::newRow(qPrintable(p + " on " + s)) << resource("pipelines/" + p) << resource(s);
}

void TestCli::examplePipelinesRunOnSamples() {
    QFETCH(QString, pipeline);
    QFETCH(QString, image);
    QTemporaryDir dir;
    const CliResult r = run_cli({"run", "--image", image, "--pipeline", pipeline, "--out",
                                 dir.path(), "--backend", "naive"});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    QVERIFY(!read_manifest(dir.path())["layers"].toArray().isEmpty());
}

void TestCli::infoPrintsShapesParametersAndFlops() {
    const CliResult r = run_cli({"info", "--pipeline", resource("pipelines/edge-detectors.json"),
                                 "--image", resource("samples/camera.png")});
    QCOMPARE(r.exit_code, 0);
    // camera.png is 512×512; the edge detectors keep the size with "same" padding.
    QVERIFY2(r.out.contains("[4, 512, 512]"), qPrintable(r.out));
    QVERIFY(r.out.contains("params"));
    QVERIFY(r.out.contains("FLOP"));
    QVERIFY(r.out.contains("40")); // 4 filters × 3×3 weights + 4 biases
}

void TestCli::helpDocumentsEveryOption() {
    const CliResult overview = run_cli({"--help"});
    QCOMPARE(overview.exit_code, 0);
    for (const char* option : {"run", "info", "--image", "--pipeline", "--out", "--format",
                               "--colormap", "--backend", "Example"})
        QVERIFY2(overview.out.contains(option), option);

    const CliResult run_help = run_cli({"run", "--help"});
    QCOMPARE(run_help.exit_code, 0);
    for (const char* option :
         {"--image", "--pipeline", "--out", "--format", "--colormap", "--backend", "Example"})
        QVERIFY2(run_help.out.contains(option), option);

    const CliResult version = run_cli({"--version"});
    QCOMPARE(version.exit_code, 0);
    QVERIFY(version.out.startsWith("convscope-cli "));
}

void TestCli::fastBackendIsTheDefaultAndNamesItsKernels() {
    QTemporaryDir dir;
    const CliResult r = run_cli({"run", "--out", dir.path(), "--format", "npy"});
    QCOMPARE(r.exit_code, 0);
    QVERIFY2(r.err.isEmpty(), qPrintable(r.err));
    const QJsonObject manifest = read_manifest(dir.path());
    QCOMPARE(manifest["backend"].toString(), QString("fast"));
    const QJsonArray layers = manifest["layers"].toArray();
    QVERIFY(!layers.isEmpty());
    // The first layer of the default stack is a conv: its kernel names the method and target.
    const QString kernel = layers[0].toObject()["kernel"].toString();
    QVERIFY2(kernel.startsWith("direct") || kernel.startsWith("separable"), qPrintable(kernel));
    QVERIFY2(kernel.contains('-'), qPrintable(kernel));

    // The same maps as the reference backend, within the engine's accuracy.
    QTemporaryDir naive_dir;
    QCOMPARE(run_cli({"run", "--out", naive_dir.path(), "--format", "npy", "--backend", "naive"})
                 .exit_code,
             0);
    const QJsonArray naive_layers = read_manifest(naive_dir.path())["layers"].toArray();
    QCOMPARE(naive_layers.size(), layers.size());
    for (int i = 0; i < layers.size(); ++i) {
        const QString file = layers[i].toObject()["files"].toArray()[0].toString();
        const NpyArray fast = read_npy((dir.path() + "/" + file).toStdString());
        const NpyArray naive = read_npy((naive_dir.path() + "/" + file).toStdString());
        QCOMPARE(fast.shape, naive.shape);
        float scale = 1.0f, worst = 0.0f;
        for (std::size_t k = 0; k < naive.values.size(); ++k) {
            scale = std::max(scale, std::abs(naive.values[k]));
            worst = std::max(worst, std::abs(naive.values[k] - fast.values[k]));
        }
        QVERIFY2(worst <= 1e-5f * scale, qPrintable(file + ": " + QString::number(worst)));
    }

    const CliResult version = run_cli({"--version"});
    QVERIFY(version.out.contains("SIMD target"));
}

void TestCli::badInputFailsWithOneClearLine_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("exit_code");
    QTest::addColumn<QStringList>("fragments");

    // Files the table needs, in a folder that lives as long as the test.
    static QTemporaryDir dir;
    const QString d = dir.path();
    write_file(d + "/corrupt.png", QByteArray("\x89PNG\r\n\x1a\nthis is not really a png", 30));
    write_file(d + "/empty.jpg", QByteArray());
    write_file(d + "/a-file", "in the way");
    write_file(d + "/syntax.json", "{\"format\": \"convscope-pipeline\", \"version\": 1, ");
    write_file(d + "/typo.json",
               R"({"format": "convscope-pipeline", "version": 1, "input": {"mode": "gray"},
                   "layers": [{"type": "relu"}, {"type": "maxpool", "kernel_size": 2, "strde": 2}]})");
    write_file(d + "/shrinks.json",
               R"({"format": "convscope-pipeline", "version": 1, "input": {"mode": "gray"},
                   "layers": [{"type": "conv", "weights": [[[[1,1,1,1,1,1,1,1,1]]]]}]})");
    write_file(d + "/channels.json",
               R"({"format": "convscope-pipeline", "version": 1, "input": {"mode": "gray"},
                   "layers": [{"type": "conv", "weights": [[[[1]],[[1]],[[1]]]]}]})");
    // A 4×4 gray image, too small for the 1×9 kernel above.
    write_file(d + "/tiny.pgm", QByteArray("P5\n4 4\n255\n") + QByteArray(16, '\x80'));
    const QString out = d + "/out";

    QTest::newRow("missing image") << QStringList{"run", "--image", d + "/nope.png", "--out", out}
                                   << 1 << QStringList{"nope.png", "no such file"};
    QTest::newRow("corrupt image")
        << QStringList{"run", "--image", d + "/corrupt.png", "--out", out} << 1
        << QStringList{"corrupt.png", "decode"};
    QTest::newRow("empty image") << QStringList{"run", "--image", d + "/empty.jpg", "--out", out}
                                 << 1 << QStringList{"empty.jpg", "empty"};
    QTest::newRow("folder as image")
        << QStringList{"run", "--image", d, "--out", out} << 1 << QStringList{d, "folder"};
    QTest::newRow("missing pipeline")
        << QStringList{"run", "--pipeline", d + "/nope.json", "--out", out} << 1
        << QStringList{"nope.json"};
    QTest::newRow("pipeline syntax")
        << QStringList{"run", "--pipeline", d + "/syntax.json", "--out", out} << 1
        << QStringList{"syntax.json", "JSON"};
    QTest::newRow("pipeline typo")
        << QStringList{"run", "--pipeline", d + "/typo.json", "--out", out} << 1
        << QStringList{"typo.json", "layer 2", "strde"};
    QTest::newRow("layer shrinks map to nothing")
        << QStringList{"run",   "--image", d + "/tiny.pgm", "--pipeline", d + "/shrinks.json",
                       "--out", out}
        << 1 << QStringList{"layer 1", "empty", "[1, 4, 4]"};
    QTest::newRow("channels do not line up")
        << QStringList{"info", "--pipeline", d + "/channels.json"} << 1
        << QStringList{"channels.json", "layer 1", "3 input channels"};
    QTest::newRow("layer shrinks map to nothing (info)")
        << QStringList{"info", "--image", d + "/tiny.pgm", "--pipeline", d + "/shrinks.json"} << 1
        << QStringList{"shrinks.json", "layer 1", "empty"};
    QTest::newRow("bad --max-memory")
        << QStringList{"info", "--max-memory", "lots"} << 2 << QStringList{"--max-memory", "lots"};
    QTest::newRow("image beyond the memory budget")
        << QStringList{"run", "--out", out, "--max-memory", "1M"} << 1
        << QStringList{"chelsea.png", "memory budget of 1.0 MB", "--max-memory"};
    QTest::newRow("output folder blocked by a file")
        << QStringList{"run", "--out", d + "/a-file/maps"} << 1 << QStringList{"a-file/maps"};
    QTest::newRow("unknown format") << QStringList{"run", "--out", out, "--format", "png,jpeg"} << 2
                                    << QStringList{"--format", "jpeg"};
    QTest::newRow("unknown colormap") << QStringList{"run", "--out", out, "--colormap", "rainbow"}
                                      << 2 << QStringList{"--colormap", "rainbow"};
    QTest::newRow("unknown backend") << QStringList{"run", "--out", out, "--backend", "gpu"} << 2
                                     << QStringList{"--backend", "gpu"};
    QTest::newRow("missing --out") << QStringList{"run"} << 2 << QStringList{"--out"};
    QTest::newRow("unknown option")
        << QStringList{"run", "--out", out, "--colour", "x"} << 2 << QStringList{"colour"};
    QTest::newRow("unknown command") << QStringList{"render"} << 2 << QStringList{"render"};
}

void TestCli::badInputFailsWithOneClearLine() {
    QFETCH(QStringList, arguments);
    QFETCH(int, exit_code);
    QFETCH(QStringList, fragments);
    const CliResult r = run_cli(arguments);
    QCOMPARE(r.exit_code, exit_code);
    QVERIFY2(r.err.endsWith('\n') && r.err.count('\n') == 1, qPrintable(r.err));
    QVERIFY(r.err.startsWith("convscope-cli: "));
    for (const QString& fragment : fragments)
        QVERIFY2(r.err.contains(fragment), qPrintable(fragment + " not in: " + r.err));
}

// Runs convscope-cli with arguments as raw bytes (QProcess would re-encode them as UTF-8 and
// lose the bytes that are not).
CliResult run_cli_bytes(const std::vector<std::string>& arguments, const QString& dir) {
    const QString out_file = dir + "/stdout.txt", err_file = dir + "/stderr.txt";
    const pid_t pid = ::fork();
    if (pid == 0) {
        std::vector<char*> argv{const_cast<char*>(CONVSCOPE_CLI_PATH)};
        for (const std::string& a : arguments)
            argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        if (!std::freopen(out_file.toLocal8Bit().constData(), "w", stdout) ||
            !std::freopen(err_file.toLocal8Bit().constData(), "w", stderr))
            ::_exit(127);
        ::execv(CONVSCOPE_CLI_PATH, argv.data());
        ::_exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    CliResult result;
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -3;
    QFile out(out_file), err(err_file);
    if (out.open(QIODevice::ReadOnly))
        result.out = QString::fromUtf8(out.readAll());
    if (err.open(QIODevice::ReadOnly))
        result.err = QString::fromUtf8(err.readAll());
    return result;
}

// Linux file names are bytes: "café.png" saved by a Latin-1 system is caf\xe9.png, not UTF-8.
// It opens like any other, and a message about one shows the byte as \xe9.
void TestCli::fileNamesThatAreNotUtf8Work() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string d = dir.path().toStdString();
    const std::string image = d + "/caf\xe9.png";
    QVERIFY(QFile::copy(resource("samples/coins.png"), dir.path() + "/latin1-source.png"));
    QCOMPARE(std::rename((d + "/latin1-source.png").c_str(), image.c_str()), 0);

    const CliResult info = run_cli_bytes({"info", "--image", image}, dir.path());
    QVERIFY2(info.exit_code == 0, qPrintable(info.err));
    QVERIFY2(info.out.contains("caf\\xe9.png"), qPrintable(info.out));

    const std::string out = d + "/maps\xff";
    const CliResult run =
        run_cli_bytes({"run", "--image", image, "--out", out, "--format", "npy"}, dir.path());
    QVERIFY2(run.exit_code == 0, qPrintable(run.err));
    QVERIFY(QFileInfo::exists(QString::fromStdString(out) + "/manifest.json") ||
            ::access((out + "/manifest.json").c_str(), F_OK) == 0);

    const CliResult missing = run_cli_bytes({"info", "--image", d + "/nope\xe9.png"}, dir.path());
    QCOMPARE(missing.exit_code, 1);
    QVERIFY2(missing.err.contains("nope\\xe9.png: no such file"), qPrintable(missing.err));
    QCOMPARE(missing.err.count('\n'), 1);
}

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
