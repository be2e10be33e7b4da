#pragma once
// The tools that explain and export maps, installed into the main window: the value snapshot
// they share, the statistics panel and the pixel inspector (right), compare and the sliding
// window (bottom, beside the speed panel), the Export menu and the project file actions.

#include <QObject>

class QMainWindow;
class QMenu;
class QMenuBar;
class QAction;
class QDockWidget;

namespace convscope::ui {

class CompareView;
class Document;
class ExportActions;
class FeatureMapView;
class MapDataProvider;
class PixelInspector;
class ProjectController;
class RenderCoordinator;
class SlidingWindowView;
class StatisticsPanel;

class ExplainTools : public QObject {
    Q_OBJECT

public:
    // The tools read the live run's maps through `coordinator` (no run of their own).
    ExplainTools(QMainWindow* window, RenderCoordinator* coordinator, FeatureMapView* view);

    // Adds the project actions to `file` (before `before`) and the Export menu to `bar`. (The
    // docks' toggles reach the View menu with every other dock's.)
    void installMenus(QMenu* file, QAction* before, QMenuBar* bar);

    MapDataProvider* data() const { return data_; }
    ProjectController* project() const { return project_; }
    ExportActions* exports() const { return exports_; }
    StatisticsPanel* statistics() const { return statistics_; }
    PixelInspector* inspector() const { return inspector_; }
    CompareView* compare() const { return compare_; }
    SlidingWindowView* slidingWindow() const { return slidingWindow_; }
    QList<QDockWidget*> docks() const { return docks_; }

Q_SIGNALS:
    void message(const QString& text);

private:
    QMainWindow* window_;
    MapDataProvider* data_;
    ProjectController* project_;
    ExportActions* exports_;
    StatisticsPanel* statistics_;
    PixelInspector* inspector_;
    CompareView* compare_;
    SlidingWindowView* slidingWindow_;
    QList<QDockWidget*> docks_;
};

} // namespace convscope::ui
