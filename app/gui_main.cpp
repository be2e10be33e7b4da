// convscope: the live explorer. `convscope [MODEL.onnx | PIPELINE.json | PROJECT.convscope]
// [IMAGE]`; with nothing named it opens the bundled sample with the default pipeline already
// computed.

#include "app_style.hpp"
#include "document.hpp"
#include "main_window.hpp"
#include "render_coordinator.hpp"

#include <QApplication>
#include <QCommandLineParser>
#include <QDockWidget>
#include <QFileInfo>
#include <QTimer>

#include <cstdio>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("ConvScope"));
    QApplication::setApplicationName(QStringLiteral("ConvScope"));
    QApplication::setApplicationVersion(QStringLiteral(CONVSCOPE_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("convscope"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("See what CNN layers do to an image, live."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("file"),
                                 QStringLiteral("Files to open, in order: a model (.onnx), a "
                                                "pipeline (.json) or a project (.convscope), "
                                                "and an image."),
                                 QStringLiteral("[MODEL | PIPELINE | PROJECT] [IMAGE]"));
    const QCommandLineOption screenshot(
        QStringLiteral("screenshot"),
        QStringLiteral("Save a picture of the window once the maps are shown, then quit."),
        QStringLiteral("FILE"));
    const QCommandLineOption size(QStringLiteral("size"),
                                  QStringLiteral("Window size, e.g. 1600x1000."),
                                  QStringLiteral("WxH"));
    const QCommandLineOption dark(QStringLiteral("dark"), QStringLiteral("Use a dark palette."));
    const QCommandLineOption dock(
        QStringLiteral("dock"),
        QStringLiteral("Bring a panel to the front (for screenshots): statisticsDock, "
                       "inspectorDock, compareDock, slidingWindowDock, speedDock, kernelDock."),
        QStringLiteral("NAME"));
    const QCommandLineOption focus(QStringLiteral("focus"),
                                   QStringLiteral("Show this map large: LAYER:MAP (from 1)."),
                                   QStringLiteral("L:M"));
    const QCommandLineOption delay(
        QStringLiteral("screenshot-delay"),
        QStringLiteral("Milliseconds to wait after the first maps (default 1500)."),
        QStringLiteral("MS"), QStringLiteral("1500"));
    const QCommandLineOption presentation(
        QStringLiteral("presentation"),
        QStringLiteral("Start in presentation mode (full screen, large type; F11 or Esc leaves)."));
    parser.addOptions({screenshot, size, dark, focus, delay, dock, presentation});
    parser.process(app);

    QApplication::setStyle(convscope::ui::createAppStyle());
    if (parser.isSet(dark))
        QApplication::setPalette(convscope::ui::darkPalette());

    convscope::ui::MainWindow window;
    const bool shooting = parser.isSet(screenshot);
    window.setInteractive(!shooting);
    if (parser.isSet(size)) {
        const QStringList parts = parser.value(size).split(QLatin1Char('x'));
        if (parts.size() == 2) {
            window.setWindowState(Qt::WindowNoState);
            window.resize(parts[0].toInt(), parts[1].toInt());
        }
    }
    window.openDefaults();
    for (const QString& path : parser.positionalArguments())
        window.openPath(path, convscope::ui::MainWindow::OpenReason::CommandLine);
    if (parser.isSet(focus)) {
        const QStringList parts = parser.value(focus).split(QLatin1Char(':'));
        if (parts.size() == 2) {
            window.document()->setSelectedLayer(parts[0].toInt() - 1);
            window.document()->setSelectedFilter(parts[1].toInt() - 1);
            window.document()->setFocus({parts[0].toInt() - 1, parts[1].toInt() - 1});
        }
    }
    window.show();
    if (parser.isSet(presentation))
        window.setPresentationMode(true);
    if (parser.isSet(dock)) {
        if (auto* panel = window.findChild<QDockWidget*>(parser.value(dock))) {
            panel->show();
            panel->raise();
        }
    }

    if (shooting) {
        const QString file = parser.value(screenshot);
        const int wait = parser.value(delay).toInt();
        auto shoot = [&window, file] {
            const QPixmap picture = window.grab();
            const bool ok = picture.save(file);
            std::fprintf(ok ? stdout : stderr, "%s %s\n", ok ? "wrote" : "cannot write",
                         qPrintable(file));
            QApplication::exit(ok ? 0 : 1);
        };
        QObject::connect(&window, &convscope::ui::MainWindow::resultShown, &window,
                         [&window, wait, shoot] {
                             static bool scheduled = false;
                             if (scheduled)
                                 return;
                             scheduled = true;
                             QTimer::singleShot(wait, &window, shoot);
                         });
        QTimer::singleShot(60000, &app, [] {
            std::fprintf(stderr, "no maps after 60 s\n");
            QApplication::exit(2);
        });
    }
    return app.exec();
}
