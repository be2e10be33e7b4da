// The UI benchmark: drives the real widgets offscreen. Changes one kernel cell of the first layer
// of the default stack and measures until every affected map is repainted (overview thumbnails
// and the large view), on a 1 MP and a 12 MP image. Targets: ≤ 16 ms and ≤ 150 ms.
//
//   QT_QPA_PLATFORM=offscreen build/bin/bench_ui [--repeat N] [--only-1mp]

#include "document.hpp"
#include "feature_map_overview.hpp"
#include "feature_map_view.hpp"
#include "kernel_editor.hpp"
#include "main_window.hpp"
#include "render_coordinator.hpp"

#include "convscope/simd.hpp"

#include <QApplication>
#include <QElapsedTimer>
#include <QImage>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace convscope::ui;

namespace {

bool repainted(MainWindow& w) {
    const quint64 shown = w.coordinator()->displayedGeneration();
    return w.coordinator()->isIdle() && w.overview()->paintedGeneration() >= shown &&
           w.mapView()->paintedGeneration() >= shown;
}

void waitRepainted(MainWindow& w) {
    while (!repainted(w))
        QCoreApplication::processEvents(QEventLoop::AllEvents, 1);
}

struct Figures {
    double median = 0, min = 0, max = 0, engine = 0, render = 0;
};

Figures measure(MainWindow& w, int repeat) {
    w.document()->setSelectedLayer(0);
    w.document()->setSelectedFilter(0);
    waitRepainted(w);
    std::vector<double> times, engine, render;
    for (int i = 0; i < repeat; ++i) {
        KernelCell* cell = w.kernelEditor()->cell(0, 1, 0);
        cell->setFocus();
        cell->selectAll();
        QTest::keyClicks(cell, i % 2 ? QStringLiteral("-0.598") : QStringLiteral("-0.75"));
        QElapsedTimer timer;
        timer.start();
        QTest::keyClick(cell, Qt::Key_Return);
        waitRepainted(w);
        times.push_back(double(timer.nsecsElapsed()) / 1e6);
        engine.push_back(w.coordinator()->lastResult()->engineMs);
        render.push_back(w.coordinator()->lastResult()->renderMs);
    }
    auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    };
    return {median(times), *std::min_element(times.begin(), times.end()),
            *std::max_element(times.begin(), times.end()), median(engine), median(render)};
}

} // namespace

int main(int argc, char** argv) {
    qputenv("QT_QPA_PLATFORM",
            qgetenv("QT_QPA_PLATFORM").isEmpty() ? "offscreen" : qgetenv("QT_QPA_PLATFORM"));
    QApplication app(argc, argv);
    QStandardPaths::setTestModeEnabled(true);
    int repeat = 15;
    bool only1 = false;
    const QStringList args = app.arguments();
    for (int i = 1; i < args.size(); ++i) {
        if (args[i] == QLatin1String("--repeat") && i + 1 < args.size())
            repeat = std::max(1, args[++i].toInt());
        else if (args[i] == QLatin1String("--only-1mp"))
            only1 = true;
    }

    QTemporaryDir dir;
    const QImage photo(QStringLiteral(CONVSCOPE_RESOURCES_DIR "/samples/rocket-large.jpg"));
    if (photo.isNull()) {
        std::fprintf(stderr, "cannot read the sample photo\n");
        return 1;
    }
    struct Case {
        const char* name;
        QSize size;
        double target;
    };
    std::vector<Case> cases = {{"1 MP", QSize(1224, 816), 16}, {"12 MP", QSize(4240, 2830), 150}};
    if (only1)
        cases.resize(1);

    std::printf(
        "UI benchmark: edit one weight of layer 1 of the default stack, until every affected map "
        "is repainted\n");
    std::printf("threads %d, SIMD %s, %d edits per case\n", QThread::idealThreadCount(),
                convscope::simd_target().c_str(), repeat);
    std::printf("%-6s %-12s %10s %10s %10s %10s %10s %8s\n", "case", "image", "median ms", "min ms",
                "max ms", "engine ms", "maps ms", "target");
    int status = 0;
    for (const Case& c : cases) {
        const QString path = dir.filePath(
            QStringLiteral("bench-%1x%2.png").arg(c.size.width()).arg(c.size.height()));
        photo.scaled(c.size, Qt::IgnoreAspectRatio, Qt::SmoothTransformation).save(path);
        MainWindow window;
        window.setInteractive(false);
        window.resize(1600, 1000);
        window.coordinator()->setMeasureReference(false);
        window.openDefaults();
        window.show();
        if (!window.openPath(path)) {
            std::fprintf(stderr, "cannot open %s\n", qPrintable(path));
            return 1;
        }
        waitRepainted(window);
        measure(window, 2); // warm-up
        const Figures f = measure(window, repeat);
        std::printf("%-6s %-12s %10.1f %10.1f %10.1f %10.1f %10.1f %5.0f %s\n", c.name,
                    qPrintable(QStringLiteral("%1x%2").arg(c.size.width()).arg(c.size.height())),
                    f.median, f.min, f.max, f.engine, f.render, c.target,
                    f.median <= c.target ? "met" : "MISSED");
        std::fflush(stdout);
    }
    return status;
}
