// Trained networks in the window, driven through its real widgets offscreen, on the committed
// models and samples: opening a model every way a user can (menu, drop, command line, recent
// files, the bundled entries), the import's warnings and a broken file's message, the Input
// preparation panel's undoable edits, the Prediction panel's class scores (from the live run's
// snapshot, one engine run per edit), and a session saved and reopened exactly.

#include "class_scores.hpp"
#include "document.hpp"
#include "explain_tools.hpp"
#include "input_preparation_panel.hpp"
#include "kernel_editor.hpp"
#include "main_window.hpp"
#include "map_data.hpp"
#include "model_tools.hpp"
#include "prediction_panel.hpp"
#include "project_io.hpp"
#include "render_coordinator.hpp"

#include "support/main_window_fixture.hpp"
#include "support/onnx_fixtures.hpp"

#include "export_actions.hpp"

#include "convscope/map_export.hpp"
#include "convscope/model_metadata.hpp"
#include "convscope/onnx_import.hpp"
#include "convscope/pipeline_json.hpp"

#include <QCryptographicHash>
#include <QSignalSpy>

#include <QAction>
#include <QComboBox>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QSettings>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

#include <QUndoStack>
#include <sys/stat.h>

using namespace convscope;
using namespace convscope::ui;

namespace {

const QString kModels = QStringLiteral(CONVSCOPE_RESOURCES_DIR "/models/");
const QString kFashion = kModels + QStringLiteral("fashion-mnist/fashion_mnist_cnn.onnx");
const QString kFace = kModels + QStringLiteral("face-recognition/face_recognition_trunk.onnx");
const QString kGarments = QStringLiteral(CONVSCOPE_RESOURCES_DIR "/samples/fashion-mnist/");
const QString kBadModels = QStringLiteral(CONVSCOPE_TEST_DATA_DIR "/fixtures/onnx/bad/");

struct Sample {
    QString file;
    QString label;
    QJsonArray probabilities;
};

// resources/samples/fashion-mnist/expected.json: PyTorch's answers for the bundled garments.
QList<Sample> expectedSamples() {
    QFile file(kGarments + QStringLiteral("expected.json"));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QList<Sample> samples;
    const QJsonArray list =
        QJsonDocument::fromJson(file.readAll()).object()[QStringLiteral("samples")].toArray();
    for (const QJsonValue& v : list) {
        const QJsonObject o = v.toObject();
        samples.append({o[QStringLiteral("file")].toString(),
                        o[QStringLiteral("predicted_label")].toString(),
                        o[QStringLiteral("probabilities")].toArray()});
    }
    return samples;
}

PredictionPanel* predictionOf(const MainWindow& w) {
    return w.models()->prediction();
}

// The panel shows the document as it is now.
bool predictionCurrent(const MainWindow& w) {
    const PredictionPanel* p = predictionOf(w);
    return test::isIdle(w) && p->shownRevision() == w.document()->revision() &&
           !p->shown().top.empty();
}

// The probability the panel shows for class `index` (-1 when it is not among the top five).
double shownProbability(const MainWindow& w, int index) {
    for (const ClassScore& s : predictionOf(w)->bars()->scores())
        if (s.index == index)
            return s.probability;
    return -1;
}

// A classifier of five classes that names none in its metadata (the ONNX fixture), copied into
// `dir` as garment.onnx so that a labels file can be put beside it; its path.
const QString kFiveClasses =
    QStringLiteral(CONVSCOPE_TEST_DATA_DIR "/fixtures/onnx/classifier_head/opset13.onnx");

QString copyFiveClassModel(const QTemporaryDir& dir) {
    const QString path = dir.filePath(QStringLiteral("garment.onnx"));
    QFile::copy(kFiveClasses, path);
    return path;
}

bool writeFile(const QString& path, const QByteArray& bytes) {
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

// Export ▸ All maps (PNG) of the window's session to `dir`; the manifest's "pipeline" entry
// (empty when the export failed).
QJsonObject exportedPipeline(MainWindow& w, const QString& dir) {
    QSignalSpy done(w.tools()->exports(), &ExportActions::finished);
    w.tools()->exports()->exportMaps(-1, dir, ExportFormats{true, false, false}, false);
    if (!done.wait(30000) && done.isEmpty())
        return QJsonObject();
    QFile file(QDir(dir).filePath(QStringLiteral("manifest.json")));
    if (!file.open(QIODevice::ReadOnly))
        return QJsonObject();
    return QJsonDocument::fromJson(file.readAll())
        .object()
        .value(QStringLiteral("pipeline"))
        .toObject();
}

QString sha256Of(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QString::fromLatin1(
        QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256).toHex());
}

} // namespace

class TestModelsGui : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void classifier_predicts_the_bundled_samples();
    void zeroing_a_conv1_filter_changes_the_probabilities_live();
    void metadata_becomes_the_input_normalisation();
    void input_panel_edits_are_undoable_and_live();
    void centre_crop_and_resize_fit_the_image_to_the_model();
    void import_warnings_are_shown_once();
    void broken_model_is_named_and_changes_nothing();
    void command_line_drop_recent_and_bundled_menu_open_models();
    void saved_project_and_pipeline_reopen_exactly();
    void export_names_the_unedited_model_by_its_hash();
    void hostile_labels_file_is_named_and_the_model_opens_data();
    void hostile_labels_file_is_named_and_the_model_opens();
    void hostile_labels_warning_is_shown_once();
    void hostile_metadata_labels_are_named();
    void metadata_mean_and_std_are_the_clis();
    void reopened_unedited_project_is_the_model_again();
};

void TestModelsGui::initTestCase() {
    test::prepareGuiTests();
}

void TestModelsGui::init() {
    QSettings().clear();
}

// The must-show: every bundled garment is predicted as PyTorch predicts it, by the panel, from
// the live run; a wrong class or a probability off by more than float noise fails.
void TestModelsGui::classifier_predicts_the_bundled_samples() {
    auto w = test::openMainWindow();
    w->coordinator()->setMeasureReference(false);
    QVERIFY(w->openPath(kFashion));
    QVERIFY(w->models()->predictionDock()->isVisible());
    QVERIFY(predictionOf(*w)->hasClassifier());
    const QList<Sample> samples = expectedSamples();
    QVERIFY(samples.size() >= 6);
    QStringList seen;
    for (const Sample& sample : samples) {
        QVERIFY(w->openPath(kGarments + sample.file));
        QTRY_VERIFY_WITH_TIMEOUT(predictionCurrent(*w), 20000);
        const Prediction& shown = predictionOf(*w)->shown();
        QCOMPARE(shown.classes, 10);
        QCOMPARE(shown.top.size(), std::size_t{5});
        QCOMPARE(shown.top.front().label, sample.label);
        QVERIFY2(predictionOf(*w)->headline().contains(sample.label.toHtmlEscaped()),
                 qPrintable(predictionOf(*w)->headline()));
        for (const ClassScore& s : shown.top)
            QVERIFY2(std::abs(s.probability - sample.probabilities[s.index].toDouble()) <= 1e-5,
                     qPrintable(sample.file + QStringLiteral(" class %1").arg(s.index)));
        for (std::size_t i = 1; i < shown.top.size(); ++i)
            QVERIFY(shown.top[i - 1].probability >= shown.top[i].probability);
        seen << shown.top.front().label;
    }
    seen.removeDuplicates();
    QCOMPARE(seen.size(), samples.size()); // six garments, six different answers
}

// Break one trained filter of conv1 in the kernel editor: the scores change with that edit's
// one engine run (the panel reads its snapshot), and undo brings them back exactly.
void TestModelsGui::zeroing_a_conv1_filter_changes_the_probabilities_live() {
    auto w = test::openMainWindow();
    w->coordinator()->setMeasureReference(false);
    QVERIFY(w->openPath(kFashion));
    // The least certain of the samples (98.9 %), so that a lost filter shows in the figures.
    QVERIFY(w->openPath(kGarments + QStringLiteral("t-shirt-top.png")));
    QTRY_VERIFY_WITH_TIMEOUT(predictionCurrent(*w), 20000);
    const Prediction before = predictionOf(*w)->shown();
    QCOMPARE(before.top.front().label, QStringLiteral("T-shirt/top"));

    // The filter whose loss moves the probabilities most is not known in advance: zero each of
    // conv1's filters in turn and undo, and require that every one changes the top class's
    // probability and that some change it by more than 0.1 percentage points.
    w->document()->setSelectedLayer(0);
    const auto* conv = std::get_if<Conv2d>(&w->document()->pipeline().layers[0].op);
    QVERIFY(conv);
    double largest = 0;
    for (int f = 0; f < conv->weights.out_channels; ++f) {
        w->document()->setSelectedFilter(f);
        const int runs = w->coordinator()->renderThread()->completedRuns();
        w->kernelEditor()->zero();
        QTRY_VERIFY_WITH_TIMEOUT(predictionCurrent(*w), 20000);
        // One engine run for the edit: the panel has no run of its own.
        QCOMPARE(w->coordinator()->renderThread()->completedRuns(), runs + 1);
        const double p = shownProbability(*w, before.top.front().index);
        QVERIFY2(p != before.top.front().probability,
                 qPrintable(QStringLiteral("filter %1 changed nothing").arg(f + 1)));
        largest = std::max(largest, std::abs(p - before.top.front().probability));
        w->document()->undoStack()->undo();
        QTRY_VERIFY_WITH_TIMEOUT(predictionCurrent(*w), 20000);
        QCOMPARE(shownProbability(*w, before.top.front().index), before.top.front().probability);
    }
    QVERIFY2(largest > 1e-3, qPrintable(QString::number(largest)));
}

// The face network's metadata states its training mean: it becomes the pipeline's
// normalisation, shown per channel in the panel; it has no classifier head, so no Prediction.
void TestModelsGui::metadata_becomes_the_input_normalisation() {
    auto w = test::openMainWindow();
    w->coordinator()->setMeasureReference(false);
    QVERIFY(w->openPath(kFace));
    const Pipeline& p = w->document()->pipeline();
    QCOMPARE(p.input_mode, InputMode::Rgb);
    QCOMPARE(p.normalization.mean.size(), std::size_t{3});
    QCOMPARE(p.normalization.mean[0], 0.481498f);
    QVERIFY(p.normalization.std_dev.empty()); // std 1: nothing divided
    QCOMPARE(p.input_size, (Pair{150, 150}));
    QCOMPARE(p.input_fit, InputFit::Whole); // convolutions only: the whole image runs
    InputPreparationPanel* panel = w->models()->inputPanel();
    QTRY_VERIFY(panel->isVisible());
    QCOMPARE(panel->meanBox(2)->value(), 0.4090);
    QCOMPARE(panel->stdBox(0)->value(), 1.0);
    QCOMPARE(panel->presetBox()->currentText(), QStringLiteral("The model's own"));
    QCOMPARE(panel->widthBox()->value(), 150);
    QVERIFY(panel->fitText().contains(QLatin1String("whole")));
    QVERIFY(!w->models()->predictionDock()->isVisible());
    QVERIFY(!predictionOf(*w)->hasClassifier());
    QVERIFY(w->document()->modelUnedited());
}

// Each field of the panel is one undo step that re-renders.
void TestModelsGui::input_panel_edits_are_undoable_and_live() {
    auto w = test::openMainWindow();
    w->coordinator()->setMeasureReference(false);
    QVERIFY(w->openPath(kFashion));
    QVERIFY(w->openPath(kGarments + QStringLiteral("trouser.png")));
    QTRY_VERIFY_WITH_TIMEOUT(predictionCurrent(*w), 20000);
    const double trouser = predictionOf(*w)->shown().top.front().probability;
    InputPreparationPanel* panel = w->models()->inputPanel();
    QUndoStack* undo = w->document()->undoStack();
    const int steps = undo->count();

    QDoubleSpinBox* mean = panel->meanBox(0);
    QVERIFY(mean);
    mean->setFocus();
    mean->selectAll();
    QTest::keyClicks(mean, QStringLiteral("0.5"));
    QTest::keyClick(mean, Qt::Key_Return);
    QCOMPARE(w->document()->pipeline().normalization.mean_of(0), 0.5f);
    QCOMPARE(undo->count(), steps + 1);
    QVERIFY(!w->document()->modelUnedited());
    QCOMPARE(panel->presetBox()->currentText(), QStringLiteral("Custom"));
    QTRY_VERIFY_WITH_TIMEOUT(predictionCurrent(*w), 20000);
    QVERIFY(predictionOf(*w)->shown().top.front().probability != trouser ||
            predictionOf(*w)->shown().top.front().label != QLatin1String("Trouser"));

    QTest::keyClick(w.get(), Qt::Key_Z, Qt::ControlModifier); // from anywhere in the window
    QCOMPARE(w->document()->pipeline().normalization.mean_of(0), 0.0f);
    QCOMPARE(mean->value(), 0.0);
    QVERIFY(w->document()->modelUnedited());
    QTRY_VERIFY_WITH_TIMEOUT(predictionCurrent(*w), 20000);
    QCOMPARE(predictionOf(*w)->shown().top.front().probability, trouser);

    // The preset: a one-channel model is offered none and its own (there is none), no ImageNet.
    QCOMPARE(panel->presetBox()->findText(QStringLiteral("ImageNet")), -1);
}

// A photo opened with the 28 × 28 classifier is brought to 28 × 28 so that its head can run;
// the choice between resizing, centre-cropping and the whole image is undoable.
void TestModelsGui::centre_crop_and_resize_fit_the_image_to_the_model() {
    auto w = test::openMainWindow();
    w->coordinator()->setMeasureReference(false);
    QVERIFY(w->openPath(kFashion)); // over the 451 × 300 sample photo
    QCOMPARE(w->document()->pipeline().input_fit, InputFit::Resize);
    QCOMPARE(w->document()->imageSize(), QSize(451, 300));
    QCOMPARE(w->document()->input()->shape(), (Shape{1, 28, 28}));
    QTRY_VERIFY_WITH_TIMEOUT(predictionCurrent(*w), 20000);
    const std::vector<float> resized = w->document()->input()->to_dense();

    InputPreparationPanel* panel = w->models()->inputPanel();
    QComboBox* fit = panel->fitBox();
    fit->setCurrentIndex(fit->findData(int(InputFit::CenterCrop)));
    Q_EMIT fit->activated(fit->currentIndex());
    QCOMPARE(w->document()->pipeline().input_fit, InputFit::CenterCrop);
    QCOMPARE(w->document()->input()->shape(), (Shape{1, 28, 28}));
    QVERIFY(w->document()->input()->to_dense() != resized); // the middle, not the whole photo
    QVERIFY(panel->fitText().contains(QLatin1String("middle")));
    QTRY_VERIFY_WITH_TIMEOUT(predictionCurrent(*w), 20000);

    fit->setCurrentIndex(fit->findData(int(InputFit::Whole)));
    Q_EMIT fit->activated(fit->currentIndex());
    QCOMPARE(w->document()->input()->shape(), (Shape{1, 300, 451}));
    // The head cannot take 451 × 300 maps: the panel says why instead of scores.
    QTRY_VERIFY_WITH_TIMEOUT(test::isIdle(*w), 20000);
    QTRY_VERIFY(predictionOf(*w)->shown().top.empty());

    w->document()->undoStack()->undo();
    w->document()->undoStack()->undo();
    QCOMPARE(w->document()->pipeline().input_fit, InputFit::Resize);
    QCOMPARE(w->document()->input()->to_dense(), resized);
}

// A model with an op ConvScope has no layer for opens as far as it runs, and one message
// says what was left out and why.
void TestModelsGui::import_warnings_are_shown_once() {
    auto w = test::openMainWindow();
    w->coordinator()->setMeasureReference(false);
    QVERIFY(w->openPath(kBadModels + QStringLiteral("unsupported_lrn.onnx")));
    QMessageBox* box = nullptr;
    QTRY_VERIFY((box = w->findChild<QMessageBox*>(QStringLiteral("importWarningsBox"))));
    QVERIFY(box->text().contains(QLatin1String("unsupported_lrn.onnx")));
    QVERIFY2(box->informativeText().contains(QLatin1String("lrn1")) &&
                 box->informativeText().contains(QLatin1String("LRN")),
             qPrintable(box->informativeText()));
    QCOMPARE(w->findChildren<QMessageBox*>(QStringLiteral("importWarningsBox")).size(), 1);
    box->close();
    QTRY_VERIFY(!w->findChild<QMessageBox*>(QStringLiteral("importWarningsBox")));
    // An edit later shows nothing again.
    w->document()->setSelectedLayer(0);
    w->kernelEditor()->zero();
    QTest::qWait(50);
    QVERIFY(!w->findChild<QMessageBox*>(QStringLiteral("importWarningsBox")));
    // A clean model has nothing to say.
    QVERIFY(w->openPath(kFashion));
    QTest::qWait(50);
    QVERIFY(!w->findChild<QMessageBox*>(QStringLiteral("importWarningsBox")));
}

// A broken model gets the file-problem box, naming the file and the fault; the session stays.
void TestModelsGui::broken_model_is_named_and_changes_nothing() {
    auto w = test::openMainWindow();
    w->coordinator()->setMeasureReference(false);
    QVERIFY(w->openPath(kFashion));
    const Pipeline before = w->document()->pipeline();
    const quint64 revision = w->document()->revision();
    QTemporaryDir dir;
    const QString broken = dir.filePath(QStringLiteral("broken.onnx"));
    QVERIFY(QFile::copy(kBadModels + QStringLiteral("truncated.onnx"), broken));
    QVERIFY(!w->openPath(broken));
    QMessageBox* box = nullptr;
    QTRY_VERIFY((box = w->findChild<QMessageBox*>(QStringLiteral("fileProblemBox"))));
    QCOMPARE(box->text(), QStringLiteral("Cannot open the model “broken.onnx”."));
    QVERIFY(!box->informativeText().isEmpty());
    QVERIFY(!box->informativeText().startsWith(broken));
    QCOMPARE(w->document()->pipeline(), before);
    QCOMPARE(w->document()->revision(), revision);
    QCOMPARE(w->document()->model()->path, QFileInfo(kFashion).absoluteFilePath());
    box->close();
}

void TestModelsGui::command_line_drop_recent_and_bundled_menu_open_models() {
    // The command line: `convscope model.onnx image` — no edit to undo, nothing to save.
    {
        auto w = test::openMainWindow();
        w->coordinator()->setMeasureReference(false);
        QVERIFY(w->openPath(kFashion, MainWindow::OpenReason::CommandLine));
        QVERIFY(w->openPath(kGarments + QStringLiteral("dress.png"),
                            MainWindow::OpenReason::CommandLine));
        QVERIFY(!w->document()->undoStack()->canUndo());
        QVERIFY(!w->isWindowModified());
        QTRY_VERIFY_WITH_TIMEOUT(predictionCurrent(*w), 20000);
        QCOMPARE(predictionOf(*w)->shown().top.front().label, QStringLiteral("Dress"));
        // Recent files: the model is there, and opens from there.
        QVERIFY(QSettings()
                    .value(QStringLiteral("recentFiles"))
                    .toStringList()
                    .contains(QFileInfo(kFashion).absoluteFilePath()));
    }
    // Dropped on the window.
    {
        auto w = test::openMainWindow();
        w->coordinator()->setMeasureReference(false);
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(kFace)});
        QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton,
                              Qt::NoModifier);
        QCoreApplication::sendEvent(w.get(), &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(w.get(), &drop);
        QVERIFY(w->document()->model());
        QCOMPARE(w->document()->model()->path, QFileInfo(kFace).absoluteFilePath());
        QCOMPARE(w->document()->pipeline().input_mode, InputMode::Rgb);
        // Undo goes back to the stack before: the drop was an edit.
        QVERIFY(w->document()->undoStack()->canUndo());

        QMenu* recent = w->findChild<QMenu*>(QStringLiteral("recentMenu"));
        QVERIFY(recent && !recent->actions().isEmpty());
        QCOMPARE(recent->actions().first()->toolTip(), QFileInfo(kFace).absoluteFilePath());
    }
    // The bundled networks in the Pipelines menu: the classifier comes with a garment.
    {
        auto w = test::openMainWindow();
        w->coordinator()->setMeasureReference(false);
        QAction* entry = nullptr;
        for (QAction* a : w->findChildren<QAction*>())
            if (a->text().startsWith(QLatin1String("Fashion-MNIST classifier")))
                entry = a;
        QVERIFY(entry);
        entry->trigger();
        QCOMPARE(w->document()->model()->path, QFileInfo(kFashion).absoluteFilePath());
        QVERIFY(w->document()->imagePath().startsWith(QFileInfo(kGarments).absoluteFilePath()));
        QTRY_VERIFY_WITH_TIMEOUT(predictionCurrent(*w), 20000);
        QCOMPARE(predictionOf(*w)->shown().top.front().label, QStringLiteral("Ankle boot"));
        QAction* open = w->models()->openAction();
        QVERIFY(open->isEnabled() && !open->shortcut().isEmpty());
    }
}

// Saved as a project or as a pipeline file and opened again: the same pipeline (weights,
// normalisation, size and fit), the same class names, the same prediction.
void TestModelsGui::saved_project_and_pipeline_reopen_exactly() {
    QTemporaryDir dir;
    Pipeline saved;
    Prediction predicted;
    const QString project = dir.filePath(QStringLiteral("garment.convscope"));
    const QString pipeline = dir.filePath(QStringLiteral("garment.json"));
    {
        auto w = test::openMainWindow();
        w->coordinator()->setMeasureReference(false);
        QVERIFY(w->openPath(kFashion));
        QVERIFY(w->openPath(kGarments + QStringLiteral("sandal.png")));
        // Edits the file has not: a mean, a zeroed filter.
        w->document()->edit(QStringLiteral("mean"), [&] {
            Pipeline p = w->document()->pipeline();
            p.normalization.mean = {0.1f};
            return p;
        }());
        w->document()->setSelectedLayer(0);
        w->document()->setSelectedFilter(3);
        w->kernelEditor()->zero();
        QTRY_VERIFY_WITH_TIMEOUT(predictionCurrent(*w), 20000);
        saved = w->document()->pipeline();
        predicted = predictionOf(*w)->shown();
        QVERIFY(w->tools()->project()->saveTo(project));
        QVERIFY(w->savePipelineTo(pipeline));
        QVERIFY(QFileInfo::exists(dir.filePath(QStringLiteral("garment.labels.txt"))));
    }
    for (const QString& file : {project, pipeline}) {
        auto w = test::openMainWindow();
        w->coordinator()->setMeasureReference(false);
        QVERIFY(w->openPath(file, MainWindow::OpenReason::CommandLine));
        if (file == pipeline)
            QVERIFY(w->openPath(kGarments + QStringLiteral("sandal.png")));
        QVERIFY2(w->document()->pipeline() == saved, qPrintable(file));
        QCOMPARE(w->document()->classLabels().size(), 10);
        QCOMPARE(w->document()->classLabels().at(5), QStringLiteral("Sandal"));
        QTRY_VERIFY_WITH_TIMEOUT(predictionCurrent(*w), 20000);
        const Prediction& again = predictionOf(*w)->shown();
        QCOMPARE(again.top.size(), predicted.top.size());
        for (std::size_t i = 0; i < again.top.size(); ++i) {
            QCOMPARE(again.top[i].label, predicted.top[i].label);
            QCOMPARE(again.top[i].probability, predicted.top[i].probability);
        }
    }
}

// Export ▸ All maps of a model as opened writes a manifest that names the model file and its
// SHA-256; after an edit, the whole pipeline that made the maps.
void TestModelsGui::export_names_the_unedited_model_by_its_hash() {
    auto w = test::openMainWindow();
    w->coordinator()->setMeasureReference(false);
    QVERIFY(w->openPath(kFashion));
    QVERIFY(w->openPath(kGarments + QStringLiteral("dress.png")));
    QFile model(kFashion);
    QVERIFY(model.open(QIODevice::ReadOnly));
    const QString sha = QString::fromLatin1(
        QCryptographicHash::hash(model.readAll(), QCryptographicHash::Sha256).toHex());
    const auto exportTo = [&w](const QString& dir) {
        QSignalSpy done(w->tools()->exports(), &ExportActions::finished);
        w->tools()->exports()->exportMaps(-1, dir, ExportFormats{true, false, false}, false);
        if (!done.wait(30000) && done.isEmpty())
            return QJsonObject();
        QFile file(QDir(dir).filePath(QStringLiteral("manifest.json")));
        if (!file.open(QIODevice::ReadOnly))
            return QJsonObject();
        return QJsonDocument::fromJson(file.readAll()).object();
    };
    QTemporaryDir first;
    const QJsonObject reference =
        exportTo(first.path()).value(QStringLiteral("pipeline")).toObject();
    QCOMPARE(reference.value(QStringLiteral("model")).toString(),
             QFileInfo(kFashion).absoluteFilePath());
    QCOMPARE(reference.value(QStringLiteral("sha256")).toString(), sha);
    QCOMPARE(reference.value(QStringLiteral("input")).toObject().value(QStringLiteral("fit")),
             QJsonValue(QStringLiteral("resize")));

    w->document()->setSelectedLayer(0);
    w->kernelEditor()->zero();
    QTemporaryDir second;
    const QJsonObject pipeline =
        exportTo(second.path()).value(QStringLiteral("pipeline")).toObject();
    QVERIFY(!pipeline.contains(QStringLiteral("sha256")));
    QVERIFY(parse_pipeline(QJsonDocument(pipeline).toJson().toStdString()) ==
            w->document()->pipeline());
    // Undone, it is the model again.
    w->document()->undoStack()->undo();
    QTemporaryDir third;
    QCOMPARE(exportTo(third.path())
                 .value(QStringLiteral("pipeline"))
                 .toObject()
                 .value(QStringLiteral("sha256"))
                 .toString(),
             sha);
}

// A labels file beside a model is hostile input like any file: empty, huge, binary, not UTF-8,
// a name too long, the wrong number of names, a folder or a FIFO of that name. Each gives one
// sentence naming the file and what is wrong; the model opens, its classes named by number.
void TestModelsGui::hostile_labels_file_is_named_and_the_model_opens_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("expected");
    QTest::newRow("empty") << "empty"
                           << "is empty";
    QTest::newRow("blank lines") << "blank"
                                 << "is empty";
    QTest::newRow("100 MB") << "huge"
                            << "is 104857600 bytes";
    QTest::newRow("a line of 10 MB") << "long line file"
                                     << "bytes; a labels file has at most";
    QTest::newRow("a name of 5000 characters") << "long name"
                                               << "line 3 is 5000 characters";
    QTest::newRow("NUL bytes") << "binary"
                               << "binary data";
    QTest::newRow("invalid UTF-8") << "latin1"
                                   << "is not UTF-8";
    QTest::newRow("four names for five classes") << "four"
                                                 << "names 4 classes, but the model "
                                                    "scores 5";
    QTest::newRow("six names") << "six"
                               << "names 6 classes";
    QTest::newRow("a folder") << "folder"
                              << "is a folder";
    QTest::newRow("a FIFO") << "fifo"
                            << "is not a regular file";
}

void TestModelsGui::hostile_labels_file_is_named_and_the_model_opens() {
    QFETCH(QString, kind);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    const QString model = copyFiveClassModel(dir);
    const QString labels = dir.filePath(QStringLiteral("garment.labels.txt"));
    QByteArray names;
    for (int i = 0; i < 5; ++i)
        names += "Class name " + QByteArray::number(i) + "\n";
    if (kind == QLatin1String("empty")) {
        QVERIFY(writeFile(labels, {}));
    } else if (kind == QLatin1String("blank")) {
        QVERIFY(writeFile(labels, "\n \r\n\n"));
    } else if (kind == QLatin1String("huge")) {
        QFile file(labels); // sparse: 100 MB on the disk's books, nothing written
        QVERIFY(file.open(QIODevice::WriteOnly) && file.resize(qint64(100) << 20));
    } else if (kind == QLatin1String("long line file")) {
        QVERIFY(writeFile(labels, "T-shirt\n" + QByteArray(10 << 20, 'x') + "\n"));
    } else if (kind == QLatin1String("long name")) {
        QVERIFY(writeFile(labels, "T-shirt\nTrouser\n" + QByteArray(5000, 'y') + "\n"));
    } else if (kind == QLatin1String("binary")) {
        QVERIFY(writeFile(labels, names.left(20) + QByteArray(64, '\0') + names.mid(20)));
    } else if (kind == QLatin1String("latin1")) {
        QVERIFY(writeFile(labels, names + "Espadrille \xe9t\xe9\n"));
    } else if (kind == QLatin1String("four")) {
        QVERIFY(writeFile(labels, names.left(names.lastIndexOf("Class name 4"))));
    } else if (kind == QLatin1String("six")) {
        QVERIFY(writeFile(labels, names + "Extra\n"));
    } else if (kind == QLatin1String("folder")) {
        QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("garment.labels.txt")));
    } else if (kind == QLatin1String("fifo")) {
        QCOMPARE(::mkfifo(QFile::encodeName(labels).constData(), 0600), 0);
    }
    QString error;
    const std::optional<ModelSource> source = importModel(model, &error);
    QVERIFY2(source, qPrintable(error));
    QVERIFY(source->labels.isEmpty());
    QCOMPARE(classLabel(source->labels, 3), QStringLiteral("class 3"));
    QStringList about;
    for (const QString& w : source->warnings)
        if (w.contains(QLatin1String("labels")))
            about << w;
    QCOMPARE(about.size(), 1); // one sentence
    QVERIFY2(about[0].contains(QDir::toNativeSeparators(labels)) ||
                 about[0].contains(QLatin1String("garment.labels.txt")),
             qPrintable(about[0]));
    QVERIFY2(about[0].contains(expected), qPrintable(about[0]));
    QVERIFY2(about[0].contains(QLatin1String("class 0")), qPrintable(about[0]));
    QVERIFY(about[0].size() < 400);
    // And five good names are taken.
    if (kind == QLatin1String("empty")) {
        QVERIFY(writeFile(labels, names));
        const auto good = importModel(model, &error);
        QVERIFY(good);
        QCOMPARE(good->labels.size(), 5);
        QCOMPARE(good->labels.at(3), QStringLiteral("Class name 3"));
        QVERIFY(good->warnings.isEmpty());
    }
}

// In the window: the model opens, the Prediction panel names classes by number, the problem
// is said once in the import-warnings box.
void TestModelsGui::hostile_labels_warning_is_shown_once() {
    QTemporaryDir dir;
    const QString model = copyFiveClassModel(dir);
    QVERIFY(writeFile(dir.filePath(QStringLiteral("garment.labels.txt")), "Only\nthree\nnames\n"));
    auto w = test::openMainWindow();
    w->coordinator()->setMeasureReference(false);
    QVERIFY(w->openPath(model));
    QVERIFY(w->openPath(kGarments + QStringLiteral("sandal.png")));
    QMessageBox* box = nullptr;
    QTRY_VERIFY((box = w->findChild<QMessageBox*>(QStringLiteral("importWarningsBox"))));
    QVERIFY2(box->informativeText().contains(QLatin1String("garment.labels.txt names 3 classes")),
             qPrintable(box->informativeText()));
    QCOMPARE(w->findChildren<QMessageBox*>(QStringLiteral("importWarningsBox")).size(), 1);
    box->close();
    QVERIFY(w->document()->classLabels().isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(predictionCurrent(*w), 20000);
    QVERIFY(predictionOf(*w)->shown().top[0].label.startsWith(QLatin1String("class ")));
    QTest::qWait(50);
    QVERIFY(!w->findChild<QMessageBox*>(QStringLiteral("importWarningsBox")));
}

// The metadata's "labels" under the same limits: not an array of strings, a name too long, too
// large, the wrong count; each said once, and a labels file beside the model is used instead.
void TestModelsGui::hostile_metadata_labels_are_named() {
    QFile original(kFiveClasses);
    QVERIFY(original.open(QIODevice::ReadOnly));
    const QByteArray bytes = original.readAll();
    QTemporaryDir dir;
    const QString model = dir.filePath(QStringLiteral("tagged.onnx"));
    const struct {
        QByteArray value;
        const char* expected;
    } cases[] = {
        {"not json", "is not a JSON array of strings"},
        {"[1, 2, 3]", "is not a JSON array of strings"},
        {"[\"a\", \"" + QByteArray(300, 'z') + "\"]", "a name of 300 characters (label 2)"},
        {"[\"" + QByteArray(2 << 20, 'z') + "\"]", "holds 2097156 bytes"},
        {"[\"a\", \"b\"]", "names 2 classes, but the model scores 5"},
        {"[]", "is empty"},
    };
    for (const auto& c : cases) {
        QVERIFY(writeFile(model, onnx_fixtures::withMetadata(bytes, "labels", c.value)));
        QString error;
        const auto source = importModel(model, &error);
        QVERIFY2(source, qPrintable(error));
        QVERIFY(source->labels.isEmpty());
        QCOMPARE(source->warnings.size(), 1);
        QVERIFY2(source->warnings[0].contains(QLatin1String("labels")) &&
                     source->warnings[0].contains(QLatin1String(c.expected)),
                 qPrintable(source->warnings[0]));
    }
    // Good names in the metadata are the model's.
    QByteArray five = "[";
    for (int i = 0; i < 5; ++i)
        five += (i ? ",\"n" : "\"n") + QByteArray::number(i) + "\"";
    QVERIFY(writeFile(model, onnx_fixtures::withMetadata(bytes, "labels", five + "]")));
    QString error;
    const auto source = importModel(model, &error);
    QVERIFY2(source, qPrintable(error));
    QCOMPARE(source->labels.size(), 5);
    QCOMPARE(source->labels.at(4), QStringLiteral("n4"));
    QVERIFY(source->warnings.isEmpty());
    // Unusable metadata, a good file beside: the file's names, and the one warning.
    QVERIFY(writeFile(model, onnx_fixtures::withMetadata(bytes, "labels", "[1]")));
    QVERIFY(writeFile(dir.filePath(QStringLiteral("tagged.labels.txt")), "a\nb\nc\nd\ne\n"));
    const auto fallback = importModel(model, &error);
    QVERIFY(fallback);
    QCOMPARE(fallback->labels.size(), 5);
    QCOMPARE(fallback->warnings.size(), 1);
}

// The app's input preparation of a model whose metadata states input_mean and input_std is
// the engine's (apply_input_metadata), which the CLI runs too: test_onnx_cli's
// metadata_mean_and_std_prepare_the_input_as_in_the_app tags the same model with the same
// numbers and checks the CLI's maps against this very pipeline.
void TestModelsGui::metadata_mean_and_std_are_the_clis() {
    QFile original(kFiveClasses);
    QVERIFY(original.open(QIODevice::ReadOnly));
    QTemporaryDir dir;
    const QString model = dir.filePath(QStringLiteral("tagged.onnx"));
    QVERIFY(writeFile(model, onnx_fixtures::withMetadata(
                                 onnx_fixtures::withMetadata(original.readAll(), "input_mean",
                                                             "[0.125, 0.5, -0.25]"),
                                 "input_std", "[0.5, 0.25, 2]")));
    QString error;
    const auto source = importModel(model, &error);
    QVERIFY2(source, qPrintable(error));
    QVERIFY(source->warnings.isEmpty());
    Pipeline expected = import_onnx(model.toStdString()).pipeline;
    expected.normalization.mean = {0.125f, 0.5f, -0.25f};
    expected.normalization.std_dev = {0.5f, 0.25f, 2.0f};
    expected.input_size = {20, 24}; // as the fixture declares; a global pooling takes any size
    QCOMPARE(source->imported.normalization, expected.normalization);
    QCOMPARE(source->imported.input_fit, InputFit::Whole);
    QCOMPARE(source->imported, expected);
    OnnxImport cli = import_onnx(model.toStdString());
    apply_input_metadata(cli);
    QCOMPARE(cli.pipeline, source->imported);
}

// A session of a model as opened, saved as a project and reopened, is still the model: the
// project names the file (path relative to the project, SHA-256), and on reopening, the file
// still having that hash and importing to the project's pipeline, exports name the model again.
// A changed model file, or a session saved after an edit, reopens as the full pipeline.
void TestModelsGui::reopened_unedited_project_is_the_model_again() {
    QTemporaryDir dir;
    const QString model = dir.filePath(QStringLiteral("models/garment.onnx"));
    QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("models")));
    QVERIFY(QFile::copy(kFashion, model));
    const QString project = dir.filePath(QStringLiteral("session.convscope"));
    const QString edited = dir.filePath(QStringLiteral("edited.convscope"));
    const QString sha = sha256Of(model);
    {
        auto w = test::openMainWindow();
        w->coordinator()->setMeasureReference(false);
        QVERIFY(w->openPath(model));
        QVERIFY(w->openPath(kGarments + QStringLiteral("dress.png")));
        QVERIFY(w->document()->modelUnedited());
        QVERIFY(w->tools()->project()->saveTo(project));
        w->document()->setSelectedLayer(0);
        w->kernelEditor()->zero();
        QVERIFY(w->tools()->project()->saveTo(edited));
    }
    const auto viewOf = [](const QString& file) {
        QFile f(file);
        f.open(QIODevice::ReadOnly);
        return QJsonDocument::fromJson(f.readAll())
            .object()
            .value(QStringLiteral("view"))
            .toObject();
    };
    const QJsonObject reference = viewOf(project).value(QStringLiteral("model")).toObject();
    QCOMPARE(reference.value(QStringLiteral("path")).toString(),
             QStringLiteral("models/garment.onnx"));
    QCOMPARE(reference.value(QStringLiteral("sha256")).toString(), sha);
    QVERIFY(!viewOf(edited).contains(QStringLiteral("model")));

    {
        auto w = test::openMainWindow();
        w->coordinator()->setMeasureReference(false);
        QVERIFY(w->openPath(project, MainWindow::OpenReason::CommandLine));
        QVERIFY(w->document()->model());
        QVERIFY(w->document()->modelUnedited());
        QCOMPARE(w->document()->model()->path, QFileInfo(model).absoluteFilePath());
        QCOMPARE(w->document()->classLabels().size(), 10);
        QVERIFY(!w->tools()->project()->isModified());
        QTemporaryDir out;
        const QJsonObject pipeline = exportedPipeline(*w, out.path());
        QCOMPARE(pipeline.value(QStringLiteral("sha256")).toString(), sha);
        QCOMPARE(pipeline.value(QStringLiteral("model")).toString(),
                 QFileInfo(model).absoluteFilePath());
        // An edit makes it a pipeline; undone, the model again.
        w->document()->setSelectedLayer(0);
        w->kernelEditor()->zero();
        QVERIFY(!w->document()->modelUnedited());
        w->document()->undoStack()->undo();
        QVERIFY(w->document()->modelUnedited());
        // Saved again unedited: still the model.
        QVERIFY(w->tools()->project()->save());
        QCOMPARE(viewOf(project).value(QStringLiteral("model")).toObject(), reference);
    }
    {
        // Saved after an edit: the full pipeline.
        auto w = test::openMainWindow();
        w->coordinator()->setMeasureReference(false);
        QVERIFY(w->openPath(edited, MainWindow::OpenReason::CommandLine));
        QVERIFY(!w->document()->modelUnedited());
    }
    // The model file changed since (one byte changed): the reference no longer holds.
    QFile file(model);
    QVERIFY(file.open(QIODevice::ReadWrite));
    QByteArray bytes = file.readAll();
    bytes[bytes.size() - 3] = char(bytes[bytes.size() - 3] ^ 0x01);
    QVERIFY(file.seek(0) && file.write(bytes) == bytes.size());
    file.close();
    QVERIFY(sha256Of(model) != sha);
    for (bool removed : {false, true}) {
        if (removed)
            QVERIFY(QFile::remove(model));
        auto w = test::openMainWindow();
        w->coordinator()->setMeasureReference(false);
        QVERIFY(w->openPath(project, MainWindow::OpenReason::CommandLine));
        QVERIFY(!w->document()->modelUnedited());
        QTemporaryDir out;
        const QJsonObject pipeline = exportedPipeline(*w, out.path());
        QVERIFY(!pipeline.isEmpty());
        QVERIFY(!pipeline.contains(QStringLiteral("sha256")));
        QVERIFY(parse_pipeline(QJsonDocument(pipeline).toJson().toStdString()) ==
                w->document()->pipeline());
    }
}

QTEST_MAIN(TestModelsGui)
#include "test_models_gui.moc"
