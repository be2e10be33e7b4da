#include "main_window.hpp"

#include "colorbar.hpp"
#include "document.hpp"
#include "explain_tools.hpp"
#include "feature_map_overview.hpp"
#include "feature_map_view.hpp"
#include "file_problem.hpp"
#include "filter_grid.hpp"
#include "help_dialogs.hpp"
#include "kernel_editor.hpp"
#include "layer_properties_panel.hpp"
#include "layer_stack_panel.hpp"
#include "model_tools.hpp"
#include "pipeline_edit.hpp"
#include "project_io.hpp"
#include "render_coordinator.hpp"
#include "sliding_window_view.hpp"
#include "speed_panel.hpp"
#include "window_geometry.hpp"

#include "resource_paths.hpp"

#include "convscope/fast_backend.hpp"
#include "convscope/image_io.hpp"
#include "convscope/memory_budget.hpp"
#include "convscope/onnx_import.hpp"
#include "convscope/pipeline_json.hpp"
#include "convscope/simd.hpp"
#include "convscope/versions.hpp"

#include <QAbstractSpinBox>
#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QDoubleValidator>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QImageReader>
#include <QIntValidator>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QScreen>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QThread>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QUndoStack>
#include <QVBoxLayout>

// The icon lives in the convscope_ui static library's resources, which are only linked into the
// executable when registered explicitly (outside any namespace, as Q_INIT_RESOURCE requires).
static void registerUiResources() {
    Q_INIT_RESOURCE(ui);
}

namespace convscope::ui {

namespace {

constexpr int kMaxRecent = 8;
constexpr qint64 kLargeImagePixels = 16'000'000;
// Presentation mode: type and kernel cells this much larger, to be read from the back of a room.
constexpr double kPresentationFontScale = 1.6;

QString imageFilter() {
    return QObject::tr(
        "Images (*.png *.jpg *.jpeg *.tif *.tiff *.bmp *.webp *.pbm *.pgm *.ppm *.pnm *.jp2 *.exr "
        "*.hdr *.pic *.ras *.sr *.npy);;All files (*)");
}

} // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setObjectName(QStringLiteral("MainWindow"));
    registerUiResources();
    setWindowIcon(QIcon(QStringLiteral(":/convscope/convscope.svg")));
    setAcceptDrops(true);
    document_ = new Document(this);
    coordinator_ = new RenderCoordinator(document_, this);

    // Centre: the overview above, the selected map large below.
    overview_ = new FeatureMapOverview(document_);
    overview_->setObjectName(QStringLiteral("overview"));
    overview_->setToolTip(QString());
    overviewScroll_ = new QScrollArea;
    overviewScroll_->setWidget(overview_);
    overviewScroll_->setWidgetResizable(true);
    overviewScroll_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    overviewScroll_->setFrameShape(QFrame::NoFrame);

    view_ = new FeatureMapView;
    view_->setObjectName(QStringLiteral("mapView"));
    colorbar_ = new Colorbar;
    auto* viewTools = new QHBoxLayout;
    auto toolButton = [](const QString& text, const QString& tip) {
        auto* b = new QToolButton;
        b->setText(text);
        b->setToolTip(tip);
        b->setAutoRaise(true);
        return b;
    };
    QToolButton* fit = toolButton(tr("Fit"), tr("Fit the map to the view (Ctrl+0)"));
    QToolButton* actual = toolButton(tr("1:1"), tr("One map pixel per screen pixel (Ctrl+1)"));
    QToolButton* zoomIn = toolButton(tr("+"), tr("Zoom in (Ctrl++)"));
    QToolButton* zoomOut = toolButton(tr("−"), tr("Zoom out (Ctrl+-)"));
    connect(fit, &QToolButton::clicked, view_, &FeatureMapView::fitToWindow);
    connect(actual, &QToolButton::clicked, view_, &FeatureMapView::actualSize);
    connect(zoomIn, &QToolButton::clicked, view_, &FeatureMapView::zoomIn);
    connect(zoomOut, &QToolButton::clicked, view_, &FeatureMapView::zoomOut);
    viewTools->addWidget(fit);
    viewTools->addWidget(actual);
    viewTools->addWidget(zoomOut);
    viewTools->addWidget(zoomIn);
    viewTools->addWidget(colorbar_, 1);
    auto* viewPane = new QWidget;
    auto* viewLayout = new QVBoxLayout(viewPane);
    viewLayout->setContentsMargins(0, 0, 0, 0);
    viewLayout->setSpacing(2);
    viewLayout->addWidget(view_, 1);
    viewLayout->addLayout(viewTools);

    auto* split = new QSplitter(Qt::Horizontal);
    split->setObjectName(QStringLiteral("centralSplitter"));
    // The next step, said once over the overview until the user has taken it.
    hint_ = new QLabel(tr("Click a map to edit the filter that made it"));
    hint_->setObjectName(QStringLiteral("firstStepHint"));
    hint_->setContentsMargins(12, 6, 12, 6);
    hint_->setForegroundRole(QPalette::HighlightedText);
    hint_->setBackgroundRole(QPalette::Highlight);
    hint_->setAutoFillBackground(true);
    hint_->setVisible(!QSettings().value(QStringLiteral("firstStepTaken")).toBool());
    overviewPane_ = new QWidget;
    auto* overviewLayout = new QVBoxLayout(overviewPane_);
    overviewLayout->setContentsMargins(0, 0, 0, 0);
    overviewLayout->setSpacing(0);
    overviewLayout->addWidget(hint_);
    overviewLayout->addWidget(overviewScroll_, 1);

    split->addWidget(overviewPane_);
    split->addWidget(viewPane);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setChildrenCollapsible(false);
    setCentralWidget(split);

    createDocks();
    connect(tools_, &ExplainTools::message, this,
            [this](const QString& text) { showStatus(text); });
    connect(tools_->project(), &ProjectController::modifiedChanged, this, &MainWindow::updateTitle);
    connect(tools_->project(), &ProjectController::projectPathChanged, this,
            &MainWindow::updateTitle);
    tools_->project()->addTemporaryFolder(tempDir_.path());
    connect(tools_->project(), &ProjectController::openFailed, this,
            [this](const QString& path, const QString& reason) {
                reportFileProblem({path, FileProblem::Kind::Project, reason});
            });
    connect(tools_->project(), &ProjectController::saved, this,
            [this](const QString& path) { addRecentFile(path); });
    createActions();

    // Status bar.
    imageInfo_ = new QLabel;
    imageInfo_->setToolTip(tr("The input image: file, size and colour mode"));
    updatedLabel_ = new QLabel;
    updatedLabel_->setToolTip(tr("Time from the last edit to the maps on screen"));
    busy_ = new QProgressBar;
    busy_->setRange(0, 0);
    busy_->setMaximumWidth(120);
    busy_->setMaximumHeight(14);
    busy_->setToolTip(tr("Computing…"));
    busy_->hide();
    statusBar()->addPermanentWidget(busy_);
    statusBar()->addPermanentWidget(imageInfo_);
    statusBar()->addPermanentWidget(updatedLabel_);

    connect(coordinator_, &RenderCoordinator::resultReady, this, &MainWindow::onResult);
    connect(coordinator_, &RenderCoordinator::referenceReady, speedPanel_,
            &SpeedPanel::setReference);
    connect(coordinator_, &RenderCoordinator::busyChanged, busy_, &QWidget::setVisible);
    connect(coordinator_, &RenderCoordinator::updated, this, [this](double ms, quint64) {
        updatedLabel_->setText(tr("updated in %1 ms").arg(ms, 0, 'f', ms < 10 ? 1 : 0));
    });
    connect(overview_, &FeatureMapOverview::mapClicked, this, [this](MapId id) {
        if (hint_->isVisible() && id.layer >= 0) {
            hint_->hide();
            QSettings().setValue(QStringLiteral("firstStepTaken"), true);
        }
        if (id.layer >= 0) {
            document_->setSelectedLayer(id.layer);
            if (std::holds_alternative<Conv2d>(document_->pipeline().layers[id.layer].op))
                document_->setSelectedFilter(id.channel);
        }
        document_->setFocus(id);
    });
    connect(overview_, &FeatureMapOverview::layerClicked, document_, &Document::setSelectedLayer);
    connect(document_, &Document::selectionChanged, overview_, qOverload<>(&QWidget::update));
    // Selecting a layer anywhere (the Layers list, a band, an added layer) brings its band into
    // the overview and its selected map into the large view.
    connect(document_, &Document::selectionChanged, this, &MainWindow::followSelection);
    connect(document_, &Document::inputChanged, this, [this] {
        updateImageInfo();
        updateTitle();
    });
    connect(document_, &Document::imageError, this,
            [this](const QString& message) { showStatus(message, 8000); });
    connect(document_->undoStack(), &QUndoStack::cleanChanged, this, &MainWindow::updateTitle);
    connect(kernelEditor_, &KernelEditor::message, this,
            [this](const QString& text) { showStatus(text); });
    connect(properties_, &LayerPropertiesPanel::message, this,
            [this](const QString& text) { showStatus(text); });
    connect(view_, &FeatureMapView::hovered, this, [this](QPoint pixel) {
        if (pixel.x() >= 0)
            statusBar()->showMessage(tr("x %1, y %2").arg(pixel.x()).arg(pixel.y()), 2000);
    });
    // The large view's picture is made at the size it is shown at (more when zoomed in).
    connect(view_, &FeatureMapView::pictureSizeWanted, coordinator_,
            &RenderCoordinator::setFocusSize);
    coordinator_->setThumbnailSize(overview_->thumbnailSize());
    connect(overview_, &FeatureMapOverview::thumbnailSizeChanged, coordinator_,
            &RenderCoordinator::setThumbnailSize);
    // Thumbnails only for the tiles on screen; one scrolled into view asks for its own.
    coordinator_->setThumbnailMapsSource([this] { return overview_->wantedThumbnails(); });
    connect(overview_, &FeatureMapOverview::thumbnailsWanted, coordinator_,
            &RenderCoordinator::scheduleRender);

    qApp->installEventFilter(this);
    readSettings();
    updateTitle();
    if (!kernelEditor_->presetsError().isEmpty())
        showStatus(tr("The kernel presets cannot be read: %1").arg(kernelEditor_->presetsError()),
                   10000);
}

bool MainWindow::ownsWidget(const QObject* object) const {
    const auto* widget = qobject_cast<const QWidget*>(object);
    if (!widget)
        return false;
    const QWidget* top = widget->window();
    return top == this || (top && top->parentWidget() == this); // floating docks too
}

bool MainWindow::windowShortcutWins(const QObject* focus, const QKeyEvent& key) const {
    const auto* spin = qobject_cast<const QAbstractSpinBox*>(focus);
    const auto* edit = qobject_cast<const QLineEdit*>(focus);
    if (edit && qobject_cast<const QAbstractSpinBox*>(edit->parent()))
        spin = qobject_cast<const QAbstractSpinBox*>(edit->parent());
    if (spin)
        edit = nullptr; // a number field: its value is the document's, not text of its own
    if (key.matches(QKeySequence::Undo))
        return spin || (edit && !(edit->isModified() && edit->isUndoAvailable()));
    const bool ctrlY = key.key() == Qt::Key_Y && key.modifiers() == Qt::ControlModifier;
    if (key.matches(QKeySequence::Redo) || ctrlY)
        return spin || (edit && !(edit->isModified() && edit->isRedoAvailable()));
    if (key.key() == Qt::Key_Space && key.modifiers() == Qt::NoModifier &&
        playAction_->isEnabled()) {
        // A text field types the space; a number field (a kernel cell) has no use for it.
        const bool number = edit && (qobject_cast<const QDoubleValidator*>(edit->validator()) ||
                                     qobject_cast<const QIntValidator*>(edit->validator()));
        return !edit || number || edit->isReadOnly();
    }
    return false;
}

bool MainWindow::eventFilter(QObject* watched, QEvent* event) {
    // Undo, redo and Space belong to the window: a text field or a spin box with the focus
    // would take them for itself (undoing its own text, typing a space) and nothing would
    // happen, so they pass them on, unless the field has typing of its own to undo.
    if (event->type() == QEvent::ShortcutOverride && ownsWidget(watched) &&
        windowShortcutWins(watched, *static_cast<QKeyEvent*>(event))) {
        event->ignore();
        return true;
    }
    return QMainWindow::eventFilter(watched, event);
}

MainWindow::~MainWindow() {
    qApp->removeEventFilter(this);
    // A floating dock is a window of its own: destroyed with us, it closes, and its panel hides
    // and tells the map data it wants no more values. The map data and the coordinator were made
    // before the docks, so they would be gone by then; the docks go first, while all lives.
    qDeleteAll(findChildren<QDockWidget*>(QString(), Qt::FindDirectChildrenOnly));
}

void MainWindow::createDocks() {
    // The side columns reach down to the status bar, the bottom docks sit under the centre
    // only. Set before any dock is added: the window's minimum size is computed as they come,
    // and a bottom area under the columns would stack their heights.
    setCorner(Qt::BottomLeftCorner, Qt::LeftDockWidgetArea);
    setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
    layerStack_ = new LayerStackPanel(document_);
    auto* layersDock = new QDockWidget(tr("Layers"), this);
    layersDock->setObjectName(QStringLiteral("layersDock"));
    layersDock->setWidget(layerStack_);
    addDockWidget(Qt::LeftDockWidgetArea, layersDock);

    properties_ = new LayerPropertiesPanel(document_);
    auto* propertiesDock = new QDockWidget(tr("Layer properties"), this);
    propertiesDock->setObjectName(QStringLiteral("propertiesDock"));
    propertiesDock->setWidget(properties_);
    addDockWidget(Qt::LeftDockWidgetArea, propertiesDock);
    // The selected conv layer's filters as pictures, beside its properties (both are about the
    // selected layer); clicking one shows it in the kernel editor, on the other side.
    filterGrid_ = new FilterGrid(document_);
    auto* filtersDock = new QDockWidget(tr("Filters"), this);
    filtersDock->setObjectName(QStringLiteral("filtersDock"));
    filtersDock->setWidget(filterGrid_);
    addDockWidget(Qt::LeftDockWidgetArea, filtersDock);
    tabifyDockWidget(propertiesDock, filtersDock);
    propertiesDock->raise();

    kernelEditor_ = new KernelEditor(document_);
    auto* kernelDock = new QDockWidget(tr("Kernel editor"), this);
    kernelDock->setObjectName(QStringLiteral("kernelDock"));
    kernelDock->setWidget(kernelEditor_);
    addDockWidget(Qt::RightDockWidgetArea, kernelDock);
    connect(filterGrid_, &FilterGrid::filterActivated, kernelDock,
            [this, kernelDock](int, int, int channel) {
                kernelEditor_->showInputChannel(channel); // -1 keeps the channel shown
                kernelDock->show();
                kernelDock->raise();
            });

    speedPanel_ = new SpeedPanel(document_, coordinator_);
    auto* speedDock = new QDockWidget(tr("Speed"), this);
    speedDock->setObjectName(QStringLiteral("speedDock"));
    speedDock->setWidget(speedPanel_);
    addDockWidget(Qt::BottomDockWidgetArea, speedDock);
    // Statistics, pixel inspector, compare and sliding window dock beside these.
    tools_ = new ExplainTools(this, coordinator_, view_);
    models_ = new ModelTools(this, document_, tools_->data());
    connect(models_, &ModelTools::message, this, [this](const QString& text) { showStatus(text); });
    resizeDocks({layersDock, kernelDock}, {300, 360}, Qt::Horizontal);
    resizeDocks({layersDock, propertiesDock}, {380, 420}, Qt::Vertical);
    resizeDocks({speedDock}, {230}, Qt::Vertical);
}

void MainWindow::createActions() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open image…"), this, &MainWindow::openImageDialog);
    open->setShortcut(QKeySequence::Open);
    open->setToolTip(tr("Open an image (any format OpenCV reads) or a float .npy array"));
    QAction* openPipeline =
        file->addAction(tr("Open &pipeline…"), this, &MainWindow::openPipelineDialog);
    openPipeline->setShortcut(QKeySequence(tr("Ctrl+Shift+O")));
    QAction* save =
        file->addAction(tr("Save pi&peline as…"), this, &MainWindow::savePipelineDialog);
    save->setToolTip(tr("Save only the pipeline (layers and weights) as a .json file"));
    QMenu* samples = file->addMenu(tr("S&amples"));
    const QDir sampleDir(convscope::resource_path(QStringLiteral("samples")));
    for (const QFileInfo& info : sampleDir.entryInfoList(
             {QStringLiteral("*.png"), QStringLiteral("*.jpg")}, QDir::Files, QDir::Name)) {
        QAction* a = samples->addAction(info.fileName());
        const QString path = info.absoluteFilePath();
        connect(a, &QAction::triggered, this, [this, path] { openPath(path); });
    }
    QMenu* pipelines = file->addMenu(tr("E&xample pipelines"));
    const QDir pipelineDir(convscope::resource_path(QStringLiteral("pipelines")));
    for (const QFileInfo& info :
         pipelineDir.entryInfoList({QStringLiteral("*.json")}, QDir::Files, QDir::Name)) {
        QAction* a = pipelines->addAction(info.completeBaseName());
        const QString path = info.absoluteFilePath();
        connect(a, &QAction::triggered, this, [this, path] { openPath(path); });
    }
    models_->installMenus(file, save, pipelines);
    recentMenu_ = file->addMenu(tr("&Recent files"));
    recentMenu_->setObjectName(QStringLiteral("recentMenu"));
    recentMenu_->setToolTipsVisible(true); // the full path
    file->addSeparator();
    QAction* paste = file->addAction(tr("&Paste image"), this, &MainWindow::pasteFromClipboard);
    paste->setShortcut(QKeySequence::Paste);
    paste->setToolTip(tr("Use the image (or image file) on the clipboard as the input"));
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    QAction* undo = document_->undoStack()->createUndoAction(this, tr("&Undo"));
    undo->setShortcut(QKeySequence::Undo);
    QAction* redo = document_->undoStack()->createRedoAction(this, tr("&Redo"));
    // The platform's redo keys and Ctrl+Y, which users of other desktops expect.
    QList<QKeySequence> redoKeys = QKeySequence::keyBindings(QKeySequence::Redo);
    if (!redoKeys.contains(QKeySequence(Qt::CTRL | Qt::Key_Y)))
        redoKeys.append(QKeySequence(Qt::CTRL | Qt::Key_Y));
    redo->setShortcuts(redoKeys);
    edit->addAction(undo);
    edit->addAction(redo);
    edit->addSeparator();
    edit->addMenu(layerStack_->addLayerMenu());
    QAction* remove =
        edit->addAction(tr("&Remove layer"), layerStack_, &LayerStackPanel::removeSelected);
    remove->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Delete));
    QAction* duplicate =
        edit->addAction(tr("&Duplicate layer"), layerStack_, &LayerStackPanel::duplicateSelected);
    duplicate->setShortcut(QKeySequence(tr("Ctrl+D")));
    edit->addAction(layerStack_->changeInputsAction());
    QAction* up =
        edit->addAction(tr("Move layer &up"), this, [this] { layerStack_->moveSelected(-1); });
    up->setShortcut(QKeySequence(tr("Ctrl+Up")));
    QAction* down =
        edit->addAction(tr("Move layer do&wn"), this, [this] { layerStack_->moveSelected(1); });
    down->setShortcut(QKeySequence(tr("Ctrl+Down")));
    edit->addSeparator();
    edit->addAction(tr("&Copy kernel as text"), kernelEditor_, &KernelEditor::copyKernel)
        ->setShortcut(QKeySequence(tr("Ctrl+Shift+C")));
    edit->addAction(tr("Paste &kernel"), kernelEditor_, &KernelEditor::pasteKernel)
        ->setShortcut(QKeySequence(tr("Ctrl+Shift+V")));

    QMenu* viewMenu = menuBar()->addMenu(tr("&View"));
    viewMenu->addAction(tr("&Fit map"), view_, &FeatureMapView::fitToWindow)
        ->setShortcut(QKeySequence(tr("Ctrl+0")));
    viewMenu->addAction(tr("&Actual size (1:1)"), view_, &FeatureMapView::actualSize)
        ->setShortcut(QKeySequence(tr("Ctrl+1")));
    viewMenu->addAction(tr("Zoom &in"), view_, &FeatureMapView::zoomIn)
        ->setShortcut(QKeySequence::ZoomIn);
    viewMenu->addAction(tr("Zoom &out"), view_, &FeatureMapView::zoomOut)
        ->setShortcut(QKeySequence::ZoomOut);
    viewMenu->addSeparator();
    viewMenu
        ->addAction(tr("&Larger thumbnails"), this,
                    [this] { overview_->setTileHeight(overview_->tileHeight() + 16); })
        ->setShortcut(QKeySequence(tr("Ctrl+]")));
    viewMenu
        ->addAction(tr("&Smaller thumbnails"), this,
                    [this] { overview_->setTileHeight(overview_->tileHeight() - 16); })
        ->setShortcut(QKeySequence(tr("Ctrl+[")));
    viewMenu->addSeparator();
    for (QDockWidget* dock : findChildren<QDockWidget*>())
        viewMenu->addAction(dock->toggleViewAction());
    viewMenu->addSeparator();
    presentationAction_ = viewMenu->addAction(tr("P&resentation mode"));
    presentationAction_->setObjectName(QStringLiteral("presentationMode"));
    presentationAction_->setCheckable(true);
    presentationAction_->setShortcut(QKeySequence(Qt::Key_F11));
    presentationAction_->setToolTip(
        tr("Full screen with large type: the layers, the large map and the kernel editor only "
           "(F11 or Esc returns)"));
    connect(presentationAction_, &QAction::toggled, this, &MainWindow::setPresentationMode);
    leavePresentation_ = new QAction(tr("Leave presentation mode"), this);
    leavePresentation_->setShortcut(QKeySequence(Qt::Key_Escape));
    leavePresentation_->setEnabled(false);
    connect(leavePresentation_, &QAction::triggered, this, [this] { setPresentationMode(false); });
    addAction(leavePresentation_);
    viewMenu->addSeparator();
    // Space plays and pauses the slide whenever its tab is shown, wherever the focus is (see
    // eventFilter): an action of the window's rather than the Play button's own shortcut.
    playAction_ = viewMenu->addAction(tr("&Play / pause the sliding window"), this, [this] {
        SlidingWindowView* slide = tools_->slidingWindow();
        slide->isPlaying() ? slide->pause() : slide->play();
    });
    playAction_->setObjectName(QStringLiteral("playSlide"));
    playAction_->setShortcut(QKeySequence(Qt::Key_Space));
    playAction_->setEnabled(false);
    if (auto* slideDock = findChild<QDockWidget*>(QStringLiteral("slidingWindowDock")))
        connect(slideDock, &QDockWidget::visibilityChanged, playAction_, &QAction::setEnabled);

    tools_->installMenus(file, save, menuBar());

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Getting started"), this, &MainWindow::showGettingStarted)
        ->setShortcut(QKeySequence::HelpContents);
    help->addAction(tr("&Keyboard shortcuts"), this, &MainWindow::showShortcuts);
    help->addSeparator();
    help->addAction(tr("&About ConvScope"), this, &MainWindow::about);
    help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);

    // Toolbar.
    QToolBar* bar = addToolBar(tr("Main"));
    bar->setObjectName(QStringLiteral("mainToolBar"));
    bar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    bar->setMovable(false);
    bar->addAction(open);
    auto* samplesButton = new QToolButton;
    samplesButton->setText(tr("Samples"));
    samplesButton->setMenu(samples);
    samplesButton->setPopupMode(QToolButton::InstantPopup);
    samplesButton->setToolTip(tr("Open one of the bundled sample photos"));
    bar->addWidget(samplesButton);
    auto* pipelinesButton = new QToolButton;
    pipelinesButton->setText(tr("Pipelines"));
    pipelinesButton->setMenu(pipelines);
    pipelinesButton->setPopupMode(QToolButton::InstantPopup);
    pipelinesButton->setToolTip(tr("Load one of the example pipelines"));
    bar->addWidget(pipelinesButton);
    bar->addSeparator();
    // Toolbar buttons keep short labels; what they would undo is in the tooltip (the menu
    // actions carry the full "Undo <edit>" text).
    QUndoStack* stack = document_->undoStack();
    auto toolbarAction = [&](const QString& label, void (QUndoStack::*slot)(),
                             void (QUndoStack::*canChanged)(bool),
                             void (QUndoStack::*textChanged)(const QString&), bool enabled,
                             const QString& tipPrefix, const QString& shortcut) {
        auto* action = new QAction(label, this);
        action->setEnabled(enabled);
        action->setToolTip(tipPrefix + " (" + shortcut + ")");
        connect(action, &QAction::triggered, stack, slot);
        connect(stack, canChanged, action, &QAction::setEnabled);
        connect(stack, textChanged, action, [action, tipPrefix, shortcut](const QString& text) {
            action->setToolTip(text.isEmpty() ? tipPrefix + " (" + shortcut + ")"
                                              : tipPrefix + ": " + text + " (" + shortcut + ")");
        });
        return action;
    };
    bar->addAction(toolbarAction(tr("Undo"), &QUndoStack::undo, &QUndoStack::canUndoChanged,
                                 &QUndoStack::undoTextChanged, stack->canUndo(), tr("Undo"),
                                 tr("Ctrl+Z")));
    bar->addAction(toolbarAction(tr("Redo"), &QUndoStack::redo, &QUndoStack::canRedoChanged,
                                 &QUndoStack::redoTextChanged, stack->canRedo(), tr("Redo"),
                                 tr("Ctrl+Shift+Z")));
    bar->addSeparator();

    bar->addWidget(new QLabel(tr(" Input ")));
    modeBox_ = new QComboBox;
    modeBox_->setObjectName(QStringLiteral("inputMode"));
    modeBox_->addItems({tr("Gray"), tr("RGB")});
    modeBox_->setToolTip(tr("Feed the network one gray channel or three colour channels; the first "
                            "convolution's weights are adapted"));
    bar->addWidget(modeBox_);
    bar->addWidget(new QLabel(tr("   Colormap ")));
    colormapBox_ = new QComboBox;
    colormapBox_->setObjectName(QStringLiteral("colormap"));
    for (Colormap map : {Colormap::Auto, Colormap::Gray, Colormap::Viridis, Colormap::Magma,
                         Colormap::Inferno, Colormap::Turbo, Colormap::Diverging})
        colormapBox_->addItem(map == Colormap::Auto ? tr("auto (viridis / diverging)")
                                                    : engineName(to_string(map)),
                              int(map));
    colormapBox_->setToolTip(tr("How values become colours. Auto: viridis for maps of one sign, "
                                "blue–white–red centred on zero for maps with both signs"));
    bar->addWidget(colormapBox_);
    bar->addWidget(new QLabel(tr("   Normalise ")));
    normalisationBox_ = new QComboBox;
    normalisationBox_->setObjectName(QStringLiteral("normalisation"));
    normalisationBox_->addItem(tr("per map"), int(Normalisation::PerMap));
    normalisationBox_->addItem(tr("per layer"), int(Normalisation::PerLayer));
    normalisationBox_->addItem(tr("global"), int(Normalisation::Global));
    normalisationBox_->setToolTip(
        tr("Which values span the colour scale: each map its own range, one range per "
           "layer (compare maps of a layer), or one for all layers"));
    bar->addWidget(normalisationBox_);

    connect(modeBox_, &QComboBox::currentIndexChanged, this, [this](int index) {
        const InputMode mode = index == 0 ? InputMode::Gray : InputMode::Rgb;
        Pipeline p = document_->pipeline();
        if (p.input_mode == mode)
            return;
        p.input_mode = mode;
        // Keep the first convolution meaningful: adapt its input channels.
        for (Layer& layer : p.layers) {
            if (auto* conv = std::get_if<Conv2d>(&layer.op)) {
                if (conv->groups == 1)
                    setInChannels(*conv, channel_count(mode));
                break;
            }
        }
        document_->edit(mode == InputMode::Gray ? tr("Gray input") : tr("RGB input"), p);
    });
    connect(document_, &Document::pipelineChanged, this, [this] {
        QSignalBlocker block(modeBox_);
        modeBox_->setCurrentIndex(document_->pipeline().input_mode == InputMode::Gray ? 0 : 1);
    });
    auto applyDisplay = [this] {
        DisplaySettings d;
        d.colormap = Colormap(colormapBox_->currentData().toInt());
        d.normalisation = Normalisation(normalisationBox_->currentData().toInt());
        document_->setDisplay(d);
    };
    connect(colormapBox_, &QComboBox::currentIndexChanged, this, applyDisplay);
    connect(normalisationBox_, &QComboBox::currentIndexChanged, this, applyDisplay);
    // A project sets the display too: the boxes follow.
    connect(document_, &Document::displayChanged, this, [this] {
        const DisplaySettings d = document_->display();
        QSignalBlocker blockMap(colormapBox_), blockNorm(normalisationBox_);
        colormapBox_->setCurrentIndex(std::max(0, colormapBox_->findData(int(d.colormap))));
        normalisationBox_->setCurrentIndex(
            std::max(0, normalisationBox_->findData(int(d.normalisation))));
    });
}

void MainWindow::openDefaults() {
    QString error;
    try {
        const QString pipelinePath =
            convscope::resource_path(QString::fromLatin1(kDefaultPipeline));
        document_->resetPipeline(load_pipeline(pipelinePath.toStdString()), pipelinePath);
    } catch (const std::exception& e) {
        showStatus(QString::fromUtf8(e.what()), 10000);
    }
    if (!document_->loadImage(convscope::resource_path(QString::fromLatin1(kDefaultSample)),
                              &error))
        showStatus(error, 10000);
    if (!document_->pipeline().layers.empty())
        document_->setFocus(MapId{0, 0});
}

void MainWindow::setInteractive(bool interactive) {
    interactive_ = interactive;
    tools_->project()->setInteractive(interactive);
}

bool MainWindow::openPath(const QString& path, OpenReason reason) {
    const QFileInfo info(path);
    if (!info.exists()) {
        reportFileProblem({path, FileProblem::kindOf(path), tr("There is no such file.")});
        return false;
    }
    if (ProjectController::isProjectFile(path)) {
        if (!tools_->project()->maybeSave())
            return false;
        QString error;
        if (!tools_->project()->open(info.absoluteFilePath(), &error)) {
            reportFileProblem({path, FileProblem::Kind::Project, error});
            return false;
        }
        addRecentFile(info.absoluteFilePath());
        // Where the image came from: a project may name it by any path, so say which file.
        const QString image = tools_->project()->embedImage()
                                  ? tr("the image embedded in it")
                                  : QDir::toNativeSeparators(document_->imagePath());
        showStatus(tr("Opened project %1 (image: %2)").arg(info.fileName(), image), 10000);
        return true;
    }
    if (is_onnx_model_name(info.fileName().toStdString())) {
        ProjectController* project = tools_->project();
        const bool nothingToSave = !project->isModified() && project->projectPath().isEmpty();
        QString error;
        if (!models_->open(info.absoluteFilePath(), reason, &error)) {
            reportFileProblem({path, FileProblem::Kind::Model, error});
            return false;
        }
        if (nothingToSave)
            document_->undoStack()->setClean();
        addRecentFile(info.absoluteFilePath());
        return true;
    }
    if (info.suffix().compare(QLatin1String("json"), Qt::CaseInsensitive) == 0) {
        QString error;
        ProjectController* project = tools_->project();
        // Opened over a session with nothing to save, the pipeline file is what there is: no
        // change to save either (its undo step stays, to go back to the stack before).
        const bool nothingToSave = !project->isModified() && project->projectPath().isEmpty();
        const auto as = reason == OpenReason::CommandLine ? Document::LoadAs::FreshStart
                                                          : Document::LoadAs::Edit;
        if (!document_->loadPipeline(info.absoluteFilePath(), &error, as)) {
            reportFileProblem({path, FileProblem::Kind::Pipeline, error});
            return false;
        }
        if (nothingToSave)
            document_->undoStack()->setClean();
        // A pipeline's input mode decides the channels: reload the image in that mode.
        const QString labels = document_->labelsProblem();
        showStatus(labels.isEmpty() ? tr("Opened pipeline %1").arg(info.fileName())
                                    : tr("Opened pipeline %1. %2").arg(info.fileName(), labels));
        addRecentFile(info.absoluteFilePath());
        return true;
    }
    if (!loadImageMaybeDownscaled(info.absoluteFilePath()))
        return false;
    addRecentFile(info.absoluteFilePath());
    showStatus(tr("Opened %1").arg(info.fileName()));
    return true;
}

std::uint64_t MainWindow::memoryToShow(Shape input) const {
    // Measured: 5.2 GB for a 24 MP photo through the default pipeline, where this says 4.5 GB;
    // the rest is the decoder's copy, the pictures and the libraries.
    const FastBackend estimator;
    std::uint64_t need = Tensor::bytes_for(input);
    try {
        need = memory_to_show(estimator.estimate_memory(document_->pipeline(), input), input);
    } catch (const PipelineError&) {
        // A pipeline that cannot run on this image keeps only the input: its red layer says why.
    }
    return need;
}

bool MainWindow::loadImageMaybeDownscaled(const QString& path) {
    QString target = path;
    Shape shape;
    try {
        shape = peek_input_shape(path.toStdString(), document_->pipeline().input_mode);
    } catch (const std::exception&) {
        // Not readable: loading it says why.
    }
    const qint64 pixels = qint64(shape.width) * shape.height;
    const std::uint64_t need = shape.empty() ? 0 : memoryToShow(shape);
    const std::uint64_t budget = memory_budget();
    const bool tooLarge = need > budget;
    if (interactive_ && (tooLarge || pixels > kLargeImagePixels)) {
        // The largest copy that fits the budget (with room to spare for edits), at most 4 MP.
        double scale = std::sqrt(4.0e6 / double(pixels));
        if (tooLarge)
            scale = std::min(scale, std::sqrt(0.8 * double(budget) / double(need)));
        const QSize smaller(std::max(1, int(shape.width * scale)),
                            std::max(1, int(shape.height * scale)));
        const QString size = tr("%1 is %2 × %3 pixels (%4 MP).")
                                 .arg(QFileInfo(path).fileName())
                                 .arg(shape.width)
                                 .arg(shape.height)
                                 .arg(double(pixels) / 1e6, 0, 'f', 1);
        QMessageBox box(QMessageBox::Question, tr("Large image"), QString(), QMessageBox::NoButton,
                        this);
        box.setObjectName(QStringLiteral("largeImageBox"));
        if (tooLarge) {
            box.setIcon(QMessageBox::Warning);
            box.setText(
                size + QLatin1Char(' ') +
                tr("Showing every map of this pipeline on it needs %1, more than ConvScope's "
                   "memory budget of %2 (three quarters of the memory available when it "
                   "started).")
                    .arg(QString::fromStdString(format_bytes(need)),
                         QString::fromStdString(format_bytes(budget))));
            box.setInformativeText(tr("Work on a copy scaled to %1 × %2 (about %3)?")
                                       .arg(smaller.width())
                                       .arg(smaller.height())
                                       .arg(QString::fromStdString(format_bytes(memoryToShow(
                                           {shape.channels, smaller.height(), smaller.width()})))));
            box.setStandardButtons(QMessageBox::Yes | QMessageBox::Cancel);
        } else {
            box.setText(size + QLatin1Char(' ') +
                        tr("Every map of every layer is that large, so edits take longer."));
            box.setInformativeText(
                tr("Work on a copy scaled to %1 × %2?").arg(smaller.width()).arg(smaller.height()));
            box.setStandardButtons(QMessageBox::Yes | QMessageBox::No);
        }
        box.setDefaultButton(QMessageBox::Yes);
        const int answer = box.exec();
        if (answer == QMessageBox::Cancel) {
            showStatus(tr("%1 not opened: too large for the memory budget")
                           .arg(QFileInfo(path).fileName()));
            return false;
        }
        if (answer == QMessageBox::Yes && tempDir_.isValid()) {
            QImageReader reader(path);
            reader.setScaledSize(smaller);
            const QImage image = reader.read();
            const QString scaled = tempDir_.filePath(QFileInfo(path).completeBaseName() +
                                                     QStringLiteral("-scaled.png"));
            if (!image.isNull() && image.save(scaled)) {
                target = scaled;
            } else if (tooLarge) {
                reportFileProblem(
                    {path, FileProblem::Kind::Image,
                     tr("A scaled copy cannot be made (%1).").arg(reader.errorString())});
                return false;
            }
        }
    }
    QString error;
    if (!document_->loadImage(target, &error)) {
        reportFileProblem({path, FileProblem::Kind::Image, error});
        return false;
    }
    return true;
}

void MainWindow::openImageDialog() {
    const QString dir = QFileInfo(document_->imagePath()).absolutePath();
    const QString path = QFileDialog::getOpenFileName(this, tr("Open image"), dir, imageFilter());
    if (!path.isEmpty())
        openPath(path);
}

void MainWindow::openPipelineDialog() {
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open pipeline"), convscope::resource_path(QStringLiteral("pipelines")),
        tr("ConvScope pipelines (*.json)"));
    if (!path.isEmpty())
        openPath(path);
}

void MainWindow::savePipelineDialog() {
    // A session opened from a model suggests a pipeline file beside it, never the model's name.
    QString suggested = document_->pipelinePath();
    if (is_onnx_model_name(suggested.toStdString())) {
        const QFileInfo model(suggested);
        suggested =
            model.absoluteDir().filePath(model.completeBaseName() + QStringLiteral(".json"));
    }
    const QString path = QFileDialog::getSaveFileName(this, tr("Save pipeline"), suggested,
                                                      tr("ConvScope pipelines (*.json)"));
    if (!path.isEmpty())
        savePipelineTo(path);
}

bool MainWindow::savePipelineTo(const QString& path) {
    try {
        save_pipeline(path.toStdString(), document_->pipeline());
    } catch (const std::exception& e) {
        QMessageBox::warning(this, tr("Save pipeline"), QString::fromUtf8(e.what()));
        return false;
    }
    // The class names go beside it, where opening the pipeline finds them again.
    QString labelsFile;
    QString labelsError;
    if (!writeLabelsBeside(path, document_->classLabels(), &labelsFile, &labelsError))
        QMessageBox::warning(this, tr("Save pipeline"), labelsError);
    document_->undoStack()->setClean();
    addRecentFile(path);
    showStatus(
        labelsFile.isEmpty()
            ? tr("Saved %1").arg(QFileInfo(path).fileName())
            : tr("Saved %1 (class names in %2)").arg(QFileInfo(path).fileName(), labelsFile));
    return true;
}

void MainWindow::pasteFromClipboard() {
    const QMimeData* mime = QApplication::clipboard()->mimeData();
    if (!mime) {
        showStatus(tr("The clipboard is empty"));
        return;
    }
    if (mime->hasUrls()) {
        for (const QUrl& url : mime->urls())
            if (url.isLocalFile() && openPath(url.toLocalFile()))
                return;
    }
    if (mime->hasImage()) {
        const QImage image = qvariant_cast<QImage>(mime->imageData());
        static int counter = 0;
        const QString path = tempDir_.filePath(QStringLiteral("pasted-%1.png").arg(++counter));
        if (!image.isNull() && image.save(path) && document_->loadImage(path)) {
            showStatus(tr("Pasted a %1 × %2 image").arg(image.width()).arg(image.height()));
            return;
        }
    }
    if (mime->hasText() && QFileInfo::exists(mime->text().trimmed())) {
        openPath(mime->text().trimmed());
        return;
    }
    showStatus(tr("No image on the clipboard"));
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasUrls() || event->mimeData()->hasImage())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const QMimeData* mime = event->mimeData();
    for (const QUrl& url : mime->urls())
        if (url.isLocalFile() && openPath(url.toLocalFile())) {
            event->acceptProposedAction();
            return;
        }
    if (mime->hasImage()) {
        const QImage image = qvariant_cast<QImage>(mime->imageData());
        const QString path = tempDir_.filePath(QStringLiteral("dropped.png"));
        if (image.save(path) && document_->loadImage(path))
            event->acceptProposedAction();
    }
}

void MainWindow::onResult(std::shared_ptr<const RenderResult> result) {
    overview_->setResult(result);
    if (pendingScroll_ > -2)
        scrollOverviewTo(pendingScroll_);
    layerStack_->setResult(result);
    speedPanel_->setResult(result);
    const Pipeline& p = document_->pipeline();
    QString caption;
    if (result->focus.layer < 0) {
        caption = tr("Input");
        colorbar_->clearScale(tr("The input picture (values 0…1)"));
    } else {
        const int l = result->focus.layer;
        const QString name = l < int(p.layers.size())
                                 ? QString::fromStdString(display_name(p.layers[l]))
                                 : QString();
        caption = tr("Layer %1 · %2 · map %3").arg(l + 1).arg(name).arg(result->focus.channel + 1);
        colorbar_->setScale(result->focusColormap, result->focusRange);
    }
    view_->setImage(result->focusImage, caption, result->generation, result->focusMapSize);
    if (result->error && result->error->layer >= 0)
        showStatus(
            tr("Layer %1 cannot run: %2").arg(result->error->layer + 1).arg(result->error->message),
            8000);
    else if (result->error)
        showStatus(result->error->message, 8000);
    Q_EMIT resultShown(result->generation);
}

void MainWindow::followSelection() {
    const int layer = document_->selectedLayer();
    const Pipeline& p = document_->pipeline();
    if (layer < 0 || layer >= int(p.layers.size()))
        return;
    // The selected filter of a conv; for other layers the channel shown so far, where it exists.
    int channel = document_->focus().channel;
    if (std::holds_alternative<Conv2d>(p.layers[layer].op))
        channel = document_->selectedFilter();
    const int channels = document_->outputShapeOf(layer).channels;
    document_->setFocus(MapId{layer, std::clamp(channel, 0, std::max(0, channels - 1))});
    scrollOverviewTo(layer);
}

void MainWindow::scrollOverviewTo(int layer) {
    const QRect band = overview_->bandRect(layer);
    if (band.isEmpty()) { // not shown yet: when the maps arrive
        pendingScroll_ = layer;
        return;
    }
    pendingScroll_ = -2;
    const QRect viewport(QPoint(0, overviewScroll_->verticalScrollBar()->value()),
                         overviewScroll_->viewport()->size());
    if (viewport.contains(band))
        return;
    // The whole band when it fits, else its top (title and first row of maps).
    if (band.height() <= viewport.height())
        overviewScroll_->ensureVisible(band.center().x(), band.center().y(), 0, band.height() / 2);
    else
        overviewScroll_->verticalScrollBar()->setValue(band.top());
}

void MainWindow::addRecentFile(const QString& path) {
    QSettings settings;
    QStringList recent = settings.value(QStringLiteral("recentFiles")).toStringList();
    recent.removeAll(path);
    recent.prepend(path);
    while (recent.size() > kMaxRecent)
        recent.removeLast();
    settings.setValue(QStringLiteral("recentFiles"), recent);
    updateRecentMenu();
}

void MainWindow::updateRecentMenu() {
    recentMenu_->clear();
    const QStringList recent = QSettings().value(QStringLiteral("recentFiles")).toStringList();
    QStringList names;
    for (const QString& path : recent)
        names.append(QFileInfo(path).fileName());
    for (int i = 0; i < recent.size(); ++i) {
        const QString path = recent[i];
        // Files of the same name are told apart by their folder (the home folder as ~).
        QString label = names[i];
        if (names.count(names[i]) > 1) {
            QString folder = QDir::toNativeSeparators(QFileInfo(path).absolutePath());
            const QString home = QDir::toNativeSeparators(QDir::homePath());
            if (folder == home || folder.startsWith(home + QDir::separator()))
                folder = QLatin1Char('~') + folder.mid(home.size());
            label = tr("%1 — %2").arg(names[i], folder);
        }
        label.replace(QLatin1Char('&'), QStringLiteral("&&"));
        QAction* a = recentMenu_->addAction(QStringLiteral("&%1 %2").arg(i + 1).arg(label));
        a->setToolTip(path);
        connect(a, &QAction::triggered, this, [this, path] { openPath(path); });
    }
    recentMenu_->setEnabled(!recent.isEmpty());
}

void MainWindow::updateTitle() {
    const QString project = tools_ ? tools_->project()->projectPath() : QString();
    const QString image = document_->imagePath().isEmpty()
                              ? tr("no image")
                              : QFileInfo(document_->imagePath()).fileName();
    setWindowTitle(
        tr("%1[*] — ConvScope").arg(project.isEmpty() ? image : QFileInfo(project).fileName()));
    setWindowModified(tools_ ? tools_->project()->isModified()
                             : !document_->undoStack()->isClean());
}

void MainWindow::updateImageInfo() {
    const auto input = document_->input();
    if (!input)
        return;
    imageInfo_->setToolTip(
        tr("The input image: %1").arg(QDir::toNativeSeparators(document_->imagePath())));
    imageInfo_->setText(tr("%1 · %2 × %3 · %4")
                            .arg(QFileInfo(document_->imagePath()).fileName())
                            .arg(input->width())
                            .arg(input->height())
                            .arg(input->channels() == 1 ? tr("gray") : tr("RGB")));
}

void MainWindow::reportFileProblem(const FileProblem& problem) {
    showStatus(problem.line(), 10000);
    pendingProblems_.push_back(problem);
    showNextProblem();
}

void MainWindow::showNextProblem() {
    // One box at a time, over the window once it is on screen (a file named on the command line
    // fails before that). Window-modal and not blocking: the caller goes on, tests read it.
    if (pendingProblems_.empty() || !isVisible() ||
        findChild<QMessageBox*>(QStringLiteral("fileProblemBox")))
        return;
    const FileProblem problem = pendingProblems_.front();
    pendingProblems_.erase(pendingProblems_.begin());
    auto* box = new QMessageBox(QMessageBox::Warning, tr("ConvScope"), problem.text(),
                                QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("fileProblemBox"));
    box->setInformativeText(problem.why());
    box->setDetailedText(QDir::toNativeSeparators(QFileInfo(problem.path).absoluteFilePath()));
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QObject::destroyed, this,
            [this] { QTimer::singleShot(0, this, &MainWindow::showNextProblem); });
    box->open();
}

void MainWindow::showEvent(QShowEvent* event) {
    QMainWindow::showEvent(event);
    QTimer::singleShot(0, this, &MainWindow::showNextProblem);
}

void MainWindow::showStatus(const QString& text, int timeout) {
    lastStatus_ = text;
    statusBar()->showMessage(text, timeout);
}

void MainWindow::showShortcuts() {
    if (!shortcuts_)
        shortcuts_ = new ShortcutsDialog(this);
    shortcuts_->show();
    shortcuts_->raise();
}

void MainWindow::showGettingStarted() {
    if (!gettingStarted_)
        gettingStarted_ = new GettingStartedDialog(this);
    gettingStarted_->show();
    gettingStarted_->raise();
}

void MainWindow::about() {
    QString libraries = tr("<tr><td>Qt</td><td>%1 (built with %2)</td></tr>")
                            .arg(QString::fromLatin1(qVersion()), QStringLiteral(QT_VERSION_STR));
    for (const LibraryVersion& library : library_versions())
        libraries +=
            QStringLiteral("<tr><td>%1</td><td>%2</td></tr>")
                .arg(QString::fromStdString(library.name), QString::fromStdString(library.version));
    QMessageBox::about(
        this, tr("About ConvScope"),
        tr("<h3>ConvScope %1</h3>"
           "<p>See what convolutional-network layers do to an image, live. Layers follow PyTorch's "
           "semantics (Conv2d, MaxPool2d, AvgPool2d, ReLU, LeakyReLU, Sigmoid, Tanh).</p>"
           "<table>%2"
           "<tr><td>SIMD target</td><td>%3</td></tr>"
           "<tr><td>Threads</td><td>%4</td></tr>"
           "</table>")
            .arg(QStringLiteral(CONVSCOPE_VERSION), libraries,
                 QString::fromStdString(simd_target()))
            .arg(QThread::idealThreadCount()));
}

void MainWindow::readSettings() {
    QSettings settings;
    const QByteArray geometry = settings.value(QStringLiteral("geometry")).toByteArray();
    if (geometry.isEmpty() || !restoreGeometry(geometry))
        placeFirstWindow(screen()->availableGeometry());
    restoreState(settings.value(QStringLiteral("windowState")).toByteArray());
    updateRecentMenu();
}

void MainWindow::placeFirstWindow(const QRect& available) {
    // Room for a title bar and borders, which are not known before the window is shown.
    const QSize frame(16, 40);
    const WindowPlacement placement = initialWindowPlacement(available, QSize(1600, 1000), frame);
    setGeometry(placement.geometry);
    setWindowState(placement.maximized ? (windowState() | Qt::WindowMaximized)
                                       : (windowState() & ~Qt::WindowMaximized));
}

void MainWindow::setPresentationMode(bool on) {
    if (on == presenting_)
        return;
    presenting_ = on;
    {
        QSignalBlocker block(presentationAction_);
        presentationAction_->setChecked(on);
    }
    leavePresentation_->setEnabled(on);
    if (on) {
        // What the room sees: the layers, the large map and the kernel editor, in large type.
        // Everything else comes back as it was with F11 or Esc.
        beforePresentation_ = saveState();
        wasMaximized_ = isMaximized();
        for (QDockWidget* dock : findChildren<QDockWidget*>()) {
            const QString name = dock->objectName();
            // The class scores too, when a classifier is open: the experiment is to break a
            // filter and watch the prediction.
            const bool keep = name == QLatin1String("layersDock") ||
                              name == QLatin1String("kernelDock") ||
                              (name == QLatin1String("predictionDock") && !dock->isHidden());
            if (keep) {
                dock->show();
                dock->raise();
            } else {
                dock->hide();
            }
        }
        for (QToolBar* bar : findChildren<QToolBar*>())
            bar->hide();
        overviewPane_->hide();
        statusBar()->hide();
        QFont large = QApplication::font();
        large.setPointSizeF(large.pointSizeF() * kPresentationFontScale);
        setFont(large);
        showFullScreen();
    } else {
        setFont(QFont());
        setAttribute(Qt::WA_SetFont, false);
        overviewPane_->show();
        statusBar()->show();
        restoreState(beforePresentation_);
        if (wasMaximized_)
            showMaximized();
        else
            showNormal();
    }
    Q_EMIT presentationModeChanged(on);
}

void MainWindow::writeSettings() {
    QSettings settings;
    settings.setValue(QStringLiteral("geometry"), saveGeometry());
    settings.setValue(QStringLiteral("windowState"), saveState());
}

void MainWindow::closeEvent(QCloseEvent* event) {
    // Qt's Application example: unsaved changes are asked about (Save / Discard / Cancel).
    if (!tools_->project()->maybeSave()) {
        event->ignore();
        return;
    }
    setPresentationMode(false); // the layout to remember is the user's own
    writeSettings();
    event->accept();
}

} // namespace convscope::ui
