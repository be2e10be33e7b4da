// Projects through the GUI: save a session, open it in a new window, see the same maps; embedded
// and relative images; the modified marker and the "Save changes?" question on close.

#include "document.hpp"
#include "explain_tools.hpp"
#include "feature_map_overview.hpp"
#include "main_window.hpp"
#include "map_data.hpp"
#include "project_io.hpp"
#include "render_coordinator.hpp"

#include "support/main_window_fixture.hpp"

#include <QAbstractButton>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QMessageBox>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace convscope;
using namespace convscope::ui;

namespace {

ExplainTools* tools(MainWindow& w) {
    return w.findChild<ExplainTools*>();
}

// Every thumbnail of the overview, in order.
std::vector<QImage> thumbnails(MainWindow& w) {
    std::vector<QImage> out;
    const int layers = int(w.document()->pipeline().layers.size());
    for (int l = -1; l < layers; ++l)
        for (int c = 0;; ++c) {
            const QImage t = w.overview()->thumbnail({l, c});
            if (t.isNull())
                break;
            out.push_back(t);
        }
    return out;
}

} // namespace

class TestProjectGui : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { test::prepareGuiTests(); }

    void roundTripThroughTheGui() {
        QTemporaryDir dir;
        const QString image = dir.filePath(QStringLiteral("pictures/cat.png"));
        QDir(dir.path()).mkpath(QStringLiteral("pictures"));
        QVERIFY(QFile::copy(QStringLiteral(CONVSCOPE_RESOURCES_DIR "/samples/chelsea.png"), image));

        auto w1 = test::openMainWindow();
        QVERIFY(tools(*w1));
        QVERIFY(w1->openPath(image));
        QTRY_VERIFY_WITH_TIMEOUT(test::isIdle(*w1), 20000);
        // Edits: a kernel value (undoable), the colormap and the map shown large (view).
        Pipeline p = w1->document()->pipeline();
        std::get<Conv2d>(p.layers[3].op).weights.values.write()[4] = -2.5f;
        w1->document()->edit(QStringLiteral("edit"), p);
        w1->document()->setDisplay({Colormap::Magma, Normalisation::PerLayer});
        w1->document()->setFocus({3, 2});
        QVERIFY(tools(*w1)->project()->isModified());
        QVERIFY(w1->isWindowModified());
        QVERIFY(w1->windowTitle().contains(QStringLiteral("[*]")));

        const QString path = dir.filePath(QStringLiteral("session.convscope"));
        QString error;
        QVERIFY2(tools(*w1)->project()->saveTo(path, &error), qPrintable(error));
        QVERIFY(!tools(*w1)->project()->isModified());
        QVERIFY(!w1->isWindowModified());
        QVERIFY(w1->windowTitle().contains(QStringLiteral("session.convscope")));
        // The image is stored relative to the project.
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(file.readAll().contains("pictures/cat.png"));
        QTRY_VERIFY_WITH_TIMEOUT(test::isIdle(*w1), 20000);

        auto w2 = test::openMainWindow(QSize(1400, 900), false);
        QVERIFY2(w2->openPath(path), qPrintable(w2->lastStatus()));
        QTRY_VERIFY_WITH_TIMEOUT(test::isIdle(*w2), 20000);
        QCOMPARE(w2->document()->pipeline(), w1->document()->pipeline());
        QVERIFY(w2->document()->display() == w1->document()->display());
        // The toolbar shows the project's display settings.
        QCOMPARE(w2->findChild<QComboBox*>(QStringLiteral("colormap"))->currentData().toInt(),
                 int(Colormap::Magma));
        QCOMPARE(w2->findChild<QComboBox*>(QStringLiteral("normalisation"))->currentData().toInt(),
                 int(Normalisation::PerLayer));
        QVERIFY(w2->document()->focus() == (MapId{3, 2}));
        QCOMPARE(w2->document()->imageSize(), w1->document()->imageSize());
        QVERIFY(!w2->isWindowModified());
        QVERIFY(w2->windowTitle().contains(QStringLiteral("session.convscope")));
        // The same maps.
        const auto a = thumbnails(*w1), b = thumbnails(*w2);
        QCOMPARE(a.size(), std::size_t(1 + 8 * 5));
        QCOMPARE(b.size(), a.size());
        for (std::size_t i = 0; i < a.size(); ++i)
            QVERIFY2(a[i] == b[i], qPrintable(QString::number(i)));
        tools(*w1)->data()->refresh();
        tools(*w2)->data()->refresh();
        QTRY_VERIFY_WITH_TIMEOUT(tools(*w1)->data()->isCurrent() && tools(*w2)->data()->isCurrent(),
                                 20000);
        QCOMPARE(tools(*w2)->data()->snapshot()->maps(4)->to_dense(),
                 tools(*w1)->data()->snapshot()->maps(4)->to_dense());

        // Moved together with its image, the project still opens.
        const QString moved = dir.filePath(QStringLiteral("moved"));
        QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("moved/pictures")));
        QVERIFY(QFile::rename(image, moved + QStringLiteral("/pictures/cat.png")));
        QVERIFY(QFile::rename(path, moved + QStringLiteral("/session.convscope")));
        auto w3 = test::openMainWindow(QSize(1400, 900), false);
        QVERIFY2(w3->openPath(moved + QStringLiteral("/session.convscope")),
                 qPrintable(w3->lastStatus()));
        QCOMPARE(w3->document()->imagePath(),
                 QFileInfo(moved + QStringLiteral("/pictures/cat.png")).absoluteFilePath());
    }

    // A project may name its image by a path that climbs out of its folder (or an absolute one):
    // the window says which file it opened.
    void theResolvedImagePathIsShown() {
        QTemporaryDir dir;
        QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("photos")));
        QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("projects/2024")));
        const QString image = dir.filePath(QStringLiteral("photos/coins.png"));
        QVERIFY(QFile::copy(QStringLiteral(CONVSCOPE_RESOURCES_DIR "/samples/coins.png"), image));
        const QString path = dir.filePath(QStringLiteral("projects/2024/coins.convscope"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(R"({"format": "convscope-project", "version": 1,
                       "image": {"path": "../../photos/coins.png"},
                       "pipeline": {"format": "convscope-pipeline", "version": 1,
                                    "layers": [{"type": "relu"}]}})");
        file.close();
        auto w = test::openMainWindow(QSize(1400, 900), false);
        QVERIFY2(w->openPath(path), qPrintable(w->lastStatus()));
        const QString resolved = QFileInfo(image).absoluteFilePath();
        QVERIFY2(w->lastStatus().contains(resolved), qPrintable(w->lastStatus()));
        QCOMPARE(w->document()->imagePath(), resolved);
    }

    void embeddedImageSurvivesItsFile() {
        QTemporaryDir dir;
        const QString image = dir.filePath(QStringLiteral("coins.png"));
        QVERIFY(QFile::copy(QStringLiteral(CONVSCOPE_RESOURCES_DIR "/samples/coins.png"), image));
        auto w1 = test::openMainWindow();
        QVERIFY(w1->openPath(image));
        tools(*w1)->project()->setEmbedImage(true);
        const QString path = dir.filePath(QStringLiteral("embedded.convscope"));
        QVERIFY(tools(*w1)->project()->saveTo(path));
        QVERIFY(QFile::remove(image));
        auto w2 = test::openMainWindow(QSize(1400, 900), false);
        QVERIFY2(w2->openPath(path), qPrintable(w2->lastStatus()));
        QCOMPARE(w2->document()->imageSize(), w1->document()->imageSize());
        QVERIFY(tools(*w2)->project()->embedImage());
        QTRY_VERIFY_WITH_TIMEOUT(test::isIdle(*w2), 20000);
        QCOMPARE(w2->overview()->bandCount(), 6);
    }

    void failedSaveKeepsTheOldFile() {
        QTemporaryDir dir;
        auto w = test::openMainWindow();
        const QString path = dir.filePath(QStringLiteral("keep.convscope"));
        QVERIFY(tools(*w)->project()->saveTo(path));
        QFile before(path);
        QVERIFY(before.open(QIODevice::ReadOnly));
        const QByteArray original = before.readAll();
        before.close();
        QString error;
        QVERIFY(!tools(*w)->project()->saveTo(QStringLiteral("/proc/no/such.convscope"), &error));
        QVERIFY(error.contains(QStringLiteral("/proc/no/such.convscope")));
        QFile after(path);
        QVERIFY(after.open(QIODevice::ReadOnly));
        QCOMPARE(after.readAll(), original);
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 1); // no temporary left over
        // A broken project names the problem and changes nothing.
        QFile broken(dir.filePath(QStringLiteral("broken.convscope")));
        QVERIFY(broken.open(QIODevice::WriteOnly));
        broken.write("{\"format\": \"convscope-project\", \"version\": 1}");
        broken.close();
        const Pipeline kept = w->document()->pipeline();
        QVERIFY(!w->openPath(broken.fileName()));
        QVERIFY(w->lastStatus().contains(QStringLiteral("broken.convscope")) ||
                w->lastStatus().contains(QStringLiteral("pipeline")));
        QCOMPARE(w->document()->pipeline(), kept);
    }

    void closeAsksAboutUnsavedChanges() {
        auto w = test::openMainWindow();
        QTRY_VERIFY_WITH_TIMEOUT(test::isIdle(*w), 20000);
        Pipeline p = w->document()->pipeline();
        p.layers[1].enabled = false;
        w->document()->edit(QStringLiteral("disable"), p);
        QVERIFY(w->isWindowModified());
        tools(*w)->project()->setInteractive(true);
        auto answer = [](QMessageBox::StandardButton button) {
            QTimer::singleShot(50, [button] {
                auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
                QVERIFY(box);
                QCOMPARE(box->objectName(), QStringLiteral("saveChangesBox"));
                QVERIFY2(box->text().contains(QStringLiteral("chelsea.png")),
                         qPrintable(box->text()));
                box->button(button)->click();
            });
        };
        answer(QMessageBox::Cancel);
        QVERIFY(!w->close());
        QVERIFY(w->isVisible());
        answer(QMessageBox::Discard);
        QVERIFY(w->close());
    }

    // Files named on the command line start the session: no edit, no '*', nothing to undo,
    // no question on close. A project names itself when it does have changes.
    void openingFromTheCommandLineIsNoEdit() {
        QTemporaryDir dir;
        const QString pipeline =
            QStringLiteral(CONVSCOPE_RESOURCES_DIR "/pipelines/edge-detectors.json");
        {
            auto w = test::openMainWindow(); // on the sample and the default pipeline, as at start
            QVERIFY(w->openPath(pipeline, MainWindow::OpenReason::CommandLine));
            QTRY_VERIFY_WITH_TIMEOUT(test::isIdle(*w), 20000);
            QVERIFY(!w->isWindowModified());
            QVERIFY(!w->document()->undoStack()->canUndo());
            QVERIFY(!tools(*w)->project()->isModified());
            QCOMPARE(w->document()->pipelinePath(), QFileInfo(pipeline).absoluteFilePath());
            // Chosen in the window over a session with nothing to save: still nothing to save,
            // and Undo goes back to the stack before.
            QVERIFY(w->openPath(QStringLiteral(CONVSCOPE_RESOURCES_DIR "/pipelines/default.json")));
            QVERIFY(!w->isWindowModified());
            QVERIFY(w->document()->undoStack()->canUndo());
            w->document()->undoStack()->undo();
            QVERIFY(w->isWindowModified());
            QString error;
            QVERIFY(tools(*w)->project()->saveTo(dir.filePath(QStringLiteral("lecture.convscope")),
                                                 &error));
        }
        auto w = test::openMainWindow();
        QVERIFY(w->openPath(dir.filePath(QStringLiteral("lecture.convscope")),
                            MainWindow::OpenReason::CommandLine));
        QTRY_VERIFY_WITH_TIMEOUT(test::isIdle(*w), 20000);
        QVERIFY(w->windowTitle().startsWith(QStringLiteral("lecture.convscope[*]")));
        QVERIFY(!w->isWindowModified());
        QVERIFY(!tools(*w)->project()->isModified());
        QVERIFY(!w->document()->undoStack()->canUndo());
        tools(*w)->project()->setInteractive(true);
        QVERIFY(tools(*w)->project()->maybeSave()); // asks nothing (a box would block here)
        w->document()->setFocus({2, 1});
        w->document()->setDisplay({Colormap::Magma, Normalisation::PerLayer});
        QVERIFY(w->isWindowModified());
        QCOMPARE(tools(*w)->project()->unsavedChangesText(),
                 QStringLiteral("The project “lecture.convscope” has unsaved changes."));
        tools(*w)->project()->setInteractive(false);
    }
};

QTEST_MAIN(TestProjectGui)
#include "test_project_gui.moc"
