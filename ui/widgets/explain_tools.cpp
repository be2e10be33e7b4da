#include "explain_tools.hpp"

#include "compare_view.hpp"
#include "document.hpp"
#include "export_actions.hpp"
#include "feature_map_overview.hpp"
#include "feature_map_view.hpp"
#include "map_data.hpp"
#include "pixel_inspector.hpp"
#include "project_io.hpp"
#include "render_coordinator.hpp"
#include "sliding_window_view.hpp"
#include "statistics_panel.hpp"

#include <QDockWidget>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>

namespace convscope::ui {

ExplainTools::ExplainTools(QMainWindow* window, RenderCoordinator* coordinator,
                           FeatureMapView* view)
    : QObject(window), window_(window) {
    setObjectName(QStringLiteral("explainTools"));
    Document* document = coordinator->document();
    data_ = new MapDataProvider(coordinator, this);
    project_ = new ProjectController(document, window);
    exports_ = new ExportActions(document, data_, window);
    exports_->setProjectController(project_);
    statistics_ = new StatisticsPanel(document, data_);
    inspector_ = new PixelInspector(document, data_);
    compare_ = new CompareView(document, data_);
    slidingWindow_ = new SlidingWindowView(document, data_);

    inspector_->attachView(view);
    // The pinned pixel is marked on the large view.
    auto mark = [this, view] {
        view->setMarker(inspector_->isPinned() && inspector_->position().x() >= 0
                            ? QRect(inspector_->position(), QSize(1, 1))
                            : QRect());
    };
    connect(inspector_, &PixelInspector::pinnedChanged, view, mark);
    connect(inspector_, &PixelInspector::explained, view, mark);
    // The receptive field is outlined on the overview's thumbnails too.
    if (auto* overview = window->findChild<FeatureMapOverview*>(QStringLiteral("overview")))
        connect(inspector_, &PixelInspector::fieldChanged, overview,
                &FeatureMapOverview::setReceptiveField);
    connect(view, &FeatureMapView::hovered, inspector_, &PixelInspector::hoverAt);
    connect(project_, &ProjectController::message, this, &ExplainTools::message);
    connect(exports_, &ExportActions::finished, this,
            [this](bool, const QString& text) { Q_EMIT message(text); });
    connect(slidingWindow_, &SlidingWindowView::message, this, &ExplainTools::message);

    auto dock = [this, window](QWidget* widget, const QString& title, const QString& name) {
        auto* d = new QDockWidget(title, window);
        d->setObjectName(name);
        d->setWidget(widget);
        // A dock behind another tab is not hidden, only moved off screen: its panel is hidden
        // then, so it asks for no values (the engine keeps reusing its buffers) and computes
        // nothing nobody sees.
        connect(d, &QDockWidget::visibilityChanged, widget, &QWidget::setVisible);
        connect(d, &QDockWidget::topLevelChanged, widget,
                [d, widget](bool floating) { widget->setVisible(!floating || d->isVisible()); });
        docks_.append(d);
        return d;
    };
    QDockWidget* stats = dock(statistics_, tr("Statistics"), QStringLiteral("statisticsDock"));
    QDockWidget* inspect = dock(inspector_, tr("Pixel inspector"), QStringLiteral("inspectorDock"));
    QDockWidget* compare = dock(compare_, tr("Compare"), QStringLiteral("compareDock"));
    QDockWidget* slide =
        dock(slidingWindow_, tr("Sliding window"), QStringLiteral("slidingWindowDock"));

    // Right: tabs beside the kernel editor (each needs the column's height). Bottom: beside the
    // speed panel.
    auto* kernelDock = window->findChild<QDockWidget*>(QStringLiteral("kernelDock"));
    auto* speedDock = window->findChild<QDockWidget*>(QStringLiteral("speedDock"));
    if (kernelDock) {
        window->tabifyDockWidget(kernelDock, inspect);
        window->tabifyDockWidget(kernelDock, stats);
    } else {
        window->addDockWidget(Qt::RightDockWidgetArea, inspect);
        window->tabifyDockWidget(inspect, stats);
    }
    window->addDockWidget(Qt::BottomDockWidgetArea, compare);
    if (speedDock) {
        window->tabifyDockWidget(speedDock, compare);
        window->tabifyDockWidget(speedDock, slide);
        speedDock->raise();
    } else {
        window->tabifyDockWidget(compare, slide);
    }
    if (kernelDock)
        kernelDock->raise();
}

void ExplainTools::installMenus(QMenu* file, QAction* before, QMenuBar* bar) {
    file->insertAction(before, project_->openAction());
    file->insertAction(before, project_->saveAction());
    file->insertAction(before, project_->saveAsAction());
    file->insertAction(before, project_->embedAction());
    file->insertSeparator(before);
    bar->addMenu(exports_->menu());
}

} // namespace convscope::ui
