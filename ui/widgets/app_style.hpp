#pragma once
// The application's look: Qt's Fusion style everywhere, with one correction for dark palettes,
// and the dark palette itself (`convscope --dark`).

#include <QPalette>

class QStyle;

namespace convscope::ui {

// Fusion, except that check boxes (in dialogs and in lists) keep a visible outline on a dark
// base: Fusion draws it in a darker shade of the window colour, which vanishes there.
QStyle* createAppStyle();

QPalette darkPalette();

} // namespace convscope::ui
