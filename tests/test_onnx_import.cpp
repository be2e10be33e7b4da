// ONNX import through the engine: every model of tests/fixtures/onnx (exported by PyTorch at
// opsets 6 to 17, or written by onnx.helper for the forms PyTorch cannot write) imports, runs on
// both backends and gives PyTorch's outputs; every broken model gives one clear line and no
// crash; a ResNet-18 built in code imports with torchinfo's shapes and parameter counts.

#include "support/onnx_fixtures.hpp"

#include "convscope/backend.hpp"
#include "convscope/image_io.hpp"
#include "convscope/naive_backend.hpp"
#include "convscope/onnx_import.hpp"
#include "convscope/resnet18_onnx.hpp"

#include <onnx/onnx_pb.h>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QObject>
#include <QTemporaryDir>
#include <QTest>

#include <fstream>
#include <map>
#include <memory>

using namespace convscope;
namespace fx = onnx_fixtures;

namespace {

std::unique_ptr<Backend> backend_by_name(const QString& name) {
    if (name == QLatin1String("naive"))
        return std::make_unique<NaiveBackend>();
    return make_backend(BackendKind::Fast);
}

// Models the importer maps only in part, and why: the import ends before the named node with a
// warning, and the outputs computed before it must still match.
struct Partial {
    const char* stops_at; // a part of the warning: the node and why
    const char* reason;
};
const std::map<QString, Partial>& partial_cases() {
    static const std::map<QString, Partial> cases = {
        // Before opset 13 a softmax over axis 1 of [1, 3, 4, 5] is over all 60 values, which the
        // version converter writes as Flatten, Softmax, Reshape back to [1, 3, 4, 5]; the softmax
        // itself runs (a flat vector), the reshape back into maps has no layer.
        {QStringLiteral("softmax_axis1_4d_opset11"),
         {"Reshape", "reshapes [1, 60] to [1, 3, 4, 5]"}},
    };
    return cases;
}

// Models the importer refuses whole (their first node cannot be mapped), and what it says.
const std::map<QString, const char*>& refused_cases() {
    static const std::map<QString, const char*> cases = {
        // ConvScope's pooling has no dilation (Pool2d, engine/include/convscope/pool2d.hpp).
        {QStringLiteral("maxpool_dilation"),
         "node '/MaxPool' (MaxPool), cannot be mapped: dilated max pooling (dilations [2, 2])"},
    };
    return cases;
}

QString where(const fx::Model& m, const QString& output = {}) {
    return m.file + (output.isEmpty() ? QString() : QStringLiteral(", output ") + output);
}

std::string write_temp(const QTemporaryDir& dir, const QString& name, const std::string& bytes) {
    const std::string path = dir.filePath(name).toStdString();
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return path;
}

} // namespace

class TestOnnxImport : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void fixtures_exist();
    void matches_pytorch_data();
    void matches_pytorch();
    void layers_are_named_as_the_nodes();
    void bad_models_data();
    void bad_models();
    void unsupported_node_ends_the_import_data();
    void unsupported_node_ends_the_import();
    void until_ends_after_a_node();
    void strict_refuses_what_it_cannot_map();
    void keeps_the_model_metadata();
    void refuses_what_does_not_parse_without_allocating();
    void bundled_photo_network_matches_on_both_backends();
    void bundled_classifier_predicts_its_samples();
    void other_exporters_forms_compute_the_same_data();
    void other_exporters_forms_compute_the_same();
    void resnet18_trunk_matches_torchinfo();
    void resnet18_runs_on_both_backends();
    void resnet18_with_folded_batch_norms_agrees();
    void resnet18_bytes_are_deterministic();
};

void TestOnnxImport::fixtures_exist() {
    const auto models = fx::models();
    QVERIFY2(models.size() > 100,
             qPrintable(QStringLiteral("%1 models in %2").arg(models.size()).arg(fx::dir())));
}

void TestOnnxImport::matches_pytorch_data() {
    QTest::addColumn<int>("index");
    QTest::addColumn<QString>("backend");
    const auto models = fx::models();
    if (models.empty())
        QTest::newRow("no models") << -1 << QString();
    for (std::size_t i = 0; i < models.size(); ++i)
        for (const char* backend : {"naive", "fast"})
            QTest::addRow("%s/%s", qPrintable(models[i].file), backend)
                << static_cast<int>(i) << QString::fromLatin1(backend);
}

void TestOnnxImport::matches_pytorch() {
    QFETCH(int, index);
    QFETCH(QString, backend);
    if (index < 0)
        QFAIL("no models in the manifest");
    const fx::Model m = fx::models()[static_cast<std::size_t>(index)];

    OnnxImport imported;
    try {
        imported = import_onnx(fx::path(m.file));
    } catch (const std::exception& e) {
        const auto refused = refused_cases().find(m.case_name);
        if (refused != refused_cases().end() &&
            QString::fromUtf8(e.what()).contains(QLatin1String(refused->second)))
            return; // as documented
        QFAIL(e.what());
    }
    QVERIFY2(!refused_cases().count(m.case_name),
             qPrintable(where(m) + QStringLiteral(" imported")));
    const auto partial = partial_cases().find(m.case_name);
    if (partial != partial_cases().end()) {
        QVERIFY2(!imported.complete(), qPrintable(where(m)));
        QVERIFY2(!imported.warnings.empty(), qPrintable(where(m)));
        const QString warning = QString::fromStdString(imported.warnings.front());
        QVERIFY2(warning.contains(QLatin1String(partial->second.stops_at)) &&
                     warning.contains(QLatin1String(partial->second.reason)),
                 qPrintable(where(m) + QStringLiteral(": ") + warning));
    } else {
        QVERIFY2(imported.complete(),
                 qPrintable(where(m) + QStringLiteral(": stopped at ") +
                            QString::fromStdString(imported.stopped_at) + QStringLiteral(": ") +
                            QString::fromStdString(imported.stop_reason)));
        // Only what a float16 graph and a stride-2 SAME padding must say.
        for (const auto& w : imported.warnings)
            QVERIFY2(
                m.case_name == QLatin1String("fp16_graph") ||
                    QString::fromStdString(w).contains(QLatin1String("is resolved for its")),
                qPrintable(where(m) + QStringLiteral(": warning ") + QString::fromStdString(w)));
    }
    QCOMPARE(imported.layer_tensors.size(), imported.pipeline.layers.size());
    QCOMPARE(imported.layer_nodes.size(), imported.pipeline.layers.size());

    const Tensor input = fx::read_tensor(fx::path(m.input));
    RunResult result;
    try {
        result = backend_by_name(backend)->run(imported.pipeline, input);
    } catch (const std::exception& e) {
        QFAIL(qPrintable(where(m) + QStringLiteral(": ") + QString::fromUtf8(e.what())));
    }
    QCOMPARE(result.layers.size(), imported.pipeline.layers.size());

    int compared = 0;
    for (const fx::Output& out : m.outputs) {
        const int layer = imported.layer_of(out.name.toStdString());
        if (layer == kNoLayer) {
            QVERIFY2(partial != partial_cases().end(),
                     qPrintable(where(m, out.name) + QStringLiteral(": no layer computes it")));
            continue;
        }
        const Tensor& actual = layer == kPipelineInput
                                   ? input
                                   : *result.layers[static_cast<std::size_t>(layer)].output;
        const QString diff = fx::compare(actual, fx::path(out.file));
        QVERIFY2(diff.isEmpty(), qPrintable(where(m, out.name) + QStringLiteral(" (layer ") +
                                            QString::number(layer) + QStringLiteral("): ") + diff));
        ++compared;
    }
    if (m.case_name == QLatin1String("softmax_axis1_4d_opset11")) {
        // The softmax over all 60 values ran: its flat output holds the expected values in order.
        const Tensor& flat = *result.layers.back().output;
        const NpyArray expected = read_npy(fx::path(m.outputs[0].file));
        QVERIFY(fx::compare(flat, Shape{60, 1, 1}, expected.values).isEmpty());
        ++compared;
    }
    QVERIFY2(compared > 0, qPrintable(where(m)));
    // The model's last output is the pipeline's last layer (what `convscope-cli run` writes last).
    if (partial == partial_cases().end())
        QCOMPARE(imported.layer_of(m.outputs.back().name.toStdString()),
                 static_cast<int>(imported.pipeline.layers.size()) - 1);
}

void TestOnnxImport::layers_are_named_as_the_nodes() {
    const OnnxImport a = import_onnx(fx::path(QStringLiteral("conv_basic/opset13.onnx")));
    QCOMPARE(a.pipeline.layers.size(), std::size_t{2});
    QCOMPARE(a.pipeline.layers[0].name, std::string("/conv1/Conv"));
    QCOMPARE(a.pipeline.layers[1].name, std::string("/conv2/Conv"));
    QCOMPARE(a.layer_tensors[1], std::string("conv2"));
    QCOMPARE(a.pipeline.input_mode, InputMode::Rgb);

    // An asymmetric pad before a conv is its own layer, named after the node it serves.
    const OnnxImport b =
        import_onnx(fx::path(QStringLiteral("conv_asymmetric_pads_attr/opset13.onnx")));
    QCOMPARE(b.pipeline.layers.size(), std::size_t{2});
    QVERIFY(std::holds_alternative<Pad2d>(b.pipeline.layers[0].op));
    QVERIFY(b.layer_tensors[0].empty());
    QCOMPARE(QString::fromStdString(b.pipeline.layers[0].name),
             QString::fromStdString(b.pipeline.layers[1].name) + QStringLiteral("/pad"));

    // Shared weights through Identity, Dropout and a final Identity add no layers.
    const OnnxImport c = import_onnx(fx::path(QStringLiteral("identity_dropout/opset13.onnx")));
    QCOMPARE(c.pipeline.layers.size(), std::size_t{2}); // conv, relu
    QCOMPARE(c.layer_of("output"), 1);
    QCOMPARE(c.layer_of("dropout"), 1);

    // A residual add reads two earlier layers.
    const OnnxImport d = import_onnx(fx::path(QStringLiteral("add_residual/opset13.onnx")));
    bool found = false;
    for (const Layer& layer : d.pipeline.layers)
        if (std::holds_alternative<Add>(layer.op)) {
            QCOMPARE(layer.inputs.size(), std::size_t{2});
            found = true;
        }
    QVERIFY(found);

    // MatMul then Add is one linear layer with a bias.
    const OnnxImport e = import_onnx(fx::path(QStringLiteral("matmul_add_head/opset13.onnx")));
    int linears = 0;
    for (const Layer& layer : e.pipeline.layers)
        if (const auto* linear = std::get_if<Linear>(&layer.op)) {
            QVERIFY(!linear->bias.empty());
            ++linears;
        }
    QCOMPARE(linears, 1);
}

void TestOnnxImport::bad_models_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QStringList>("says");
    const auto row = [](const char* file, QStringList says) {
        QTest::newRow(file) << QString::fromLatin1(file) << says;
    };
    row("bad/empty.onnx", {"empty"});
    row("bad/truncated.onnx", {"not an ONNX model"});
    row("bad/not_protobuf.onnx", {"not an ONNX model"});
    row("bad/png_renamed.onnx", {"not an ONNX model"});
    row("bad/huge_length_prefix.onnx", {"not an ONNX model"});
    row("bad/initializer_wrong_size.onnx", {"initializer 'w'", "432 bytes", "holds 420 bytes"});
    row("bad/weight_channels_mismatch.onnx", {"node 'conv1' (Conv)", "input channels"});
    row("bad/bias_wrong_length.onnx", {"node 'conv1' (Conv)", "5 values for 4 filters"});
    row("bad/huge_initializer_dims.onnx", {"initializer 'w'"});
    row("bad/negative_dims.onnx", {"initializer 'w'", "negative"});
    row("bad/int8_weight_direct.onnx", {"node 'conv1' (Conv)", "INT8", "DequantizeLinear"});
    row("bad/cycle.onnx", {"cycle", "add_a", "relu_b"});
    row("bad/dangling_input.onnx", {"node 'conv1' (Conv)", "'missing_weight'"});
    row("bad/missing_graph_output.onnx", {"graph output 'nowhere'"});
    row("bad/newline_in_names.onnx", {"graph output 'out put'"});
    row("bad/input_rank3.onnx", {"rank 3", "[1, C, H, W]"});
    row("bad/input_rank5.onnx", {"rank 5", "[1, C, H, W]"});
    row("bad/input_batch2.onnx", {"batch of 2", "one image"});
    row("bad/map_shrinks_to_nothing.onnx", {"node 'conv_too_big' (Conv)", "empty"});
    row("bad/external_data_missing.onnx", {"no_such_file.bin"});
    row("bad/external_data_traversal.onnx", {"leaves the model's folder"});
    row("bad/external_data_absolute.onnx", {"absolute path"});
    row("bad/external_data_past_end.onnx", {"external_data_short.bin", "holds 100 bytes", "432"});
    row("bad/opset_99.onnx", {"opset 99", "newer", "6–17"});
    row("bad/no_image_input.onnx", {"no input to feed an image to"});
}

// Each broken model is one line on what is wrong, naming the file; never a crash.
void TestOnnxImport::bad_models() {
    QFETCH(QString, file);
    QFETCH(QStringList, says);
    const std::string path = fx::path(file);
    try {
        const OnnxImport imported = import_onnx(path);
        QFAIL(qPrintable(file + QStringLiteral(" imported (") +
                         QString::number(imported.pipeline.layers.size()) +
                         QStringLiteral(" layers)")));
    } catch (const OnnxError& e) {
        const QString message = QString::fromUtf8(e.what());
        QVERIFY2(message.startsWith(QString::fromStdString(path) + QStringLiteral(": ")),
                 qPrintable(message));
        QVERIFY2(!message.contains(QLatin1Char('\n')), qPrintable(message));
        QVERIFY2(!message.contains(QLatin1String(".h:")), qPrintable(message)); // no source lines
        for (const QString& s : says)
            QVERIFY2(message.contains(s), qPrintable(message + QStringLiteral(" (expected: ") + s +
                                                     QStringLiteral(")")));
    } catch (const std::exception& e) {
        QFAIL(qPrintable(file + QStringLiteral(": not an OnnxError: ") +
                         QString::fromUtf8(e.what())));
    }
}

void TestOnnxImport::unsupported_node_ends_the_import_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QStringList>("says");
    QTest::newRow("LRN") << QStringLiteral("bad/unsupported_lrn.onnx")
                         << QStringList{"node 'lrn1' (LRN)", "no local response normalization"};
    QTest::newRow("custom op") << QStringLiteral("bad/unsupported_custom_op.onnx")
                               << QStringList{"node 'swizzle1' (com.example::Swizzle)", "domain"};
    QTest::newRow("QuantizeLinear")
        << QStringLiteral("bad/quantized_activations.onnx")
        << QStringList{"node 'quant1' (QuantizeLinear)", "8-bit integers"};
}

// By default the import offers the part before the first node it cannot map, and says so.
void TestOnnxImport::unsupported_node_ends_the_import() {
    QFETCH(QString, file);
    QFETCH(QStringList, says);
    const OnnxImport imported = import_onnx(fx::path(file));
    QVERIFY(!imported.complete());
    QCOMPARE(imported.pipeline.layers.size(), std::size_t{2});
    QCOMPARE(imported.pipeline.layers.back().name, std::string("relu1"));
    QCOMPARE(imported.warnings.size(), std::size_t{1});
    const QString warning = QString::fromStdString(imported.warnings[0]);
    for (const QString& s : says)
        QVERIFY2(warning.contains(s), qPrintable(warning));
    QVERIFY2(warning.contains(QLatin1String("up to 'relu1'")), qPrintable(warning));

    const Tensor input = fx::read_tensor(fx::path(QStringLiteral("bad/unsupported_input.npy")));
    for (const BackendKind kind : {BackendKind::Naive, BackendKind::Fast}) {
        const auto backend = make_backend(kind);
        const RunResult& result = backend->run(imported.pipeline, input);
        const QString diff =
            fx::compare(*result.layers.back().output,
                        fx::path(QStringLiteral("bad/unsupported_prefix_relu1.npy")));
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
    }
}

void TestOnnxImport::until_ends_after_a_node() {
    OnnxImportOptions options;
    options.until = "relu1";
    const OnnxImport a = import_onnx(fx::path(QStringLiteral("bad/unsupported_lrn.onnx")), options);
    QVERIFY(a.complete());
    QVERIFY(a.warnings.empty());
    QCOMPARE(a.pipeline.layers.size(), std::size_t{2});

    // A node's output name works too, and so does a node in the middle of a residual model.
    options.until = "conv1";
    const OnnxImport b = import_onnx(fx::path(QStringLiteral("conv_basic/opset9.onnx")), options);
    QCOMPARE(b.pipeline.layers.size(), std::size_t{1});
    QCOMPARE(b.layer_tensors[0], std::string("conv1"));

    options.until = "no such node";
    try {
        (void)import_onnx(fx::path(QStringLiteral("conv_basic/opset9.onnx")), options);
        QFAIL("imported up to a node that does not exist");
    } catch (const OnnxError& e) {
        QVERIFY2(
            QString::fromUtf8(e.what()).contains(QLatin1String("no node named 'no such node'")),
            e.what());
    }
}

void TestOnnxImport::strict_refuses_what_it_cannot_map() {
    OnnxImportOptions options;
    options.strict = true;
    try {
        (void)import_onnx(fx::path(QStringLiteral("bad/unsupported_lrn.onnx")), options);
        QFAIL("a strict import skipped an unsupported node");
    } catch (const OnnxError& e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains(QLatin1String("node 'lrn1' (LRN)")),
                 e.what());
    }
    options.until = "relu1"; // the part before it is fine
    QCOMPARE(import_onnx(fx::path(QStringLiteral("bad/unsupported_lrn.onnx")), options)
                 .pipeline.layers.size(),
             std::size_t{2});
}

// What the app's Prediction panel will read: producer, doc string and metadata_props.
void TestOnnxImport::keeps_the_model_metadata() {
    onnx::ModelProto model;
    {
        std::ifstream in(fx::path(QStringLiteral("classifier_head/opset13.onnx")),
                         std::ios::binary);
        QVERIFY(model.ParseFromIstream(&in));
    }
    model.set_doc_string("a small classifier");
    auto* labels = model.add_metadata_props();
    labels->set_key("labels");
    labels->set_value("cat,dog,bird,fish,frog");
    const QTemporaryDir dir;
    const std::string path =
        write_temp(dir, QStringLiteral("labelled.onnx"), model.SerializeAsString());
    const OnnxImport imported = import_onnx(path);
    QCOMPARE(imported.model.producer_name, std::string("pytorch"));
    QCOMPARE(imported.model.opset, 13);
    QCOMPARE(imported.model.doc_string, std::string("a small classifier"));
    QVERIFY(imported.model.property("labels"));
    QCOMPARE(*imported.model.property("labels"), std::string("cat,dog,bird,fish,frog"));
    QVERIFY(!imported.model.property("nothing"));
    QCOMPARE(imported.model.input_dims, (std::vector<long long>{1, 3, 20, 24}));
    QVERIFY(imported.model.declares_input_size());
    QVERIFY(
        QString::fromStdString(imported.pipeline.description).contains(QLatin1String("pytorch")));
    QCOMPARE(imported.model.output_names.back(), std::string("probs"));
}

// A header that claims gigabytes is refused from the bytes there are; a symbolic input size is
// checked at the nominal size.
void TestOnnxImport::refuses_what_does_not_parse_without_allocating() {
    // Field 7 (graph) of ModelProto, length-delimited, claiming 2^31 - 1 bytes, in 8 bytes.
    const std::vector<std::uint8_t> claim{0x08, 0x07, 0x3a, 0xff, 0xff, 0xff, 0xff, 0x07};
    try {
        (void)import_onnx_bytes(claim, "claim.onnx");
        QFAIL("a truncated claim imported");
    } catch (const OnnxError& e) {
        QVERIFY2(
            QString::fromUtf8(e.what()).startsWith(QLatin1String("claim.onnx: not an ONNX model")),
            e.what());
    }
    // An initializer claiming 4 G elements with 4 bytes of data.
    onnx::ModelProto model;
    {
        std::ifstream in(fx::path(QStringLiteral("conv_basic/opset13.onnx")), std::ios::binary);
        QVERIFY(model.ParseFromIstream(&in));
    }
    onnx::TensorProto& w = *model.mutable_graph()->mutable_initializer(0);
    w.clear_dims();
    for (const std::int64_t d : {65536, 65536, 1, 1})
        w.add_dims(d);
    const std::string bytes = model.SerializeAsString();
    try {
        (void)import_onnx_bytes({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()},
                                "big.onnx");
        QFAIL("an initializer of 4 G elements imported");
    } catch (const OnnxError& e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains(QLatin1String("but holds")), e.what());
    }
    // A model's bytes in memory cannot reach files beside it.
    QFile file(QString::fromStdString(fx::path(QStringLiteral("external_data/opset13.onnx"))));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray external = file.readAll();
    try {
        (void)import_onnx_bytes({reinterpret_cast<const std::uint8_t*>(external.data()),
                                 static_cast<std::size_t>(external.size())},
                                "memory.onnx");
        QFAIL("external data was read for a model in memory");
    } catch (const OnnxError& e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains(QLatin1String("external file")), e.what());
    }
}

void TestOnnxImport::bundled_photo_network_matches_on_both_backends() {
    const OnnxImport imported =
        import_onnx(CONVSCOPE_RESOURCES_DIR "/models/face-recognition/face_recognition_trunk.onnx");
    QVERIFY(imported.complete());
    QVERIFY(imported.warnings.empty());
    QVERIFY(imported.model.property("license"));
    const Tensor input =
        fx::read_tensor(fx::path(QStringLiteral("face_recognition_trunk/input.npy")));
    for (const BackendKind kind : {BackendKind::Naive, BackendKind::Fast}) {
        const auto backend = make_backend(kind);
        const RunResult& result = backend->run(imported.pipeline, input);
        const QString diff =
            fx::compare(*result.layers.back().output,
                        fx::path(QStringLiteral("face_recognition_trunk/conv64_3.npy")));
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
    }
}

// The bundled Fashion-MNIST classifier gives PyTorch's probabilities for its sample images
// (resources/samples/fashion-mnist/expected.json) and names the classes in its metadata.
void TestOnnxImport::bundled_classifier_predicts_its_samples() {
    const OnnxImport imported =
        import_onnx(CONVSCOPE_RESOURCES_DIR "/models/fashion-mnist/fashion_mnist_cnn.onnx");
    QVERIFY(imported.complete());
    QCOMPARE(imported.pipeline.input_mode, InputMode::Gray);
    QVERIFY(std::holds_alternative<Softmax>(imported.pipeline.layers.back().op));
    const std::string* labels = imported.model.property("labels");
    QVERIFY(labels);
    const QJsonArray names = QJsonDocument::fromJson(QByteArray::fromStdString(*labels)).array();
    QCOMPARE(names.size(), 10);

    QFile file(QStringLiteral(CONVSCOPE_RESOURCES_DIR "/samples/fashion-mnist/expected.json"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QJsonArray samples =
        QJsonDocument::fromJson(file.readAll()).object()[QStringLiteral("samples")].toArray();
    QVERIFY(samples.size() >= 6);
    for (const BackendKind kind : {BackendKind::Naive, BackendKind::Fast}) {
        const auto backend = make_backend(kind);
        for (const auto& v : samples) {
            const QJsonObject sample = v.toObject();
            const QString name = sample[QStringLiteral("file")].toString();
            const Tensor image = load_input(
                (QStringLiteral(CONVSCOPE_RESOURCES_DIR "/samples/fashion-mnist/") + name)
                    .toStdString(),
                InputMode::Gray);
            const std::vector<float> p =
                backend->run(imported.pipeline, image).layers.back().output->to_dense();
            QCOMPARE(p.size(), std::size_t{10});
            const QJsonArray expected = sample[QStringLiteral("probabilities")].toArray();
            for (int c = 0; c < 10; ++c)
                QVERIFY2(std::abs(p[static_cast<std::size_t>(c)] - expected[c].toDouble()) <= 1e-5,
                         qPrintable(name + QStringLiteral(" class %1").arg(c)));
            const int best = static_cast<int>(std::max_element(p.begin(), p.end()) - p.begin());
            QCOMPARE(best, sample[QStringLiteral("predicted_class")].toInt());
            QCOMPARE(names[best].toString(), sample[QStringLiteral("predicted_label")].toString());
        }
    }
}

namespace {

// A small graph written node by node, for the forms of other exporters (Keras through tf2onnx,
// older PyTorch) that the fixtures do not hold: conv → <head> on a [1, 3, 8, 8] input.
class GraphBuilder {
public:
    GraphBuilder() {
        model_.set_ir_version(8);
        model_.add_opset_import()->set_version(13);
        auto* in = model_.mutable_graph()->add_input();
        in->set_name("x");
        auto* t = in->mutable_type()->mutable_tensor_type();
        t->set_elem_type(onnx::TensorProto::FLOAT);
        for (const int d : {1, 3, 8, 8})
            t->mutable_shape()->add_dim()->set_dim_value(d);
        std::vector<float> w(4 * 3 * 3 * 3);
        for (std::size_t i = 0; i < w.size(); ++i)
            w[i] = static_cast<float>((i * 37) % 11) / 10.0f - 0.5f;
        floats("w", {4, 3, 3, 3}, w);
        node("Conv", {"x", "w"}, "conv");
    }
    void floats(const std::string& name, std::vector<std::int64_t> dims, std::vector<float> v) {
        auto* t = model_.mutable_graph()->add_initializer();
        t->set_name(name);
        t->set_data_type(onnx::TensorProto::FLOAT);
        for (const auto d : dims)
            t->add_dims(d);
        for (const float f : v)
            t->add_float_data(f);
    }
    void ints(const std::string& name, std::vector<std::int64_t> v) {
        auto* t = model_.mutable_graph()->add_initializer();
        t->set_name(name);
        t->set_data_type(onnx::TensorProto::INT64);
        t->add_dims(static_cast<std::int64_t>(v.size()));
        for (const auto i : v)
            t->add_int64_data(i);
    }
    onnx::NodeProto& node(const char* op, std::vector<std::string> inputs, const std::string& out) {
        auto* n = model_.mutable_graph()->add_node();
        n->set_op_type(op);
        n->set_name(out + "_node");
        for (const auto& i : inputs)
            n->add_input(i);
        n->add_output(out);
        return *n;
    }
    static void attribute(onnx::NodeProto& n, const char* name, std::vector<std::int64_t> v) {
        auto* a = n.add_attribute();
        a->set_name(name);
        if (v.size() == 1) {
            a->set_type(onnx::AttributeProto::INT);
            a->set_i(v[0]);
        } else {
            a->set_type(onnx::AttributeProto::INTS);
            for (const auto i : v)
                a->add_ints(i);
        }
    }
    OnnxImport import(const std::string& output) {
        model_.mutable_graph()->add_output()->set_name(output);
        const std::string bytes = model_.SerializeAsString();
        return import_onnx_bytes(
            {reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}, "built.onnx");
    }

private:
    onnx::ModelProto model_;
};

std::vector<float> run_last(const OnnxImport& imported) {
    Tensor input(3, 8, 8);
    for (int c = 0; c < 3; ++c)
        for (int y = 0; y < 8; ++y)
            for (int x = 0; x < 8; ++x)
                input.at(c, y, x) = static_cast<float>((c * 64 + y * 8 + x) % 13) / 6.0f - 1.0f;
    NaiveBackend backend;
    return backend.run(imported.pipeline, input).layers.back().output->to_dense();
}

} // namespace

void TestOnnxImport::other_exporters_forms_compute_the_same_data() {
    QTest::addColumn<int>("form");
    QTest::newRow("Reshape(Shape, Gather, Unsqueeze, Concat) as flatten") << 0;
    QTest::newRow("ReduceMean over [2, 3] as global average pooling") << 1;
    QTest::newRow("Sub of a constant per channel") << 2;
    QTest::newRow("Sum of two maps") << 3;
    QTest::newRow("Squeeze of 1x1 maps, then MatMul") << 4;
    QTest::newRow("Transpose and Cast of constants") << 5;
}

// Each form and the plain one it stands for give the same numbers.
void TestOnnxImport::other_exporters_forms_compute_the_same() {
    QFETCH(int, form);
    GraphBuilder a, b;
    std::vector<float> fc(4 * 6 * 6 * 5);
    for (std::size_t i = 0; i < fc.size(); ++i)
        fc[i] = static_cast<float>((i * 17) % 23) / 23.0f - 0.5f;
    std::string out_a, out_b;
    switch (form) {
    case 0: // x.view(x.size(0), -1) in PyTorch before torch.flatten
        a.node("Shape", {"conv"}, "shape");
        a.ints("zero", {0});
        GraphBuilder::attribute(a.node("Gather", {"shape", "zero"}, "batch"), "axis", {0});
        a.ints("minus_one", {-1});
        GraphBuilder::attribute(a.node("Concat", {"batch", "minus_one"}, "target"), "axis", {0});
        a.node("Reshape", {"conv", "target"}, "flat");
        a.floats("fc", {144, 5}, fc);
        a.node("MatMul", {"flat", "fc"}, out_a = "y");
        GraphBuilder::attribute(b.node("Flatten", {"conv"}, "flat"), "axis", {1});
        b.floats("fc", {144, 5}, fc);
        b.node("MatMul", {"flat", "fc"}, out_b = "y");
        break;
    case 1:
        GraphBuilder::attribute(a.node("ReduceMean", {"conv"}, out_a = "y"), "axes", {2, 3});
        b.node("GlobalAveragePool", {"conv"}, out_b = "y");
        break;
    case 2:
        a.floats("c", {4, 1, 1}, {0.5f, -0.25f, 2.0f, 0.0f});
        a.node("Sub", {"conv", "c"}, out_a = "y");
        b.floats("c", {1, 4, 1, 1}, {-0.5f, 0.25f, -2.0f, 0.0f});
        b.node("Add", {"conv", "c"}, out_b = "y");
        break;
    case 3:
        a.node("Relu", {"conv"}, "r");
        a.node("Sum", {"conv", "r"}, out_a = "y");
        b.node("Relu", {"conv"}, "r");
        b.node("Add", {"conv", "r"}, out_b = "y");
        break;
    case 4:
        a.node("GlobalAveragePool", {"conv"}, "g");
        a.ints("axes", {2, 3});
        a.node("Squeeze", {"g", "axes"}, "s");
        a.floats("fc", {4, 5}, {fc.begin(), fc.begin() + 20});
        a.node("MatMul", {"s", "fc"}, out_a = "y");
        b.node("GlobalAveragePool", {"conv"}, "g");
        GraphBuilder::attribute(b.node("Flatten", {"g"}, "s"), "axis", {1});
        b.floats("fc", {4, 5}, {fc.begin(), fc.begin() + 20});
        b.node("MatMul", {"s", "fc"}, out_b = "y");
        break;
    case 5: { // a Gemm whose weight comes through Transpose, its bias through Cast
        std::vector<float> w(5 * 144);
        for (int o = 0; o < 5; ++o)
            for (int i = 0; i < 144; ++i)
                w[static_cast<std::size_t>(o * 144 + i)] = fc[static_cast<std::size_t>(i * 5 + o)];
        GraphBuilder::attribute(a.node("Flatten", {"conv"}, "flat"), "axis", {1});
        a.floats("w_t", {5, 144}, w);
        GraphBuilder::attribute(a.node("Transpose", {"w_t"}, "fc"), "perm", {1, 0});
        a.ints("bias_int", {1, 2, 3, 4, 5});
        GraphBuilder::attribute(a.node("Cast", {"bias_int"}, "bias"), "to",
                                {onnx::TensorProto::FLOAT});
        a.node("Gemm", {"flat", "fc", "bias"}, out_a = "y");
        GraphBuilder::attribute(b.node("Flatten", {"conv"}, "flat"), "axis", {1});
        b.floats("fc", {144, 5}, fc);
        b.floats("bias", {5}, {1, 2, 3, 4, 5});
        b.node("Gemm", {"flat", "fc", "bias"}, out_b = "y");
        break;
    }
    default:
        QFAIL("no such form");
    }
    OnnxImport ia, ib;
    try {
        ia = a.import(out_a);
        ib = b.import(out_b);
    } catch (const std::exception& e) {
        QFAIL(e.what());
    }
    QVERIFY2(ia.complete(), ia.stop_reason.c_str());
    QVERIFY(ib.complete());
    QCOMPARE(run_last(ia), run_last(ib));
}

namespace {

struct SummaryRow {
    QString name;
    QString type;
    std::vector<std::size_t> shape;
    long long params = 0;
};

// torchinfo's leaf rows of the ResNet-18 summary (convs, batch norms, ReLUs, pools).
std::vector<SummaryRow> summary_leaves(const QString& variant, long long& total) {
    QFile file(fx::dir() + QStringLiteral("/resnet18_summary.json"));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const QJsonObject v = QJsonDocument::fromJson(file.readAll())
                              .object()
                              .value(QStringLiteral("variants"))
                              .toObject()
                              .value(variant)
                              .toObject();
    total = static_cast<long long>(v.value(QStringLiteral("total_params")).toDouble());
    std::vector<SummaryRow> rows;
    for (const auto& r : v.value(QStringLiteral("modules")).toArray()) {
        const QJsonObject o = r.toObject();
        const QString type = o.value(QStringLiteral("type")).toString();
        if (type == QLatin1String("Sequential") || type == QLatin1String("BasicBlock"))
            continue;
        SummaryRow row;
        row.name = o.value(QStringLiteral("name")).toString();
        row.type = type;
        for (const auto& d : o.value(QStringLiteral("output_shape")).toArray())
            row.shape.push_back(static_cast<std::size_t>(d.toInt()));
        row.params = static_cast<long long>(o.value(QStringLiteral("params")).toDouble());
        rows.push_back(row);
    }
    return rows;
}

// torch.onnx's scoped node name as torch's module path: "/layer2/layer2.0/downsample/
// downsample.0/Conv" is module "layer2.0.downsample.0", "/layer1/layer1.0/relu_1/Relu" the
// second call of "layer1.0.relu".
QString module_path(const QString& node) {
    QStringList parts = node.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    parts.removeLast(); // the op
    QString path;
    for (QString part : parts) {
        if (part.contains(QLatin1Char('_')) && part.section(QLatin1Char('_'), -1).toInt() > 0)
            part = part.section(QLatin1Char('_'), 0, -2); // relu_1: the module relu again
        const QString last = path.section(QLatin1Char('.'), -1);
        if (!path.isEmpty() && part.startsWith(last + QLatin1Char('.')))
            path = path.section(QLatin1Char('.'), 0, -2); // layer1 + layer1.0 → layer1.0
        path = path.isEmpty() ? part : path + QLatin1Char('.') + part;
    }
    return path;
}

OnnxImport import_resnet18(const ResNet18OnnxOptions& options, QTemporaryDir& dir) {
    return import_onnx(write_temp(dir, QStringLiteral("resnet18.onnx"), resnet18_onnx(options)));
}

} // namespace

void TestOnnxImport::resnet18_trunk_matches_torchinfo() {
    long long total = 0;
    const std::vector<SummaryRow> rows = summary_leaves(QStringLiteral("trunk"), total);
    QVERIFY(rows.size() > 50);
    QTemporaryDir dir;
    const OnnxImport imported = import_resnet18({}, dir);
    QVERIFY(imported.complete());
    QVERIFY(imported.warnings.empty());
    const Pipeline& p = imported.pipeline;
    const Shape input{3, 224, 224};
    const std::vector<Shape> shapes = infer_shapes(p, input);

    // Every torchinfo row is a layer, in order, with its shape and parameters; the adds (not
    // modules in torchvision's forward) are the only layers besides.
    std::size_t row = 0;
    long long params = 0;
    for (std::size_t i = 0; i < p.layers.size(); ++i) {
        const Layer& layer = p.layers[i];
        const int from = input_index(layer, static_cast<int>(i), 0);
        const Shape in = from == kPipelineInput ? input : shapes[static_cast<std::size_t>(from)];
        const LayerCost cost = layer_cost(layer, in, shapes[i]);
        params += cost.parameters;
        if (std::holds_alternative<Add>(layer.op))
            continue;
        QVERIFY2(row < rows.size(), layer.name.c_str());
        const SummaryRow& r = rows[row++];
        const QString name = QString::fromStdString(layer.name);
        QCOMPARE(module_path(name), r.name);
        const std::vector<std::size_t> shape{1, static_cast<std::size_t>(shapes[i].channels),
                                             static_cast<std::size_t>(shapes[i].height),
                                             static_cast<std::size_t>(shapes[i].width)};
        QVERIFY2(shape == r.shape, qPrintable(name));
        QVERIFY2(cost.parameters == r.params,
                 qPrintable(name + QStringLiteral(": %1 parameters, torchinfo %2")
                                       .arg(cost.parameters)
                                       .arg(r.params)));
    }
    QCOMPARE(row, rows.size());
    QCOMPARE(params, total);
    QCOMPARE(total, 11176512LL);
}

// Both backends at 224×224 (the naive loops take several seconds: 1.8 G multiply-adds).
void TestOnnxImport::resnet18_runs_on_both_backends() {
    QTemporaryDir dir;
    ResNet18OnnxOptions options;
    options.classifier = true;
    const OnnxImport imported = import_resnet18(options, dir);
    QVERIFY(imported.complete());
    Tensor input(3, 224, 224);
    for (int c = 0; c < 3; ++c)
        for (int y = 0; y < 224; ++y)
            for (int x = 0; x < 224; ++x)
                input.at(c, y, x) = 0.5f + 0.5f * std::sin(0.05f * static_cast<float>(x * (c + 1)) +
                                                           0.03f * static_cast<float>(y));
    QElapsedTimer timer;
    timer.start();
    auto fast = make_backend(BackendKind::Fast);
    const RunResult& fast_result = fast->run(imported.pipeline, input);
    const qint64 fast_ms = timer.restart();
    auto naive = make_backend(BackendKind::Naive);
    const RunResult& naive_result = naive->run(imported.pipeline, input);
    qInfo("ResNet-18 at 224x224: fast %lld ms, naive %lld ms", fast_ms,
          static_cast<long long>(timer.elapsed()));
    QCOMPARE(fast_result.layers.size(), imported.pipeline.layers.size());
    QCOMPARE(fast_result.layers.back().output->shape(), (Shape{1000, 1, 1}));
    for (std::size_t i = 0; i < fast_result.layers.size(); ++i) {
        const Tensor& expected = *naive_result.layers[i].output;
        // Deep layers sum thousands of products: allow the reordering of fast kernels (1e-4).
        const std::vector<float> values = expected.to_dense();
        double worst = 0, scale = 1;
        const std::vector<float> got = fast_result.layers[i].output->to_dense();
        for (std::size_t k = 0; k < values.size(); ++k) {
            scale = std::max(scale, std::abs(static_cast<double>(values[k])));
            worst = std::max(worst, std::abs(static_cast<double>(got[k]) - values[k]));
        }
        QVERIFY2(worst <= 1e-4 * scale,
                 qPrintable(QStringLiteral("layer %1 (%2): |fast - naive| %3, scale %4")
                                .arg(i)
                                .arg(QString::fromStdString(imported.pipeline.layers[i].name))
                                .arg(worst)
                                .arg(scale)));
    }
}

// Folding every batch norm into its conv (an eval-mode export) computes the same network.
void TestOnnxImport::resnet18_with_folded_batch_norms_agrees() {
    QTemporaryDir dir;
    ResNet18OnnxOptions options;
    options.input_height = 64;
    options.input_width = 64;
    const OnnxImport kept = import_resnet18(options, dir);
    options.fold_batch_norm = true;
    const OnnxImport folded = import_resnet18(options, dir);
    QCOMPARE(folded.pipeline.layers.size() + 20, kept.pipeline.layers.size()); // 20 batch norms
    Tensor input(3, 64, 64);
    for (int c = 0; c < 3; ++c)
        for (int y = 0; y < 64; ++y)
            for (int x = 0; x < 64; ++x)
                input.at(c, y, x) = static_cast<float>((x * 7 + y * 13 + c * 29) % 17) / 16.0f;
    auto a = make_backend(BackendKind::Fast);
    auto b = make_backend(BackendKind::Fast);
    const std::vector<float> x = a->run(kept.pipeline, input).layers.back().output->to_dense();
    const std::vector<float> y = b->run(folded.pipeline, input).layers.back().output->to_dense();
    QCOMPARE(x.size(), y.size());
    double worst = 0, scale = 1;
    for (std::size_t i = 0; i < x.size(); ++i) {
        scale = std::max(scale, std::abs(static_cast<double>(x[i])));
        worst = std::max(worst, std::abs(static_cast<double>(x[i]) - y[i]));
    }
    QVERIFY2(worst <= 1e-4 * scale, qPrintable(QStringLiteral("%1 of %2").arg(worst).arg(scale)));
}

void TestOnnxImport::resnet18_bytes_are_deterministic() {
    ResNet18OnnxOptions options;
    options.input_height = 0; // symbolic
    const std::string a = resnet18_onnx(options);
    QCOMPARE(resnet18_onnx(options), a);
    options.seed = 1;
    QVERIFY(resnet18_onnx(options) != a);
    QVERIFY(a.size() > 44'000'000); // 11.2 M float32 parameters and the batch norms' statistics
}

QTEST_APPLESS_MAIN(TestOnnxImport)
#include "test_onnx_import.moc"
