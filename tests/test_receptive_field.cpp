// Receptive fields against brute force: perturb one position of a map, rerun the layers after it
// with the reference backend, and see which outputs change. Every changed output must have the
// perturbed position in its field; for stacks that pass every change on (dense non-zero
// weights, strictly monotone activations, no max pooling) the field must be exactly the set of
// positions whose perturbation changes the output.

#include "support/tensors.hpp"

#include "convscope/naive_backend.hpp"
#include "convscope/receptive_field.hpp"

#include <QtTest>

#include <random>

using namespace convscope;
using test::layer_of;
using test::random_tensor;

Q_DECLARE_METATYPE(convscope::Pipeline)
Q_DECLARE_METATYPE(convscope::Shape)

namespace {

// Weights of magnitude at least 0.5 and random signs: never near zero, so every tap counts; and
// a positive bias.
Conv2d make_conv(int out, int in_per_group, int kh, int kw, unsigned seed) {
    Conv2d conv = test::random_conv(out, in_per_group, kh, kw, seed, 0.5f);
    conv.bias.assign(static_cast<std::size_t>(out), 0.25f);
    return conv;
}

Conv2d with(Conv2d conv, Pair stride, Pair padding, Pair dilation,
            PaddingMode mode = PaddingMode::Zeros, int groups = 1) {
    conv.stride = stride;
    conv.padding = ConvPadding::explicit_size(padding);
    conv.dilation = dilation;
    conv.padding_mode = mode;
    conv.groups = groups;
    return conv;
}

Pool2d pool(PoolKind kind, Pair kernel, Pair stride, Pair padding = {0, 0}, bool ceil = false,
            bool include_pad = true) {
    return {kind, kernel, stride, padding, ceil, include_pad};
}

const Activation kLeaky{ActivationKind::LeakyReLU, 0.5f}; // strictly increasing: passes changes
const Activation kRelu{ActivationKind::ReLU, 0.0f};

// Every level of `pipeline` run on `input` with the reference loops (levels[0] the input,
// levels[k + 1] layer k's output), following the layers' inputs; with `replaced`, level
// `replaced_level` is that map instead of what the layers compute.
std::vector<Tensor> run_levels(const Pipeline& pipeline, const Tensor& input,
                               int replaced_level = -1, const Tensor* replaced = nullptr) {
    std::vector<Tensor> levels{replaced_level == 0 ? *replaced : input};
    for (int k = 0; k < static_cast<int>(pipeline.layers.size()); ++k) {
        if (k + 1 == replaced_level) {
            levels.push_back(*replaced);
            continue;
        }
        const Layer& l = pipeline.layers[static_cast<std::size_t>(k)];
        std::vector<const Tensor*> inputs;
        std::vector<Shape> shapes;
        for (int j = 0; j < input_count(l); ++j) {
            inputs.push_back(&levels[static_cast<std::size_t>(input_index(l, k, j) + 1)]);
            shapes.push_back(inputs.back()->shape());
        }
        if (!l.enabled) { // passes its first input through, as Backend::run does
            levels.push_back(*inputs[0]);
            continue;
        }
        Tensor next(infer_shape(l, shapes, k));
        naive_run_layer(l, inputs, next);
        levels.push_back(std::move(next));
    }
    return levels;
}

} // namespace

class TestReceptiveField : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void matchesBruteForce_data();
    void matchesBruteForce();
    void handTracedStack();
    void paddingReachAndDilationStep();
    void groupsReachOnlyTheirChannels();
    void windowsInsidePaddingOnlyHaveAnEmptyField();
    void badPositionsAreClearErrors();
    void branchesTheValueDoesNotReadHaveNoField();
    void concatMapsAChannelToItsInput();
};

void TestReceptiveField::branchesTheValueDoesNotReadHaveNoField() {
    // conv a ─ relu(a);  conv b (from the input) is a branch relu(a) never reads.
    Pipeline p;
    p.layers = {layer_of(with(make_conv(1, 1, 3, 3, 50), {1, 1}, {1, 1}, {1, 1})),
                layer_of(with(make_conv(1, 1, 5, 5, 51), {1, 1}, {2, 2}, {1, 1})),
                layer_of(kLeaky)};
    p.layers[1].inputs = {kPipelineInput};
    p.layers[2].inputs = {0};
    const ReceptiveField field = receptive_field(p, Shape{1, 10, 10}, 2, 0, 4, 4);
    QCOMPARE(field.levels.size(), std::size_t{4});
    QVERIFY(field.levels[0].influences);
    QVERIFY(field.levels[1].influences);
    QVERIFY(!field.levels[2].influences); // conv b
    QVERIFY(field.levels[2].channels.empty());
    QVERIFY(field.levels[2].rows.positions.empty());
    QVERIFY(field.levels[3].influences);
    QCOMPARE(field.levels[0].rows.extent(), 3);
}

void TestReceptiveField::concatMapsAChannelToItsInput() {
    // concat(conv a: 2 channels, the input: 1 channel, conv b: 3 channels)
    Pipeline p;
    p.layers = {layer_of(with(make_conv(2, 1, 3, 3, 52), {1, 1}, {1, 1}, {1, 1})),
                layer_of(with(make_conv(3, 1, 3, 3, 53), {1, 1}, {1, 1}, {1, 1})),
                layer_of(Concat{})};
    p.layers[1].inputs = {kPipelineInput};
    p.layers[2].inputs = {0, kPipelineInput, 1};
    const Shape in{1, 8, 8};
    // Channel 2 is the input's only channel: the field is that one cell; neither conv feeds it.
    const ReceptiveField from_input = receptive_field(p, in, 2, 2, 3, 5);
    QVERIFY(!from_input.levels[1].influences);
    QVERIFY(!from_input.levels[2].influences);
    QCOMPARE(from_input.levels[0].rows.positions, std::vector<int>{3});
    QCOMPARE(from_input.levels[0].cols.positions, std::vector<int>{5});
    // Channel 4 is conv b's channel 1.
    const ReceptiveField from_b = receptive_field(p, in, 2, 4, 3, 5);
    QVERIFY(!from_b.levels[1].influences);
    QVERIFY(from_b.levels[2].influences);
    QCOMPARE(from_b.levels[2].channels, std::vector<int>{1});
    QCOMPARE(from_b.levels[0].rows.extent(), 3);
}

void TestReceptiveField::matchesBruteForce_data() {
    QTest::addColumn<Pipeline>("pipeline");
    QTest::addColumn<Shape>("input");
    QTest::addColumn<bool>("exact");

    const Shape gray{1, 12, 13};
    auto stack = [](std::vector<Layer> layers) {
        Pipeline p;
        p.layers = std::move(layers);
        return p;
    };
    QTest::newRow("conv 3x3 valid")
        << stack({layer_of(with(make_conv(1, 1, 3, 3, 1), {1, 1}, {0, 0}, {1, 1}))}) << gray
        << true;
    QTest::newRow("conv stride 2, zero padding 1")
        << stack({layer_of(with(make_conv(2, 1, 3, 3, 2), {2, 2}, {1, 1}, {1, 1})),
                  layer_of(kLeaky),
                  layer_of(with(make_conv(1, 2, 3, 3, 3), {1, 1}, {1, 1}, {1, 1}))})
        << gray << true;
    QTest::newRow("dilation 2 then dilation 3")
        << stack({layer_of(with(make_conv(1, 1, 3, 3, 4), {1, 1}, {2, 2}, {2, 2})),
                  layer_of(with(make_conv(1, 1, 2, 2, 5), {1, 1}, {0, 0}, {3, 3}))})
        << gray << true;
    QTest::newRow("rectangular kernel, mixed stride and dilation")
        << stack({layer_of(with(make_conv(1, 1, 2, 3, 6), {2, 1}, {1, 0}, {1, 2}))}) << gray
        << true;
    QTest::newRow("stride larger than the kernel")
        << stack({layer_of(with(make_conv(1, 1, 2, 2, 7), {3, 3}, {0, 0}, {1, 1})),
                  layer_of(with(make_conv(1, 1, 2, 2, 8), {1, 1}, {1, 1}, {1, 1}))})
        << gray << true;
    QTest::newRow("conv, avg pool, conv")
        << stack({layer_of(with(make_conv(2, 1, 3, 3, 9), {1, 1}, {1, 1}, {1, 1})),
                  layer_of(kLeaky), layer_of(pool(PoolKind::Avg, {2, 2}, {2, 2})),
                  layer_of(with(make_conv(1, 2, 3, 3, 10), {1, 1}, {0, 0}, {1, 1}))})
        << gray << true;
    QTest::newRow("avg pool, padding, ceil_mode, no pad counted")
        << stack({layer_of(pool(PoolKind::Avg, {3, 3}, {2, 2}, {1, 1}, true, false)),
                  layer_of(with(make_conv(1, 1, 2, 2, 11), {1, 1}, {0, 0}, {1, 1}))})
        << gray << true;
    QTest::newRow("overlapping avg pool")
        << stack({layer_of(pool(PoolKind::Avg, {3, 2}, {2, 1}, {1, 0}))}) << gray << true;
    QTest::newRow("reflect padding")
        << stack({layer_of(
               with(make_conv(1, 1, 5, 5, 12), {1, 1}, {2, 2}, {1, 1}, PaddingMode::Reflect))})
        << gray << true;
    QTest::newRow("reflect then dilated reflect")
        << stack({layer_of(with(make_conv(1, 1, 3, 3, 13), {1, 1}, {1, 1}, {1, 1},
                                PaddingMode::Reflect)),
                  layer_of(with(make_conv(1, 1, 3, 3, 14), {2, 2}, {2, 2}, {2, 2},
                                PaddingMode::Reflect))})
        << gray << true;
    // Padding wider than the kernel: the cells read lie outside the window itself.
    QTest::newRow("reflect padding wider than the kernel")
        << stack({layer_of(
               with(make_conv(1, 1, 1, 2, 26), {1, 1}, {2, 2}, {1, 1}, PaddingMode::Reflect))})
        << gray << true;
    QTest::newRow("replicate padding wider than the kernel")
        << stack({layer_of(
               with(make_conv(1, 1, 2, 1, 27), {1, 1}, {2, 2}, {1, 1}, PaddingMode::Replicate))})
        << gray << true;
    QTest::newRow("replicate padding")
        << stack({layer_of(
               with(make_conv(1, 1, 3, 3, 15), {1, 1}, {2, 2}, {1, 1}, PaddingMode::Replicate))})
        << gray << true;
    QTest::newRow("circular padding")
        << stack({layer_of(with(make_conv(1, 1, 3, 3, 16), {2, 1}, {2, 2}, {1, 1},
                                PaddingMode::Circular)),
                  layer_of(with(make_conv(1, 1, 3, 3, 17), {1, 1}, {1, 1}, {1, 2},
                                PaddingMode::Circular))})
        << gray << true;
    Conv2d same_even = make_conv(1, 1, 4, 4, 18);
    same_even.padding = ConvPadding::same(); // 1 before, 2 after
    QTest::newRow("same padding, even kernel") << stack({layer_of(same_even)}) << gray << true;
    QTest::newRow("groups of two channels")
        << stack({layer_of(with(make_conv(4, 1, 3, 3, 19), {1, 1}, {1, 1}, {1, 1},
                                PaddingMode::Zeros, 2)),
                  layer_of(with(make_conv(2, 2, 1, 1, 20), {1, 1}, {0, 0}, {1, 1},
                                PaddingMode::Zeros, 2))})
        << Shape{2, 12, 13} << true;
    QTest::newRow("disabled layers pass through")
        << stack({layer_of(with(make_conv(1, 1, 3, 3, 21), {2, 2}, {0, 0}, {1, 1}), false),
                  layer_of(kLeaky, false),
                  layer_of(with(make_conv(1, 1, 3, 3, 22), {1, 1}, {0, 0}, {2, 2}))})
        << gray << true;
    // Layers that read earlier layers: the field follows every edge.
    const Shape two{2, 9, 10};
    auto dag = [](std::vector<Layer> layers, std::vector<std::vector<int>> inputs) {
        Pipeline p;
        p.layers = std::move(layers);
        for (std::size_t i = 0; i < inputs.size(); ++i)
            p.layers[i].inputs = inputs[i];
        return p;
    };
    BatchNorm2d bn;
    bn.weight = {1.5f, -0.5f};
    bn.bias = {0.25f, 0.0f};
    bn.running_mean = {0.1f, -0.2f};
    bn.running_var = {2.0f, 0.5f};
    Activation prelu{ActivationKind::PReLU};
    prelu.slopes = {0.5f, 0.25f};
    QTest::newRow("residual block: add of the block's input and its convs")
        << dag({layer_of(with(make_conv(2, 2, 3, 3, 30), {1, 1}, {1, 1}, {1, 1})), layer_of(bn),
                layer_of(kLeaky), layer_of(with(make_conv(2, 2, 3, 3, 31), {1, 1}, {1, 1}, {1, 1})),
                layer_of(Add{}), layer_of(kLeaky)},
               {{}, {}, {}, {}, {3, kPipelineInput}, {}})
        << two << true;
    QTest::newRow("projection shortcut: strided 1x1 conv beside a strided 3x3")
        << dag({layer_of(with(make_conv(2, 2, 3, 3, 32), {2, 2}, {1, 1}, {1, 1})), layer_of(prelu),
                layer_of(with(make_conv(2, 2, 1, 1, 33), {2, 2}, {0, 0}, {1, 1})), layer_of(Add{})},
               {{}, {}, {kPipelineInput}, {1, 2}})
        << two << true;
    // Three windows of different shapes meet: the input's field is the product of the unions of
    // their rows and columns, a little more than the cells any one of them reads.
    QTest::newRow("concat of three branches, then a 1x1 conv")
        << dag({layer_of(with(make_conv(1, 2, 3, 3, 34), {1, 1}, {0, 0}, {1, 1})),
                layer_of(with(make_conv(1, 2, 3, 3, 35), {1, 1}, {1, 1}, {2, 2})),
                layer_of(pool(PoolKind::Avg, {3, 3}, {1, 1}, {0, 0})), layer_of(Concat{}),
                layer_of(with(make_conv(1, 4, 1, 1, 36), {1, 1}, {0, 0}, {1, 1}))},
               {{}, {kPipelineInput}, {kPipelineInput}, {0, 1, 2}, {}})
        << two << false;
    Pad2d reflect;
    reflect.sides = {2, -1, 1, 3};
    reflect.mode = PaddingMode::Reflect;
    Pad2d circular;
    circular.sides = {-2, 1, 1, -1};
    circular.mode = PaddingMode::Circular;
    Pad2d crop;
    crop.sides = {-1, 0, 2, -2};
    crop.value = 1.0f;
    QTest::newRow("pads: reflect, circular with a crop, constant crop")
        << stack({layer_of(reflect),
                  layer_of(with(make_conv(1, 1, 3, 3, 37), {1, 1}, {0, 0}, {1, 1})),
                  layer_of(circular), layer_of(crop)})
        << gray << true;
    Linear fc;
    fc.in_features = 2 * 5 * 6;
    fc.out_features = 3;
    // Every feature weighs differently in each output: a softmax ignores a change that moves
    // all its inputs alike, so a feature with equal weights would change no output at all.
    for (int i = 0; i < fc.in_features * fc.out_features; ++i)
        fc.weight.push_back((i % 2 ? 0.5f : -0.75f) + 0.01f * float(i % 7));
    QTest::newRow("flatten, linear, softmax")
        << stack({layer_of(with(make_conv(2, 1, 3, 3, 38), {2, 2}, {0, 0}, {1, 1})),
                  layer_of(Flatten{}), layer_of(fc), layer_of(Softmax{})})
        << gray << true;
    QTest::newRow("flatten alone maps each feature to one cell")
        << stack({layer_of(with(make_conv(2, 1, 3, 3, 39), {2, 2}, {0, 0}, {1, 1})),
                  layer_of(Flatten{})})
        << gray << true;
    QTest::newRow("global average pooling reads the whole map")
        << stack({layer_of(with(make_conv(2, 1, 3, 3, 40), {1, 1}, {1, 1}, {1, 1})),
                  layer_of(GlobalPool2d{})})
        << gray << true;
    // Only the largest cell moves a global max: every cell is in the field, few change it.
    QTest::newRow("global max pooling reads the whole map")
        << stack({layer_of(with(make_conv(2, 1, 3, 3, 42), {1, 1}, {1, 1}, {1, 1})),
                  layer_of(GlobalPool2d{PoolKind::Max})})
        << gray << false;
    QTest::newRow("softmax over channels at one cell")
        << stack({layer_of(with(make_conv(3, 1, 3, 3, 41), {1, 1}, {1, 1}, {1, 1})),
                  layer_of(Softmax{})})
        << gray << true;
    // ReLU, max pooling and saturating activations can hide a change: only "inside" holds.
    QTest::newRow("max pool and ReLU")
        << stack({layer_of(with(make_conv(2, 1, 3, 3, 23), {1, 1}, {1, 1}, {1, 1})),
                  layer_of(kRelu), layer_of(pool(PoolKind::Max, {3, 3}, {2, 2}, {1, 1}, true)),
                  layer_of(with(make_conv(1, 2, 2, 2, 24), {1, 1}, {0, 0}, {1, 1}))})
        << gray << false;
    QTest::newRow("sigmoid and tanh")
        << stack({layer_of(with(make_conv(1, 1, 3, 3, 25), {1, 1}, {1, 1}, {1, 1})),
                  layer_of(Activation{ActivationKind::Sigmoid, 0.0f}),
                  layer_of(pool(PoolKind::Max, {2, 2}, {1, 1})),
                  layer_of(Activation{ActivationKind::Tanh, 0.0f})})
        << gray << false;
}

void TestReceptiveField::matchesBruteForce() {
    QFETCH(Pipeline, pipeline);
    QFETCH(Shape, input);
    QFETCH(bool, exact);

    const int last = static_cast<int>(pipeline.layers.size()) - 1;
    const Tensor input_map = random_tensor(input, 99);
    const std::vector<Tensor> levels = run_levels(pipeline, input_map);
    const Tensor& output = levels.back();

    // Every output's field, traced once.
    std::vector<ReceptiveField> fields;
    for (int c = 0; c < output.channels(); ++c)
        for (int y = 0; y < output.height(); ++y)
            for (int x = 0; x < output.width(); ++x)
                fields.push_back(receptive_field(pipeline, input, last, c, y, x));

    for (int level = 0; level <= last; ++level) {
        const Tensor& map = levels[static_cast<std::size_t>(level)];
        for (int c = 0; c < map.channels(); ++c)
            for (int y = 0; y < map.height(); ++y)
                for (int x = 0; x < map.width(); ++x) {
                    Tensor perturbed = map;
                    perturbed.at(c, y, x) += 100.0f;
                    const Tensor changed =
                        run_levels(pipeline, input_map, level, &perturbed).back();
                    std::size_t i = 0;
                    for (int oc = 0; oc < output.channels(); ++oc)
                        for (int oy = 0; oy < output.height(); ++oy)
                            for (int ox = 0; ox < output.width(); ++ox, ++i) {
                                const bool moved = changed.at(oc, oy, ox) != output.at(oc, oy, ox);
                                const bool inside =
                                    fields[i].levels[static_cast<std::size_t>(level)].contains(c, y,
                                                                                               x);
                                if (moved && !inside)
                                    QFAIL(qPrintable(QString("level %1 (%2,%3,%4) changes output "
                                                             "(%5,%6,%7) but is not in its field")
                                                         .arg(level)
                                                         .arg(c)
                                                         .arg(y)
                                                         .arg(x)
                                                         .arg(oc)
                                                         .arg(oy)
                                                         .arg(ox)));
                                if (exact && inside && !moved)
                                    QFAIL(qPrintable(QString("level %1 (%2,%3,%4) is in the field "
                                                             "of output (%5,%6,%7) but does not "
                                                             "change it")
                                                         .arg(level)
                                                         .arg(c)
                                                         .arg(y)
                                                         .arg(x)
                                                         .arg(oc)
                                                         .arg(oy)
                                                         .arg(ox)));
                            }
                }
    }
    // The bounding ranges hold the positions, and the last level is the value itself.
    for (const ReceptiveField& field : fields) {
        QCOMPARE(field.levels.size(), pipeline.layers.size() + 1);
        for (const FieldLevel& l : field.levels) {
            for (const FieldAxis* axis : {&l.rows, &l.cols})
                if (!axis->positions.empty()) {
                    QCOMPARE(axis->first, axis->positions.front());
                    QCOMPARE(axis->last, axis->positions.back());
                }
            QVERIFY(l.rows.first >= 0 && l.rows.last < l.shape.height);
            QVERIFY(l.cols.first >= 0 && l.cols.last < l.shape.width);
        }
        QCOMPARE(field.levels.back().rows.extent(), 1);
        QCOMPARE(field.levels.back().cols.extent(), 1);
    }
}

// conv 3×3 pad 1 → maxpool 2 → conv 3×3 dilation 2 on 16×16, traced by hand from (0, 2, 3).
void TestReceptiveField::handTracedStack() {
    Pipeline p;
    p.layers = {layer_of(with(make_conv(2, 1, 3, 3, 1), {1, 1}, {1, 1}, {1, 1})), layer_of(kRelu),
                layer_of(pool(PoolKind::Max, {2, 2}, {2, 2})),
                layer_of(with(make_conv(1, 2, 3, 3, 2), {1, 1}, {0, 0}, {2, 2}))};
    const ReceptiveField f = receptive_field(p, {1, 16, 16}, 3, 0, 2, 3);
    QCOMPARE(f.levels.size(), std::size_t(5));

    // Level 3 (pool output, 8×8): rows 2 + {0, 2, 4}, columns 3 + {0, 2, 4}, both channels.
    QCOMPARE(f.levels[3].rows.positions, (std::vector<int>{2, 4, 6}));
    QCOMPARE(f.levels[3].cols.positions, (std::vector<int>{3, 5, 7}));
    QCOMPARE(f.levels[3].rows.step(), 2);
    QCOMPARE(f.levels[3].channels, (std::vector<int>{0, 1}));
    // Level 2 (ReLU output) = level 1: each pooled cell covers two.
    QCOMPARE(f.levels[2].rows.positions, (std::vector<int>{4, 5, 8, 9, 12, 13}));
    QCOMPARE(f.levels[2].cols.positions, (std::vector<int>{6, 7, 10, 11, 14, 15}));
    QCOMPARE(f.levels[2].rows.step(), 0); // not evenly spaced
    QCOMPARE(f.levels[1].rows.positions, f.levels[2].rows.positions);
    // Level 0: one more on each side; the last column's window reaches one into the padding.
    QCOMPARE(f.levels[0].rows.first, 3);
    QCOMPARE(f.levels[0].rows.last, 14);
    QVERIFY(f.levels[0].rows.dense());
    QCOMPARE(f.levels[0].cols.first, 5);
    QCOMPARE(f.levels[0].cols.last, 15);
    QCOMPARE(f.levels[0].cols.padding_before, 0);
    QCOMPARE(f.levels[0].cols.padding_after, 1);
    QCOMPARE(f.levels[0].channels, (std::vector<int>{0}));
}

void TestReceptiveField::paddingReachAndDilationStep() {
    Pipeline p;
    p.layers = {layer_of(with(make_conv(1, 1, 3, 3, 1), {1, 1}, {3, 3}, {3, 3}))};
    // 10×10 input, padding 3, dilation 3: output (0, 0, 0) reads rows −3, 0, 3.
    FieldLevel in = receptive_field(p, {1, 10, 10}, 0, 0, 0, 0).levels[0];
    QCOMPARE(in.rows.positions, (std::vector<int>{0, 3}));
    QCOMPARE(in.rows.padding_before, 3);
    QCOMPARE(in.rows.padding_after, 0);
    QCOMPARE(in.rows.step(), 3);
    QVERIFY(!in.rows.dense());

    // The same with reflect padding: row −3 reads row 3, already in; with replicate, row 0.
    p.layers[0] =
        layer_of(with(make_conv(1, 1, 3, 3, 1), {1, 1}, {3, 3}, {3, 3}, PaddingMode::Reflect));
    in = receptive_field(p, {1, 10, 10}, 0, 0, 0, 0).levels[0];
    QCOMPARE(in.rows.positions, (std::vector<int>{0, 3}));
    QCOMPARE(in.rows.padding_before, 3);

    // Circular: column −3 of a 10-wide map wraps to 7, so the bounding range spans 0..7.
    p.layers[0] =
        layer_of(with(make_conv(1, 1, 3, 3, 1), {1, 1}, {3, 3}, {3, 3}, PaddingMode::Circular));
    in = receptive_field(p, {1, 10, 10}, 0, 0, 0, 0).levels[0];
    QCOMPARE(in.cols.positions, (std::vector<int>{0, 3, 7}));
    QCOMPARE(in.cols.first, 0);
    QCOMPARE(in.cols.last, 7);
    QCOMPARE(in.cols.step(), 0);
}

void TestReceptiveField::groupsReachOnlyTheirChannels() {
    Pipeline p;
    // 6 input channels, 3 groups of 2 → 6 outputs (2 per group); output 3 is in group 1.
    p.layers = {
        layer_of(with(make_conv(6, 2, 1, 1, 1), {1, 1}, {0, 0}, {1, 1}, PaddingMode::Zeros, 3)),
        layer_of(pool(PoolKind::Max, {2, 2}, {2, 2}))};
    const ReceptiveField f = receptive_field(p, {6, 4, 4}, 1, 3, 1, 1);
    QCOMPARE(f.levels[1].channels, (std::vector<int>{3}));
    QCOMPARE(f.levels[0].channels, (std::vector<int>{2, 3}));
    QCOMPARE(f.levels[0].rows.positions, (std::vector<int>{2, 3}));
}

void TestReceptiveField::windowsInsidePaddingOnlyHaveAnEmptyField() {
    Pipeline p;
    p.layers = {layer_of(with(make_conv(1, 1, 1, 1, 1), {1, 1}, {2, 2}, {1, 1}))};
    const FieldLevel corner = receptive_field(p, {1, 5, 5}, 0, 0, 0, 0).levels[0];
    QVERIFY(corner.rows.positions.empty());
    QCOMPARE(corner.rows.padding_before, 2);
    QVERIFY(!corner.contains(0, 0, 0));
    const FieldLevel centre = receptive_field(p, {1, 5, 5}, 0, 0, 2, 2).levels[0];
    QCOMPARE(centre.rows.positions, (std::vector<int>{0}));
}

void TestReceptiveField::badPositionsAreClearErrors() {
    Pipeline p;
    p.layers = {layer_of(with(make_conv(1, 1, 3, 3, 1), {1, 1}, {0, 0}, {1, 1}))};
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, receptive_field(p, {1, 5, 5}, 1, 0, 0, 0));
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, receptive_field(p, {1, 5, 5}, 0, 0, 3, 0));
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, receptive_field(p, {1, 5, 5}, 0, 1, 0, 0));
    QVERIFY_THROWS_EXCEPTION(PipelineError, receptive_field(p, {1, 2, 2}, 0, 0, 0, 0));
    try {
        receptive_field(p, {1, 5, 5}, 0, 0, 3, 0);
    } catch (const std::out_of_range& e) {
        QVERIFY2(QString(e.what()).contains("[1, 3, 3]"), e.what());
    }
}

QTEST_GUILESS_MAIN(TestReceptiveField)
#include "test_receptive_field.moc"
