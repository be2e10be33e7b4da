#pragma once
// The main window as the GUI tests drive it: settings in a test location, the bundled
// resources, no modal questions, a fixed size, shown offscreen.

#include "main_window.hpp"
#include "render_coordinator.hpp"

#include <QSize>

#include <memory>

namespace convscope::test {

// Call once per test executable (initTestCase): QSettings and QStandardPaths in a test
// location, resources from the source tree.
void prepareGuiTests();

// A shown main window; with `defaults`, on the bundled sample and the default pipeline.
std::unique_ptr<ui::MainWindow> openMainWindow(QSize size = QSize(1400, 900), bool defaults = true);

// Nothing scheduled or in flight: the widgets show the document's current state.
inline bool isIdle(const ui::MainWindow& window) {
    return window.coordinator()->isIdle();
}

} // namespace convscope::test
