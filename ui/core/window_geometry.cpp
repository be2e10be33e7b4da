#include "window_geometry.hpp"

#include <algorithm>

namespace convscope::ui {

WindowPlacement initialWindowPlacement(const QRect& available, QSize preferred, QSize frame) {
    WindowPlacement placement;
    const QSize room(std::max(1, available.width() - frame.width()),
                     std::max(1, available.height() - frame.height()));
    if (preferred.width() <= room.width() && preferred.height() <= room.height()) {
        placement.geometry = QRect(QPoint(), preferred);
        placement.geometry.moveCenter(available.center());
        return placement;
    }
    placement.maximized = true;
    placement.geometry =
        QRect(available.topLeft() + QPoint(frame.width() / 2, frame.height()), room);
    return placement;
}

} // namespace convscope::ui
