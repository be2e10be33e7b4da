// The maps export's manifest.json, written by the engine (export_run): the pipeline that made the
// maps, or for a model run as imported a reference to the model file by path and SHA-256; and
// the manifest written as every other whole file is (write_file_atomically).

#include "convscope/backend.hpp"
#include "convscope/image_io.hpp"
#include "convscope/input_preparation.hpp"
#include "convscope/map_export.hpp"
#include "convscope/onnx_import.hpp"
#include "convscope/pipeline_json.hpp"
#include "convscope/sha256.hpp"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace convscope;

namespace {

const char* kFashion = CONVSCOPE_RESOURCES_DIR "/models/fashion-mnist/fashion_mnist_cnn.onnx";
const char* kSample = CONVSCOPE_RESOURCES_DIR "/samples/fashion-mnist/sandal.png";

QJsonObject readManifest(const QString& dir, qint64* size = nullptr) {
    QFile file(QDir(dir).filePath(QStringLiteral("manifest.json")));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    if (size)
        *size = file.size();
    return QJsonDocument::fromJson(file.readAll()).object();
}

QString fileSha256(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QString::fromLatin1(
        QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256).toHex());
}

} // namespace

class TestMapManifest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void sha256_is_the_standard_one();
    void import_records_the_model_files_sha256();
    void unedited_model_is_referenced_not_copied();
    void edited_model_keeps_the_whole_pipeline();
    void failed_manifest_write_leaves_no_part_file();
    void fit_input_known_answers();
    void fit_round_trips_through_pipeline_files();
};

void TestMapManifest::sha256_is_the_standard_one() {
    // FIPS 180-2's example: SHA-256("abc").
    const std::string abc = "abc";
    QCOMPARE(QString::fromStdString(
                 sha256_hex({reinterpret_cast<const std::uint8_t*>(abc.data()), abc.size()})),
             QStringLiteral("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
}

void TestMapManifest::import_records_the_model_files_sha256() {
    const OnnxImport imported = import_onnx(kFashion);
    QCOMPARE(QString::fromStdString(imported.model.sha256),
             fileSha256(QString::fromLatin1(kFashion)));
}

// A model run as imported: the manifest names the file and its hash (and the input settings a
// rerun needs) instead of every weight.
void TestMapManifest::unedited_model_is_referenced_not_copied() {
    const OnnxImport imported = import_onnx(kFashion);
    Pipeline pipeline = imported.pipeline;
    pipeline.input_size = {28, 28};
    pipeline.input_fit = InputFit::Resize;
    const Tensor input = load_input(kSample, pipeline.input_mode);
    const auto backend = make_backend(BackendKind::Fast);
    const RunResult& result = backend->run(pipeline, input);
    QTemporaryDir dir;
    ExportRequest request;
    request.out_dir = dir.path().toStdString();
    request.pipeline_path = kFashion;
    request.model = ModelReference{kFashion, imported.model.sha256, ""};
    export_run(request, pipeline, input, result);
    qint64 size = 0;
    const QJsonObject manifest = readManifest(dir.path(), &size);
    QCOMPARE(manifest.value(QStringLiteral("version")).toInt(), 2);
    const QJsonObject reference = manifest.value(QStringLiteral("pipeline")).toObject();
    QCOMPARE(reference.value(QStringLiteral("model")).toString(), QString::fromLatin1(kFashion));
    QCOMPARE(reference.value(QStringLiteral("sha256")).toString(),
             fileSha256(QString::fromLatin1(kFashion)));
    QVERIFY(!reference.contains(QStringLiteral("layers")));
    QVERIFY(!reference.contains(QStringLiteral("until")));
    const QJsonObject in = reference.value(QStringLiteral("input")).toObject();
    QCOMPARE(in.value(QStringLiteral("mode")).toString(), QStringLiteral("gray"));
    QCOMPARE(in.value(QStringLiteral("fit")).toString(), QStringLiteral("resize"));
    QCOMPARE(in.value(QStringLiteral("size")).toArray().at(1).toInt(), 28);
    // The 29,290 weights are not in it: what remains is the list of files, far less than the
    // pipeline's own text.
    const qint64 pipelineText = qint64(serialize_pipeline(pipeline).size());
    QVERIFY2(size < pipelineText / 4,
             qPrintable(QStringLiteral("%1 of %2").arg(size).arg(pipelineText)));
    QCOMPARE(manifest.value(QStringLiteral("layers")).toArray().size(),
             int(pipeline.layers.size()));
    QVERIFY(!QFileInfo::exists(dir.filePath(QStringLiteral("manifest.json.part"))));
}

void TestMapManifest::edited_model_keeps_the_whole_pipeline() {
    const OnnxImport imported = import_onnx(kFashion);
    Pipeline edited = imported.pipeline;
    std::get<Conv2d>(edited.layers[0].op).weights.set(0, 0, 1, 1, 0.0f);
    const Tensor input = load_input(kSample, edited.input_mode);
    const auto backend = make_backend(BackendKind::Fast);
    const RunResult& result = backend->run(edited, input);
    QTemporaryDir dir;
    ExportRequest request;
    request.out_dir = dir.path().toStdString();
    request.pipeline_path = kFashion; // no model reference: the caller knows it was edited
    export_run(request, edited, input, result);
    qint64 size = 0;
    const QJsonObject manifest = readManifest(dir.path(), &size);
    const QJsonObject pipeline = manifest.value(QStringLiteral("pipeline")).toObject();
    QCOMPARE(pipeline.value(QStringLiteral("format")).toString(),
             QStringLiteral("convscope-pipeline"));
    QVERIFY(parse_pipeline(QJsonDocument(pipeline).toJson().toStdString()) == edited);
    QVERIFY(size > 100 * 1024); // every weight
}

// The manifest goes through write_file_atomically: a failed write names the file and leaves
// neither half a manifest nor the temporary file.
void TestMapManifest::failed_manifest_write_leaves_no_part_file() {
    const Pipeline pipeline = load_pipeline(CONVSCOPE_RESOURCES_DIR "/pipelines/default.json");
    Tensor input(channel_count(pipeline.input_mode), 12, 12);
    input.fill(0.5f);
    const auto backend = make_backend(BackendKind::Fast);
    const RunResult& result = backend->run(pipeline, input);
    QTemporaryDir dir;
    // A folder where the manifest should go: the rename over it fails.
    QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("manifest.json/inside")));
    ExportRequest request;
    request.out_dir = dir.path().toStdString();
    try {
        export_run(request, pipeline, input, result);
        QFAIL("the manifest was written over a folder");
    } catch (const IoError& e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains(QLatin1String("manifest.json")), e.what());
    }
    QVERIFY(!QFileInfo::exists(dir.filePath(QStringLiteral("manifest.json.part"))));
    QVERIFY(QFileInfo(dir.filePath(QStringLiteral("manifest.json"))).isDir());
}

void TestMapManifest::fit_input_known_answers() {
    // A 4 × 8 ramp (value = x): resized to 2 × 4, each output pixel averages two columns.
    Tensor ramp(1, 4, 8);
    for (int y = 0; y < 4; ++y)
        for (int x = 0; x < 8; ++x)
            ramp.at(0, y, x) = float(x);
    const Tensor resized = fit_input(ramp, {2, 4}, InputFit::Resize);
    QCOMPARE(resized.shape(), (Shape{1, 2, 4}));
    QCOMPARE(resized.at(0, 1, 0), 0.5f);
    QCOMPARE(resized.at(0, 0, 3), 6.5f);
    // Centre crop to 4 × 4: no scaling needed (the height covers), the middle columns 2..5.
    const Tensor cropped = fit_input(ramp, {4, 4}, InputFit::CenterCrop);
    QCOMPARE(cropped.shape(), (Shape{1, 4, 4}));
    QCOMPARE(cropped.at(0, 0, 0), 2.0f);
    QCOMPARE(cropped.at(0, 3, 3), 5.0f);
    // Centre crop to 2 × 2: scaled by 1/2 to 2 × 4 first, then columns 1..2 of that.
    const Tensor small = fit_input(ramp, {2, 2}, InputFit::CenterCrop);
    QCOMPARE(small.at(0, 0, 0), 2.5f);
    QCOMPARE(small.at(0, 0, 1), 4.5f);
    // Whole, no size, or the size already: the image as it is.
    QCOMPARE(fit_input(ramp, {2, 2}, InputFit::Whole).shape(), ramp.shape());
    QCOMPARE(fit_input(ramp, {0, 0}, InputFit::Resize).shape(), ramp.shape());
    QCOMPARE(fitted_shape(Shape{3, 300, 451}, {28, 28}, InputFit::CenterCrop), (Shape{3, 28, 28}));
    QCOMPARE(fitted_shape(Shape{3, 300, 451}, {28, 28}, InputFit::Whole), (Shape{3, 300, 451}));
}

void TestMapManifest::fit_round_trips_through_pipeline_files() {
    Pipeline p = load_pipeline(CONVSCOPE_RESOURCES_DIR "/pipelines/default.json");
    p.input_size = {28, 32};
    for (InputFit fit : {InputFit::Whole, InputFit::Resize, InputFit::CenterCrop}) {
        p.input_fit = fit;
        QVERIFY(parse_pipeline(serialize_pipeline(p)) == p);
    }
    // A fit needs a size, a version-2 file and a known name: each fault is named.
    const auto fails = [](const char* text, const char* needle) {
        try {
            (void)parse_pipeline(text);
        } catch (const PipelineError& e) {
            return QString::fromUtf8(e.what()).contains(QLatin1String(needle));
        }
        return false;
    };
    QVERIFY(fails(R"({"format": "convscope-pipeline", "version": 2,
                      "input": {"mode": "gray", "fit": "resize"}, "layers": []})",
                  "needs the size"));
    QVERIFY(fails(R"({"format": "convscope-pipeline", "version": 2,
                      "input": {"mode": "gray", "size": [2, 2], "fit": "stretch"}, "layers": []})",
                  "center_crop"));
    QVERIFY(fails(R"({"format": "convscope-pipeline", "version": 1,
                      "input": {"mode": "gray", "fit": "resize"}, "layers": []})",
                  "fit"));
}

QTEST_MAIN(TestMapManifest)
#include "test_map_manifest.moc"
