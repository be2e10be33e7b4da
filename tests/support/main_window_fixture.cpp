#include "main_window_fixture.hpp"

#include <QStandardPaths>

namespace convscope::test {

void prepareGuiTests() {
    QStandardPaths::setTestModeEnabled(true);
    qputenv("CONVSCOPE_RESOURCES", CONVSCOPE_RESOURCES_DIR);
}

std::unique_ptr<ui::MainWindow> openMainWindow(QSize size, bool defaults) {
    auto window = std::make_unique<ui::MainWindow>();
    window->setInteractive(false);
    // Exactly this size, whatever the first window's placement on the test screen would be.
    window->setWindowState(Qt::WindowNoState);
    window->resize(size);
    if (defaults)
        window->openDefaults();
    window->show();
    return window;
}

} // namespace convscope::test
