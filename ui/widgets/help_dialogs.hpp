#pragma once
// Help that lives in the app: the keyboard shortcuts (read from the window's own actions, so the
// list is never out of date) and the Getting started tour.

#include <QDialog>
#include <QList>
#include <QString>

class QMainWindow;
class QTableWidget;
class QTextBrowser;

namespace convscope::ui {

struct ShortcutEntry {
    QString what; // "Edit ▸ Undo"
    QString keys; // "Ctrl+Z", several separated by commas
};

// Every action of `window`'s menus that has a shortcut, in menu order, then the window's own
// actions (Esc leaves presentation mode) and the keys no menu shows (scrubbing a kernel cell).
QList<ShortcutEntry> windowShortcuts(const QMainWindow* window);

class ShortcutsDialog : public QDialog {
    Q_OBJECT

public:
    explicit ShortcutsDialog(QMainWindow* window);
    QTableWidget* table() const { return table_; }

protected:
    void showEvent(QShowEvent* event) override;

private:
    QMainWindow* window_;
    QTableWidget* table_;
};

class GettingStartedDialog : public QDialog {
    Q_OBJECT

public:
    explicit GettingStartedDialog(QWidget* parent);
    QTextBrowser* browser() const { return browser_; }

private:
    QTextBrowser* browser_;
};

} // namespace convscope::ui
