#include "help_dialogs.hpp"

#include <QAction>
#include <QDialogButtonBox>
#include <QFile>
#include <QHeaderView>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QRegularExpression>
#include <QTableWidget>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace convscope::ui {

namespace {

QString plain(QString text) {
    text.remove(QRegularExpression(QStringLiteral("&(?!&)")));
    text.replace(QStringLiteral("&&"), QStringLiteral("&"));
    return text;
}

QString keysOf(const QAction* action) {
    QStringList keys;
    for (const QKeySequence& key : action->shortcuts())
        keys.append(key.toString(QKeySequence::NativeText));
    return keys.join(QStringLiteral(", "));
}

void collect(const QMenu* menu, const QString& path, QList<ShortcutEntry>& out) {
    for (const QAction* action : menu->actions()) {
        if (action->isSeparator())
            continue;
        const QString where = path + QStringLiteral(" ▸ ") + plain(action->text());
        if (action->menu())
            collect(action->menu(), where, out);
        else if (!action->shortcuts().isEmpty())
            out.append({where, keysOf(action)});
    }
}

} // namespace

QList<ShortcutEntry> windowShortcuts(const QMainWindow* window) {
    QList<ShortcutEntry> out;
    for (const QAction* action : window->menuBar()->actions())
        if (action->menu())
            collect(action->menu(), plain(action->text()), out);
    for (const QAction* action : window->actions())
        if (!action->shortcuts().isEmpty())
            out.append({plain(action->text()), keysOf(action)});
    out.append({QObject::tr("Kernel cell: next / previous cell"), QObject::tr("Tab, Shift+Tab")});
    out.append({QObject::tr("Kernel cell: scrub the value"),
                QObject::tr("Wheel or drag up/down (Shift finer, Ctrl coarser)")});
    out.append({QObject::tr("Large map: pin the pixel inspector"), QObject::tr("Click")});
    return out;
}

ShortcutsDialog::ShortcutsDialog(QMainWindow* window) : QDialog(window), window_(window) {
    setObjectName(QStringLiteral("shortcutsDialog"));
    setWindowTitle(tr("Keyboard shortcuts"));
    table_ = new QTableWidget(0, 2, this);
    table_->setHorizontalHeaderLabels({tr("Command"), tr("Keys")});
    table_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    table_->horizontalHeader()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    table_->verticalHeader()->hide();
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::close);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(table_);
    layout->addWidget(buttons);
    resize(620, 560);
}

void ShortcutsDialog::showEvent(QShowEvent* event) {
    // Read when shown: the undo action's text and the window's actions change.
    const QList<ShortcutEntry> entries = windowShortcuts(window_);
    table_->setRowCount(int(entries.size()));
    for (int row = 0; row < int(entries.size()); ++row) {
        table_->setItem(row, 0, new QTableWidgetItem(entries[row].what));
        table_->setItem(row, 1, new QTableWidgetItem(entries[row].keys));
    }
    QDialog::showEvent(event);
}

GettingStartedDialog::GettingStartedDialog(QWidget* parent) : QDialog(parent) {
    setObjectName(QStringLiteral("gettingStartedDialog"));
    setWindowTitle(tr("Getting started"));
    browser_ = new QTextBrowser(this);
    browser_->setOpenExternalLinks(true);
    QFile page(QStringLiteral(":/convscope/getting-started.md"));
    if (page.open(QIODevice::ReadOnly))
        browser_->setMarkdown(QString::fromUtf8(page.readAll()));
    else
        browser_->setPlainText(tr("The Getting started page is missing from this build."));
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::close);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(browser_);
    layout->addWidget(buttons);
    resize(640, 620);
}

} // namespace convscope::ui
