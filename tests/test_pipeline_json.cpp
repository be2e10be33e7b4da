// Pipeline files: round trips, int-or-pair parameters, the shipped example pipelines, and the
// strict parser's errors (each must name the layer index and the field).

#include "support/tensors.hpp"

#include "convscope/image_io.hpp"
#include "convscope/pipeline.hpp"
#include "convscope/pipeline_json.hpp"

#include <QtTest/QtTest>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include <string>
#include <vector>

using namespace convscope;

namespace {

// A valid file: layer 0 is a ReLU, layer 1 is whatever `layer1` holds.
QByteArray doc_with_layer1(const QByteArray& layer1) {
    return R"({"format": "convscope-pipeline", "version": 1, "input": {"mode": "gray"},
               "layers": [{"type": "relu"}, )" +
           layer1 + "]}";
}

const QByteArray kGoodConv = R"({"type": "conv", "weights": [[[[1, 0, -1]]]], "stride": 2})";

// Weights 0.1 · i − 0.35: every value different, and exact in JSON.
Conv2d make_conv(int out, int in, int kh, int kw) {
    std::vector<float> weights(static_cast<std::size_t>(out) * in * kh * kw);
    for (std::size_t i = 0; i < weights.size(); ++i)
        weights[i] = 0.1f * static_cast<float>(i) - 0.35f;
    return test::make_conv(out, in, kh, kw, std::move(weights));
}

// A pipeline that uses every layer type and every option.
Pipeline full_pipeline() {
    Pipeline p;
    p.input_mode = InputMode::Rgb;
    p.description = "every layer type, every option";

    Conv2d a = make_conv(4, 3, 3, 3);
    a.bias = {0.5f, -0.25f, 0.1f, 1e-7f};
    a.padding = ConvPadding::same();
    a.padding_mode = PaddingMode::Reflect;
    p.layers.push_back(Layer{"edges", true, a});
    p.layers.push_back(Layer{"", true, Activation{ActivationKind::ReLU, 0.01f}});

    Conv2d b = make_conv(4, 2, 2, 5);
    b.stride = {2, 1};
    b.padding = ConvPadding::explicit_size({1, 2});
    b.padding_mode = PaddingMode::Circular;
    b.dilation = {1, 2};
    b.groups = 2;
    p.layers.push_back(Layer{"grouped", false, b});

    Pool2d max;
    max.kind = PoolKind::Max;
    max.kernel_size = {3, 2};
    max.stride = {1, 2};
    max.padding = {1, 0};
    max.ceil_mode = true;
    p.layers.push_back(Layer{"max", true, max});

    Pool2d avg;
    avg.kind = PoolKind::Avg;
    avg.kernel_size = {2, 2};
    avg.stride = {2, 2};
    avg.count_include_pad = false;
    p.layers.push_back(Layer{"", true, avg});

    p.layers.push_back(Layer{"leaky", true, Activation{ActivationKind::LeakyReLU, 0.2f}});

    Conv2d c = make_conv(1, 4, 1, 1);
    c.padding = ConvPadding::valid();
    c.padding_mode = PaddingMode::Replicate;
    p.layers.push_back(Layer{"mix", true, c});
    p.layers.push_back(Layer{"", true, Activation{ActivationKind::Sigmoid, 0.01f}});
    p.layers.push_back(Layer{"squash", true, Activation{ActivationKind::Tanh, 0.01f}});
    return p;
}

bool write_file(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    return f.write(bytes) == bytes.size();
}

QString resources_dir() {
    return QStringLiteral(CONVSCOPE_RESOURCES_DIR);
}

QStringList example_pipelines() {
    const QDir dir(resources_dir() + "/pipelines");
    QStringList paths;
    for (const QString& name : dir.entryList({"*.json"}, QDir::Files, QDir::Name))
        paths << dir.filePath(name);
    return paths;
}

} // namespace

class TestPipelineJson : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void serializeThenParseGivesEqualPipeline();
    void saveThenLoadGivesEqualPipeline();
    void intAndPairParametersBothAccepted();
    void poolStrideDefaultsToKernelSize();
    void optionalFieldsTakePyTorchDefaults();
    void examplePipelinesExist();
    void examplePipelineLoadsAndValidates_data();
    void examplePipelineLoadsAndValidates();
    void badFileIsRejectedNamingLayerAndField_data();
    void badFileIsRejectedNamingLayerAndField();
    void parsedPipelineFailingShapeCheckNamesLayer_data();
    void parsedPipelineFailingShapeCheckNamesLayer();
    void loadMissingFileThrowsIoErrorNamingFile();
};

void TestPipelineJson::serializeThenParseGivesEqualPipeline() {
    const Pipeline original = full_pipeline();
    const std::string text = serialize_pipeline(original);
    QVERIFY(!text.empty());
    const Pipeline parsed = parse_pipeline(text);
    QCOMPARE(parsed.layers.size(), original.layers.size());
    for (std::size_t i = 0; i < original.layers.size(); ++i)
        QVERIFY2(parsed.layers[i] == original.layers[i], qPrintable(QString("layer %1").arg(i)));
    QVERIFY(parsed == original);
    // Serializing again gives the same text (stable output).
    QCOMPARE(serialize_pipeline(parsed), text);
}

void TestPipelineJson::saveThenLoadGivesEqualPipeline() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath("saved.json").toStdString();
    const Pipeline original = full_pipeline();
    save_pipeline(path, original);
    QVERIFY(QFileInfo(QString::fromStdString(path)).size() > 0);
    QVERIFY(load_pipeline(path) == original);

    // An empty pipeline round-trips too.
    const Pipeline empty;
    save_pipeline(path, empty);
    QVERIFY(load_pipeline(path) == empty);
}

void TestPipelineJson::intAndPairParametersBothAccepted() {
    const Pipeline p = parse_pipeline(R"({
        "format": "convscope-pipeline", "version": 1, "input": {"mode": "gray"},
        "layers": [
            {"type": "conv", "weights": [[[[1, 2], [3, 4]]]], "stride": 2, "padding": 1,
             "dilation": 3},
            {"type": "conv", "weights": [[[[1, 2], [3, 4]]]], "stride": [2, 1],
             "padding": [0, 2], "dilation": [1, 2]},
            {"type": "maxpool", "kernel_size": 3, "stride": [1, 2], "padding": [1, 0]},
            {"type": "avgpool", "kernel_size": [2, 4], "stride": 3, "padding": 1}
        ]})");
    QCOMPARE(p.layers.size(), std::size_t{4});
    const auto& c0 = std::get<Conv2d>(p.layers[0].op);
    QVERIFY(c0.stride == (Pair{2, 2}));
    QVERIFY(c0.padding == ConvPadding::explicit_size({1, 1}));
    QVERIFY(c0.dilation == (Pair{3, 3}));
    QCOMPARE(c0.weights.out_channels, 1);
    QCOMPARE(c0.weights.in_channels, 1);
    QCOMPARE(c0.weights.kernel_h, 2);
    QCOMPARE(c0.weights.kernel_w, 2);
    QCOMPARE(c0.weights.values, (std::vector<float>{1, 2, 3, 4}));
    const auto& c1 = std::get<Conv2d>(p.layers[1].op);
    QVERIFY(c1.stride == (Pair{2, 1}));
    QVERIFY(c1.padding == ConvPadding::explicit_size({0, 2}));
    QVERIFY(c1.dilation == (Pair{1, 2}));
    const auto& m = std::get<Pool2d>(p.layers[2].op);
    QVERIFY(m.kind == PoolKind::Max);
    QVERIFY(m.kernel_size == (Pair{3, 3}));
    QVERIFY(m.stride == (Pair{1, 2}));
    QVERIFY(m.padding == (Pair{1, 0}));
    const auto& a = std::get<Pool2d>(p.layers[3].op);
    QVERIFY(a.kind == PoolKind::Avg);
    QVERIFY(a.kernel_size == (Pair{2, 4}));
    QVERIFY(a.stride == (Pair{3, 3}));
    QVERIFY(a.padding == (Pair{1, 1}));
}

void TestPipelineJson::poolStrideDefaultsToKernelSize() {
    const Pipeline p = parse_pipeline(R"({"format": "convscope-pipeline", "version": 1,
        "layers": [{"type": "maxpool", "kernel_size": [3, 2]}]})");
    QCOMPARE(p.layers.size(), std::size_t{1});
    const auto& pool = std::get<Pool2d>(p.layers[0].op);
    QVERIFY(pool.stride == (Pair{3, 2}));
    QVERIFY(pool.padding == (Pair{0, 0}));
    QVERIFY(!pool.ceil_mode);
    QVERIFY(pool.count_include_pad);
}

void TestPipelineJson::optionalFieldsTakePyTorchDefaults() {
    const Pipeline p = parse_pipeline(R"({"format": "convscope-pipeline", "version": 1,
        "input": {"mode": "rgb"},
        "layers": [{"type": "conv", "weights": [[[[1]], [[2]], [[3]]]]},
                   {"type": "leaky_relu"}]})");
    QVERIFY(p.input_mode == InputMode::Rgb);
    QCOMPARE(p.layers.size(), std::size_t{2});
    QVERIFY(p.layers[0].enabled);
    const auto& conv = std::get<Conv2d>(p.layers[0].op);
    QCOMPARE(conv.weights.in_channels, 3);
    QVERIFY(conv.bias.empty());
    QVERIFY(conv.stride == (Pair{1, 1}));
    QVERIFY(conv.padding == ConvPadding::explicit_size({0, 0}));
    QVERIFY(conv.padding_mode == PaddingMode::Zeros);
    QVERIFY(conv.dilation == (Pair{1, 1}));
    QCOMPARE(conv.groups, 1);
    const auto& act = std::get<Activation>(p.layers[1].op);
    QVERIFY(act.kind == ActivationKind::LeakyReLU);
    QCOMPARE(act.negative_slope, 0.01f);
}

void TestPipelineJson::examplePipelinesExist() {
    QVERIFY2(example_pipelines().size() >= 4,
             qPrintable("found only " + QString::number(example_pipelines().size()) +
                        " pipelines in " + resources_dir() + "/pipelines"));
}

void TestPipelineJson::examplePipelineLoadsAndValidates_data() {
    QTest::addColumn<QString>("path");
    for (const QString& path : example_pipelines())
        QTest::newRow(qPrintable(QFileInfo(path).fileName())) << path;
}

void TestPipelineJson::examplePipelineLoadsAndValidates() {
    QFETCH(QString, path);
    Pipeline p;
    try {
        p = load_pipeline(path.toStdString());
    } catch (const std::exception& e) {
        QFAIL(e.what());
    }
    QVERIFY2(!p.layers.empty(), "an example pipeline without layers");
    const Shape input{channel_count(p.input_mode), 64, 64};
    try {
        const std::vector<Shape> shapes = infer_shapes(p, input);
        QCOMPARE(shapes.size(), p.layers.size());
        for (const Shape& s : shapes)
            QVERIFY(!s.empty());
    } catch (const PipelineError& e) {
        QFAIL(e.what());
    }
    // And each example survives a round trip.
    QVERIFY(parse_pipeline(serialize_pipeline(p)) == p);
}

void TestPipelineJson::badFileIsRejectedNamingLayerAndField_data() {
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<int>("layer");
    QTest::addColumn<QStringList>("fragments");

    QTest::newRow("bad JSON syntax (missing bracket)")
        << QByteArray(R"({"format": "convscope-pipeline", "version": 1, "layers": [)") << -1
        << QStringList{"JSON"};
    QTest::newRow("bad JSON syntax (trailing comma)")
        << QByteArray(R"({"format": "convscope-pipeline", "version": 1, "layers": [],})") << -1
        << QStringList{"JSON"};
    QTest::newRow("top level is not an object")
        << QByteArray("[1, 2, 3]") << -1 << QStringList{"format"};
    QTest::newRow("wrong format") << QByteArray(
                                         R"({"format": "keras-model", "version": 1, "layers": []})")
                                  << -1 << QStringList{"format", "keras-model"};
    QTest::newRow("missing format")
        << QByteArray(R"({"version": 1, "layers": []})") << -1 << QStringList{"format"};
    QTest::newRow("unsupported version")
        << QByteArray(R"({"format": "convscope-pipeline", "version": 2, "layers": []})") << -1
        << QStringList{"version", "2"};
    QTest::newRow("top-level unknown field")
        << QByteArray(
               R"({"format": "convscope-pipeline", "version": 1, "layers": [], "extras": 1})")
        << -1 << QStringList{"extras"};
    QTest::newRow("unknown input mode")
        << QByteArray(R"({"format": "convscope-pipeline", "version": 1,
                          "input": {"mode": "bgr"}, "layers": []})")
        << -1 << QStringList{"bgr"};
    QTest::newRow("layer unknown field (typo strde)")
        << doc_with_layer1(R"({"type": "conv", "weights": [[[[1]]]], "strde": 2})") << 1
        << QStringList{"layer 1", "strde"};
    QTest::newRow("wrong type (stride \"two\")")
        << doc_with_layer1(R"({"type": "conv", "weights": [[[[1]]]], "stride": "two"})") << 1
        << QStringList{"layer 1", "stride"};
    QTest::newRow("wrong type (ceil_mode 1)")
        << doc_with_layer1(R"({"type": "maxpool", "kernel_size": 2, "ceil_mode": 1})") << 1
        << QStringList{"layer 1", "ceil_mode"};
    QTest::newRow("wrong type (fractional stride 1.5)")
        << doc_with_layer1(R"({"type": "conv", "weights": [[[[1]]]], "stride": 1.5})") << 1
        << QStringList{"layer 1", "stride"};
    QTest::newRow("negative kernel_size")
        << doc_with_layer1(R"({"type": "maxpool", "kernel_size": -1})") << 1
        << QStringList{"layer 1", "kernel_size"};
    QTest::newRow("zero stride") << doc_with_layer1(
                                        R"({"type": "conv", "weights": [[[[1]]]], "stride": 0})")
                                 << 1 << QStringList{"layer 1", "stride"};
    QTest::newRow("zero in a stride pair")
        << doc_with_layer1(R"({"type": "avgpool", "kernel_size": 2, "stride": [1, 0]})") << 1
        << QStringList{"layer 1", "stride"};
    QTest::newRow("negative padding")
        << doc_with_layer1(R"({"type": "conv", "weights": [[[[1]]]], "padding": -1})") << 1
        << QStringList{"layer 1", "padding"};
    QTest::newRow("zero dilation")
        << doc_with_layer1(R"({"type": "conv", "weights": [[[[1]]]], "dilation": 0})") << 1
        << QStringList{"layer 1", "dilation"};
    QTest::newRow("zero groups") << doc_with_layer1(
                                        R"({"type": "conv", "weights": [[[[1]]]], "groups": 0})")
                                 << 1 << QStringList{"layer 1", "groups"};
    // JSON has no NaN/Infinity literal; 1e999 overflows to infinity. The parser meets it while
    // reading the JSON text, so only the number itself can be named reliably.
    QTest::newRow("non-finite weight (1e999)")
        << doc_with_layer1(R"({"type": "conv", "weights": [[[[1, 1e999, 0]]]]})") << -1
        << QStringList{"finite", "1e999"};
    QTest::newRow("non-finite weight (string NaN)")
        << doc_with_layer1(R"({"type": "conv", "weights": [[[[1, "NaN", 0]]]]})") << 1
        << QStringList{"layer 1", "weights"};
    QTest::newRow("non-finite bias (1e999)")
        << doc_with_layer1(R"({"type": "conv", "weights": [[[[1]]]], "bias": [-1e999]})") << -1
        << QStringList{"finite"};
    QTest::newRow("ragged weights (rows of different length)")
        << doc_with_layer1(R"({"type": "conv", "weights": [[[[1, 0, -1], [1, 0]]]]})") << 1
        << QStringList{"layer 1", "weights"};
    QTest::newRow("weights nested too shallow")
        << doc_with_layer1(R"({"type": "conv", "weights": [[1, 0, -1]]})") << 1
        << QStringList{"layer 1", "weights"};
    QTest::newRow("bias of wrong length")
        << doc_with_layer1(R"({"type": "conv", "weights": [[[[1]]]], "bias": [0, 1]})") << 1
        << QStringList{"layer 1", "bias"};
    QTest::newRow("unknown layer type")
        << doc_with_layer1(R"({"type": "convolution", "weights": [[[[1]]]]})") << 1
        << QStringList{"layer 1", "convolution"};
    QTest::newRow("missing layer type")
        << doc_with_layer1(R"({"weights": [[[[1]]]]})") << 1 << QStringList{"layer 1", "type"};
    QTest::newRow("unknown padding_mode")
        << doc_with_layer1(R"({"type": "conv", "weights": [[[[1]]]], "padding_mode": "mirror"})")
        << 1 << QStringList{"layer 1", "padding_mode"};
    QTest::newRow("unknown padding string")
        << doc_with_layer1(R"({"type": "conv", "weights": [[[[1]]]], "padding": "full"})") << 1
        << QStringList{"layer 1", "padding"};
    QTest::newRow("missing weights") << doc_with_layer1(R"({"type": "conv", "stride": 1})") << 1
                                     << QStringList{"layer 1", "weights"};
    QTest::newRow("missing kernel_size")
        << doc_with_layer1(R"({"type": "avgpool"})") << 1 << QStringList{"layer 1", "kernel_size"};
    QTest::newRow("option of another layer type (count_include_pad on maxpool)")
        << doc_with_layer1(R"({"type": "maxpool", "kernel_size": 2, "count_include_pad": true})")
        << 1 << QStringList{"layer 1", "count_include_pad"};
    QTest::newRow("enabled not a boolean")
        << doc_with_layer1(R"({"type": "relu", "enabled": "yes"})") << 1
        << QStringList{"layer 1", "enabled"};
    QTest::newRow("error in layer 0 names layer 0")
        << QByteArray(R"({"format": "convscope-pipeline", "version": 1,
                          "layers": [{"type": "tanh", "slope": 1}, )" +
                      kGoodConv + "]}")
        << 0 << QStringList{"layer 0", "slope"};
}

void TestPipelineJson::badFileIsRejectedNamingLayerAndField() {
    QFETCH(QByteArray, json);
    QFETCH(int, layer);
    QFETCH(QStringList, fragments);
    QVERIFY(!fragments.isEmpty());

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("bad-pipeline.json");
    QVERIFY(write_file(path, json));

    try {
        (void)load_pipeline(path.toStdString());
        QFAIL("the bad file was accepted");
    } catch (const PipelineError& e) {
        const QString msg = e.what();
        QVERIFY2(msg.contains("bad-pipeline.json"), qPrintable("file not named: " + msg));
        for (const QString& fragment : fragments)
            QVERIFY2(msg.contains(fragment),
                     qPrintable("\"" + fragment + "\" missing from: " + msg));
        QCOMPARE(e.layer_index(), layer);
    } catch (const std::exception& e) {
        QFAIL(qPrintable(QString("expected PipelineError, got: ") + e.what()));
    }

    // parse_pipeline on the text fails the same way.
    QVERIFY_THROWS_EXCEPTION(PipelineError, parse_pipeline(json.toStdString()));
}

void TestPipelineJson::parsedPipelineFailingShapeCheckNamesLayer_data() {
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<int>("layer");
    // Besides "layer N": the input shape when the input is at fault, else the field.
    QTest::addColumn<QString>("fragment");

    // A gray image into a conv that expects 3 input channels.
    QTest::newRow("channel mismatch")
        << doc_with_layer1(R"({"type": "conv", "weights": [[[[1]], [[1]], [[1]]]]})") << 1
        << "[1, 5, 5]";
    // A 7×7 "valid" conv on a 5×5 image.
    QByteArray row = "[0, 0, 0, 0, 0, 0, 0]";
    QByteArray kernel = "[" + row;
    for (int i = 1; i < 7; ++i)
        kernel += ", " + row;
    kernel += "]";
    QTest::newRow("conv shrinks the map to nothing")
        << doc_with_layer1(R"({"type": "conv", "padding": "valid", "weights": [[)" + kernel + "]]}")
        << 1 << "[1, 5, 5]";
    QTest::newRow("pool padding more than half the kernel")
        << doc_with_layer1(R"({"type": "maxpool", "kernel_size": 2, "padding": 2})") << 1
        << "padding";
}

void TestPipelineJson::parsedPipelineFailingShapeCheckNamesLayer() {
    QFETCH(QByteArray, json);
    QFETCH(int, layer);
    QFETCH(QString, fragment);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("shape-check.json");
    QVERIFY(write_file(path, json));

    // The parser takes the file: these are problems of the input's shape, not of the file.
    Pipeline p;
    try {
        p = load_pipeline(path.toStdString());
    } catch (const std::exception& e) {
        QFAIL(e.what());
    }
    QVERIFY(p.input_mode == InputMode::Gray);
    try {
        (void)infer_shapes(p, Shape{1, 5, 5});
        QFAIL("infer_shapes accepted the pipeline");
    } catch (const PipelineError& e) {
        QCOMPARE(e.layer_index(), layer);
        const QString msg = e.what();
        QVERIFY2(msg.contains(QString("layer %1").arg(layer)), e.what());
        QVERIFY2(msg.contains(fragment), e.what());
    }
}

void TestPipelineJson::loadMissingFileThrowsIoErrorNamingFile() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath("no-such-pipeline.json").toStdString();
    try {
        (void)load_pipeline(path);
        QFAIL("a missing file was loaded");
    } catch (const IoError& e) {
        QVERIFY2(QString(e.what()).contains("no-such-pipeline.json"), e.what());
    }
    // A folder is not a pipeline file either.
    bool threw = false;
    try {
        (void)load_pipeline(dir.path().toStdString());
    } catch (const std::exception& e) {
        threw = true;
        QVERIFY2(QString(e.what()).contains(dir.path()), e.what());
    }
    QVERIFY(threw);
}

QTEST_APPLESS_MAIN(TestPipelineJson)
#include "test_pipeline_json.moc"
