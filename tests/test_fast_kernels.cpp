// The fast backend's deep-layer kernels, each run directly (whatever the crossovers would choose)
// against the reference loops on awkward shapes and on every SIMD target the machine has:
// Winograd F(4×4, 3×3) and F(2×2, 3×3), 1×1 products, the packed direct path, each with and
// without bias and with the fused chain (folded batch norm, residual sum, activation), within
// agreement_tolerance() of the kernel's name.

#include "support/compare.hpp"
#include "support/random.hpp"

#include "convscope/fast_backend.hpp"
#include "convscope/naive_backend.hpp"
#include "convscope/simd.hpp"
#include "fast/conv_fusion.hpp"
#include "fast/fast_ops.hpp"

#include <QtTest>

#include <cmath>
#include <random>

using namespace convscope;

namespace {

using test::Random;
using test::random_batch_norm;
using test::uniform;

Tensor random_tensor(Random& rng, Shape shape) {
    Tensor t(shape);
    for (int c = 0; c < shape.channels; ++c)
        for (int y = 0; y < shape.height; ++y)
            for (int x = 0; x < shape.width; ++x)
                t.at(c, y, x) = uniform(rng);
    return t;
}

// Which kernel a row runs.
enum class Path { Winograd4, Winograd2, Pointwise, PackedDirect };

struct Case {
    Path path;
    Shape input;
    int out_channels;
    int kernel;
    Pair stride{1, 1};
    Pair dilation{1, 1};
    Pair padding{-1, -1}; // -1: kernel / 2
    PaddingMode mode = PaddingMode::Zeros;
    int groups = 1;
    bool bias = true;
    bool chain = false; // batch norm + residual + ReLU fused after the conv
};

Conv2d make_conv(Random& rng, const Case& c) {
    Conv2d conv;
    const int in = c.input.channels / c.groups;
    conv.weights = ConvWeights{c.out_channels, in, c.kernel, c.kernel, {}};
    const float scale = 1.0f / std::sqrt(static_cast<float>(in * c.kernel * c.kernel));
    for (int i = 0; i < c.out_channels * in * c.kernel * c.kernel; ++i)
        conv.weights.values.push_back(uniform(rng) * scale);
    if (c.bias)
        for (int o = 0; o < c.out_channels; ++o)
            conv.bias.push_back(uniform(rng));
    conv.stride = c.stride;
    conv.dilation = c.dilation;
    conv.padding = ConvPadding::explicit_size(
        c.padding.h < 0 ? Pair::square(c.kernel / 2 * c.dilation.h) : c.padding);
    conv.padding_mode = c.mode;
    conv.groups = c.groups;
    return conv;
}

} // namespace

Q_DECLARE_METATYPE(Case)

class TestFastKernels : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void agreesWithReference_data();
    void agreesWithReference();
    void winogradStatesItsAccuracyOnDeepLayers();
    void packedWeightsFollowAnEditedWeight();
    void cleanupTestCase() { force_simd_target(""); }
};

void TestFastKernels::agreesWithReference_data() {
    QTest::addColumn<Case>("c");
    using P = Path;
    auto row = [](const char* name, Case c) {
        QTest::newRow(name) << c;
        c.chain = true;
        QTest::newRow((std::string(name) + ", fused chain").c_str()) << c;
    };
    // Winograd: maps smaller than a tile, sizes that are not multiples of the tile, channel
    // counts that fill no vector or panel, every padding mode.
    row("winograd4 1x1 map", {P::Winograd4, {17, 1, 1}, 19, 3});
    row("winograd4 3x3 map", {P::Winograd4, {16, 3, 3}, 16, 3});
    row("winograd4 131x67", {P::Winograd4, {5, 131, 67}, 7, 3});
    row("winograd4 33 channels, 9x14", {P::Winograd4, {33, 9, 14}, 35, 3});
    row("winograd4 reflect, no bias", {P::Winograd4,
                                       {6, 21, 10},
                                       13,
                                       3,
                                       {1, 1},
                                       {1, 1},
                                       {-1, -1},
                                       PaddingMode::Reflect,
                                       1,
                                       false});
    row("winograd4 circular, padding 0",
        {P::Winograd4, {8, 12, 17}, 9, 3, {1, 1}, {1, 1}, {0, 0}, PaddingMode::Circular});
    row("winograd4 replicate, padding 2",
        {P::Winograd4, {4, 7, 30}, 6, 3, {1, 1}, {1, 1}, {2, 2}, PaddingMode::Replicate});
    row("winograd2 1x1 map", {P::Winograd2, {9, 1, 1}, 10, 3});
    row("winograd2 131x67", {P::Winograd2, {3, 131, 67}, 5, 3});
    row("winograd2 7x7, 40 channels", {P::Winograd2, {40, 7, 7}, 41, 3});
    row("winograd2 reflect, no bias", {P::Winograd2,
                                       {6, 11, 10},
                                       7,
                                       3,
                                       {1, 1},
                                       {1, 1},
                                       {-1, -1},
                                       PaddingMode::Reflect,
                                       1,
                                       false});
    // 1×1: odd channel counts, strides, tiny and odd maps.
    row("1x1 on 1x1", {P::Pointwise, {5, 1, 1}, 7, 1});
    row("1x1 131x67", {P::Pointwise, {13, 131, 67}, 19, 1});
    row("1x1 stride 2, 15x9", {P::Pointwise, {8, 15, 9}, 21, 1, {2, 2}});
    row("1x1 stride [3, 1], no bias",
        {P::Pointwise, {6, 10, 23}, 4, 1, {3, 1}, {1, 1}, {0, 0}, PaddingMode::Zeros, 1, false});
    row("1x1 300 channels, 7x7", {P::Pointwise, {300, 7, 7}, 70, 1});
    // More weights than one run of panels keeps in L2: the product goes panel run by run.
    row("1x1 600 to 131 channels, 5x11", {P::Pointwise, {600, 5, 11}, 131, 1});
    // Packed direct: strides, dilation, groups, large kernels, padding modes.
    row("direct 7x7 stride 2, 3 channels", {P::PackedDirect, {3, 45, 38}, 10, 7, {2, 2}});
    row("direct 3x3 stride 2, 1x1 map", {P::PackedDirect, {4, 1, 1}, 5, 3, {2, 2}});
    // More taps than one block of k: partial sums between blocks, the last stored from registers.
    row("direct 3x3 stride 2, 64 channels, 29x31", {P::PackedDirect, {64, 29, 31}, 20, 3, {2, 2}});
    row("direct 3x3, 70 channels, 7x7", {P::PackedDirect, {70, 7, 7}, 13, 3});
    row("direct 3x3 stride [1, 3], 131x67", {P::PackedDirect, {3, 131, 67}, 8, 3, {1, 3}});
    row("direct 5x5 dilation 2, reflect",
        {P::PackedDirect, {5, 20, 19}, 6, 5, {1, 1}, {2, 2}, {-1, -1}, PaddingMode::Reflect});
    row("direct groups 2, circular",
        {P::PackedDirect, {6, 13, 11}, 10, 3, {1, 1}, {1, 1}, {-1, -1}, PaddingMode::Circular, 2});
    row("direct 3x3 stride 3 dilation 2, replicate, no bias", {P::PackedDirect,
                                                               {7, 25, 26},
                                                               9,
                                                               3,
                                                               {3, 3},
                                                               {2, 2},
                                                               {1, 3},
                                                               PaddingMode::Replicate,
                                                               1,
                                                               false});
}

void TestFastKernels::agreesWithReference() {
    QFETCH(Case, c);
    for (const std::string& target : simd_targets_available()) {
        QVERIFY(force_simd_target(target));
        Random rng(17);
        const Conv2d conv = make_conv(rng, c);
        const Tensor input = random_tensor(rng, c.input);
        Pipeline shapes;
        shapes.layers.push_back(Layer{"", true, conv, {}});
        const Shape out_shape = infer_shapes(shapes, c.input).back();

        // The reference: each layer with the textbook loops.
        Tensor want(out_shape), want_bn(out_shape), want_sum(out_shape), want_act(out_shape);
        naive_conv2d(conv, input, want);
        const BatchNorm2d bn = random_batch_norm(rng, out_shape.channels);
        const Tensor residual = random_tensor(rng, out_shape);
        if (c.chain) {
            naive_batch_norm(bn, want, want_bn);
            const Tensor* sum_inputs[] = {&want_bn, &residual};
            naive_add(Add{}, sum_inputs, want_sum);
            naive_activation(Activation{}, want_sum, want_act);
        }

        Tensor got(out_shape), got_bn(out_shape), got_sum(out_shape), got_act(out_shape);
        fast::ConvChain chain;
        std::vector<float> scale, shift;
        if (c.chain) {
            fast::fold_batch_norm(bn, scale, shift);
            chain.scale = scale.data();
            chain.shift = shift.data();
            chain.normalized = &got_bn;
            chain.residual = &residual;
            chain.sum = &got_sum;
            chain.activation = fast::Epilogue{fast::Epilogue::Kind::ReLU};
            chain.activated = &got_act;
        }
        fast::PackedWeights packed;
        fast::Workspace workspace;
        fast::ScratchPool scratch;
        std::string kernel;
        switch (c.path) {
        case Path::Winograd4:
        case Path::Winograd2:
            fast::conv_winograd(conv, c.path == Path::Winograd4 ? 4 : 2, input, got, chain, packed,
                                workspace, scratch, nullptr, kernel);
            break;
        case Path::Pointwise:
            fast::conv_pointwise(conv, input, got, chain, packed, workspace, scratch, nullptr,
                                 kernel);
            break;
        case Path::PackedDirect:
            fast::conv_packed_direct(conv, input, got, chain, packed, workspace, scratch, nullptr,
                                     kernel);
            break;
        }
        const double tolerance = agreement_tolerance(kernel);
        const std::string where = target + ", kernel " + kernel;
        const double error = test::relative_difference(got, want);
        QVERIFY2(error <= tolerance, qPrintable(QString::fromStdString(where) + ": conv error " +
                                                QString::number(error)));
        if (c.chain)
            for (const auto& [name, w, g] : {std::tuple{"batch norm", &want_bn, &got_bn},
                                             std::tuple{"sum", &want_sum, &got_sum},
                                             std::tuple{"ReLU", &want_act, &got_act}}) {
                const double e = test::relative_difference(*g, *w);
                QVERIFY2(e <= tolerance, qPrintable(QString::fromStdString(where) + ": " + name +
                                                    " error " + QString::number(e)));
            }
    }
    force_simd_target("");
}

void TestFastKernels::winogradStatesItsAccuracyOnDeepLayers() {
    // ResNet-like layers (64 and 256 channels, weights scaled by 1/sqrt(fan-in), inputs in
    // [−1, 1]): both tile sizes well within the stated 1e-4, and their names say "winograd".
    for (const auto& [m, channels, size] : {std::tuple{4, 64, 24}, std::tuple{2, 64, 24},
                                            std::tuple{4, 256, 9}, std::tuple{2, 256, 9}}) {
        Random rng(channels + m);
        const Case c{
            m == 4 ? Path::Winograd4 : Path::Winograd2, {channels, size, size}, channels, 3};
        const Conv2d conv = make_conv(rng, c);
        const Tensor input = random_tensor(rng, c.input);
        Tensor want(c.input), got(c.input);
        naive_conv2d(conv, input, want);
        fast::PackedWeights packed;
        fast::Workspace workspace;
        fast::ScratchPool scratch;
        std::string kernel;
        fast::conv_winograd(conv, m, input, got, {}, packed, workspace, scratch, nullptr, kernel);
        QVERIFY2(QString::fromStdString(kernel).startsWith("winograd"), kernel.c_str());
        QCOMPARE(agreement_tolerance(kernel), kTransformTolerance);
        const double error = test::relative_difference(got, want);
        QVERIFY2(error <= 1e-5,
                 qPrintable(QString("F(%1, 3), %2 channels: %3").arg(m).arg(channels).arg(error)));
    }
}

void TestFastKernels::packedWeightsFollowAnEditedWeight() {
    // One layer's packed weights, kept between runs: an edit of a single weight (in place, as
    // the app's kernel editor does) must reach the next run on every path.
    for (const Path path : {Path::Winograd4, Path::Pointwise, Path::PackedDirect}) {
        Random rng(3);
        const Case c{path, {16, 10, 12}, 16, path == Path::Pointwise ? 1 : 3};
        Conv2d conv = make_conv(rng, c);
        const Tensor input = random_tensor(rng, c.input);
        fast::PackedWeights packed;
        fast::Workspace workspace;
        fast::ScratchPool scratch;
        std::string kernel;
        Tensor got(c.input), want(c.input);
        auto run = [&] {
            if (path == Path::Winograd4)
                fast::conv_winograd(conv, 4, input, got, {}, packed, workspace, scratch, nullptr,
                                    kernel);
            else if (path == Path::Pointwise)
                fast::conv_pointwise(conv, input, got, {}, packed, workspace, scratch, nullptr,
                                     kernel);
            else
                fast::conv_packed_direct(conv, input, got, {}, packed, workspace, scratch, nullptr,
                                         kernel);
            naive_conv2d(conv, input, want);
            return test::relative_difference(got, want);
        };
        QVERIFY(run() <= agreement_tolerance(kernel));
        for (const std::size_t i :
             {std::size_t{0}, conv.weights.values.size() / 2, conv.weights.values.size() - 1}) {
            conv.weights.values.write()[i] += 0.75f;
            QVERIFY2(run() <= agreement_tolerance(kernel), kernel.c_str());
        }
        conv.weights.values.write()[3] = -conv.weights.values[3]; // a sign flip alone
        QVERIFY2(run() <= agreement_tolerance(kernel), kernel.c_str());
    }
}

QTEST_GUILESS_MAIN(TestFastKernels)
#include "test_fast_kernels.moc"
