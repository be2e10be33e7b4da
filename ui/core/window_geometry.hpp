#pragma once
// Where the first window goes, before the user has placed one (Qt's Application example keeps
// the user's geometry after that, in QSettings).

#include <QRect>
#include <QSize>

namespace convscope::ui {

struct WindowPlacement {
    QRect geometry;         // the window's client area
    bool maximized = false; // the screen is too small for the preferred size: use all of it
};

// The preferred size, centred on the screen's available area when it fits there with the window
// manager's frame (`frame`: the extra width and height a title bar and borders take); otherwise
// the whole available area, maximised. Never larger than the available area.
WindowPlacement initialWindowPlacement(const QRect& available, QSize preferred, QSize frame);

} // namespace convscope::ui
