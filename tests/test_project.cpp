// Project files: round trips, relative image paths that survive moving the project folder,
// embedded images, strict one-line errors naming the field, and the CLI's `project` command and
// `run --project`, which must give the same maps as running the image and pipeline directly.

#include "convscope/image_io.hpp"
#include "convscope/npy.hpp"
#include "convscope/pipeline_json.hpp"
#include "convscope/project.hpp"

#include "cli_runner.hpp"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

using namespace convscope;

namespace {

QString resource(const QString& relative) {
    return QStringLiteral(CONVSCOPE_RESOURCES_DIR) + "/" + relative;
}

void write_file(const QString& path, const QByteArray& bytes) {
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(bytes);
}

QByteArray read_file(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool copy_file(const QString& from, const QString& to) {
    QDir().mkpath(QFileInfo(to).absolutePath());
    return QFile::copy(from, to);
}

QJsonObject read_manifest(const QString& dir) {
    return QJsonDocument::fromJson(read_file(dir + "/manifest.json")).object();
}

// Every layer's maps.npy of two `run --format npy` outputs are identical.
void compare_runs(const QString& a, const QString& b) {
    const QJsonArray la = read_manifest(a)["layers"].toArray();
    const QJsonArray lb = read_manifest(b)["layers"].toArray();
    QVERIFY(!la.isEmpty());
    QCOMPARE(la.size(), lb.size());
    for (int i = 0; i < la.size(); ++i) {
        const QString file = la[i].toObject()["files"].toArray().last().toString();
        QVERIFY(file.endsWith(".npy"));
        const NpyArray x = read_npy((a + "/" + file).toStdString());
        const NpyArray y = read_npy((b + "/" + file).toStdString());
        QCOMPARE(x.shape, y.shape);
        QVERIFY2(x.values == y.values, qPrintable(file + " differs"));
    }
    QVERIFY(read_npy((a + "/input.npy").toStdString()).values ==
            read_npy((b + "/input.npy").toStdString()).values);
}

// A valid project document with `image` and `extra` top-level members.
QByteArray project_doc(const QByteArray& image, const QByteArray& extra = {}) {
    return R"({"format": "convscope-project", "version": 1, "image": )" + image +
           R"(, "pipeline": {"format": "convscope-pipeline", "version": 1,
                             "layers": [{"type": "relu"}]})" +
           extra + "}";
}

} // namespace

class TestProject : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void base64KnownAnswers();
    void roundTripKeepsEverything();
    void imagePathIsRelativeToTheProject();
    void movedProjectFolderStillOpensAndRuns();
    void embeddedImageNeedsNoFile();
    void badProjectsFailWithOneLineNamingTheField_data();
    void badProjectsFailWithOneLineNamingTheField();
    void cliProjectThenRunMatchesImageAndPipeline();
    void cliMovedAndEmbeddedProjectsRun();
    void cliUsageErrors_data();
    void cliUsageErrors();
    void helpDocumentsProjects();
};

void TestProject::base64KnownAnswers() {
    // RFC 4648, section 10.
    const std::vector<std::pair<std::string, std::string>> vectors{{"", ""},
                                                                   {"f", "Zg=="},
                                                                   {"fo", "Zm8="},
                                                                   {"foo", "Zm9v"},
                                                                   {"foob", "Zm9vYg=="},
                                                                   {"fooba", "Zm9vYmE="},
                                                                   {"foobar", "Zm9vYmFy"}};
    for (const auto& [plain, encoded] : vectors) {
        const std::vector<std::uint8_t> bytes(plain.begin(), plain.end());
        QCOMPARE(base64_encode(bytes), encoded);
        QVERIFY(base64_decode(encoded) == bytes);
    }
    std::vector<std::uint8_t> all(256);
    for (int i = 0; i < 256; ++i)
        all[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i);
    QVERIFY(base64_decode(base64_encode(all)) == all);
    for (const char* bad : {"Zg=", "Z===", "Zm9v!A==", "=Zm9", "Zg==Zg=="})
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, base64_decode(bad));
}

void TestProject::roundTripKeepsEverything() {
    QTemporaryDir dir;
    Project p;
    p.pipeline = load_pipeline(resource("pipelines/first-layers-of-a-cnn.json").toStdString());
    p.image_path = (dir.path() + "/images/cat.png").toStdString();
    p.image_name = "cat.png";
    p.embedded_image = {0x89, 'P', 'N', 'G', 0, 1, 2, 255};
    p.view_json = R"({"colormap":"magma","selection":{"layer":2,"map":5},"zoom":1.5})";
    const std::string text = serialize_project(p, dir.path().toStdString());
    QVERIFY2(QString::fromStdString(text).contains("\"path\": \"images/cat.png\""), text.c_str());
    const Project back = parse_project(text, dir.path().toStdString());
    QVERIFY(back.pipeline == p.pipeline);
    QCOMPARE(back.image_path, p.image_path);
    QCOMPARE(back.image_name, p.image_name);
    QVERIFY(back.embedded_image == p.embedded_image);
    QCOMPARE(back.view_json, p.view_json);
    QVERIFY(back == p);
    QCOMPARE(serialize_project(back, dir.path().toStdString()), text);

    // The pipeline inside is a pipeline file's object, byte for byte.
    const QJsonObject doc = QJsonDocument::fromJson(QByteArray::fromStdString(text)).object();
    QCOMPARE(doc["pipeline"].toObject(),
             QJsonDocument::fromJson(QByteArray::fromStdString(serialize_pipeline(p.pipeline)))
                 .object());

    // View settings that are not a JSON object cannot be saved.
    p.view_json = "[1, 2]";
    QVERIFY_THROWS_EXCEPTION(ProjectError, serialize_project(p, dir.path().toStdString()));
}

void TestProject::imagePathIsRelativeToTheProject() {
    QTemporaryDir dir;
    Project p;
    p.image_path = (dir.path() + "/shared/photos/x.png").toStdString();
    const std::string text = serialize_project(p, (dir.path() + "/projects/a").toStdString());
    QVERIFY2(QString::fromStdString(text).contains("\"path\": \"../../shared/photos/x.png\""),
             text.c_str());
    const Project back = parse_project(text, (dir.path() + "/projects/a").toStdString());
    QCOMPARE(back.image_path, p.image_path);
    QCOMPARE(back.image_name, std::string("x.png"));
    QCOMPARE(back.view_json, std::string("{}"));
    // Absolute paths in a file are taken as they are.
    const Project absolute =
        parse_project(project_doc(R"({"path": "/data/y.png"})").toStdString(), "/elsewhere");
    QCOMPARE(absolute.image_path, std::string("/data/y.png"));
}

void TestProject::movedProjectFolderStillOpensAndRuns() {
    QTemporaryDir dir;
    const QString a = dir.path() + "/A";
    QVERIFY(copy_file(resource("samples/coins.png"), a + "/pics/coins.png"));
    const Pipeline pipeline =
        load_pipeline(resource("pipelines/edge-detectors.json").toStdString());
    const Project p = make_project((a + "/pics/coins.png").toStdString(), pipeline, false);
    write_file(a + "/session.convscope",
               QByteArray::fromStdString(serialize_project(p, a.toStdString())));

    QVERIFY(QDir().rename(a, dir.path() + "/B"));
    const Project moved = load_project((dir.path() + "/B/session.convscope").toStdString());
    QCOMPARE(QString::fromStdString(moved.image_path), dir.path() + "/B/pics/coins.png");
    QVERIFY(moved.pipeline == pipeline);
    const Tensor from_project = load_project_input(moved);
    const Tensor direct =
        load_input(resource("samples/coins.png").toStdString(), pipeline.input_mode);
    QCOMPARE(from_project.shape(), direct.shape());
    QVERIFY(from_project.to_dense() == direct.to_dense());
}

void TestProject::embeddedImageNeedsNoFile() {
    QTemporaryDir dir;
    QVERIFY(copy_file(resource("samples/rocket.jpg"), dir.path() + "/rocket.jpg"));
    Pipeline pipeline;
    pipeline.input_mode = InputMode::Rgb;
    const Project p = make_project((dir.path() + "/rocket.jpg").toStdString(), pipeline, true);
    QVERIFY(p.has_embedded_image());
    QCOMPARE(QByteArray(reinterpret_cast<const char*>(p.embedded_image.data()),
                        static_cast<qsizetype>(p.embedded_image.size())),
             read_file(dir.path() + "/rocket.jpg"));
    const std::string text = serialize_project(p, dir.path().toStdString());
    QVERIFY(QFile::remove(dir.path() + "/rocket.jpg"));

    const Project back = parse_project(text, dir.path().toStdString());
    QVERIFY(back.embedded_image == p.embedded_image);
    QCOMPARE(project_input_label(back), std::string("embedded:rocket.jpg"));
    const Tensor embedded = load_project_input(back);
    const Tensor direct = load_input(resource("samples/rocket.jpg").toStdString(), InputMode::Rgb);
    QCOMPARE(embedded.shape(), direct.shape());
    QVERIFY(embedded.to_dense() == direct.to_dense());

    // Bytes that are not an image: one line naming the embedded image, not a temporary file.
    Project broken = back;
    broken.embedded_image = {'n', 'o', 't', ' ', 'a', 'n', ' ', 'i', 'm', 'a', 'g', 'e'};
    try {
        load_project_input(broken);
        QFAIL("garbage decoded");
    } catch (const IoError& e) {
        const QString message = e.what();
        QVERIFY2(message.startsWith("embedded image \"rocket.jpg\""), e.what());
        QVERIFY2(!message.contains("convscope-embedded-"), e.what());
    }
}

void TestProject::badProjectsFailWithOneLineNamingTheField_data() {
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QStringList>("fragments");
    QTest::newRow("not JSON") << QByteArray("{\"format\": ") << QString() << QStringList{"JSON"};
    QTest::newRow("not an object") << QByteArray("[1]") << QString() << QStringList{"object"};
    QTest::newRow("a pipeline file")
        << QByteArray(R"({"format": "convscope-pipeline", "version": 1, "layers": []})") << "format"
        << QStringList{"convscope-project"};
    QTest::newRow("future version")
        << project_doc(R"({"path": "a.png"})").replace("\"version\": 1", "\"version\": 2")
        << "version" << QStringList{"2"};
    QTest::newRow("unknown field") << project_doc(R"({"path": "a.png"})", R"(, "veiw": {})")
                                   << "veiw" << QStringList{"unknown field"};
    QTest::newRow("no image") << QByteArray(R"({"format": "convscope-project", "version": 1,
        "pipeline": {"format": "convscope-pipeline", "version": 1, "layers": []}})")
                              << "image" << QStringList{"missing"};
    QTest::newRow("image path not a string")
        << project_doc(R"({"path": 3})") << "image.path" << QStringList{"string"};
    QTest::newRow("image without path or bytes")
        << project_doc(R"({"name": "a.png"})") << "image" << QStringList{"path", "embedded"};
    QTest::newRow("unknown image field") << project_doc(R"({"path": "a.png", "size": 3})")
                                         << "image.size" << QStringList{"unknown field"};
    QTest::newRow("bad base64") << project_doc(R"({"path": "a.png", "embedded": "AB$D"})")
                                << "image.embedded" << QStringList{"base64", "'$'"};
    QTest::newRow("pipeline typo")
        << QByteArray(R"({"format": "convscope-project", "version": 1, "image": {"path": "a.png"},
            "pipeline": {"format": "convscope-pipeline", "version": 1,
              "layers": [{"type": "relu"}, {"type": "maxpool", "kernel_size": 2, "strde": 2}]}})")
        << "pipeline" << QStringList{"layer 2", "strde"};
    QTest::newRow("view not an object")
        << project_doc(R"({"path": "a.png"})", R"(, "view": "magma")") << "view"
        << QStringList{"object"};

    // Made to break the reader: each is one short line, never the value itself.
    const QByteArray open(70000, '['), close(70000, ']');
    QTest::newRow("view nested 70,000 deep")
        << project_doc(R"({"path": "a.png"})", R"(, "view": {"a": )" + open + close + "}")
        << QString() << QStringList{"nested deeper than 32"};
    QTest::newRow("version nested 70,000 deep")
        << project_doc(R"({"path": "a.png"})")
               .replace("\"version\": 1", "\"version\": " + open + close)
        << QString() << QStringList{"nested deeper than 32"};
    QTest::newRow("version a long array")
        << project_doc(R"({"path": "a.png"})")
               .replace("\"version\": 1",
                        "\"version\": [" + QByteArray("1,").repeated(100000) + "1]")
        << "version" << QStringList{"array [1,1,1"};
    QTest::newRow("a NUL in the image path")
        << project_doc(R"({"path": "photos/cat.png\u0000.txt"})") << "image.path"
        << QStringList{"NUL"};
    QTest::newRow("an image path that is no image")
        << project_doc(R"({"path": "../../.ssh/id_rsa"})") << "image.path"
        << QStringList{"id_rsa", "not an image file name"};
    QTest::newRow("a 1 MB unknown field name")
        << project_doc(R"({"path": "a.png"})", ", \"" + QByteArray(1000000, 'k') + "\": 1")
        << "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk..." << QStringList{"unknown field"};
}

void TestProject::badProjectsFailWithOneLineNamingTheField() {
    QFETCH(QByteArray, text);
    QFETCH(QString, field);
    QFETCH(QStringList, fragments);
    try {
        parse_project(text.toStdString(), "/tmp");
        QFAIL("a bad project was accepted");
    } catch (const ProjectError& e) {
        const QString message = e.what();
        QCOMPARE(QString::fromStdString(e.field()), field);
        QVERIFY2(!message.contains('\n'), e.what());
        QVERIFY2(message.size() < 400, qPrintable(message.left(400)));
        if (!field.isEmpty())
            QVERIFY2(message.contains("\"" + field + "\""), e.what());
        for (const QString& f : fragments)
            QVERIFY2(message.contains(f), qPrintable(f + " not in: " + message));
    }
}

void TestProject::cliProjectThenRunMatchesImageAndPipeline() {
    QTemporaryDir dir;
    const QString image = resource("samples/camera.png");
    const QString pipeline = resource("pipelines/stride-and-dilation.json");
    const QString project = dir.path() + "/session.convscope";
    const CliResult made =
        run_cli({"project", "--image", image, "--pipeline", pipeline, "--out", project});
    QVERIFY2(made.exit_code == 0, qPrintable(made.err));
    QVERIFY(made.out.contains("session.convscope"));
    QVERIFY(!QFile::exists(project + ".part")); // nothing left over from the atomic save
    const Project p = load_project(project.toStdString());
    QVERIFY(p.pipeline == load_pipeline(pipeline.toStdString()));
    QVERIFY(!p.has_embedded_image());

    const CliResult direct = run_cli({"run", "--image", image, "--pipeline", pipeline, "--out",
                                      dir.path() + "/direct", "--format", "npy"});
    QVERIFY2(direct.exit_code == 0, qPrintable(direct.err));
    const CliResult via =
        run_cli({"run", "--project", project, "--out", dir.path() + "/via", "--format", "npy"});
    QVERIFY2(via.exit_code == 0, qPrintable(via.err));
    compare_runs(dir.path() + "/direct", dir.path() + "/via");
    const QJsonObject manifest = read_manifest(dir.path() + "/via");
    QCOMPARE(manifest["project"].toString(), project);
    QVERIFY(manifest["input"].toObject()["image"].toString().endsWith("camera.png"));

    // info reads projects too.
    const CliResult info = run_cli({"info", "--project", project});
    QVERIFY2(info.exit_code == 0, qPrintable(info.err));
    QVERIFY(info.out.contains("[1, 512, 512]") || info.out.contains("512"));
}

void TestProject::cliMovedAndEmbeddedProjectsRun() {
    QTemporaryDir dir;
    const QString a = dir.path() + "/A";
    QVERIFY(copy_file(resource("samples/coins.png"), a + "/coins.png"));
    QVERIFY(copy_file(resource("pipelines/first-layers-of-a-cnn.json"), a + "/cnn.json"));
    // Relative arguments, from inside the folder, as a user would type them.
    const CliResult made = run_cli(
        {"project", "--image", "coins.png", "--pipeline", "cnn.json", "--out", "s.convscope"}, a);
    QVERIFY2(made.exit_code == 0, qPrintable(made.err));
    const CliResult embedded = run_cli({"project", "--image", "coins.png", "--pipeline", "cnn.json",
                                        "--out", dir.path() + "/e.convscope", "--embed"},
                                       a);
    QVERIFY2(embedded.exit_code == 0, qPrintable(embedded.err));
    QVERIFY(embedded.out.contains("embedded"));
    QVERIFY(QJsonDocument::fromJson(read_file(a + "/s.convscope"))
                .object()["image"]
                .toObject()["path"]
                .toString() == "coins.png");

    const CliResult direct =
        run_cli({"run", "--image", a + "/coins.png", "--pipeline", a + "/cnn.json", "--out",
                 dir.path() + "/direct", "--format", "npy", "--backend", "naive"});
    QVERIFY2(direct.exit_code == 0, qPrintable(direct.err));

    // The folder moves; the project still finds its image beside it.
    QVERIFY(QDir().rename(a, dir.path() + "/B"));
    const CliResult moved =
        run_cli({"run", "--project", dir.path() + "/B/s.convscope", "--out", dir.path() + "/moved",
                 "--format", "npy", "--backend", "naive"});
    QVERIFY2(moved.exit_code == 0, qPrintable(moved.err));
    compare_runs(dir.path() + "/direct", dir.path() + "/moved");

    // The embedded project needs no image file at all.
    QVERIFY(QFile::remove(dir.path() + "/B/coins.png"));
    const CliResult alone =
        run_cli({"run", "--project", dir.path() + "/e.convscope", "--out", dir.path() + "/alone",
                 "--format", "npy", "--backend", "naive"});
    QVERIFY2(alone.exit_code == 0, qPrintable(alone.err));
    compare_runs(dir.path() + "/direct", dir.path() + "/alone");

    // Without the image and without embedded bytes: one line naming the project and the image.
    const CliResult missing =
        run_cli({"run", "--project", dir.path() + "/B/s.convscope", "--out", dir.path() + "/x"});
    QCOMPARE(missing.exit_code, 1);
    QVERIFY2(missing.err.count('\n') == 1 && missing.err.contains("s.convscope") &&
                 missing.err.contains("coins.png"),
             qPrintable(missing.err));
}

void TestProject::cliUsageErrors_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("exit_code");
    QTest::addColumn<QStringList>("fragments");
    static QTemporaryDir dir;
    const QString d = dir.path();
    write_file(d + "/bad.convscope", project_doc(R"({"path": 3})"));
    write_file(d + "/a-file", "in the way");
    QTest::newRow("project with image")
        << QStringList{"run", "--project", d + "/bad.convscope", "--image", "x.png", "--out", d}
        << 2 << QStringList{"--project", "--image"};
    QTest::newRow("project with pipeline")
        << QStringList{"info", "--project", d + "/bad.convscope", "--pipeline", "p.json"} << 2
        << QStringList{"--project", "--pipeline"};
    QTest::newRow("missing project")
        << QStringList{"run", "--project", d + "/nope.convscope", "--out", d + "/o"} << 1
        << QStringList{"nope.convscope"};
    QTest::newRow("bad project") << QStringList{"run", "--project", d + "/bad.convscope", "--out",
                                                d + "/o"}
                                 << 1 << QStringList{"bad.convscope", "image.path"};
    QTest::newRow("project without --out") << QStringList{"project"} << 2 << QStringList{"--out"};
    QTest::newRow("project of a missing image")
        << QStringList{"project", "--image", d + "/nope.png", "--out", d + "/p.convscope"} << 1
        << QStringList{"nope.png"};
    QTest::newRow("project into a blocked folder")
        << QStringList{"project", "--out", d + "/a-file/p.convscope"} << 1
        << QStringList{"a-file/p.convscope"};
}

void TestProject::cliUsageErrors() {
    QFETCH(QStringList, arguments);
    QFETCH(int, exit_code);
    QFETCH(QStringList, fragments);
    const CliResult r = run_cli(arguments);
    QCOMPARE(r.exit_code, exit_code);
    QVERIFY2(r.err.startsWith("convscope-cli: ") && r.err.count('\n') == 1, qPrintable(r.err));
    for (const QString& f : fragments)
        QVERIFY2(r.err.contains(f), qPrintable(f + " not in: " + r.err));
}

void TestProject::helpDocumentsProjects() {
    const CliResult overview = run_cli({"--help"});
    for (const char* text : {"project", "--project", "--embed", "--contact-sheet"})
        QVERIFY2(overview.out.contains(text), text);
    const CliResult project_help = run_cli({"project", "--help"});
    QCOMPARE(project_help.exit_code, 0);
    for (const char* text : {"--image", "--pipeline", "--out", "--embed", "Example"})
        QVERIFY2(project_help.out.contains(text), text);
    const CliResult run_help = run_cli({"run", "--help"});
    for (const char* text : {"--project", "--contact-sheet"})
        QVERIFY2(run_help.out.contains(text), text);
}

QTEST_GUILESS_MAIN(TestProject)
#include "test_project.moc"
