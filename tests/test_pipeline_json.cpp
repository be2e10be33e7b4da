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

#include <cmath>
#include <limits>
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

Layer make_layer(std::string name, LayerOp op, std::vector<int> inputs = {}) {
    Layer layer;
    layer.name = std::move(name);
    layer.op = std::move(op);
    layer.inputs = std::move(inputs);
    return layer;
}

Activation activation(ActivationKind kind) {
    Activation act;
    act.kind = kind;
    return act;
}

// A network with every layer type of version 2 and every one of their options, a residual
// add of layers 3 and 7 (indices 2 and 6), a concat of three, and input preparation.
Pipeline full_v2_pipeline() {
    Pipeline p;
    p.input_mode = InputMode::Rgb;
    p.description = "every version 2 layer type and option";
    p.normalization.mean = {0.485f, 0.456f, 0.406f};
    p.normalization.std_dev = {0.229f, 0.224f, 0.225f};
    p.input_size = {224, 200};

    Conv2d conv1 = make_conv(4, 3, 3, 3);
    conv1.padding = ConvPadding::same();
    p.layers.push_back(make_layer("conv1", conv1)); // 1
    BatchNorm2d bn;
    bn.weight = {1.5f, 0.5f, -1.0f, 2.0f};
    bn.bias = {0.1f, 0.0f, -0.2f, 0.3f};
    bn.running_mean = {0.25f, -0.5f, 0.0f, 1.0f};
    bn.running_var = {1.0f, 0.04f, 2.5f, 0.0f};
    bn.eps = 1e-3f;
    p.layers.push_back(make_layer("bn1", bn)); // 2
    Activation prelu = activation(ActivationKind::PReLU);
    prelu.slopes = {0.1f, 0.2f, 0.3f, 0.4f};
    p.layers.push_back(make_layer("prelu", prelu)); // 3
    Activation elu = activation(ActivationKind::ELU);
    elu.alpha = 0.7f;
    p.layers.push_back(make_layer("", elu)); // 4
    Activation hsig = activation(ActivationKind::HardSigmoid);
    hsig.hard_alpha = 0.2f;
    hsig.hard_beta = 0.4f;
    p.layers.push_back(make_layer("", hsig));                                  // 5
    p.layers.push_back(make_layer("", activation(ActivationKind::HardSwish))); // 6
    Activation relu6 = activation(ActivationKind::Clip);
    p.layers.push_back(make_layer("relu6", relu6)); // 7
    Add residual;
    p.layers.push_back(make_layer("residual", residual, {2, 6})); // 8: layers 3 and 7
    Add shifted;
    shifted.constant = {0.5f, -0.5f, 1.0f, 0.0f};
    p.layers.push_back(make_layer("shift", shifted)); // 9
    Add scalar;
    scalar.constant = {3.0f};
    p.layers.push_back(make_layer("", scalar, {kPipelineInput}));            // 10: the input
    p.layers.push_back(make_layer("cat", Concat{}, {8, 0, kPipelineInput})); // 11
    Activation lower = activation(ActivationKind::Clip);
    lower.clip_min = -1.0f;
    lower.clip_max = std::numeric_limits<float>::infinity();
    p.layers.push_back(make_layer("", lower)); // 12
    Pad2d zeros;
    zeros.sides = {1, 2, 0, -1};
    zeros.value = 0.5f;
    p.layers.push_back(make_layer("pad", zeros)); // 13
    Pad2d reflect;
    reflect.sides = {2, 1, 1, 0};
    reflect.mode = PaddingMode::Reflect;
    p.layers.push_back(make_layer("", reflect)); // 14
    Pad2d circular;
    circular.sides = {0, 1, 1, 1};
    circular.mode = PaddingMode::Circular;
    p.layers.push_back(make_layer("", circular)); // 15
    Pad2d replicate;
    replicate.sides = {1, 1, 1, 1};
    replicate.mode = PaddingMode::Replicate;
    Layer disabled = make_layer("off", replicate);
    disabled.enabled = false;
    p.layers.push_back(disabled);                                              // 16
    p.layers.push_back(make_layer("gmax", GlobalPool2d{PoolKind::Max}, {11})); // 17
    p.layers.push_back(make_layer("gap", GlobalPool2d{PoolKind::Avg}, {15}));  // 18
    p.layers.push_back(make_layer("", Flatten{}));                             // 19
    Linear fc;
    fc.in_features = 11;
    fc.out_features = 2;
    for (int i = 0; i < 22; ++i)
        fc.weight.push_back(0.01f * float(i) - 0.1f);
    fc.bias = {0.5f, -0.5f};
    p.layers.push_back(make_layer("fc", fc));      // 20
    p.layers.push_back(make_layer("", Softmax{})); // 21
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
    void examplePipelineSavesByteForByte_data();
    void examplePipelineSavesByteForByte();
    void versionOnePipelineIsWrittenAsVersionOne();
    void versionTwoRoundTrips();
    void versionTwoUsesPeoplesLayerNumbers();
    void versionTwoFieldsTakePyTorchDefaults();
    void badVersionTwoFileIsRejectedNamingLayerAndField_data();
    void badVersionTwoFileIsRejectedNamingLayerAndField();
    void versionTwoShapeErrorsNameLayerAndField_data();
    void versionTwoShapeErrorsNameLayerAndField();
    void hostileFileIsRefusedInOneShortLine_data();
    void hostileFileIsRefusedInOneShortLine();
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
        << QByteArray(R"({"format": "convscope-pipeline", "version": 3, "layers": []})") << -1
        << QStringList{"version", "3"};
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
        << QStringList{"layer 2", "strde"};
    QTest::newRow("wrong type (stride \"two\")")
        << doc_with_layer1(R"({"type": "conv", "weights": [[[[1]]]], "stride": "two"})") << 1
        << QStringList{"layer 2", "stride"};
    QTest::newRow("wrong type (ceil_mode 1)")
        << doc_with_layer1(R"({"type": "maxpool", "kernel_size": 2, "ceil_mode": 1})") << 1
        << QStringList{"layer 2", "ceil_mode"};
    QTest::newRow("wrong type (fractional stride 1.5)")
        << doc_with_layer1(R"({"type": "conv", "weights": [[[[1]]]], "stride": 1.5})") << 1
        << QStringList{"layer 2", "stride"};
    QTest::newRow("negative kernel_size")
        << doc_with_layer1(R"({"type": "maxpool", "kernel_size": -1})") << 1
        << QStringList{"layer 2", "kernel_size"};
    QTest::newRow("zero stride") << doc_with_layer1(
                                        R"({"type": "conv", "weights": [[[[1]]]], "stride": 0})")
                                 << 1 << QStringList{"layer 2", "stride"};
    QTest::newRow("zero in a stride pair")
        << doc_with_layer1(R"({"type": "avgpool", "kernel_size": 2, "stride": [1, 0]})") << 1
        << QStringList{"layer 2", "stride"};
    QTest::newRow("negative padding")
        << doc_with_layer1(R"({"type": "conv", "weights": [[[[1]]]], "padding": -1})") << 1
        << QStringList{"layer 2", "padding"};
    QTest::newRow("zero dilation")
        << doc_with_layer1(R"({"type": "conv", "weights": [[[[1]]]], "dilation": 0})") << 1
        << QStringList{"layer 2", "dilation"};
    QTest::newRow("zero groups") << doc_with_layer1(
                                        R"({"type": "conv", "weights": [[[[1]]]], "groups": 0})")
                                 << 1 << QStringList{"layer 2", "groups"};
    // JSON has no NaN/Infinity literal; 1e999 overflows to infinity. The parser meets it while
    // reading the JSON text, so only the number itself can be named reliably.
    QTest::newRow("non-finite weight (1e999)")
        << doc_with_layer1(R"({"type": "conv", "weights": [[[[1, 1e999, 0]]]]})") << -1
        << QStringList{"finite", "1e999"};
    QTest::newRow("non-finite weight (string NaN)")
        << doc_with_layer1(R"({"type": "conv", "weights": [[[[1, "NaN", 0]]]]})") << 1
        << QStringList{"layer 2", "weights"};
    QTest::newRow("non-finite bias (1e999)")
        << doc_with_layer1(R"({"type": "conv", "weights": [[[[1]]]], "bias": [-1e999]})") << -1
        << QStringList{"finite"};
    QTest::newRow("ragged weights (rows of different length)")
        << doc_with_layer1(R"({"type": "conv", "weights": [[[[1, 0, -1], [1, 0]]]]})") << 1
        << QStringList{"layer 2", "weights"};
    QTest::newRow("weights nested too shallow")
        << doc_with_layer1(R"({"type": "conv", "weights": [[1, 0, -1]]})") << 1
        << QStringList{"layer 2", "weights"};
    QTest::newRow("bias of wrong length")
        << doc_with_layer1(R"({"type": "conv", "weights": [[[[1]]]], "bias": [0, 1]})") << 1
        << QStringList{"layer 2", "bias"};
    QTest::newRow("unknown layer type")
        << doc_with_layer1(R"({"type": "convolution", "weights": [[[[1]]]]})") << 1
        << QStringList{"layer 2", "convolution"};
    QTest::newRow("missing layer type")
        << doc_with_layer1(R"({"weights": [[[[1]]]]})") << 1 << QStringList{"layer 2", "type"};
    QTest::newRow("unknown padding_mode")
        << doc_with_layer1(R"({"type": "conv", "weights": [[[[1]]]], "padding_mode": "mirror"})")
        << 1 << QStringList{"layer 2", "padding_mode"};
    QTest::newRow("unknown padding string")
        << doc_with_layer1(R"({"type": "conv", "weights": [[[[1]]]], "padding": "full"})") << 1
        << QStringList{"layer 2", "padding"};
    QTest::newRow("missing weights") << doc_with_layer1(R"({"type": "conv", "stride": 1})") << 1
                                     << QStringList{"layer 2", "weights"};
    QTest::newRow("missing kernel_size")
        << doc_with_layer1(R"({"type": "avgpool"})") << 1 << QStringList{"layer 2", "kernel_size"};
    QTest::newRow("option of another layer type (count_include_pad on maxpool)")
        << doc_with_layer1(R"({"type": "maxpool", "kernel_size": 2, "count_include_pad": true})")
        << 1 << QStringList{"layer 2", "count_include_pad"};
    QTest::newRow("enabled not a boolean")
        << doc_with_layer1(R"({"type": "relu", "enabled": "yes"})") << 1
        << QStringList{"layer 2", "enabled"};
    QTest::newRow("error in layer index 0 names layer 1")
        << QByteArray(R"({"format": "convscope-pipeline", "version": 1,
                          "layers": [{"type": "tanh", "slope": 1}, )" +
                      kGoodConv + "]}")
        << 0 << QStringList{"layer 1", "slope"};
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
        QVERIFY2(msg.contains(QString("layer %1").arg(layer + 1)), e.what());
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

void TestPipelineJson::examplePipelineSavesByteForByte_data() {
    QTest::addColumn<QString>("path");
    for (const QString& path : example_pipelines())
        QTest::newRow(qPrintable(QFileInfo(path).fileName())) << path;
}

void TestPipelineJson::examplePipelineSavesByteForByte() {
    // Opening a shipped example and saving it changes nothing: same version, same fields, same
    // layout.
    QFETCH(QString, path);
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray original = file.readAll();
    const Pipeline p = load_pipeline(path.toStdString());
    QCOMPARE(pipeline_file_version(p), 1);
    const QByteArray saved = QByteArray::fromStdString(serialize_pipeline(p));
    if (saved != original) {
        int at = 0;
        while (at < saved.size() && at < original.size() && saved[at] == original[at])
            ++at;
        QFAIL(qPrintable(QStringLiteral("differs at byte %1: file \"%2\", saved \"%3\"")
                             .arg(at)
                             .arg(QString::fromUtf8(original.mid(std::max(0, at - 20), 60)))
                             .arg(QString::fromUtf8(saved.mid(std::max(0, at - 20), 60)))));
    }
}

void TestPipelineJson::versionOnePipelineIsWrittenAsVersionOne() {
    const std::string text = serialize_pipeline(full_pipeline());
    QVERIFY2(QString::fromStdString(text).contains(QStringLiteral("\"version\": 1,")),
             text.c_str());
    QVERIFY(!QString::fromStdString(text).contains(QStringLiteral("inputs")));
    // Naming the previous layer explicitly is version 2, even though it changes nothing.
    Pipeline p = full_pipeline();
    p.layers[1].inputs = {0};
    QCOMPARE(pipeline_file_version(p), 2);
    // So is input preparation.
    Pipeline q = full_pipeline();
    q.input_size = {32, 32};
    QCOMPARE(pipeline_file_version(q), 2);
}

void TestPipelineJson::versionTwoRoundTrips() {
    const Pipeline original = full_v2_pipeline();
    // The pipeline itself is valid.
    try {
        const std::vector<Shape> shapes = infer_shapes(original, Shape{3, 12, 14});
        QVERIFY(shapes.back() == (Shape{2, 1, 1}));
    } catch (const PipelineError& e) {
        QFAIL(e.what());
    }
    const std::string text = serialize_pipeline(original);
    QVERIFY2(QString::fromStdString(text).contains(QStringLiteral("\"version\": 2,")),
             text.c_str());
    Pipeline parsed;
    try {
        parsed = parse_pipeline(text);
    } catch (const PipelineError& e) {
        QFAIL(e.what());
    }
    QCOMPARE(parsed.layers.size(), original.layers.size());
    for (std::size_t i = 0; i < original.layers.size(); ++i)
        QVERIFY2(parsed.layers[i] == original.layers[i],
                 qPrintable(QStringLiteral("layer %1").arg(i + 1)));
    QVERIFY(parsed.normalization == original.normalization);
    QVERIFY(parsed.input_size == original.input_size);
    QVERIFY(parsed == original);
    QCOMPARE(serialize_pipeline(parsed), text);

    // Through a file too.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath("v2.json").toStdString();
    save_pipeline(path, original);
    QVERIFY(load_pipeline(path) == original);
}

void TestPipelineJson::versionTwoUsesPeoplesLayerNumbers() {
    // Layers are numbered from 1 in the file, 0 is the input image: the residual add of layers 3
    // and 7 (indices 2 and 6) is written "inputs": [3, 7].
    const QString text = QString::fromStdString(serialize_pipeline(full_v2_pipeline()));
    QVERIFY2(text.contains(QStringLiteral("\"name\": \"residual\",\n      \"inputs\": [3, 7]")),
             qPrintable(text.left(4000)));
    QVERIFY(text.contains(QStringLiteral("\"inputs\": [9, 1, 0]")));
    QVERIFY(text.contains(QStringLiteral("\"mean\": [0.485, 0.456, 0.406]")));
    QVERIFY(text.contains(QStringLiteral("\"size\": [224, 200]")));
    QVERIFY(text.contains(QStringLiteral("\"pad\": [0, -1, 1, 2]")));

    const Pipeline p = parse_pipeline(R"({"format": "convscope-pipeline", "version": 2,
        "input": {"mode": "gray"},
        "layers": [{"type": "relu"}, {"type": "tanh"}, {"type": "sigmoid", "inputs": [1]},
                   {"type": "add", "inputs": [0, 2, 3]}]})");
    QCOMPARE(p.layers[2].inputs, (std::vector<int>{0}));
    QCOMPARE(p.layers[3].inputs, (std::vector<int>{kPipelineInput, 1, 2}));
}

void TestPipelineJson::versionTwoFieldsTakePyTorchDefaults() {
    const Pipeline p = parse_pipeline(R"({"format": "convscope-pipeline", "version": 2,
        "layers": [{"type": "prelu"}, {"type": "elu"}, {"type": "hardsigmoid"},
                   {"type": "clip", "max": 6}, {"type": "clip", "min": 0, "max": null},
                   {"type": "batchnorm", "running_mean": [0, 1], "running_var": [1, 4]},
                   {"type": "pad", "pad": [1, 2]},
                   {"type": "linear", "weight": [[1, 2], [3, 4], [5, 6]]}]})");
    QCOMPARE(p.layers.size(), std::size_t{8});
    const auto& prelu = std::get<Activation>(p.layers[0].op);
    QCOMPARE(prelu.slopes.size(), std::size_t{1});
    QCOMPARE(prelu.slopes[0], 0.25f);
    QCOMPARE(std::get<Activation>(p.layers[1].op).alpha, 1.0f);
    QCOMPARE(std::get<Activation>(p.layers[2].op).hard_alpha, 1.0f / 6.0f);
    QCOMPARE(std::get<Activation>(p.layers[2].op).hard_beta, 0.5f);
    const auto& upper = std::get<Activation>(p.layers[3].op);
    QVERIFY(std::isinf(upper.clip_min) && upper.clip_min < 0);
    QCOMPARE(upper.clip_max, 6.0f);
    const auto& lower = std::get<Activation>(p.layers[4].op);
    QCOMPARE(lower.clip_min, 0.0f);
    QVERIFY(std::isinf(lower.clip_max));
    const auto& bn = std::get<BatchNorm2d>(p.layers[5].op);
    QVERIFY(bn.weight == (std::vector<float>{1, 1}));
    QVERIFY(bn.bias == (std::vector<float>{0, 0}));
    QCOMPARE(bn.eps, 1e-5f);
    const auto& pad = std::get<Pad2d>(p.layers[6].op);
    QVERIFY(pad.sides == (PadSides{0, 0, 1, 2}));
    QVERIFY(pad.mode == PaddingMode::Zeros);
    QCOMPARE(pad.value, 0.0f);
    const auto& fc = std::get<Linear>(p.layers[7].op);
    QCOMPARE(fc.out_features, 3);
    QCOMPARE(fc.in_features, 2);
    QCOMPARE(fc.at(2, 1), 6.0f);
    QVERIFY(fc.bias.empty());
    // Input preparation is optional: none by default.
    QVERIFY(p.normalization.identity());
    QVERIFY(p.input_size == (Pair{0, 0}));
}

namespace {

QByteArray v2_doc(const QByteArray& layers, const QByteArray& input = R"({"mode": "gray"})") {
    return R"({"format": "convscope-pipeline", "version": 2, "input": )" + input +
           R"(, "layers": [)" + layers + "]}";
}

} // namespace

void TestPipelineJson::badVersionTwoFileIsRejectedNamingLayerAndField_data() {
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<int>("layer");
    QTest::addColumn<QStringList>("fragments");

    QTest::newRow("inputs in a version 1 file")
        << doc_with_layer1(R"({"type": "relu", "inputs": [0]})") << 1
        << QStringList{"layer 2", "inputs", "version 2"};
    QTest::newRow("a version 2 layer type in a version 1 file")
        << doc_with_layer1(R"({"type": "batchnorm", "running_mean": [0], "running_var": [1]})") << 1
        << QStringList{"layer 2", "batchnorm", "version 2"};
    QTest::newRow("mean in a version 1 file")
        << QByteArray(R"({"format": "convscope-pipeline", "version": 1,
                          "input": {"mode": "rgb", "mean": [0.5]}, "layers": []})")
        << -1 << QStringList{"mean", "version 2"};
    QTest::newRow("an input from a later layer")
        << v2_doc(R"({"type": "relu"}, {"type": "add", "inputs": [1, 3]}, {"type": "relu"})") << 1
        << QStringList{"layer 2", "inputs", "input 2 is 3", "1 to 1"};
    QTest::newRow("a layer reading itself")
        << v2_doc(R"({"type": "relu"}, {"type": "tanh", "inputs": [2]})") << 1
        << QStringList{"layer 2", "inputs"};
    QTest::newRow("a negative input")
        << v2_doc(R"({"type": "relu", "inputs": [-1]})") << 0 << QStringList{"layer 1", "inputs"};
    QTest::newRow("inputs not an array")
        << v2_doc(R"({"type": "relu", "inputs": 0})") << 0 << QStringList{"layer 1", "inputs"};
    QTest::newRow("empty inputs") << v2_doc(R"({"type": "relu", "inputs": []})") << 0
                                  << QStringList{"layer 1", "inputs"};
    QTest::newRow("fractional input")
        << v2_doc(R"({"type": "relu", "inputs": [0.5]})") << 0 << QStringList{"layer 1", "inputs"};
    QTest::newRow("batchnorm without running_var")
        << v2_doc(R"({"type": "batchnorm", "running_mean": [0]})") << 0
        << QStringList{"layer 1", "running_var"};
    QTest::newRow("batchnorm with vectors of different lengths")
        << v2_doc(R"({"type": "batchnorm", "running_mean": [0, 0], "running_var": [1, 1],
                      "weight": [1, 1, 1]})")
        << 0 << QStringList{"layer 1", "weight", "3"};
    QTest::newRow("batchnorm with a negative variance")
        << v2_doc(R"({"type": "batchnorm", "running_mean": [0], "running_var": [-1]})") << 0
        << QStringList{"layer 1", "running_var"};
    QTest::newRow("batchnorm with a negative eps")
        << v2_doc(R"({"type": "batchnorm", "running_mean": [0], "running_var": [1], "eps": -1})")
        << 0 << QStringList{"layer 1", "eps"};
    QTest::newRow("batchnorm typo (momentum)")
        << v2_doc(R"({"type": "batchnorm", "running_mean": [0], "running_var": [1],
                      "momentum": 0.1})")
        << 0 << QStringList{"layer 1", "momentum"};
    QTest::newRow("prelu weight not numbers")
        << v2_doc(R"({"type": "prelu", "weight": ["a"]})") << 0 << QStringList{"layer 1", "weight"};
    QTest::newRow("prelu empty weight")
        << v2_doc(R"({"type": "prelu", "weight": []})") << 0 << QStringList{"layer 1", "weight"};
    QTest::newRow("negative_slope on elu") << v2_doc(R"({"type": "elu", "negative_slope": 0.1})")
                                           << 0 << QStringList{"layer 1", "negative_slope"};
    QTest::newRow("clip min above max")
        << v2_doc(R"({"type": "clip", "min": 2, "max": 1})") << 0 << QStringList{"layer 1", "min"};
    QTest::newRow("clip with a string bound")
        << v2_doc(R"({"type": "clip", "max": "six"})") << 0 << QStringList{"layer 1", "max"};
    QTest::newRow("pad with three amounts")
        << v2_doc(R"({"type": "pad", "pad": [1, 2, 3]})") << 0 << QStringList{"layer 1", "pad"};
    QTest::newRow("pad without amounts")
        << v2_doc(R"({"type": "pad", "mode": "reflect"})") << 0 << QStringList{"layer 1", "pad"};
    QTest::newRow("pad mode zeros (F.pad says constant)")
        << v2_doc(R"({"type": "pad", "pad": [1, 1], "mode": "zeros"})") << 0
        << QStringList{"layer 1", "mode", "constant"};
    QTest::newRow("pad value with reflect")
        << v2_doc(R"({"type": "pad", "pad": [1, 1], "mode": "reflect", "value": 1})") << 0
        << QStringList{"layer 1", "value"};
    QTest::newRow("linear ragged weight")
        << v2_doc(R"({"type": "linear", "weight": [[1, 2], [3]]})") << 0
        << QStringList{"layer 1", "weight", "ragged"};
    QTest::newRow("linear weight nested too deep")
        << v2_doc(R"({"type": "linear", "weight": [[[1]]]})") << 0
        << QStringList{"layer 1", "weight"};
    QTest::newRow("linear bias of the wrong length")
        << v2_doc(R"({"type": "linear", "weight": [[1, 2]], "bias": [1, 2]})") << 0
        << QStringList{"layer 1", "bias"};
    QTest::newRow("softmax with a dim")
        << v2_doc(R"({"type": "softmax", "dim": 1})") << 0 << QStringList{"layer 1", "dim"};
    QTest::newRow("add constant not an array")
        << v2_doc(R"({"type": "add", "constant": 1})") << 0 << QStringList{"layer 1", "constant"};
    QTest::newRow("std of zero") << v2_doc(R"({"type": "relu"})",
                                           R"({"mode": "rgb", "std": [0.2, 0, 0.2]})")
                                 << -1 << QStringList{"std"};
    QTest::newRow("size with one number")
        << v2_doc(R"({"type": "relu"})", R"({"mode": "rgb", "size": [224]})") << -1
        << QStringList{"size"};
    QTest::newRow("size of zero") << v2_doc(R"({"type": "relu"})",
                                            R"({"mode": "rgb", "size": [224, 0]})")
                                  << -1 << QStringList{"size"};
    QTest::newRow("unknown input field")
        << v2_doc(R"({"type": "relu"})", R"({"mode": "rgb", "scale": 2})") << -1
        << QStringList{"scale"};
}

void TestPipelineJson::badVersionTwoFileIsRejectedNamingLayerAndField() {
    QFETCH(QByteArray, json);
    QFETCH(int, layer);
    QFETCH(QStringList, fragments);
    try {
        (void)parse_pipeline(json.toStdString());
        QFAIL("the bad file was accepted");
    } catch (const PipelineError& e) {
        const QString msg = e.what();
        for (const QString& fragment : fragments)
            QVERIFY2(msg.contains(fragment),
                     qPrintable("\"" + fragment + "\" missing from: " + msg));
        QCOMPARE(e.layer_index(), layer);
    }
}

void TestPipelineJson::versionTwoShapeErrorsNameLayerAndField_data() {
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<int>("layer");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("fragment");

    const QByteArray conv2 = R"({"type": "conv", "weights": [[[[1]]], [[[2]]]]})";
    QTest::newRow("add of two shapes")
        << v2_doc(conv2 + R"(, {"type": "add", "inputs": [0, 1]})") << 1 << "inputs"
        << "layer 2 (add)";
    QTest::newRow("add with one input and no constant")
        << v2_doc(R"({"type": "add"})") << 0 << "inputs"
        << "layer 1 (add)";
    QTest::newRow("concat of two heights")
        << v2_doc(R"({"type": "maxpool", "kernel_size": 2}, {"type": "concat", "inputs": [0, 1]})")
        << 1 << "inputs"
        << "layer 2 (concat)";
    QTest::newRow("relu reading two layers")
        << v2_doc(R"({"type": "relu"}, {"type": "relu", "inputs": [0, 1]})") << 1 << "inputs"
        << "layer 2 (relu)";
    QTest::newRow("batchnorm for two channels on one")
        << v2_doc(R"({"type": "batchnorm", "running_mean": [0, 0], "running_var": [1, 1]})") << 0
        << "weight"
        << "layer 1 (batchnorm)";
    QTest::newRow("prelu with two slopes on one channel")
        << v2_doc(R"({"type": "prelu", "weight": [0.1, 0.2]})") << 0 << "weight"
        << "layer 1 (prelu)";
    QTest::newRow("linear on a map")
        << v2_doc(R"({"type": "linear", "weight": [[1]]})") << 0 << "weight"
        << "layer 1 (linear)";
    QTest::newRow("reflect pad as wide as the map")
        << v2_doc(R"({"type": "pad", "pad": [5, 0], "mode": "reflect"})") << 0 << "padding"
        << "layer 1 (pad)";
    QTest::newRow("crop to nothing")
        << v2_doc(R"({"type": "pad", "pad": [-3, -2]})") << 0 << "padding"
        << "layer 1 (pad)";
    QTest::newRow("mean for three channels on a gray image")
        << v2_doc(R"({"type": "relu"})", R"({"mode": "gray", "mean": [0.1, 0.2, 0.3]})") << -1
        << "mean"
        << "3 values";
}

void TestPipelineJson::versionTwoShapeErrorsNameLayerAndField() {
    QFETCH(QByteArray, json);
    QFETCH(int, layer);
    QFETCH(QString, field);
    QFETCH(QString, fragment);
    Pipeline p;
    try {
        p = parse_pipeline(json.toStdString());
    } catch (const PipelineError& e) {
        QFAIL(e.what());
    }
    try {
        (void)infer_shapes(p, Shape{1, 5, 5});
        QFAIL("infer_shapes accepted the pipeline");
    } catch (const PipelineError& e) {
        QCOMPARE(e.layer_index(), layer);
        QCOMPARE(QString::fromStdString(e.field()), field);
        QVERIFY2(QString(e.what()).contains(fragment), e.what());
    }
    // plan_pipeline says the same, and what runs before it.
    const PipelinePlan plan = plan_pipeline(p, Shape{1, 5, 5});
    QVERIFY(!plan.complete());
    QCOMPARE(plan.runnable(), std::max(0, layer));
    QCOMPARE(plan.error->layer_index(), layer);
}

// Files made to break the reader: nesting deep enough to overflow any recursive walk, values
// megabytes long. Each is refused with one short line that names what is wrong and never
// repeats the value itself.
void TestPipelineJson::hostileFileIsRefusedInOneShortLine_data() {
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("fragment");

    const int deep = 70000;
    const QByteArray open(deep, '['), close(deep, ']');
    QTest::newRow("weights nested 70,000 deep")
        << doc_with_layer1(R"({"type": "conv", "weights": )" + open + "1" + close + "}")
        << "nested deeper than 32";
    QTest::newRow("format nested 70,000 deep")
        << QByteArray(R"({"format": )" + open + close + R"(, "version": 1, "layers": []})")
        << "nested deeper than 32";
    QTest::newRow("a layer that is an array nested 70,000 deep")
        << doc_with_layer1(open + close) << "nested deeper than 32";
    QTest::newRow("objects nested 70,000 deep")
        << QByteArray(R"({"format": "convscope-pipeline", "version": 1, "layers": [],
                          "description": )" +
                      QByteArray(deep, ' ').replace(" ", "{\"a\":") + "1" + QByteArray(deep, '}') +
                      "}")
        << "nested deeper than 32";
    // 33 levels: just past the limit; a real pipeline needs 7.
    QTest::newRow("33 levels") << doc_with_layer1(R"({"type": "conv", "weights": )" +
                                                  QByteArray(30, '[') + "1" + QByteArray(30, ']') +
                                                  "}")
                               << "nested deeper than 32";

    const QByteArray huge(2'000'000, 'x');
    QTest::newRow("a 2 MB layer type")
        << doc_with_layer1(R"({"type": ")" + huge + R"("})") << "unknown layer type";
    QTest::newRow("a 2 MB layer name in a later error")
        << doc_with_layer1(R"({"type": "relu", "name": ")" + huge + R"(", "extra": 1})") << "extra";
    QTest::newRow("a 2 MB padding string")
        << doc_with_layer1(R"({"type": "conv", "weights": [[[[1]]]], "padding": ")" + huge +
                           R"("})")
        << "padding";
    QTest::newRow("a 2 MB unknown field name")
        << doc_with_layer1(R"({"type": "relu", ")" + huge + R"(": 1})") << "unknown field";
    QTest::newRow("a 2 MB input mode")
        << QByteArray(R"({"format": "convscope-pipeline", "version": 1, "input": {"mode": ")" +
                      huge + R"("}, "layers": []})")
        << "mode";
    QTest::newRow("a 2 MB string in the format field")
        << QByteArray(R"({"format": ")" + huge + R"(", "version": 1, "layers": []})") << "format";
    QTest::newRow("an unterminated 2 MB string") << QByteArray(R"({"format": ")" + huge) << "JSON";
    QTest::newRow("a weight that is a 2 MB string")
        << doc_with_layer1(R"({"type": "conv", "weights": [[[[")" + huge + R"("]]]]})")
        << "weights";
    QTest::newRow("a stride that is a long array")
        << doc_with_layer1(R"({"type": "conv", "weights": [[[[1]]]], "stride": [)" +
                           QByteArray("1,").repeated(300000) + "1]}")
        << "stride";
    QTest::newRow("invalid UTF-8 in a layer type")
        << doc_with_layer1("{\"type\": \"caf\xe9\"}") << "";
}

void TestPipelineJson::hostileFileIsRefusedInOneShortLine() {
    QFETCH(QByteArray, json);
    QFETCH(QString, fragment);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("hostile.json");
    QVERIFY(write_file(path, json));
    try {
        (void)load_pipeline(path.toStdString());
        QFAIL("the file was accepted");
    } catch (const PipelineError& e) {
        const QString msg = QString::fromUtf8(e.what());
        QVERIFY2(msg.contains("hostile.json"), qPrintable(msg.left(300)));
        QVERIFY2(msg.contains(fragment), qPrintable(msg.left(300)));
        QVERIFY2(msg.size() < 400,
                 qPrintable(QString::number(msg.size()) + " characters: " + msg.left(300)));
        QVERIFY2(!msg.contains('\n'), qPrintable(msg.left(300)));
    }
}

QTEST_APPLESS_MAIN(TestPipelineJson)
#include "test_pipeline_json.moc"
