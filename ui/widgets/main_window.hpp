#pragma once
// The main window: the layer stack and properties on the left, every layer's maps in the middle
// with the selected map large below them, the kernel editor on the right and the speed panel at
// the bottom. Files come in by the open dialog, drag and drop, the clipboard, recent files and
// the bundled samples.

#include "file_problem.hpp"
#include "render_types.hpp"

#include <QMainWindow>
#include <QTemporaryDir>

#include <cstdint>
#include <memory>
#include <vector>

class QAction;
class QKeyEvent;
class QComboBox;
class QLabel;
class QMenu;
class QProgressBar;
class QScrollArea;

namespace convscope::ui {

class Colorbar;
class Document;
class ExplainTools;
class GettingStartedDialog;
class ShortcutsDialog;
class FeatureMapOverview;
class FeatureMapView;
class FilterGrid;
class KernelEditor;
class LayerPropertiesPanel;
class LayerStackPanel;
class ModelTools;
class RenderCoordinator;
class SpeedPanel;

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Why a file is opened. A file named on the command line starts the session: opening it is
    // no edit (no undo step, nothing to save).
    enum class OpenReason { User, CommandLine };
    // Opens an image, a pipeline file (".json"), a model (".onnx") or a project
    // (".convscope"); false with a message naming the file otherwise, and what was open stays
    // open.
    bool openPath(const QString& path, OpenReason reason = OpenReason::User);
    // Starts on the bundled sample and the default pipeline.
    void openDefaults();
    // Sizes and places the window for a screen whose available area is `available`, as for the
    // first start (later starts restore the user's geometry).
    void placeFirstWindow(const QRect& available);
    // No modal questions (tests, screenshots): large images are kept as they are.
    void setInteractive(bool interactive);

    Document* document() const { return document_; }
    RenderCoordinator* coordinator() const { return coordinator_; }
    FeatureMapOverview* overview() const { return overview_; }
    QScrollArea* overviewScroll() const { return overviewScroll_; }
    FeatureMapView* mapView() const { return view_; }
    Colorbar* colorbar() const { return colorbar_; }
    KernelEditor* kernelEditor() const { return kernelEditor_; }
    FilterGrid* filterGrid() const { return filterGrid_; }
    LayerStackPanel* layerStack() const { return layerStack_; }
    LayerPropertiesPanel* properties() const { return properties_; }
    SpeedPanel* speedPanel() const { return speedPanel_; }
    // Statistics, pixel inspector, compare, sliding window, export and projects.
    ExplainTools* tools() const { return tools_; }
    // Open model, the bundled networks, the Input preparation and Prediction docks.
    ModelTools* models() const { return models_; }
    QString lastStatus() const { return lastStatus_; }
    // The one-line hint over the overview on the first screen (hidden once a map was clicked).
    QLabel* firstStepHint() const { return hint_; }
    bool isPresenting() const { return presenting_; }

public Q_SLOTS:
    void openImageDialog();
    void openPipelineDialog();
    void savePipelineDialog();
    // Saves the pipeline (and the class names beside it, when there are any); false with the
    // reason said in a message box.
    bool savePipelineTo(const QString& path);
    void pasteFromClipboard();
    void about();
    // Help: the keys (from the window's actions) and the tour, as windows beside the main one.
    void showShortcuts();
    void showGettingStarted();
    // Full screen, large type, only the layers, the large map and the kernel editor (F11;
    // Esc or F11 again returns to the layout as it was).
    void setPresentationMode(bool on);

Q_SIGNALS:
    // After a result reached every widget.
    void resultShown(quint64 generation);
    void presentationModeChanged(bool on);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    void closeEvent(QCloseEvent* event) override;
    void showEvent(QShowEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void createActions();
    void createDocks();
    void onResult(std::shared_ptr<const RenderResult> result);
    void followSelection();
    bool ownsWidget(const QObject* object) const;
    // Whether the window's shortcut for `key` goes before what the focus widget would do.
    bool windowShortcutWins(const QObject* focus, const QKeyEvent& key) const;
    void scrollOverviewTo(int layer);
    void addRecentFile(const QString& path);
    void updateRecentMenu();
    void updateTitle();
    void updateImageInfo();
    void showStatus(const QString& text, int timeout = 4000);
    // A file that cannot be opened: said in a message box (and the status bar).
    void reportFileProblem(const FileProblem& problem);
    void showNextProblem();
    bool loadImageMaybeDownscaled(const QString& path);
    // The memory showing the pipeline on an input of this shape takes (every layer's maps).
    std::uint64_t memoryToShow(Shape input) const;
    void readSettings();
    void writeSettings();

    Document* document_;
    RenderCoordinator* coordinator_;
    FeatureMapOverview* overview_;
    QScrollArea* overviewScroll_;
    FeatureMapView* view_;
    Colorbar* colorbar_;
    KernelEditor* kernelEditor_;
    FilterGrid* filterGrid_ = nullptr;
    LayerStackPanel* layerStack_;
    LayerPropertiesPanel* properties_;
    SpeedPanel* speedPanel_;
    ExplainTools* tools_ = nullptr;
    ModelTools* models_ = nullptr;
    QComboBox* modeBox_;
    QComboBox* colormapBox_;
    QComboBox* normalisationBox_;
    QMenu* recentMenu_;
    QAction* playAction_ = nullptr;
    QAction* presentationAction_ = nullptr;
    QAction* leavePresentation_ = nullptr;
    QLabel* hint_ = nullptr;
    ShortcutsDialog* shortcuts_ = nullptr;
    GettingStartedDialog* gettingStarted_ = nullptr;
    QWidget* overviewPane_ = nullptr; // the hint over the overview
    bool presenting_ = false;
    bool wasMaximized_ = false;
    QByteArray beforePresentation_;
    QLabel* imageInfo_;
    QLabel* updatedLabel_;
    QProgressBar* busy_;
    QTemporaryDir tempDir_;
    QString lastStatus_;
    bool interactive_ = true;
    std::vector<FileProblem> pendingProblems_;
    int pendingScroll_ = -2; // the band to bring into view once it is drawn (-2: none)
};

} // namespace convscope::ui
