// The fast kernels of batch norm, add, concat, global pooling, pad, the activations beyond the
// conv epilogue's, flatten, linear and softmax against the reference loops: on awkward shapes
// (1 × 1, one row, one column, widths that are no multiple of a vector, 131 × 67), on every SIMD
// target the machine has, in pipelines whose layers read earlier layers, and on repeated runs
// that allocate nothing.

#include "support/allocation_counter.hpp"
#include "support/random.hpp"

#include "convscope/fast_backend.hpp"
#include "convscope/naive_backend.hpp"
#include "convscope/simd.hpp"

#include <QtTest>

#include <cmath>
#include <limits>
#include <random>

using namespace convscope;

namespace {

using test::Random;
using test::uniform;

std::vector<float> uniforms(Random& rng, int count, float lo, float hi) {
    std::vector<float> v;
    for (int i = 0; i < count; ++i)
        v.push_back(uniform(rng, lo, hi));
    return v;
}

// Values with both signs and beyond ±3 (where hardswish and relu6 bend).
Tensor random_tensor(Random& rng, Shape shape, float scale = 5.0f) {
    Tensor t(shape);
    for (int c = 0; c < shape.channels; ++c)
        for (int y = 0; y < shape.height; ++y)
            for (int x = 0; x < shape.width; ++x)
                t.at(c, y, x) = uniform(rng, -scale, scale);
    return t;
}

Layer make_layer(LayerOp op, std::vector<int> inputs = {}) {
    Layer layer;
    layer.op = std::move(op);
    layer.inputs = std::move(inputs);
    return layer;
}

Activation activation(ActivationKind kind) {
    Activation act;
    act.kind = kind;
    return act;
}

double relative_error(const Tensor& want, const Tensor& got) {
    double scale = 1.0, worst = 0.0;
    const std::vector<float> a = want.to_dense(), b = got.to_dense();
    for (std::size_t i = 0; i < a.size(); ++i) {
        scale = std::max(scale, double(std::abs(a[i])));
        const double diff = std::abs(double(a[i]) - double(b[i]));
        worst = std::isnan(diff) ? (std::isnan(a[i]) && std::isnan(b[i]) ? worst : 1e9)
                                 : std::max(worst, diff);
    }
    return worst / scale;
}

// Runs both backends; empty when every layer agrees within 1e-5 and every layer the fast
// backend has a kernel for ran on it (not on the reference loops), else what differs.
QString compare_backends(const Pipeline& pipeline, const Tensor& input) {
    NaiveBackend naive;
    FastBackend fast;
    const RunResult& want = naive.run(pipeline, input);
    const RunResult& got = fast.run(pipeline, input);
    if (got.layers.size() != want.layers.size())
        return "layer count differs";
    for (std::size_t i = 0; i < want.layers.size(); ++i) {
        const Tensor& a = *want.layers[i].output;
        const Tensor& b = *got.layers[i].output;
        const QString what = QString("layer %1 (%2, kernel %3) on %4")
                                 .arg(i + 1)
                                 .arg(QString::fromStdString(display_name(pipeline.layers[i])),
                                      QString::fromStdString(got.layers[i].kernel),
                                      QString::fromStdString(input.shape().str()));
        if (a.shape() != b.shape())
            return what + ": shapes differ";
        if (got.layers[i].kernel == "naive")
            return what + ": ran on the reference loops";
        const double error = relative_error(a, b);
        if (!(error <= 1e-5))
            return what + QString(": relative error %1").arg(error);
    }
    return {};
}

// Harsher than test::random_batch_norm: γ of either sign, variances near zero, a larger eps.
BatchNorm2d wide_batch_norm(Random& rng, int channels) {
    BatchNorm2d bn;
    bn.weight = uniforms(rng, channels, -2, 2);
    bn.bias = uniforms(rng, channels, -1, 1);
    bn.running_mean = uniforms(rng, channels, -2, 2);
    bn.running_var = uniforms(rng, channels, 0.01f, 4);
    bn.eps = 1e-3f;
    return bn;
}

Pad2d make_pad(PadSides sides, PaddingMode mode, float value = 0.0f) {
    Pad2d pad;
    pad.sides = sides;
    pad.mode = mode;
    pad.value = value;
    return pad;
}

// Every layer kind with a fast kernel, most reading the input (0), on `shape`.
Pipeline every_kind(Random& rng, Shape shape) {
    const int c = shape.channels;
    Pipeline p;
    p.layers.push_back(make_layer(wide_batch_norm(rng, c))); // 1
    Activation prelu = activation(ActivationKind::PReLU);
    prelu.slopes = uniforms(rng, c, -0.5f, 0.5f);
    p.layers.push_back(make_layer(prelu, {kPipelineInput})); // 2
    Activation prelu1 = activation(ActivationKind::PReLU);
    prelu1.slopes = {0.25f};
    p.layers.push_back(make_layer(prelu1, {kPipelineInput})); // 3
    Activation elu = activation(ActivationKind::ELU);
    elu.alpha = 0.7f;
    p.layers.push_back(make_layer(elu, {kPipelineInput})); // 4
    Activation hsig = activation(ActivationKind::HardSigmoid);
    hsig.hard_alpha = 0.2f;
    p.layers.push_back(make_layer(hsig, {kPipelineInput}));                                  // 5
    p.layers.push_back(make_layer(activation(ActivationKind::HardSwish), {kPipelineInput})); // 6
    p.layers.push_back(make_layer(activation(ActivationKind::Clip), {kPipelineInput}));      // 7
    Activation low = activation(ActivationKind::Clip);
    low.clip_min = -1.5f;
    low.clip_max = std::numeric_limits<float>::infinity();
    p.layers.push_back(make_layer(low, {kPipelineInput}));      // 8
    p.layers.push_back(make_layer(Add{}, {kPipelineInput, 0})); // 9
    Add three;
    three.constant = uniforms(rng, c, -1, 1);
    p.layers.push_back(make_layer(three, {kPipelineInput, 1, 8})); // 10
    Add scalar;
    scalar.constant = {0.5f};
    p.layers.push_back(make_layer(scalar, {kPipelineInput}));                      // 11
    p.layers.push_back(make_layer(Concat{}, {kPipelineInput, 9, 2}));              // 12
    p.layers.push_back(make_layer(GlobalPool2d{PoolKind::Avg}, {kPipelineInput})); // 13
    p.layers.push_back(make_layer(GlobalPool2d{PoolKind::Max}, {kPipelineInput})); // 14
    p.layers.push_back(
        make_layer(make_pad({2, 1, 3, 0}, PaddingMode::Zeros, 0.25f), {kPipelineInput})); // 15
    p.layers.push_back(
        make_layer(make_pad({0, 1, 1, 1}, PaddingMode::Replicate), {kPipelineInput})); // 16
    if (shape.height > 2 && shape.width > 3)
        p.layers.push_back(
            make_layer(make_pad({-1, 2, 3, -2}, PaddingMode::Reflect), {kPipelineInput}));
    if (shape.height > 3 && shape.width > 3)
        p.layers.push_back(
            make_layer(make_pad({1, -1, -1, 2}, PaddingMode::Circular), {kPipelineInput}));
    if (shape.height > 2 && shape.width > 2)
        p.layers.push_back(
            make_layer(make_pad({-1, -1, -1, -1}, PaddingMode::Zeros), {kPipelineInput}));
    p.layers.push_back(make_layer(Softmax{}, {kPipelineInput}));
    p.layers.push_back(make_layer(Flatten{}, {kPipelineInput}));
    Linear fc;
    fc.in_features = static_cast<int>(shape.elements());
    fc.out_features = 37;
    fc.weight = uniforms(rng, fc.in_features * fc.out_features, -0.1f, 0.1f);
    fc.bias = uniforms(rng, fc.out_features, -1, 1);
    p.layers.push_back(make_layer(fc));
    p.layers.push_back(make_layer(Softmax{}));
    Linear no_bias;
    no_bias.in_features = 37;
    no_bias.out_features = 5;
    no_bias.weight = uniforms(rng, 37 * 5, -1, 1);
    p.layers.push_back(make_layer(no_bias));
    return p;
}

} // namespace

Q_DECLARE_METATYPE(Shape)

class TestFastLayers : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void everyKindAgreesOnAwkwardShapes_data() {
        QTest::addColumn<Shape>("shape");
        QTest::newRow("1x1x1") << Shape{1, 1, 1};
        QTest::newRow("2x1x1") << Shape{2, 1, 1};
        QTest::newRow("1x1x37") << Shape{1, 1, 37};
        QTest::newRow("3x29x1") << Shape{3, 29, 1};
        QTest::newRow("3x17x33") << Shape{3, 17, 33};
        QTest::newRow("5x16x16") << Shape{5, 16, 16};
        QTest::newRow("2x131x67") << Shape{2, 131, 67};
        QTest::newRow("20x40x50 (threads)") << Shape{20, 40, 50};
    }

    void everyKindAgreesOnAwkwardShapes() {
        QFETCH(Shape, shape);
        Random rng(static_cast<unsigned>(shape.elements()));
        const Pipeline p = every_kind(rng, shape);
        const Tensor input = random_tensor(rng, shape);
        const QString difference = compare_backends(p, input);
        QVERIFY2(difference.isEmpty(), qPrintable(difference));
    }

    void everySimdTargetAgrees() {
        Random rng(3);
        const Shape shape{4, 9, 45};
        const Pipeline p = every_kind(rng, shape);
        const Tensor input = random_tensor(rng, shape);
        const std::vector<std::string> targets = simd_targets_available();
        QVERIFY(!targets.empty());
        for (const std::string& target : targets) {
            force_simd_target(target);
            const QString difference = compare_backends(p, input);
            QVERIFY2(difference.isEmpty(),
                     qPrintable(QString::fromStdString(target) + ": " + difference));
        }
        force_simd_target("");
    }

    void residualNetworkAgrees() {
        // conv → bn → relu → conv → bn, + the block's input, → relu6 → global pool → linear.
        Random rng(7);
        Pipeline p;
        const auto conv = [&](int out, int in) {
            Conv2d c;
            c.weights = ConvWeights{out, in, 3, 3, uniforms(rng, out * in * 9, -0.3f, 0.3f)};
            c.padding = ConvPadding::same();
            return c;
        };
        p.layers.push_back(make_layer(conv(8, 3)));                       // 1
        p.layers.push_back(make_layer(wide_batch_norm(rng, 8)));          // 2
        p.layers.push_back(make_layer(activation(ActivationKind::ReLU))); // 3
        p.layers.push_back(make_layer(conv(8, 8)));                       // 4
        p.layers.push_back(make_layer(wide_batch_norm(rng, 8)));          // 5
        p.layers.push_back(make_layer(Add{}, {4, 2}));                    // 6: layers 5 and 3
        p.layers.push_back(make_layer(activation(ActivationKind::Clip))); // 7
        p.layers.push_back(make_layer(GlobalPool2d{}));                   // 8
        Linear fc;
        fc.in_features = 8;
        fc.out_features = 4;
        fc.weight = uniforms(rng, 32, -1, 1);
        p.layers.push_back(make_layer(fc)); // 9
        p.layers.push_back(make_layer(Softmax{}));
        const Tensor input = random_tensor(rng, {3, 57, 43}, 1.0f);
        const QString difference = compare_backends(p, input);
        QVERIFY2(difference.isEmpty(), qPrintable(difference));
    }

    void maxPoolingKeepsNaN() {
        Tensor input(Shape{2, 5, 21});
        input.at(1, 3, 17) = std::numeric_limits<float>::quiet_NaN();
        input.at(0, 2, 2) = 4.0f;
        Pipeline p;
        p.layers.push_back(make_layer(GlobalPool2d{PoolKind::Max}));
        FastBackend fast;
        const RunResult& result = fast.run(p, input);
        QCOMPARE(result.layers[0].output->at(0, 0, 0), 4.0f);
        QVERIFY(std::isnan(result.layers[0].output->at(1, 0, 0)));
    }

    void repeatedRunAllocatesNothing() {
        Random rng(11);
        const Shape shape{6, 60, 70};
        const Pipeline p = every_kind(rng, shape);
        const Tensor input = random_tensor(rng, shape);
        FastBackend fast;
        std::size_t layers = 0;
        const test::RepeatedAllocations counted =
            test::count_repeated_allocations([&] { layers = fast.run(p, input).layers.size(); });
        QVERIFY(counted.first > 0); // the counter sees the engine's allocations
        QCOMPARE(layers, p.layers.size());
        QCOMPARE(counted.repeated, 0L);
    }
};

QTEST_APPLESS_MAIN(TestFastLayers)
#include "test_fast_layers.moc"
