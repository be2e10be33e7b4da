// The fast backend against the reference: random shapes and parameters on every SIMD target the
// machine has, awkward named shapes, the algorithm chosen per kernel, cancellation, incremental
// runs, and repeated runs that allocate nothing.

#include "support/allocation_counter.hpp"
#include "support/compare.hpp"
#include "support/random.hpp"
#include "support/tensors.hpp"

#include "convscope/fast_backend.hpp"
#include "convscope/naive_backend.hpp"
#include "convscope/simd.hpp"

#include <QtTest>

#include <chrono>
#include <cmath>
#include <random>
#include <thread>

using namespace convscope;

namespace {

using test::Random;
using test::random_batch_norm;
using test::uniform;

int between(Random& rng, int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
}

// Turns every kernel into an outer product (Gaussian-like, Sobel-like): the separable path.
void make_rank_one(Random& rng, Conv2d& conv) {
    ConvWeights& w = conv.weights;
    for (int o = 0; o < w.out_channels; ++o)
        for (int i = 0; i < w.in_channels; ++i) {
            std::vector<float> col(w.kernel_h), row(w.kernel_w);
            for (float& v : col)
                v = uniform(rng);
            for (float& v : row)
                v = uniform(rng);
            for (int y = 0; y < w.kernel_h; ++y)
                for (int x = 0; x < w.kernel_w; ++x)
                    w.set(o, i, y, x, col[y] * row[x]);
        }
}

// Runs both backends; an empty string when every layer agrees within the tolerance of the kernel
// that computed it (agreement_tolerance; a fused layer has its conv's), else what differs.
QString compare_backends(const Pipeline& pipeline, const Tensor& input) {
    NaiveBackend naive;
    FastBackend fast;
    const RunResult& want = naive.run(pipeline, input);
    const RunResult& got = fast.run(pipeline, input);
    if (got.layers.size() != want.layers.size())
        return "layer count differs";
    double tolerance = kDirectTolerance;
    for (std::size_t i = 0; i < want.layers.size(); ++i) {
        if (got.layers[i].kernel != "fused-into-conv")
            tolerance = agreement_tolerance(got.layers[i].kernel);
        const Tensor& a = *want.layers[i].output;
        const Tensor& b = *got.layers[i].output;
        if (a.shape() != b.shape())
            return QString("layer %1: shape %2 vs %3")
                .arg(i)
                .arg(QString::fromStdString(a.shape().str()),
                     QString::fromStdString(b.shape().str()));
        const double error = test::relative_difference(b, a);
        if (!(error <= tolerance))
            return QString("layer %1 (%2, kernel %3): relative error %4 on input %5")
                .arg(i)
                .arg(QString::fromStdString(std::string(type_name(pipeline.layers[i]))),
                     QString::fromStdString(got.layers[i].kernel))
                .arg(error)
                .arg(QString::fromStdString(input.shape().str()));
    }
    return {};
}

Layer random_layer(Random& rng, int channels) {
    switch (between(rng, 0, 4)) {
    case 0:
    case 1: { // conv, the most varied
        const bool depthwise = channels > 1 && between(rng, 0, 2) == 0;
        const int groups = depthwise ? channels : 1;
        const int out = groups * between(rng, 1, 10);
        Conv2d conv = test::random_conv(out, channels / groups, between(rng, 1, 7),
                                        between(rng, 1, 7), rng());
        if (between(rng, 0, 2) == 0)
            make_rank_one(rng, conv);
        if (between(rng, 0, 1))
            conv.bias.clear();
        conv.stride = {between(rng, 1, 3), between(rng, 1, 3)};
        conv.dilation = {between(rng, 1, 2), between(rng, 1, 2)};
        conv.padding_mode = static_cast<PaddingMode>(between(rng, 0, 3));
        switch (between(rng, 0, 2)) {
        case 0:
            conv.padding = ConvPadding::explicit_size({between(rng, 0, 3), between(rng, 0, 3)});
            break;
        case 1:
            conv.padding = conv.stride == Pair{1, 1} ? ConvPadding::same() : ConvPadding::valid();
            break;
        default:
            conv.padding = ConvPadding::valid();
        }
        return Layer{"", true, conv};
    }
    case 2: {
        Pool2d pool;
        pool.kind = between(rng, 0, 1) ? PoolKind::Max : PoolKind::Avg;
        pool.kernel_size = {between(rng, 1, 4), between(rng, 1, 4)};
        pool.stride = {between(rng, 1, 3), between(rng, 1, 3)};
        pool.padding = {between(rng, 0, pool.kernel_size.h / 2),
                        between(rng, 0, pool.kernel_size.w / 2)};
        pool.ceil_mode = between(rng, 0, 1);
        pool.count_include_pad = between(rng, 0, 1);
        return Layer{"", true, pool};
    }
    default:
        return Layer{"", true, Activation{static_cast<ActivationKind>(between(rng, 0, 3)), 0.2f}};
    }
}

int output_channels(const Layer& layer, int channels) {
    if (const auto* conv = std::get_if<Conv2d>(&layer.op))
        return conv->weights.out_channels;
    return channels;
}

Pipeline one_conv(Conv2d conv) {
    Pipeline p;
    p.layers.push_back(Layer{"conv", true, std::move(conv)});
    return p;
}

} // namespace

Q_DECLARE_METATYPE(Shape)
Q_DECLARE_METATYPE(Pipeline)

class TestFastBackend : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void agreesWithReferenceOnRandomPipelines_data();
    void agreesWithReferenceOnRandomPipelines();
    void agreesOnAwkwardShapes_data();
    void agreesOnAwkwardShapes();
    void choosesTheAlgorithmByKernel();
    void cancelledRunReturnsNothingAndLeavesTheBackendUsable();
    void incrementalRunEqualsFullRun();
    void runOfTheFirstLayersFusesNothingBeyondThem();
    void repeatedRunAllocatesNothing();
    void fusesBatchNormResidualAndActivation_data();
    void fusesBatchNormResidualAndActivation();
    void editedWeightReachesTheNextRun();
    void cleanupTestCase() { force_simd_target(""); }
};

void TestFastBackend::agreesWithReferenceOnRandomPipelines_data() {
    QTest::addColumn<QString>("target");
    const std::vector<std::string> targets = simd_targets_available();
    QVERIFY(!targets.empty());
    for (const std::string& t : targets)
        QTest::newRow(t.c_str()) << QString::fromStdString(t);
}

void TestFastBackend::agreesWithReferenceOnRandomPipelines() {
    QFETCH(QString, target);
    QVERIFY(force_simd_target(target.toStdString()));
    QCOMPARE(QString::fromStdString(simd_target()), target);

    Random rng(20261121);
    int checked = 0;
    for (int trial = 0; trial < 160; ++trial) {
        int channels = between(rng, 0, 1) ? 1 : between(rng, 2, 5);
        const Tensor input =
            test::random_tensor({channels, between(rng, 1, 40), between(rng, 1, 70)}, rng());
        Pipeline p;
        for (int n = between(rng, 1, 3); n > 0; --n) {
            p.layers.push_back(random_layer(rng, channels));
            channels = output_channels(p.layers.back(), channels);
        }
        try {
            (void)infer_shapes(p, input.shape());
        } catch (const PipelineError&) {
            continue; // e.g. a window that does not fit: nothing to compare
        }
        const QString difference = compare_backends(p, input);
        QVERIFY2(difference.isEmpty(),
                 qPrintable(QString("trial %1: %2").arg(trial).arg(difference)));
        ++checked;
    }
    QVERIFY(checked > 60);
    force_simd_target("");
}

void TestFastBackend::agreesOnAwkwardShapes_data() {
    QTest::addColumn<Shape>("input");
    QTest::addColumn<Pipeline>("pipeline");
    Random rng(7);

    auto conv = [&](int out, int in, int kh, int kw) {
        return test::random_conv(out, in, kh, kw, rng());
    };
    {
        Conv2d c = conv(3, 1, 3, 3);
        c.padding = ConvPadding::explicit_size({1, 1});
        QTest::newRow("1x1 image, 3x3 kernel, padding 1") << Shape{1, 1, 1} << one_conv(c);
    }
    {
        Conv2d c = conv(4, 1, 5, 3);
        c.padding = ConvPadding::same();
        c.padding_mode = PaddingMode::Reflect;
        QTest::newRow("131x67, reflect, 5x3") << Shape{1, 131, 67} << one_conv(c);
    }
    {
        Conv2d c = conv(2, 1, 9, 9);
        c.padding = ConvPadding::explicit_size({4, 4});
        QTest::newRow("kernel larger than the image") << Shape{1, 5, 6} << one_conv(c);
    }
    {
        Conv2d c = conv(2, 1, 2, 2);
        c.stride = {5, 4};
        QTest::newRow("stride larger than the kernel") << Shape{1, 23, 41} << one_conv(c);
    }
    {
        Conv2d c = conv(2, 3, 3, 3);
        c.dilation = {3, 2};
        c.padding = ConvPadding::same();
        c.padding_mode = PaddingMode::Circular;
        QTest::newRow("dilation, circular, 3 channels") << Shape{3, 30, 33} << one_conv(c);
    }
    {
        Conv2d c = conv(6, 2, 3, 3);
        c.groups = 2;
        c.padding_mode = PaddingMode::Replicate;
        c.padding = ConvPadding::explicit_size({2, 1});
        QTest::newRow("groups 2, replicate") << Shape{4, 17, 19} << one_conv(c);
    }
    {
        Conv2d c = conv(8, 1, 3, 3);
        c.groups = 8;
        c.padding = ConvPadding::same();
        QTest::newRow("depthwise 8") << Shape{8, 20, 35} << one_conv(c);
    }
    {
        Conv2d c = conv(21, 13, 3, 3); // 21 = 8 + 8 + 4 + 1 output blocks
        c.padding = ConvPadding::same();
        Pipeline p = one_conv(c);
        p.layers.push_back(Layer{"tanh", true, Activation{ActivationKind::Tanh}});
        QTest::newRow("13→21 channels, fused tanh") << Shape{13, 19, 37} << p;
    }
    {
        Conv2d c = conv(1, 1, 15, 15);
        c.weights.values.assign(225, 1.0f / 225);
        c.padding = ConvPadding::same();
        QTest::newRow("box 15x15") << Shape{1, 64, 97} << one_conv(c);
    }
    {
        Conv2d c = conv(1, 1, 9, 7);
        make_rank_one(rng, c);
        c.stride = {2, 3};
        c.padding = ConvPadding::explicit_size({3, 2});
        QTest::newRow("separable 9x7, stride [2, 3]") << Shape{1, 50, 61} << one_conv(c);
    }
    {
        Conv2d c = conv(2, 1, 21, 25); // large enough for the FFT path
        c.padding = ConvPadding::same();
        c.padding_mode = PaddingMode::Reflect;
        c.dilation = {1, 2};
        Pipeline p = one_conv(c);
        p.layers.push_back(Layer{"relu", true, Activation{}});
        QTest::newRow("FFT 21x25, dilation [1, 2], reflect, fused ReLU") << Shape{1, 97, 150} << p;
    }
    {
        Conv2d c = conv(6, 1, 19, 19);
        c.groups = 3;
        c.padding = ConvPadding::explicit_size({4, 9});
        QTest::newRow("FFT depthwise-ish, groups 3") << Shape{3, 70, 211} << one_conv(c);
    }
    for (const Shape shape : {Shape{3, 5, 7}, Shape{3, 4, 4}, Shape{3, 61, 83}}) {
        // conv → ReLU → max pool 2×2 and conv → avg pool 2×2: the pooling is fused into the conv.
        Conv2d c = conv(9, 3, 3, 3);
        c.padding = ConvPadding::same();
        Pipeline p = one_conv(c);
        p.layers.push_back(Layer{"relu", true, Activation{}});
        p.layers.push_back(Layer{"max", true, Pool2d{}});
        Conv2d gray = conv(2, 9, 5, 5);
        gray.padding = ConvPadding::same();
        p.layers.push_back(Layer{"conv2", true, gray});
        Pool2d avg;
        avg.kind = PoolKind::Avg;
        p.layers.push_back(Layer{"avg", true, avg});
        QTest::newRow(qPrintable("fused pooling on " + QString::fromStdString(shape.str())))
            << shape << p;
    }
    {
        // An output past 16 MB whose activation is fused: written with streaming stores.
        Conv2d c = conv(8, 3, 3, 3);
        c.padding = ConvPadding::same();
        Pipeline p = one_conv(c);
        p.layers.push_back(Layer{"relu", true, Activation{}});
        p.layers.push_back(Layer{"max", true, Pool2d{}});
        QTest::newRow("streamed 18 MB output") << Shape{3, 700, 801} << p;
    }
    {
        Conv2d c = conv(2, 1, 19, 19); // FFT: the pooling runs as its own layer
        c.padding = ConvPadding::same();
        Pipeline p = one_conv(c);
        p.layers.push_back(Layer{"relu", true, Activation{}});
        p.layers.push_back(Layer{"max", true, Pool2d{}});
        QTest::newRow("FFT conv, ReLU, max pool") << Shape{1, 40, 45} << p;
    }
    {
        Pipeline p;
        Pool2d max;
        max.kernel_size = {3, 3};
        max.stride = {2, 2};
        max.padding = {1, 1};
        max.ceil_mode = true;
        p.layers.push_back(Layer{"max", true, max});
        Pool2d avg;
        avg.kind = PoolKind::Avg;
        avg.kernel_size = {2, 3};
        avg.stride = {1, 2};
        avg.padding = {1, 1};
        avg.ceil_mode = true;
        avg.count_include_pad = false;
        p.layers.push_back(Layer{"avg", true, avg});
        p.layers.push_back(Layer{"sigmoid", true, Activation{ActivationKind::Sigmoid}});
        QTest::newRow("pools with padding and ceil_mode") << Shape{2, 31, 45} << p;
    }
}

void TestFastBackend::agreesOnAwkwardShapes() {
    QFETCH(Shape, input);
    QFETCH(Pipeline, pipeline);
    Random rng(11);
    const QString difference = compare_backends(pipeline, test::random_tensor(input, rng()));
    QVERIFY2(difference.isEmpty(), qPrintable(difference));
}

void TestFastBackend::choosesTheAlgorithmByKernel() {
    Random rng(3);
    const Tensor input = test::random_tensor({1, 40, 50}, rng());
    FastBackend fast;
    auto kernel_of = [&](const Conv2d& c) {
        return QString::fromStdString(fast.run(one_conv(c), input).layers[0].kernel);
    };
    Conv2d direct = test::random_conv(1, 1, 5, 5, rng());
    QVERIFY2(kernel_of(direct).startsWith("direct-"), qPrintable(kernel_of(direct)));
    Conv2d separable = direct;
    make_rank_one(rng, separable);
    QVERIFY2(kernel_of(separable).startsWith("separable-"), qPrintable(kernel_of(separable)));
    Conv2d box = direct;
    box.weights.values.assign(25, 0.04f);
    QVERIFY2(kernel_of(box).startsWith("boxsum-"), qPrintable(kernel_of(box)));
    const Conv2d large = test::random_conv(1, 1, 19, 19, rng());
    QVERIFY2(kernel_of(large).startsWith("fft-"), qPrintable(kernel_of(large)));
    const Conv2d multi = test::random_conv(16, 3, 3, 3, rng());
    const Tensor rgb = test::random_tensor({3, 20, 20}, rng());
    QVERIFY(QString::fromStdString(fast.run(one_conv(multi), rgb).layers[0].kernel)
                .startsWith("direct-packed-"));
    // Deep layers: Winograd for stride-1 3×3, a matrix product for 1×1, the packed direct path
    // for strided ones.
    const Tensor deep = test::random_tensor({32, 20, 20}, rng());
    auto deep_kernel = [&](const Conv2d& c) {
        return QString::fromStdString(fast.run(one_conv(c), deep).layers[0].kernel);
    };
    QVERIFY2(deep_kernel(test::random_conv(32, 32, 3, 3, rng())).startsWith("winograd2x2-"),
             qPrintable(deep_kernel(test::random_conv(32, 32, 3, 3, rng()))));
    const Tensor larger = test::random_tensor({32, 40, 40}, rng()); // enough tiles for F(4×4, 3×3)
    QVERIFY(QString::fromStdString(
                fast.run(one_conv(test::random_conv(32, 32, 3, 3, rng())), larger).layers[0].kernel)
                .startsWith("winograd4x4-"));
    QVERIFY(deep_kernel(test::random_conv(48, 32, 1, 1, rng())).startsWith("gemm1x1-"));
    Conv2d strided = test::random_conv(32, 32, 3, 3, rng());
    strided.stride = {2, 2};
    QVERIFY(deep_kernel(strided).startsWith("direct-packed-"));
    // Before the multi-channel paths that fuse a pooling themselves.
    Pipeline fused = one_conv(multi);
    fused.layers.push_back(Layer{"relu", true, Activation{}});
    fused.layers.push_back(Layer{"pool", true, Pool2d{}});
    const RunResult& fused_run = fast.run(fused, rgb);
    QCOMPARE(QString::fromStdString(fused_run.layers[1].kernel), QString("fused-into-conv"));
    QCOMPARE(QString::fromStdString(fused_run.layers[2].kernel), QString("fused-into-conv"));
    // The kernel name ends with the SIMD target that ran.
    QVERIFY(kernel_of(direct).endsWith(QString::fromStdString(simd_target())));
}

namespace {

// A residual block's tail: stem conv → conv → batch norm → add (the stem's output) → activation,
// the chain the fast backend computes in the second conv's pass.
Pipeline residual_tail(Random& rng, int channels, const Conv2d& tail, Activation act) {
    Conv2d stem = test::random_conv(channels, channels, 3, 3, rng());
    stem.padding = ConvPadding::same();
    Pipeline p;
    p.layers.push_back(Layer{"stem", true, stem, {}});
    p.layers.push_back(Layer{"conv", true, tail, {}});
    p.layers.push_back(Layer{"bn", true, random_batch_norm(rng, channels), {}});
    p.layers.push_back(Layer{"add", true, Add{}, {2, 0}});
    p.layers.push_back(Layer{"act", true, act, {}});
    return p;
}

} // namespace

void TestFastBackend::fusesBatchNormResidualAndActivation_data() {
    QTest::addColumn<int>("channels");
    QTest::addColumn<int>("kernel");
    QTest::addColumn<int>("groups");
    QTest::addColumn<int>("activation");
    QTest::addColumn<Shape>("input");
    QTest::addColumn<QString>("conv_kernel");
    const int relu = int(ActivationKind::ReLU), leaky = int(ActivationKind::LeakyReLU);
    QTest::newRow("winograd") << 24 << 3 << 1 << relu << Shape{24, 19, 13} << "winograd2x2";
    QTest::newRow("1x1") << 20 << 1 << 1 << leaky << Shape{20, 9, 31} << "gemm1x1";
    QTest::newRow("packed direct 5x5")
        << 12 << 5 << 1 << relu << Shape{12, 17, 16} << "direct-packed";
    QTest::newRow("direct-oc 5x5, batch norm and sum after the conv")
        << 6 << 5 << 1 << relu << Shape{6, 17, 16} << "direct-oc4";
    QTest::newRow("depthwise") << 8 << 3 << 8 << int(ActivationKind::Tanh) << Shape{8, 23, 21}
                               << "depthwise-direct";
}

void TestFastBackend::fusesBatchNormResidualAndActivation() {
    QFETCH(int, channels);
    QFETCH(int, kernel);
    QFETCH(int, groups);
    QFETCH(int, activation);
    QFETCH(Shape, input);
    QFETCH(QString, conv_kernel);
    Random rng(23);
    Conv2d tail = test::random_conv(channels, channels / groups, kernel, kernel, rng());
    tail.groups = groups;
    tail.padding = ConvPadding::same();
    const Pipeline p =
        residual_tail(rng, channels, tail, Activation{static_cast<ActivationKind>(activation)});
    const Tensor x = test::random_tensor(input, rng());
    const QString difference = compare_backends(p, x);
    QVERIFY2(difference.isEmpty(), qPrintable(difference));
    FastBackend fast;
    const RunResult& run = fast.run(p, x);
    QVERIFY2(QString::fromStdString(run.layers[1].kernel).startsWith(conv_kernel + "-"),
             run.layers[1].kernel.c_str());
    for (int fused : {2, 3, 4})
        QCOMPARE(QString::fromStdString(run.layers[fused].kernel), QString("fused-into-conv"));

    // An add that reads a layer after the conv's chain, or with a constant, is not fused.
    Pipeline constant = p;
    std::get<Add>(constant.layers[3].op).constant.assign(channels, 0.5f);
    const RunResult& unfused = fast.run(constant, x);
    QVERIFY(unfused.layers[3].kernel != "fused-into-conv");
    QCOMPARE(QString::fromStdString(unfused.layers[2].kernel), QString("fused-into-conv"));
    QVERIFY2(compare_backends(constant, x).isEmpty(), qPrintable(compare_backends(constant, x)));

    // A run of the first layers (a plan that stops at an error, the memory budget) fuses only
    // those: the chain's later outputs do not exist then.
    NaiveBackend naive;
    const double tolerance = agreement_tolerance(run.layers[1].kernel);
    for (int count : {2, 3, 4}) {
        RunOptions options;
        options.layer_count = count;
        FastBackend first;
        const RunResult& got = first.run(p, x, options);
        QCOMPARE(static_cast<int>(got.layers.size()), count);
        const RunResult& want = naive.run(p, x, options);
        for (int i = 0; i < count; ++i)
            QVERIFY2(test::relative_difference(*got.layers[i].output, *want.layers[i].output) <=
                         tolerance,
                     qPrintable(QString("%1 layers, layer %2").arg(count).arg(i + 1)));
    }
    // A run that lets go of consumed outputs allocates, before each pass, the outputs the pass
    // writes (fused_count): all of the chain's.
    RunOptions consuming;
    consuming.release_consumed = true;
    int seen = 0;
    consuming.on_computed = [&](const RunResult& r, int first, int count) {
        for (int k = first; k < first + count; ++k, ++seen)
            QVERIFY(r.layers[k].output);
        if (first == 1)
            QCOMPARE(count, 4);
    };
    FastBackend released;
    (void)released.run(p, x, consuming);
    QCOMPARE(seen, static_cast<int>(p.layers.size()));
}

void TestFastBackend::editedWeightReachesTheNextRun() {
    // The backend keeps transformed and packed weights per layer, recognised by the storage of
    // the weights (SharedVector). An edit of one weight of the same pipeline, as the kernel
    // editor makes, and an undo of it (the earlier storage again) must show in the next run.
    Random rng(29);
    Pipeline p;
    Conv2d wino = test::random_conv(64, 64, 3, 3, rng()); // a deep 3×3 layer: Winograd
    wino.padding = ConvPadding::same();
    Conv2d point = test::random_conv(32, 64, 1, 1, rng());
    p.layers.push_back(Layer{"winograd", true, wino, {}});
    p.layers.push_back(Layer{"pointwise", true, point, {}});
    const Tensor x = test::random_tensor({64, 24, 20}, rng());
    FastBackend fast;
    NaiveBackend naive;
    const Pipeline original = p; // what an undo returns to
    std::shared_ptr<const Tensor> previous = naive.run(p, x).layers[0].output;
    auto check = [&](const QString& step) {
        const RunResult& got = fast.run(p, x);
        const RunResult& want = naive.run(p, x);
        const double change = test::relative_difference(*previous, *want.layers[0].output);
        previous = want.layers[0].output;
        for (int i = 0; i < 2; ++i) {
            const double tolerance = agreement_tolerance(got.layers[i].kernel);
            QVERIFY2(test::relative_difference(*got.layers[i].output, *want.layers[i].output) <=
                         tolerance,
                     qPrintable(QString("%1, layer %2").arg(step).arg(i)));
        }
        QVERIFY2(QString::fromStdString(got.layers[0].kernel).startsWith("winograd"),
                 got.layers[0].kernel.c_str());
        // The step changed the maps by far more than the tolerance: weights served from a
        // stale cache would fail the comparison above.
        QVERIFY2(change > 100 * agreement_tolerance(got.layers[0].kernel), qPrintable(step));
    };
    fast.run(p, x); // packs the weights
    auto add_to_one_weight = [&](int layer, int edit) {
        ConvWeights& w = std::get<Conv2d>(p.layers[layer].op).weights;
        const int o = (edit * 5) % w.out_channels, i = (edit * 7) % w.in_channels;
        const int y = edit % w.kernel_h, xx = (edit + 1) % w.kernel_w;
        w.set(o, i, y, xx, w.at(o, i, y, xx) + 8.0f);
    };
    for (int edit = 0; edit < 4; ++edit) {
        add_to_one_weight(0, edit);
        if (edit % 2 == 1) // and the 1×1 layer after it in the same step
            add_to_one_weight(1, edit);
        check(QString("edit %1").arg(edit));
    }
    p = original; // undo: the storage packed before the edits
    check("undo");
}

void TestFastBackend::cancelledRunReturnsNothingAndLeavesTheBackendUsable() {
    // Work for well over a second, cancelled from another thread shortly after it starts.
    Random rng(5);
    Pipeline heavy;
    for (int i = 0; i < 40; ++i) {
        Conv2d c = test::random_conv(32, 32, 5, 5, rng());
        c.padding = ConvPadding::same();
        heavy.layers.push_back(Layer{"", true, c});
    }
    const Tensor input = test::random_tensor({32, 256, 256}, rng());
    FastBackend fast;
    CancelToken token;
    std::thread canceller([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
        token.cancel();
    });
    const RunResult& result = fast.run(heavy, input, RunOptions{&token});
    canceller.join();
    QVERIFY(result.cancelled);
    QVERIFY(result.layers.empty());

    // The same backend, with the token reset, gives the reference's answer.
    token.reset();
    Pipeline light;
    light.layers = {heavy.layers[0], heavy.layers[1]};
    const Tensor small = test::random_tensor({32, 12, 13}, rng());
    const RunResult& again = fast.run(light, small, RunOptions{&token});
    QVERIFY(!again.cancelled);
    NaiveBackend naive;
    const RunResult& want = naive.run(light, small);
    QVERIFY(test::close_enough(*again.layers[1].output, *want.layers[1].output));
}

void TestFastBackend::incrementalRunEqualsFullRun() {
    Random rng(9);
    const auto input = std::make_shared<const Tensor>(test::random_tensor({3, 48, 64}, rng()));
    Pipeline p;
    Conv2d first = test::random_conv(8, 3, 3, 3, rng());
    first.padding = ConvPadding::same();
    p.layers.push_back(Layer{"conv1", true, first});
    p.layers.push_back(Layer{"relu1", true, Activation{}});
    p.layers.push_back(Layer{"pool", true, Pool2d{}});
    Conv2d second = test::random_conv(4, 8, 3, 3, rng());
    p.layers.push_back(Layer{"conv2", true, second});
    p.layers.push_back(Layer{"relu2", true, Activation{}});

    FastBackend incremental;
    (void)incremental.run(p, input);
    for (int changed : {3, 1, 4, 0}) {
        if (auto* conv = std::get_if<Conv2d>(&p.layers[changed].op))
            conv->weights.values.write()[0] += 0.5f;
        else
            std::get<Activation>(p.layers[changed].op).kind = ActivationKind::LeakyReLU;
        const RunResult& got = incremental.run(p, input);
        QCOMPARE(got.first_computed, changed);
        FastBackend fresh;
        const RunResult& want = fresh.run(p, *input);
        QCOMPARE(got.layers.size(), want.layers.size());
        for (std::size_t i = 0; i < want.layers.size(); ++i)
            QVERIFY2(test::relative_difference(*got.layers[i].output, *want.layers[i].output) ==
                         0.0,
                     qPrintable(QString("changed %1, layer %2").arg(changed).arg(i)));
    }
}

void TestFastBackend::runOfTheFirstLayersFusesNothingBeyondThem() {
    // conv, ReLU and 2x2 pooling run fused as one pass; a run of only the first one or two of
    // them (a plan that stops at an error, the memory budget) must not write the outputs of the
    // layers it leaves out, which it does not have (the sanitizer build sees any such write).
    Random rng(11);
    Pipeline p;
    Conv2d conv = test::random_conv(4, 3, 3, 3, rng());
    conv.padding = ConvPadding::same();
    p.layers.push_back(Layer{"conv", true, conv});
    p.layers.push_back(Layer{"relu", true, Activation{}});
    p.layers.push_back(Layer{"pool", true, Pool2d{}});
    const auto input = std::make_shared<const Tensor>(test::random_tensor({3, 20, 24}, rng()));
    for (int count : {1, 2, 3}) {
        RunOptions options;
        options.layer_count = count;
        FastBackend fast;
        const RunResult& got = fast.run(p, input, options);
        QCOMPARE(static_cast<int>(got.layers.size()), count);
        NaiveBackend naive;
        const RunResult& want = naive.run(p, *input, options);
        for (int i = 0; i < count; ++i)
            QVERIFY2(test::close_enough(*got.layers[i].output, *want.layers[i].output),
                     qPrintable(QString("%1 layers, layer %2").arg(count).arg(i + 1)));
    }
}

void TestFastBackend::repeatedRunAllocatesNothing() {
    Random rng(13);
    const Tensor input = test::random_tensor({3, 200, 300}, rng());
    Pipeline p;
    Conv2d c1 = test::random_conv(8, 3, 3, 3, rng());
    c1.padding = ConvPadding::same();
    p.layers.push_back(Layer{"conv1", true, c1});
    p.layers.push_back(Layer{"relu", true, Activation{}});
    p.layers.push_back(Layer{"pool", true, Pool2d{}});
    Conv2d depthwise = test::random_conv(8, 1, 5, 5, rng());
    depthwise.groups = 8;
    make_rank_one(rng, depthwise);
    p.layers.push_back(Layer{"separable", true, depthwise});
    p.layers.push_back(Layer{"tanh", true, Activation{ActivationKind::Tanh}});
    Conv2d large = test::random_conv(8, 1, 19, 19, rng()); // the FFT path
    large.groups = 8;
    large.padding = ConvPadding::same();
    p.layers.push_back(Layer{"fft", true, large});

    FastBackend fast;
    std::size_t layers = 0;
    const test::RepeatedAllocations counted =
        test::count_repeated_allocations([&] { layers = fast.run(p, input).layers.size(); });
    QVERIFY(counted.first > 0); // the counter sees the engine's allocations
    QCOMPARE(layers, std::size_t{6});
    QCOMPARE(counted.repeated, 0L);
}

QTEST_APPLESS_MAIN(TestFastBackend)
#include "test_fast_backend.moc"
