#include "model_tools.hpp"

#include "class_scores.hpp"
#include "document.hpp"
#include "input_preparation_panel.hpp"
#include "prediction_panel.hpp"

#include "resource_paths.hpp"

#include <QAction>
#include <QDir>
#include <QDockWidget>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>
#include <QTimer>

namespace convscope::ui {

QList<BundledModel> bundledModels() {
    QList<BundledModel> models;
    const auto add = [&models](const QString& title, const char* model, const char* sample) {
        const QString path = resource_path(QString::fromLatin1(model));
        if (QFileInfo::exists(path))
            models.append(
                {title, path, sample ? resource_path(QString::fromLatin1(sample)) : QString()});
    };
    add(QObject::tr("Face-recognition ResNet (trained on photos)"),
        "models/face-recognition/face_recognition_trunk.onnx", nullptr);
    add(QObject::tr("Fashion-MNIST classifier (with a sample garment)"),
        "models/fashion-mnist/fashion_mnist_cnn.onnx", "samples/fashion-mnist/ankle-boot.png");
    return models;
}

ModelTools::ModelTools(MainWindow* window, Document* document, MapDataProvider* data)
    : QObject(window), window_(window), document_(document) {
    setObjectName(QStringLiteral("modelTools"));
    input_ = new InputPreparationPanel(document);
    prediction_ = new PredictionPanel(document, data);

    inputDock_ = new QDockWidget(tr("Input preparation"), window);
    inputDock_->setObjectName(QStringLiteral("inputDock"));
    inputDock_->setWidget(input_);
    predictionDock_ = new QDockWidget(tr("Prediction"), window);
    predictionDock_->setObjectName(QStringLiteral("predictionDock"));
    predictionDock_->setWidget(prediction_);
    // As the other value panels: a dock behind another tab hides its panel, which then asks for
    // no values.
    connect(predictionDock_, &QDockWidget::visibilityChanged, prediction_, &QWidget::setVisible);
    // Left, a tab beside the layer's properties; at the bottom, a tab over the Speed panel,
    // under the maps and beside the kernel editor's column, which it leaves whole: the class
    // scores stay in sight while a filter is edited.
    if (auto* properties = window->findChild<QDockWidget*>(QStringLiteral("propertiesDock")))
        window->tabifyDockWidget(properties, inputDock_);
    else
        window->addDockWidget(Qt::LeftDockWidgetArea, inputDock_);
    if (auto* speed = window->findChild<QDockWidget*>(QStringLiteral("speedDock"))) {
        window->tabifyDockWidget(speed, predictionDock_);
        speed->raise(); // the tab in front, as before there was a Prediction tab
    } else
        window->addDockWidget(Qt::BottomDockWidgetArea, predictionDock_);
    if (auto* properties = window->findChild<QDockWidget*>(QStringLiteral("propertiesDock")))
        properties->raise();
    // Shown when the pipeline comes to score classes (a model, a pipeline file, a project, an
    // undo), hidden when it no longer does: a stack of filters has nothing to predict. In
    // between, the user's choice stands.
    predictionDock_->hide();
    connect(document, &Document::pipelineChanged, this, [this] {
        const bool classifier = classifierHead(document_->pipeline()).has_value();
        if (classifier == hadClassifier_)
            return;
        hadClassifier_ = classifier;
        predictionDock_->setVisible(classifier);
        if (classifier) {
            predictionDock_->raise();
        }
    });

    open_ = new QAction(tr("Open &model…"), this);
    open_->setObjectName(QStringLiteral("openModel"));
    open_->setShortcut(QKeySequence(tr("Ctrl+M")));
    open_->setToolTip(tr("Open a trained network (ONNX): its layers, weights and input "
                         "preparation"));
    connect(open_, &QAction::triggered, this, &ModelTools::openDialog);
    window->installEventFilter(this);
}

void ModelTools::installMenus(QMenu* file, QAction* before, QMenu* pipelines) {
    file->insertAction(before, open_);
    const QList<BundledModel> models = bundledModels();
    if (models.isEmpty())
        return;
    pipelines->addSeparator();
    pipelines->addSection(tr("Trained networks"));
    for (const BundledModel& model : models) {
        QAction* a = pipelines->addAction(model.title);
        a->setToolTip(QDir::toNativeSeparators(model.path));
        connect(a, &QAction::triggered, this, [this, model] { openBundled(model); });
    }
}

void ModelTools::openDialog() {
    const QString dir = document_->model() ? QFileInfo(document_->model()->path).absolutePath()
                                           : resource_path(QStringLiteral("models"));
    const QString path = QFileDialog::getOpenFileName(window_, tr("Open model"), dir,
                                                      tr("ONNX models (*.onnx);;All files (*)"));
    if (!path.isEmpty())
        window_->openPath(path);
}

void ModelTools::openBundled(const BundledModel& model) {
    if (!window_->openPath(model.path))
        return;
    const QString sampleDir = QFileInfo(model.sample).absolutePath();
    if (!model.sample.isEmpty() && QFileInfo(document_->imagePath()).absolutePath() != sampleDir)
        window_->openPath(model.sample);
}

bool ModelTools::open(const QString& path, MainWindow::OpenReason reason, QString* error) {
    const auto as = reason == MainWindow::OpenReason::CommandLine ? Document::LoadAs::FreshStart
                                                                  : Document::LoadAs::Edit;
    if (!document_->loadModel(path, error, as))
        return false;
    const ModelSource* model = document_->model();
    warnings_ = model->warnings.join(QStringLiteral("\n\n"));
    warningsModel_ = QFileInfo(path).fileName();
    inputDock_->show();
    inputDock_->raise();
    const int layers = int(document_->pipeline().layers.size());
    Q_EMIT message(model->warnings.isEmpty()
                       ? tr("Opened model %1: %2 layers").arg(warningsModel_).arg(layers)
                       : tr("Opened model %1: %2 layers, with warnings (see the message)")
                             .arg(warningsModel_)
                             .arg(layers));
    warningsPending_ = !warnings_.isEmpty();
    showWarnings();
    return true;
}

bool ModelTools::eventFilter(QObject* watched, QEvent* event) {
    if (watched == window_ && event->type() == QEvent::Show) {
        if (warningsPending_)
            QTimer::singleShot(0, this, &ModelTools::showWarnings);
    }
    return QObject::eventFilter(watched, event);
}

void ModelTools::showWarnings() {
    // Once per opening, over the window once it is on screen (a model named on the command
    // line is opened before that). Window-modal and not blocking, like the file problems.
    if (!warningsPending_ || !window_->isVisible())
        return;
    warningsPending_ = false;
    if (auto* old = window_->findChild<QMessageBox*>(QStringLiteral("importWarningsBox")))
        old->close();
    auto* box = new QMessageBox(
        QMessageBox::Information, tr("ConvScope"),
        tr("The model “%1” is open, but not all of it is used.").arg(warningsModel_),
        QMessageBox::Ok, window_);
    box->setObjectName(QStringLiteral("importWarningsBox"));
    box->setInformativeText(warnings_);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

} // namespace convscope::ui
