// The arithmetic panel's numbers: for every layer kind and padding mode, the explanation's terms
// add up to the value in the map (from the reference and the fast backend), and each term is
// what it says it is (products are weight × input, padded cells read what padding reads, the
// max wins, the divisor is PyTorch's).

#include "support/tensors.hpp"

#include "convscope/backend.hpp"
#include "convscope/padding.hpp"
#include "convscope/value_explanation.hpp"

#include <QtTest>

#include <cmath>
#include <random>

using namespace convscope;

using test::layer_of;
using test::random_conv;
using test::random_tensor;

Q_DECLARE_METATYPE(convscope::Pipeline)

namespace {

Conv2d with(Conv2d conv, Pair stride, Pair padding, Pair dilation, PaddingMode mode,
            int groups = 1) {
    conv.stride = stride;
    conv.padding = ConvPadding::explicit_size(padding);
    conv.dilation = dilation;
    conv.padding_mode = mode;
    conv.groups = groups;
    return conv;
}

// The size of the numbers that were summed: a relative error is measured against it. The fast
// backend's sigmoid and tanh are accurate to ~1e-5 of their output range (1), not of tiny values
// near saturation, so for them the range is the scale.
double magnitude(const ValueExplanation& e, bool fast) {
    double scale = std::abs(e.value());
    if (const auto* act = std::get_if<ActivationExplanation>(&e.terms);
        fast && act && (act->kind == ActivationKind::Sigmoid || act->kind == ActivationKind::Tanh))
        scale = 1.0;
    if (const auto* conv = std::get_if<ConvExplanation>(&e.terms)) {
        scale = std::abs(conv->bias);
        for (const ConvChannelTerms& t : conv->channels)
            for (double p : t.products)
                scale += std::abs(p);
    }
    return std::max(scale, 1e-6);
}

// Each term is what it claims to be.
void check_terms(const ValueExplanation& e, const Layer& l, const Tensor& in) {
    if (const auto* conv = std::get_if<ConvExplanation>(&e.terms)) {
        const Conv2d& op = std::get<Conv2d>(l.op);
        double total = 0;
        for (const ConvChannelTerms& t : conv->channels) {
            QCOMPARE(t.patch.size(), std::size_t(op.weights.kernel_h * op.weights.kernel_w));
            double sum = 0;
            for (std::size_t k = 0; k < t.patch.size(); ++k) {
                const WindowCell& cell = t.patch[k];
                const int sy = source_index(cell.y, in.height(), op.padding_mode);
                const int sx = source_index(cell.x, in.width(), op.padding_mode);
                if (sy < 0 || sx < 0) {
                    QVERIFY(cell.reads_zero_padding());
                    QVERIFY(cell.padded());
                    QCOMPARE(cell.value, 0.0f);
                } else {
                    QCOMPARE(cell.source_y, sy);
                    QCOMPARE(cell.source_x, sx);
                    QCOMPARE(cell.padded(), sy != cell.y || sx != cell.x);
                    QCOMPARE(cell.value, in.at(t.input_channel, sy, sx));
                }
                QCOMPARE(t.products[k], static_cast<double>(t.weights[k]) * cell.value);
                sum += t.products[k];
            }
            QCOMPARE(t.sum, sum);
            total += sum;
        }
        QCOMPARE(conv->sum, total);
        QCOMPARE(conv->value, conv->sum + conv->bias);
    } else if (const auto* pool = std::get_if<PoolExplanation>(&e.terms)) {
        int inside = 0;
        float best = -INFINITY;
        for (const WindowCell& cell : pool->cells) {
            if (cell.padded()) {
                QVERIFY(cell.reads_zero_padding());
                continue;
            }
            ++inside;
            best = std::max(best, cell.value);
        }
        if (pool->kind == PoolKind::Max) {
            QVERIFY(pool->winner >= 0);
            QVERIFY(!pool->cells[static_cast<std::size_t>(pool->winner)].padded());
            QCOMPARE(pool->cells[static_cast<std::size_t>(pool->winner)].value, best);
        } else {
            QCOMPARE(pool->divisor,
                     pool->count_include_pad ? static_cast<int>(pool->cells.size()) : inside);
        }
    } else if (const auto* act = std::get_if<ActivationExplanation>(&e.terms)) {
        QCOMPARE(act->before, in.at(e.channel, e.y, e.x));
        QCOMPARE(act->value, static_cast<double>(std::get<Activation>(l.op).apply(act->before)));
        QVERIFY(!act->formula.empty());
    } else {
        QVERIFY(!l.enabled);
    }
}

} // namespace

class TestValueExplanation : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void termsAddUpToTheMapValue_data();
    void termsAddUpToTheMapValue();
    void rampWithEdgeKernelGivesMinusSix();
    void maxPoolNamesTheWinnerAndAvgPoolItsDivisor();
    void activationsShowBeforeAndAfter();
    void badPositionsAreClearErrors();
};

// GCC 12 warns that the conv alternative of a pooling layer's variant "may be used
// uninitialized" when these temporaries die: a known false positive (GCC bug 105562 and kin).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
void TestValueExplanation::termsAddUpToTheMapValue_data() {
    QTest::addColumn<Pipeline>("pipeline");
    auto stack = [](auto... layers) {
        Pipeline p;
        p.input_mode = InputMode::Rgb;
        (p.layers.push_back(layers), ...);
        return p;
    };
    for (PaddingMode mode : {PaddingMode::Zeros, PaddingMode::Reflect, PaddingMode::Replicate,
                             PaddingMode::Circular}) {
        const std::string m(to_string(mode));
        QTest::newRow(("conv 3x3 padding 1, " + m).c_str())
            << stack(layer_of(with(random_conv(4, 3, 3, 3, 1), {1, 1}, {1, 1}, {1, 1}, mode)));
        QTest::newRow(("conv stride 2 dilation 2 padding 2, " + m).c_str())
            << stack(layer_of(with(random_conv(2, 3, 3, 2, 2), {2, 1}, {2, 1}, {2, 2}, mode)));
        QTest::newRow(("depthwise conv, " + m).c_str())
            << stack(layer_of(with(random_conv(6, 1, 5, 5, 3), {1, 1}, {2, 2}, {1, 1}, mode, 3)));
    }
    Conv2d same = random_conv(2, 3, 4, 4, 4);
    same.padding = ConvPadding::same();
    same.bias.clear();
    QTest::newRow("conv same padding, even kernel, no bias") << stack(layer_of(same));
    const Conv2d first = with(random_conv(4, 3, 3, 3, 5), {1, 1}, {1, 1}, {1, 1}, PaddingMode::Zeros);
    for (bool ceil : {false, true}) {
        const QString c = ceil ? ", ceil_mode" : "";
        QTest::newRow(qPrintable("max pool 3x3 stride 2 padding 1" + c))
            << stack(layer_of(first), layer_of(Pool2d{PoolKind::Max, {3, 3}, {2, 2}, {1, 1}, ceil}));
        for (bool include : {true, false}) {
            const Pool2d avg{PoolKind::Avg, {3, 2}, {2, 2}, {1, 1}, ceil, include};
            QTest::newRow(qPrintable("avg pool 3x2 stride 2 padding 1" + c +
                                     (include ? ", pad counted" : ", pad not counted")))
                << stack(layer_of(first), layer_of(avg));
        }
    }
    const Conv2d next = with(random_conv(4, 4, 3, 3, 6), {1, 1}, {1, 1}, {1, 1}, PaddingMode::Zeros);
    QTest::newRow("activations") << stack(
        layer_of(first), layer_of(Activation{ActivationKind::ReLU, 0.0f}), layer_of(next),
        layer_of(Activation{ActivationKind::LeakyReLU, 0.1f}), layer_of(next),
        layer_of(Activation{ActivationKind::Sigmoid, 0.0f}), layer_of(next),
        layer_of(Activation{ActivationKind::Tanh, 0.0f}));
    QTest::newRow("disabled layers")
        << stack(layer_of(first, false), layer_of(Activation{ActivationKind::Tanh, 0.0f}, false),
                 layer_of(Pool2d{PoolKind::Max, {2, 2}, {2, 2}}, false));
}

#pragma GCC diagnostic pop

void TestValueExplanation::termsAddUpToTheMapValue() {
    QFETCH(Pipeline, pipeline);
    const Tensor input = random_tensor({3, 9, 11}, 7);
    for (BackendKind kind : {BackendKind::Naive, BackendKind::Fast}) {
        const auto backend = make_backend(kind);
        const RunResult result = backend->run(pipeline, input);
        for (int k = 0; k < static_cast<int>(result.layers.size()); ++k) {
            const Tensor& map = *result.layers[static_cast<std::size_t>(k)].output;
            const Tensor& in =
                k == 0 ? input : *result.layers[static_cast<std::size_t>(k) - 1].output;
            for (int c = 0; c < map.channels(); ++c)
                for (int y = 0; y < map.height(); ++y)
                    for (int x = 0; x < map.width(); ++x) {
                        const ValueExplanation e =
                            explain_value(pipeline, input, result, k, c, y, x);
                        QCOMPARE(e.layer, k);
                        const double want = map.at(c, y, x);
                        const double error = std::abs(e.value() - want);
                        if (error > 1e-5 * magnitude(e, kind == BackendKind::Fast))
                            QFAIL(qPrintable(QString("%1 backend, layer %2 (%3, %4, %5): the terms "
                                                     "give %6, the map holds %7")
                                                 .arg(QString::fromStdString(backend->name()))
                                                 .arg(k)
                                                 .arg(c)
                                                 .arg(y)
                                                 .arg(x)
                                                 .arg(e.value(), 0, 'g', 9)
                                                 .arg(want, 0, 'g', 9)));
                        if (kind == BackendKind::Naive) {
                            check_terms(e, pipeline.layers[static_cast<std::size_t>(k)], in);
                            if (QTest::currentTestFailed())
                                return;
                        }
                    }
        }
    }
}

// The design notes' known answer: a 5×5 ramp (value = column) with rows [1, 0, −1].
void TestValueExplanation::rampWithEdgeKernelGivesMinusSix() {
    Tensor ramp(1, 5, 5);
    for (int y = 0; y < 5; ++y)
        for (int x = 0; x < 5; ++x)
            ramp.at(0, y, x) = static_cast<float>(x);
    Conv2d conv;
    conv.weights = {1, 1, 3, 3, {1, 0, -1, 1, 0, -1, 1, 0, -1}};
    const ValueExplanation e = explain_layer_value(layer_of(conv), ramp, 0, 1, 1);
    const auto& terms = std::get<ConvExplanation>(e.terms);
    QCOMPARE(terms.channels.size(), std::size_t(1));
    QCOMPARE(terms.channels[0].products, (std::vector<double>{1, 0, -3, 1, 0, -3, 1, 0, -3}));
    QCOMPARE(terms.sum, -6.0);
    QVERIFY(!terms.has_bias);
    QCOMPARE(e.value(), -6.0);

    // With zero padding 1 the corner reads three padded rows/columns: 5 of 9 cells.
    conv.padding = ConvPadding::explicit_size({1, 1});
    const auto corner =
        std::get<ConvExplanation>(explain_layer_value(layer_of(conv), ramp, 0, 0, 0).terms);
    int padded = 0;
    for (const WindowCell& cell : corner.channels[0].patch)
        padded += cell.reads_zero_padding() ? 1 : 0;
    QCOMPARE(padded, 5);
    QCOMPARE(corner.sum, -2.0); // rows 0 and 1: (0 − 1) each
}

void TestValueExplanation::maxPoolNamesTheWinnerAndAvgPoolItsDivisor() {
    Tensor t(1, 2, 3);
    const float values[] = {1, 7, 3, 7, 2, -4};
    for (int i = 0; i < 6; ++i)
        t.at(0, i / 3, i % 3) = values[i];
    // 2×2 windows, stride 2, padding 1 → output 2×2; (0, 1) covers rows −1..0, columns 1..2.
    Pool2d max{PoolKind::Max, {2, 2}, {2, 2}, {1, 1}, false};
    auto e = std::get<PoolExplanation>(explain_layer_value(layer_of(max), t, 0, 0, 1).terms);
    QCOMPARE(e.cells.size(), std::size_t(4));
    QVERIFY(e.cells[0].padded() && e.cells[1].padded());
    QCOMPARE(e.winner, 2); // row 0, column 1: the 7 (the first of the two largest in its window)
    QCOMPARE(e.value, 7.0);

    // (1, 1) covers rows 1..2 (2 is padding), columns 1..2: cells 2, −4 and two padded.
    Pool2d avg{PoolKind::Avg, {2, 2}, {2, 2}, {1, 1}, false, true};
    e = std::get<PoolExplanation>(explain_layer_value(layer_of(avg), t, 0, 1, 1).terms);
    QCOMPARE(e.sum, -2.0);
    QCOMPARE(e.divisor, 4);
    QCOMPARE(e.value, -0.5);
    avg.count_include_pad = false;
    e = std::get<PoolExplanation>(explain_layer_value(layer_of(avg), t, 0, 1, 1).terms);
    QCOMPARE(e.divisor, 2);
    QCOMPARE(e.value, -1.0);
}

void TestValueExplanation::activationsShowBeforeAndAfter() {
    Tensor t(1, 1, 1);
    t.at(0, 0, 0) = -2.0f;
    auto e = std::get<ActivationExplanation>(
        explain_layer_value(layer_of(Activation{ActivationKind::LeakyReLU, 0.25f}), t, 0, 0, 0).terms);
    QCOMPARE(e.before, -2.0f);
    QCOMPARE(e.value, -0.5);
    QCOMPARE(QString::fromStdString(e.formula), QString("x if x >= 0, else 0.25 * x"));
    e = std::get<ActivationExplanation>(
        explain_layer_value(layer_of(Activation{ActivationKind::ReLU, 0.0f}), t, 0, 0, 0).terms);
    QCOMPARE(e.value, 0.0);
    QCOMPARE(QString::fromStdString(e.formula), QString("max(0, x)"));
    const auto pass = std::get<PassThroughExplanation>(
        explain_layer_value(layer_of(Activation{}, false), t, 0, 0, 0).terms);
    QCOMPARE(pass.value, -2.0);
}

void TestValueExplanation::badPositionsAreClearErrors() {
    Pipeline p;
    p.layers = {layer_of(Pool2d{PoolKind::Max, {2, 2}, {2, 2}})};
    const Tensor input = random_tensor({1, 4, 4}, 1);
    const auto backend = make_backend(BackendKind::Naive);
    const RunResult result = backend->run(p, input);
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, explain_value(p, input, result, 1, 0, 0, 0));
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, explain_value(p, input, result, 0, 0, 2, 0));
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, explain_value(p, input, result, 0, -1, 0, 0));
    try {
        explain_value(p, input, result, 0, 0, 2, 0);
    } catch (const std::out_of_range& e) {
        QVERIFY2(QString(e.what()).contains("layer 0") && QString(e.what()).contains("[1, 2, 2]"),
                 e.what());
    }
}

QTEST_GUILESS_MAIN(TestValueExplanation)
#include "test_value_explanation.moc"
