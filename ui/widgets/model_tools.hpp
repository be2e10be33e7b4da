#pragma once
// Trained networks in the main window: File ▸ Open model…, the bundled networks (in the
// Pipelines menu), the Input preparation and Prediction docks, and the one message that says
// what an import left out.

#include "main_window.hpp"

#include <QObject>
#include <QString>
#include <QStringList>

class QAction;
class QDockWidget;
class QMenu;
class QMessageBox;

namespace convscope::ui {

class Document;
class InputPreparationPanel;
class MapDataProvider;
class PredictionPanel;

// A network that comes with ConvScope, with the sample it suits.
struct BundledModel {
    QString title;  // for the menu
    QString path;   // the .onnx file
    QString sample; // an image to open with it when the current one does not suit it (or empty)
};
// The bundled networks found under resources/models, in menu order.
QList<BundledModel> bundledModels();

class ModelTools : public QObject {
    Q_OBJECT

public:
    ModelTools(MainWindow* window, Document* document, MapDataProvider* data);

    // Adds Open model… to `file` (before `before`) and the bundled networks to `pipelines`.
    void installMenus(QMenu* file, QAction* before, QMenu* pipelines);
    QAction* openAction() const { return open_; }

    // Opens an ONNX model; false with `error` naming the file (what was open stays open).
    bool open(const QString& path, MainWindow::OpenReason reason, QString* error);
    void openDialog();
    // A bundled network, with its sample when the open image does not suit it.
    void openBundled(const BundledModel& model);

    InputPreparationPanel* inputPanel() const { return input_; }
    PredictionPanel* prediction() const { return prediction_; }
    QDockWidget* inputDock() const { return inputDock_; }
    QDockWidget* predictionDock() const { return predictionDock_; }
    // The import warnings of the last model, as the message box says them (empty: none).
    QString warningsText() const { return warnings_; }

Q_SIGNALS:
    void message(const QString& text);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void showWarnings();

    MainWindow* window_;
    Document* document_;
    InputPreparationPanel* input_;
    PredictionPanel* prediction_;
    QDockWidget* inputDock_;
    QDockWidget* predictionDock_;
    QAction* open_;
    QString warnings_;
    QString warningsModel_;
    bool warningsPending_ = false;
    bool hadClassifier_ = false;
};

} // namespace convscope::ui
