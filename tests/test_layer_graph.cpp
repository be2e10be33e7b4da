// Skip connections in the stack, without widgets: what each layer is said to read, the arcs of
// the Layers list, and inserting, removing and moving layers of a residual network with every
// edge kept valid (or the move refused with the reason).

#include "layer_graph.hpp"
#include "pipeline_edit.hpp"

#include "support/compare.hpp"
#include "support/tensors.hpp"

#include "convscope/backend.hpp"
#include "convscope/pipeline_json.hpp"

#include <QTest>

using namespace convscope;
using namespace convscope::ui;

namespace {

// Two residual blocks (the second with a downsampling conv on its skip path) and a classifier.
// 0-based: add 8 reads [7, 2]; the downsample conv 15 reads 9; add 17 reads [14, 16].
Pipeline residual() {
    return load_pipeline(CONVSCOPE_TEST_DATA_DIR "/fixtures/torch/residual/pipeline.json");
}
const Shape kInput{3, 17, 15};

// Every explicit input names an earlier layer (or the input image).
bool edgesPointBack(const Pipeline& p) {
    for (int i = 0; i < int(p.layers.size()); ++i)
        for (int source : p.layers[i].inputs)
            if (source < kPipelineInput || source >= i)
                return false;
    return true;
}

// The last layer's maps on a fixed input.
Tensor lastOutput(const Pipeline& p) {
    auto backend = make_backend(BackendKind::Naive);
    const Tensor input = test::random_tensor(kInput, 12);
    const RunResult& run = backend->run(p, input);
    return *run.layers.back().output;
}

} // namespace

class TestLayerGraph : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void eachLayerSaysWhatItReads() {
        const Pipeline p = residual();
        QCOMPARE(inputsText(p, 8), QStringLiteral("sum of 8 · batchnorm + 3 · relu"));
        QCOMPARE(inputsText(p, 15), QStringLiteral("reads 10 · relu"));
        QCOMPARE(inputsText(p, 17), QStringLiteral("sum of 15 · batchnorm + 17 · batchnorm"));
        // Layers that read the one before them say nothing extra.
        QCOMPARE(inputsText(p, 0), QString());
        QCOMPARE(inputsText(p, 9), QString());
        QCOMPARE(inputsText(p, 16), QString());

        Pipeline joined;
        joined.layers = {test::layer_of(Activation{}), test::layer_of(Activation{}),
                         makeJoinLayer(JoinKind::Concat, {kPipelineInput, 0})};
        QCOMPARE(inputsText(joined, 2),
                 QStringLiteral("channels of the input image, then 1 · relu"));
        // Long path-like names of imported graphs are cut to their last part.
        joined.layers[0].name = "/conv32_1/conv2/scale/BatchNormalization";
        QCOMPARE(inputsText(joined, 2),
                 QStringLiteral("channels of the input image, then 1 · BatchNormalization"));
        QCOMPARE(layerReference(joined, 0),
                 QStringLiteral("1 · /conv32_1/conv2/scale/BatchNormalization"));
    }

    void skipEdgesTakeLanesThatDoNotCross() {
        const std::vector<SkipEdge> edges = skipEdges(residual());
        // The chain edges (from the previous layer) draw no arc.
        QCOMPARE(edges.size(), std::size_t(3));
        const auto lane = [&](int from, int to) {
            for (const SkipEdge& e : edges)
                if (e.from == from && e.to == to)
                    return e.lane;
            return -1;
        };
        QCOMPARE(lane(2, 8), 0);
        QCOMPARE(lane(14, 17), 0);
        // 9 → 15 overlaps 14 → 17: beside it, not on it.
        QCOMPARE(lane(9, 15), 1);

        // Arcs that leave one layer branch on one lane; nested arcs keep the short one inside.
        Pipeline p;
        for (int i = 0; i < 6; ++i)
            p.layers.push_back(test::layer_of(Activation{}));
        p.layers[3].inputs = {0};
        p.layers[5].inputs = {0};
        p.layers[4].inputs = {2};
        const std::vector<SkipEdge> nested = skipEdges(p);
        QCOMPARE(nested.size(), std::size_t(3));
        for (const SkipEdge& e : nested)
            QCOMPARE(e.lane, e.from == 2 ? 0 : 1);
    }

    void insertingALayerGoesBetweenItAndTheLayerThatFollowed() {
        const Pipeline before = residual();
        Pipeline p = before;
        // An identity conv after layer 8 (batch norm), which the add read: the add now reads the
        // new layer, its skip input stays, and everything later is renumbered.
        const Shape bn = outputShapeOf(p, kInput, 7);
        insertLayer(p, 8, makeLayer(NewLayerKind::Conv, bn.channels));
        QVERIFY(std::holds_alternative<Add>(p.layers[9].op));
        QCOMPARE(p.layers[9].inputs, (std::vector<int>{8, 2}));
        QCOMPARE(p.layers[16].inputs, (std::vector<int>{10})); // the downsample conv
        QCOMPARE(p.layers[18].inputs, (std::vector<int>{15, 17}));
        QVERIFY(edgesPointBack(p));
        QVERIFY(plan_pipeline(p, kInput).complete());
        // An identity changes nothing: the network computes what it did.
        QVERIFY(test::relative_difference(lastOutput(p), lastOutput(before)) <= 1e-6);

        // Removing it gives the network back exactly.
        removeLayer(p, 8);
        QCOMPARE(p, before);
    }

    void removingALayerBypassesIt() {
        Pipeline p = residual();
        // Layer 10 (relu) is the second block's input: read by the next conv and, on the skip
        // path, by the downsample conv. Both read the add before it instead.
        removeLayer(p, 9);
        QVERIFY(p.layers[9].inputs.empty()); // reads 9 · add, the layer before it
        QCOMPARE(p.layers[14].inputs, (std::vector<int>{8}));
        QCOMPARE(p.layers[16].inputs, (std::vector<int>{13, 15}));
        QVERIFY(edgesPointBack(p));
        QVERIFY(plan_pipeline(p, kInput).complete());

        // Removing an add: what read it reads its first input that is the layer before it.
        Pipeline q = residual();
        removeLayer(q, 8);
        QVERIFY(q.layers[8].inputs.empty()); // the relu reads 8 · batchnorm
        QCOMPARE(q.layers[14].inputs, (std::vector<int>{8}));
        QVERIFY(edgesPointBack(q));
        QVERIFY(plan_pipeline(q, kInput).complete());

        // A removed layer whose input was not the layer before it: its follower reads that input.
        Pipeline r = residual();
        removeLayer(r, 15);                                   // the downsample conv, reading 9
        QCOMPARE(r.layers[15].inputs, (std::vector<int>{9})); // its batch norm
        QVERIFY(edgesPointBack(r));
    }

    void movesKeepEveryEdgeOrAreRefused() {
        const Pipeline before = residual();
        // The add above the batch norm it reads: refused, nothing changed, the reason named.
        Pipeline p = before;
        QString reason;
        QVERIFY(!moveLayer(p, 8, 7, &reason));
        QCOMPARE(p, before);
        QVERIFY2(reason.contains(QStringLiteral("9 · add reads 8 · batchnorm")),
                 qPrintable(reason));
        // A skip source below the add that reads it: refused too.
        QVERIFY(!moveLayer(p, 2, 9, &reason));
        QVERIFY2(reason.contains(QStringLiteral("9 · add reads 3 · relu")), qPrintable(reason));
        QCOMPARE(p, before);

        // The first batch norm one down, below the relu that is the first block's input: the
        // add keeps reading that relu, at its new number, and the network still runs.
        QVERIFY(moveLayer(p, 1, 2, &reason));
        QCOMPARE(p.layers[1], before.layers[2]);
        QCOMPARE(p.layers[8].inputs, (std::vector<int>{7, 1}));
        QVERIFY(edgesPointBack(p));
        QVERIFY(plan_pipeline(p, kInput).complete());
        // And back: the network is what it was.
        QVERIFY(moveLayer(p, 2, 1, &reason));
        QCOMPARE(p, before);
        // The second block's relu below the conv after it: the downsample conv follows it to its
        // new number (the shapes may then disagree: that is the red layer's to say, not an edge).
        QVERIFY(moveLayer(p, 9, 10, &reason));
        QCOMPARE(p.layers[15].inputs, (std::vector<int>{10}));
        QVERIFY(edgesPointBack(p));

        // A straight stack reorders as it always did.
        Pipeline straight = load_pipeline(CONVSCOPE_RESOURCES_DIR "/pipelines/default.json");
        const Layer first = straight.layers[0];
        QVERIFY(moveLayer(straight, 0, 2, &reason));
        QCOMPARE(straight.layers[2], first);
        QVERIFY(edgesPointBack(straight));
    }

    void aJoinDefaultsToThePreviousLayerAndTheLastThatFits() {
        const Pipeline p = residual();
        // After layer 8 (batch norm [C, H, W]): it and the latest other layer of its shape.
        QCOMPARE(defaultJoinInputs(p, kInput, 8, JoinKind::Add), (std::vector<int>{7, 6}));
        QCOMPARE(joinProblem(p, kInput, 8, JoinKind::Add, {7, 2}), QString());

        // The default stack: after layer 4 (conv on the pooled maps), layer 3 (the pool) has
        // the same height and width; the layers before the pool do not.
        const Pipeline straight = load_pipeline(CONVSCOPE_RESOURCES_DIR "/pipelines/default.json");
        const Shape image{3, 40, 60};
        QCOMPARE(defaultJoinInputs(straight, image, 4, JoinKind::Concat), (std::vector<int>{3, 2}));
        const QString mismatch = joinProblem(straight, image, 4, JoinKind::Add, {3, 0});
        QVERIFY2(mismatch.startsWith(QStringLiteral("Add needs maps of one shape: 4 · ")),
                 qPrintable(mismatch));
        QVERIFY(!joinProblem(straight, image, 4, JoinKind::Concat, {3}).isEmpty());
        QVERIFY(!joinProblem(straight, image, 4, JoinKind::Concat, {3, 0}).isEmpty());

        // The join inserted as the dialog's OK does it runs, and the layer after it reads it.
        Pipeline q = p;
        insertLayer(q, 8, makeJoinLayer(JoinKind::Add, {7, 6}));
        QVERIFY(plan_pipeline(q, kInput).complete());
        QCOMPARE(q.layers[9].inputs, (std::vector<int>{8, 2}));
        QVERIFY(edgesPointBack(q));
    }

    // Changing an existing join's inputs: kept when valid, refused with the reason otherwise
    // (a forward reference, a shape mismatch, a later layer that could no longer run).
    void aJoinsInputsChangeOrAreRefusedWithTheReason() {
        const Pipeline before = residual();
        Pipeline p = before;
        QString reason;
        QCOMPARE(joinKindOf(p, 8), std::optional<JoinKind>(JoinKind::Add));
        QCOMPARE(joinKindOf(p, 7), std::optional<JoinKind>());
        // The block's add reads the conv before the batch norm instead of the block's input.
        QVERIFY2(setJoinInputs(p, kInput, 8, {7, 6}, &reason), qPrintable(reason));
        QCOMPARE(p.layers[8].inputs, (std::vector<int>{7, 6}));
        for (std::size_t i = 0; i < p.layers.size(); ++i)
            if (i != 8)
                QCOMPARE(p.layers[i], before.layers[i]);
        QCOMPARE(p.layers[8].name, before.layers[8].name);
        QVERIFY(plan_pipeline(p, kInput).complete());
        QVERIFY(!(lastOutput(p).to_dense() == lastOutput(before).to_dense()));

        p = before;
        // A later layer, or the join itself: a forward reference.
        QVERIFY(!setJoinInputs(p, kInput, 8, {7, 9}, &reason));
        QVERIFY2(reason.contains(QStringLiteral("Layer 10 does not come before layer 9")),
                 qPrintable(reason));
        QVERIFY(!setJoinInputs(p, kInput, 8, {7, 8}, &reason));
        // Maps of another shape (the second block's add, after the stride-2 conv).
        QVERIFY(!setJoinInputs(p, kInput, 17, {14, 7}, &reason));
        QVERIFY2(reason.startsWith(QStringLiteral("Add needs maps of one shape")),
                 qPrintable(reason));
        // One input, and a layer that is no join.
        QVERIFY(!setJoinInputs(p, kInput, 8, {7}, &reason));
        QVERIFY(!setJoinInputs(p, kInput, 3, {1, 2}, &reason));
        QVERIFY2(reason.contains(QStringLiteral("not an add or concat")), qPrintable(reason));
        QCOMPARE(p, before);

        // A concat whose channels feed a conv: another choice of the same channel count is fine,
        // one that gives more channels would leave the conv without its input, and is refused.
        Pipeline q = load_pipeline(CONVSCOPE_RESOURCES_DIR "/pipelines/default.json");
        const Shape image{3, 40, 60};
        insertLayer(q, 5, makeJoinLayer(JoinKind::Concat, {4, 2}));
        const int channels = outputShapeOf(q, image, 5).channels;
        insertLayer(q, 6, makeLayer(NewLayerKind::Conv, channels));
        QVERIFY(plan_pipeline(q, image).complete());
        const Pipeline concat = q;
        QVERIFY2(setJoinInputs(q, image, 5, {3, 2}, &reason), qPrintable(reason)); // conv, not relu
        QVERIFY(plan_pipeline(q, image).complete());
        q = concat;
        QVERIFY(!setJoinInputs(q, image, 5, {4, 3, 2}, &reason));
        QVERIFY2(reason.startsWith(QStringLiteral("7 · ")) && reason.contains("could not run"),
                 qPrintable(reason));
        QCOMPARE(q, concat);
        QCOMPARE(changeJoinProblem(q, image, 5, {4, 3, 2}), reason);
        QVERIFY(changeJoinProblem(q, image, 5, {2, 4}).isEmpty()); // the order is the user's
    }
};

QTEST_MAIN(TestLayerGraph)
#include "test_layer_graph.moc"
