// The document without widgets: edits as undo steps, the revision that says which state a
// result shows, the selection and focus kept valid, and the shapes the panels ask for.

#include "document.hpp"
#include "pipeline_edit.hpp"

#include "support/tensors.hpp"

#include "convscope/pipeline_json.hpp"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace convscope;
using namespace convscope::ui;

class TestDocument : public QObject {
    Q_OBJECT

    static void setUp(Document& doc) {
        doc.resetPipeline(load_pipeline(CONVSCOPE_RESOURCES_DIR "/pipelines/default.json"));
        QVERIFY(doc.loadImage(QStringLiteral(CONVSCOPE_RESOURCES_DIR "/samples/chelsea.png")));
    }

private Q_SLOTS:
    void everyEditIsOneUndoStepAndARevision() {
        Document doc;
        setUp(doc);
        const quint64 loaded = doc.revision();
        QSignalSpy changed(&doc, &Document::pipelineChanged);
        Pipeline p = doc.pipeline();
        p.layers[1].enabled = false;
        doc.edit(QStringLiteral("disable"), p);
        QCOMPARE(changed.count(), 1);
        QVERIFY(doc.revision() > loaded);
        QCOMPARE(doc.undoStack()->count(), 1);
        // The same pipeline again is no edit at all.
        doc.edit(QStringLiteral("again"), p);
        QCOMPARE(doc.undoStack()->count(), 1);
        const quint64 edited = doc.revision();
        doc.undoStack()->undo();
        QVERIFY(doc.pipeline().layers[1].enabled);
        QVERIFY(doc.revision() > edited); // undo is a change of state too
        // Focus and display leave the revision alone: results made before still show the values.
        const quint64 undone = doc.revision();
        doc.setFocus({2, 1});
        doc.setDisplay({Colormap::Magma, Normalisation::Global});
        QCOMPARE(doc.revision(), undone);
    }

    void editsOfOneDragMergeAndKeepTheSelectionAsked() {
        Document doc;
        setUp(doc);
        Pipeline p = doc.pipeline();
        for (int i = 0; i < 5; ++i) {
            std::get<Conv2d>(p.layers[3].op).weights.values.write()[0] = float(i);
            doc.edit(QStringLiteral("drag"), p, {.mergeKey = QStringLiteral("cell")});
        }
        QCOMPARE(doc.undoStack()->count(), 1);
        p.layers.erase(p.layers.begin() + 1);
        doc.edit(QStringLiteral("remove"), p, {.select = 3});
        QCOMPARE(doc.selectedLayer(), 3);
        doc.undoStack()->undo();
        QCOMPARE(doc.pipeline().layers.size(), std::size_t(5));
    }

    void aFocusOnALayerThatWentAwayMovesAndSaysSo() {
        Document doc;
        setUp(doc);
        doc.setFocus({4, 2});
        QSignalSpy focus(&doc, &Document::focusChanged);
        Pipeline p = doc.pipeline();
        p.layers.resize(2);
        doc.edit(QStringLiteral("shorter"), p);
        QCOMPARE(doc.focus(), (MapId{1, 0}));
        QCOMPARE(focus.count(), 1); // the view follows the move, not only the next render
        // Nothing left: the input is shown.
        doc.edit(QStringLiteral("empty"), Pipeline{p.input_mode, {}, {}});
        QCOMPARE(doc.focus(), (MapId{-1, 0}));
        QCOMPARE(focus.count(), 2);
    }

    void theSelectedConvIsFoundInOnePlace() {
        Document doc;
        setUp(doc);
        doc.setSelectedLayer(1); // a ReLU
        QVERIFY(!doc.selectedConv());
        Pipeline edited;
        QVERIFY(!doc.selectedConv(edited));
        doc.setSelectedLayer(3);
        QVERIFY(doc.selectedConv());
        QCOMPARE(doc.selectedConv()->weights.out_channels, 8);
        Conv2d* conv = doc.selectedConv(edited);
        QVERIFY(conv);
        conv->weights.values.write()[0] = 42.0f; // a copy to edit, not the document's
        QVERIFY(doc.selectedConv()->weights.values[0] != 42.0f);
        doc.edit(QStringLiteral("set"), edited);
        QCOMPARE(doc.selectedConv()->weights.values[0], 42.0f);
    }

    void shapesFollowWhatEachLayerReads() {
        Document doc;
        setUp(doc);
        QCOMPARE(doc.outputShapeOf(-1), (Shape{3, 300, 451}));
        QCOMPARE(doc.inputShapeOf(0), (Shape{3, 300, 451}));
        QCOMPARE(doc.outputShapeOf(2), (Shape{8, 150, 225}));
        QCOMPARE(doc.inputShapeOf(3), (Shape{8, 150, 225}));
        // A layer that reads an earlier one, not the previous: its input is that one's output.
        Pipeline p = doc.pipeline();
        Layer sum = test::layer_of(Add{});
        sum.inputs = {3, 4};
        p.layers.push_back(sum);
        Layer reads_first = test::layer_of(Activation{ActivationKind::ReLU});
        reads_first.inputs = {0};
        p.layers.push_back(reads_first);
        doc.edit(QStringLiteral("skip"), p);
        QCOMPARE(doc.inputShapeOf(5), doc.outputShapeOf(3));
        QCOMPARE(doc.inputShapeOf(6), (Shape{8, 300, 451}));
        QCOMPARE(doc.outputShapeOf(6), (Shape{8, 300, 451}));
        // Behind a layer that cannot run nothing has a shape.
        std::get<Conv2d>(p.layers[3].op).groups = 3;
        doc.edit(QStringLiteral("bad"), p);
        QCOMPARE(doc.outputShapeOf(2), (Shape{8, 150, 225}));
        QVERIFY(doc.outputShapeOf(3).empty());
        QVERIFY(doc.inputShapeOf(4).empty());
    }

    // A pipeline file's <name>.labels.txt is read under the limits of a model's: a huge one, a
    // binary one or one with a name too long gives no names and one sentence naming it; a good
    // one names the classes.
    void aPipelinesLabelsFileIsReadUnderLimits() {
        QTemporaryDir dir;
        const QString pipeline = dir.filePath(QStringLiteral("stack.json"));
        QVERIFY(QFile::copy(QStringLiteral(CONVSCOPE_RESOURCES_DIR "/pipelines/default.json"),
                            pipeline));
        const QString labels = dir.filePath(QStringLiteral("stack.labels.txt"));
        const auto write = [&labels](const QByteArray& bytes) {
            QFile file(labels);
            return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
        };
        const struct {
            QByteArray bytes;
            const char* expected;
        } cases[] = {
            {QByteArray(2 << 20, 'a'), "is 2097152 bytes"},
            {QByteArray("cat\0dog\n", 8), "binary data"},
            {"cat\n" + QByteArray(201, 'x') + "\n", "line 2 is 201 characters long"},
        };
        for (const auto& c : cases) {
            QVERIFY(write(c.bytes));
            Document doc;
            QVERIFY(doc.loadPipeline(pipeline));
            QVERIFY(doc.classLabels().isEmpty());
            QVERIFY2(doc.labelsProblem().contains(QLatin1String("stack.labels.txt")) &&
                         doc.labelsProblem().contains(QLatin1String(c.expected)),
                     qPrintable(doc.labelsProblem()));
        }
        QVERIFY(write("cat\r\ndog\r\n\n"));
        Document doc;
        QVERIFY(doc.loadPipeline(pipeline));
        QCOMPARE(doc.classLabels(), (QStringList{QStringLiteral("cat"), QStringLiteral("dog")}));
        QVERIFY(doc.labelsProblem().isEmpty());
    }
};

QTEST_MAIN(TestDocument)
#include "test_document.moc"
