// ONNX models through convscope-cli, as a user runs them: `run --pipeline model.onnx` gives
// PyTorch's outputs (the last layer's maps.npy is the model's output), `import` then `run` on
// the pipeline file gives the same arrays, `info` on a ResNet-18 has torchinfo's shapes and
// parameter counts, and every broken model is one line on stderr.

#include "support/onnx_fixtures.hpp"

#include "cli_runner.hpp"

#include "convscope/backend.hpp"
#include "convscope/npy.hpp"
#include "convscope/onnx_import.hpp"
#include "convscope/pipeline_json.hpp"
#include "convscope/resnet18_onnx.hpp"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <map>

using namespace convscope;
namespace fx = onnx_fixtures;

namespace {

QJsonObject read_json(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).object();
}

// Every layer's maps.npy of a `run --format npy` into `dir`, in layer order.
QStringList layer_arrays(const QString& dir) {
    QStringList files;
    for (const auto& layer : read_json(dir + QStringLiteral("/manifest.json"))
                                 .value(QStringLiteral("layers"))
                                 .toArray())
        for (const auto& f : layer.toObject().value(QStringLiteral("files")).toArray())
            if (f.toString().endsWith(QLatin1String("maps.npy")))
                files << dir + QLatin1Char('/') + f.toString();
    return files;
}

// A maps.npy (C, H, W) as a tensor.
Tensor read_maps(const QString& file) {
    const NpyArray a = read_npy(file.toStdString());
    if (a.shape.size() != 3)
        return {};
    return Tensor::from_dense(
        {static_cast<int>(a.shape[0]), static_cast<int>(a.shape[1]), static_cast<int>(a.shape[2])},
        a.values);
}

int input_channels(const fx::Model& m) {
    return fx::tensor_shape(read_npy(fx::path(m.input)).shape).channels;
}

// The cases the importer refuses or maps only in part (see test_onnx_import.cpp).
bool fully_imported(const fx::Model& m) {
    return m.case_name != QLatin1String("maxpool_dilation") &&
           m.case_name != QLatin1String("softmax_axis1_4d_opset11");
}

// The models `run` can be given an input for: a gray or RGB input (other channel counts wait
// for the pipeline's input to say how many channels it takes).
std::vector<fx::Model> runnable_models() {
    std::vector<fx::Model> models;
    for (const fx::Model& m : fx::models())
        if (fully_imported(m) && (input_channels(m) == 1 || input_channels(m) == 3))
            models.push_back(m);
    return models;
}

} // namespace

class TestOnnxCli : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void run_matches_pytorch_data();
    void run_matches_pytorch();
    void import_then_run_gives_the_same_arrays_data();
    void import_then_run_gives_the_same_arrays();
    void info_matches_torchinfo();
    void bad_models_fail_in_one_line_data();
    void bad_models_fail_in_one_line();
    void until_and_strict_choose_where_the_import_ends();
    void bundled_photo_network_matches_its_reference();
    void metadata_mean_and_std_prepare_the_input_as_in_the_app();
    void help_documents_the_model_options();
};

void TestOnnxCli::run_matches_pytorch_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected");
    QTest::addColumn<QString>("backend");
    const auto models = runnable_models();
    if (models.size() < 80)
        QTest::newRow("too few models") << QString() << QString() << QString() << QString();
    for (const fx::Model& m : models) {
        // Every model on the fast backend (the default); the networks on the naive one too
        // (test_onnx_import runs every model on both in process).
        QStringList backends{QStringLiteral("fast")};
        if (m.file.endsWith(QLatin1String("/opset13.onnx")) &&
            (m.case_name.startsWith(QLatin1String("resnet")) ||
             m.case_name.startsWith(QLatin1String("mobilenet")) ||
             m.case_name == QLatin1String("classifier_head")))
            backends << QStringLiteral("naive");
        for (const QString& backend : backends)
            QTest::addRow("%s/%s", qPrintable(m.file), qPrintable(backend))
                << m.file << m.input << m.outputs.back().file << backend;
    }
}

void TestOnnxCli::run_matches_pytorch() {
    QFETCH(QString, model);
    QFETCH(QString, input);
    QFETCH(QString, expected);
    QFETCH(QString, backend);
    if (model.isEmpty())
        QFAIL("fewer than 80 models in the manifest can run through the CLI");
    QTemporaryDir out;
    const CliResult r = run_cli({"run", "--image", QString::fromStdString(fx::path(input)),
                                 "--pipeline", QString::fromStdString(fx::path(model)), "--out",
                                 out.path(), "--format", "npy", "--backend", backend});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    const QStringList arrays = layer_arrays(out.path());
    QVERIFY(!arrays.isEmpty());
    const QString diff = fx::compare(read_maps(arrays.back()), fx::path(expected));
    QVERIFY2(diff.isEmpty(), qPrintable(arrays.back() + QStringLiteral(": ") + diff));
}

void TestOnnxCli::import_then_run_gives_the_same_arrays_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("input");
    for (const fx::Model& m : runnable_models())
        if (m.file.endsWith(QLatin1String("/opset13.onnx")) ||
            m.file.endsWith(QLatin1String("/opset6.onnx")))
            QTest::newRow(qPrintable(m.file)) << m.file << m.input;
}

// The pipeline file `import` writes is the model: running it gives the arrays running the
// model gives, bit for bit.
void TestOnnxCli::import_then_run_gives_the_same_arrays() {
    QFETCH(QString, model);
    QFETCH(QString, input);
    QTemporaryDir dir;
    const QString json = dir.filePath(QStringLiteral("model.json"));
    const CliResult imported =
        run_cli({"import", QString::fromStdString(fx::path(model)), "--out", json});
    if (imported.exit_code == 1 && imported.err.contains(QLatin1String("cannot hold layer")))
        QSKIP(qPrintable(QStringLiteral("pipeline files of this version cannot hold it yet: ") +
                         imported.err.trimmed()));
    QVERIFY2(imported.exit_code == 0, qPrintable(imported.err));
    QVERIFY2(imported.out.startsWith(QLatin1String("Imported ")), qPrintable(imported.out));

    const QString image = QString::fromStdString(fx::path(input));
    const QString direct = dir.filePath(QStringLiteral("direct"));
    const QString via_json = dir.filePath(QStringLiteral("json"));
    for (const auto& [pipeline, out] :
         {std::pair{QString::fromStdString(fx::path(model)), direct}, std::pair{json, via_json}}) {
        const CliResult r = run_cli({"run", "--image", image, "--pipeline", pipeline, "--out", out,
                                     "--format", "npy", "--backend", "naive"});
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    }
    const QStringList a = layer_arrays(direct);
    const QStringList b = layer_arrays(via_json);
    QCOMPARE(a.size(), b.size());
    QVERIFY(!a.isEmpty());
    for (int i = 0; i < a.size(); ++i) {
        QFile fa(a[i]), fb(b[i]);
        QVERIFY(fa.open(QIODevice::ReadOnly) && fb.open(QIODevice::ReadOnly));
        QVERIFY2(fa.readAll() == fb.readAll(), qPrintable(a[i]));
    }
}

// The info table of a ResNet-18 trunk against torchinfo's rows (tests/fixtures/onnx/
// resnet18_summary.json): every module call is a layer, in order, with its output shape and
// parameter count, and the totals agree.
void TestOnnxCli::info_matches_torchinfo() {
    const QJsonObject trunk = read_json(fx::dir() + QStringLiteral("/resnet18_summary.json"))
                                  .value(QStringLiteral("variants"))
                                  .toObject()
                                  .value(QStringLiteral("trunk"))
                                  .toObject();
    struct Row {
        QString shape;
        long long params;
    };
    std::vector<Row> expected;
    for (const auto& v : trunk.value(QStringLiteral("modules")).toArray()) {
        const QJsonObject o = v.toObject();
        const QString type = o.value(QStringLiteral("type")).toString();
        if (type == QLatin1String("Sequential") || type == QLatin1String("BasicBlock"))
            continue;
        QStringList dims;
        const QJsonArray shape = o.value(QStringLiteral("output_shape")).toArray();
        for (int i = 1; i < shape.size(); ++i) // without the batch
            dims << QString::number(shape[i].toInt());
        expected.push_back({QLatin1Char('[') + dims.join(QStringLiteral(", ")) + QLatin1Char(']'),
                            static_cast<long long>(o.value(QStringLiteral("params")).toDouble())});
    }
    QCOMPARE(expected.size(), std::size_t{58}); // the leaves: convs, batch norms, ReLUs, the pool

    QTemporaryDir dir;
    const QString model = dir.filePath(QStringLiteral("resnet18.onnx"));
    write_resnet18_onnx(model.toStdString());
    const CliResult r = run_cli({"info", "--pipeline", model});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    QVERIFY2(r.err.isEmpty(), qPrintable(r.err));

    // Rows: index, layer, type, inputs, output shape, params, FLOPs, receptive field.
    std::size_t row = 0;
    int adds = 0;
    for (const QString& line : r.out.split(QLatin1Char('\n'))) {
        const QStringList cells =
            line.trimmed().split(QRegularExpression(QStringLiteral("\\s{2,}")));
        if (cells.size() != 8 || cells[0] == QLatin1String("#"))
            continue;
        if (cells[2] == QLatin1String("add")) {
            ++adds;
            continue;
        }
        QVERIFY2(row < expected.size(), qPrintable(line));
        QVERIFY2(cells[4] == expected[row].shape,
                 qPrintable(line + QStringLiteral(" (torchinfo ") + expected[row].shape + ")"));
        QVERIFY2(cells[5].toLongLong() == expected[row].params,
                 qPrintable(line + QStringLiteral(" (torchinfo %1)").arg(expected[row].params)));
        ++row;
    }
    QCOMPARE(row, expected.size());
    QCOMPARE(adds, 8);
    QVERIFY2(r.out.contains(QLatin1String("Total: 11,176,512 parameters")), qPrintable(r.out));
    QVERIFY(r.out.contains(QLatin1String("/layer4/layer4.1/relu_1/Relu")));
    QVERIFY(r.out.contains(QLatin1String("[3, 224, 224]")));
    // The stem's receptive field: conv1 7×7 then a 3×3 max pool of stride 2.
    QVERIFY2(r.out.contains(QRegularExpression(QStringLiteral("/maxpool/MaxPool .* 11×11"))),
             qPrintable(r.out));
}

void TestOnnxCli::bad_models_fail_in_one_line_data() {
    QTest::addColumn<QString>("file");
    for (const auto& b : fx::manifest().value(QStringLiteral("bad")).toArray()) {
        const QString file = b.toObject().value(QStringLiteral("file")).toString();
        if (!b.toObject().contains(QStringLiteral("prefix_until"))) // unsupported_*: they import
            QTest::newRow(qPrintable(file)) << file;
    }
}

void TestOnnxCli::bad_models_fail_in_one_line() {
    QFETCH(QString, file);
    const QString path = QString::fromStdString(fx::path(file));
    for (const char* command : {"run", "import"}) { // info reads models as run does
        QTemporaryDir dir;
        QStringList args{QString::fromLatin1(command)};
        if (QLatin1String(command) == QLatin1String("import"))
            args << path << "--out" << dir.filePath(QStringLiteral("model.json"));
        else
            args << "--pipeline" << path;
        if (QLatin1String(command) == QLatin1String("run"))
            args << "--out" << dir.path();
        const CliResult r = run_cli(args);
        QVERIFY2(r.exit_code == 1, qPrintable(QStringLiteral("%1: exit %2: %3")
                                                  .arg(QLatin1String(command))
                                                  .arg(r.exit_code)
                                                  .arg(r.err)));
        QVERIFY(r.out.isEmpty());
        QCOMPARE(r.err.count(QLatin1Char('\n')), 1);
        QVERIFY2(r.err.startsWith(QStringLiteral("convscope-cli: ") + path + QStringLiteral(": ")),
                 qPrintable(r.err));
        QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("model.json"))));
    }
}

void TestOnnxCli::until_and_strict_choose_where_the_import_ends() {
    const QString model =
        QString::fromStdString(fx::path(QStringLiteral("bad/unsupported_lrn.onnx")));
    const QString input =
        QString::fromStdString(fx::path(QStringLiteral("bad/unsupported_input.npy")));
    const std::string prefix = fx::path(QStringLiteral("bad/unsupported_prefix_relu1.npy"));
    QTemporaryDir dir;

    // By default: the part before LRN, with a warning that names the node and what to do.
    CliResult r = run_cli({"run", "--image", input, "--pipeline", model, "--out", dir.filePath("a"),
                           "--format", "npy"});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    QVERIFY2(r.err.contains(QLatin1String("warning")) &&
                 r.err.contains(QLatin1String("node 'lrn1' (LRN)")) &&
                 r.err.contains(QLatin1String("--until")),
             qPrintable(r.err));
    QStringList arrays = layer_arrays(dir.filePath("a"));
    QCOMPARE(arrays.size(), 2);
    QVERIFY(fx::compare(read_maps(arrays.back()), prefix).isEmpty());

    // --until: the same part, asked for, without a warning.
    r = run_cli({"run", "--image", input, "--pipeline", model, "--out", dir.filePath("b"),
                 "--format", "npy", "--until", "relu1"});
    QVERIFY2(r.exit_code == 0 && r.err.isEmpty(), qPrintable(r.err));
    QCOMPARE(layer_arrays(dir.filePath("b")).size(), 2);
    r = run_cli({"run", "--image", input, "--pipeline", model, "--out", dir.filePath("c"),
                 "--format", "npy", "--until", "conv1"});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    QCOMPARE(layer_arrays(dir.filePath("c")).size(), 1);

    // --strict: refused, in one line.
    r = run_cli({"import", model, "--out", dir.filePath("m.json"), "--strict"});
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains(QLatin1String("node 'lrn1' (LRN) cannot be imported")),
             qPrintable(r.err));
    QCOMPARE(r.err.count(QLatin1Char('\n')), 1);

    // Model options on a pipeline file are a usage error.
    r = run_cli({"info", "--pipeline",
                 QStringLiteral(CONVSCOPE_RESOURCES_DIR "/pipelines/default.json"), "--until",
                 "x"});
    QCOMPARE(r.exit_code, 2);
    QVERIFY2(r.err.contains(QLatin1String("apply to ONNX models")), qPrintable(r.err));
    r = run_cli({"import", "--out", dir.filePath("m.json")});
    QCOMPARE(r.exit_code, 2);
}

// The trained network in resources/models runs through the CLI to its reference output. Its
// metadata says the network reads x - mean (input_mean): the reference is the graph's output on
// input.npy, so the CLI is given input.npy + mean.
void TestOnnxCli::bundled_photo_network_matches_its_reference() {
    const QString model = QStringLiteral(CONVSCOPE_RESOURCES_DIR
                                         "/models/face-recognition/face_recognition_trunk.onnx");
    const OnnxImport imported = import_onnx(model.toStdString());
    const std::string* mean_text = imported.model.property("input_mean");
    QVERIFY(mean_text);
    const QJsonArray mean = QJsonDocument::fromJson(QByteArray::fromStdString(*mean_text)).array();
    QCOMPARE(mean.size(), 3);
    Tensor input = fx::read_tensor(fx::path(QStringLiteral("face_recognition_trunk/input.npy")));
    for (int c = 0; c < input.channels(); ++c)
        for (int y = 0; y < input.height(); ++y)
            for (int x = 0; x < input.width(); ++x)
                input.at(c, y, x) += float(mean[c].toDouble());
    QTemporaryDir dir;
    const QString shifted = dir.filePath(QStringLiteral("input_plus_mean.npy"));
    write_npy(shifted.toStdString(), input);
    const QString out = dir.filePath(QStringLiteral("maps"));
    const CliResult r =
        run_cli({"run", "--image", shifted, "--pipeline", model, "--out", out, "--format", "npy"});
    QVERIFY2(r.exit_code == 0 && r.err.isEmpty(), qPrintable(r.err));
    const QStringList arrays = layer_arrays(out);
    QVERIFY(!arrays.isEmpty());
    const QString diff = fx::compare(
        read_maps(arrays.back()), fx::path(QStringLiteral("face_recognition_trunk/conv64_3.npy")));
    QVERIFY2(diff.isEmpty(), qPrintable(diff));
}

// A model whose metadata states input_mean and input_std (the classifier fixture, tagged here):
// `run`, `info` and `import` prepare the input as the app does (apply_input_metadata, the one
// owner both call): the maps are the graph's on (x - mean) / std, which test_models_gui checks
// the app's pipeline against.
void TestOnnxCli::metadata_mean_and_std_prepare_the_input_as_in_the_app() {
    QFile original(
        QString::fromStdString(fx::path(QStringLiteral("classifier_head/opset13.onnx"))));
    QVERIFY(original.open(QIODevice::ReadOnly));
    QByteArray bytes = original.readAll();
    const auto add_property = [&bytes](const QByteArray& key, const QByteArray& value) {
        bytes = fx::withMetadata(bytes, key, value);
    };
    add_property("input_mean", "[0.125, 0.5, -0.25]");
    add_property("input_std", "[0.5, 0.25, 2]");
    QTemporaryDir dir;
    const QString model = dir.filePath(QStringLiteral("tagged.onnx"));
    {
        QFile file(model);
        QVERIFY(file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size());
    }
    const QString image =
        QString::fromStdString(fx::path(QStringLiteral("classifier_head/input.npy")));

    // The reference: the graph as imported, the normalisation set by hand.
    Pipeline expected = import_onnx(model.toStdString()).pipeline;
    QVERIFY(expected.normalization.identity()); // the import maps the graph only
    Pipeline raw = expected;
    expected.normalization.mean = {0.125f, 0.5f, -0.25f};
    expected.normalization.std_dev = {0.5f, 0.25f, 2.0f};
    const Tensor input = fx::read_tensor(fx::path(QStringLiteral("classifier_head/input.npy")));
    const auto backend = make_backend(BackendKind::Naive);
    const Tensor want = *backend->run(expected, input).layers.back().output;
    const Tensor unprepared = *backend->run(raw, input).layers.back().output;
    QVERIFY(want.to_dense() != unprepared.to_dense()); // the normalisation shows in the scores

    const QString out = dir.filePath(QStringLiteral("maps"));
    CliResult r = run_cli({"run", "--image", image, "--pipeline", model, "--out", out, "--format",
                           "npy", "--backend", "naive"});
    QVERIFY2(r.exit_code == 0 && r.err.isEmpty(), qPrintable(r.err));
    const QStringList arrays = layer_arrays(out);
    QVERIFY(!arrays.isEmpty());
    QCOMPARE(read_maps(arrays.back()).to_dense(), want.to_dense());
    // The manifest states the input preparation with the model's reference.
    const QJsonObject input_settings = read_json(out + QStringLiteral("/manifest.json"))
                                           .value(QStringLiteral("pipeline"))
                                           .toObject()
                                           .value(QStringLiteral("input"))
                                           .toObject();
    QVERIFY2(QJsonDocument(input_settings).toJson().contains("0.125"),
             QJsonDocument(input_settings).toJson().constData());

    r = run_cli({"info", "--pipeline", model});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains(QLatin1String(
                 "Prepared: (x - mean) / std, mean [0.125, 0.5, -0.25], std [0.5, 0.25, 2]")),
             qPrintable(r.out));

    const QString json = dir.filePath(QStringLiteral("tagged.json"));
    r = run_cli({"import", model, "--out", json});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    QCOMPARE(load_pipeline(json.toStdString()).normalization, expected.normalization);

    // Unusable metadata is one warning naming the key, and the image runs as it is.
    bytes = original.seek(0) ? original.readAll() : QByteArray();
    add_property("input_std", "[0, 1, 1]");
    {
        QFile file(model);
        QVERIFY(file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size());
    }
    r = run_cli({"info", "--pipeline", model});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    QVERIFY2(r.err.contains(QLatin1String("metadata \"input_std\" is not a list of positive")),
             qPrintable(r.err));
    QVERIFY(!r.out.contains(QLatin1String("Prepared:")));
}

void TestOnnxCli::help_documents_the_model_options() {
    const CliResult overview = run_cli({"--help"});
    for (const char* s : {"import", "--until", "--strict", "ONNX"})
        QVERIFY2(overview.out.contains(QLatin1String(s)), s);
    for (const char* command : {"run", "info", "import"}) {
        const CliResult help = run_cli({QString::fromLatin1(command), "--help"});
        QCOMPARE(help.exit_code, 0);
        for (const char* s : {"--until", "--strict", "Example"})
            QVERIFY2(help.out.contains(QLatin1String(s)),
                     qPrintable(QString::fromLatin1(command) + " " + s));
    }
}

QTEST_APPLESS_MAIN(TestOnnxCli)
#include "test_onnx_cli.moc"
