// The arithmetic panel's numbers: for every layer kind and padding mode, the explanation's terms
// add up to the value in the map (from the reference and the fast backend), and each term is
// what it says it is (products are weight × input, padded cells read what padding reads, the
// max wins, the divisor is PyTorch's; an add reads each of its inputs, a concat the right
// input's channel); and the generic table names, for every number read from a map, the very
// cell of the very layer it came from.

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

Layer reading(std::vector<int> inputs, LayerOp op) {
    return layer_of(std::move(op), true, std::move(inputs));
}

Activation activation(ActivationKind kind, float negative_slope = 0.01f) {
    Activation a;
    a.kind = kind;
    a.negative_slope = negative_slope;
    return a;
}

std::vector<float> random_values(int n, float low, float high, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> value(low, high);
    std::vector<float> v;
    for (int i = 0; i < n; ++i)
        v.push_back(value(rng));
    return v;
}

BatchNorm2d make_batch_norm(int channels, unsigned seed) {
    BatchNorm2d bn;
    bn.weight = random_values(channels, -2.0f, 2.0f, seed);
    bn.bias = random_values(channels, -1.0f, 1.0f, seed + 1);
    bn.running_mean = random_values(channels, -0.5f, 0.5f, seed + 2);
    bn.running_var = random_values(channels, 0.1f, 3.0f, seed + 3);
    bn.eps = 1e-3f;
    return bn;
}

Linear make_linear(int in, int out, unsigned seed) {
    Linear fc;
    fc.in_features = in;
    fc.out_features = out;
    fc.weight = random_values(in * out, -1.0f, 1.0f, seed);
    fc.bias = random_values(out, -1.0f, 1.0f, seed + 1);
    return fc;
}

Pad2d make_pad(PadSides sides, PaddingMode mode, float value = 0.0f) {
    Pad2d pad;
    pad.sides = sides;
    pad.mode = mode;
    pad.value = value;
    return pad;
}

// The map at `level` of a run (0: what the first layer read, k: layer k's output).
const Tensor& map_at_level(const Tensor& input, const RunResult& result, int level) {
    if (level == 0)
        return result.input ? *result.input : input;
    return *result.layers[static_cast<std::size_t>(level - 1)].output;
}

// The maps layer k of `pipeline` reads in `result`.
std::vector<const Tensor*> inputs_of(const Pipeline& pipeline, const Tensor& input,
                                     const RunResult& result, int k) {
    const Layer& l = pipeline.layers[static_cast<std::size_t>(k)];
    std::vector<const Tensor*> maps;
    for (int i = 0; i < input_count(l); ++i)
        maps.push_back(&map_at_level(input, result, input_index(l, k, i) + 1));
    return maps;
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
    if (const auto* fc = std::get_if<LinearExplanation>(&e.terms)) {
        // The shown products are the largest: the others are each at most the smallest shown.
        scale = std::abs(fc->bias);
        for (const LinearExplanation::Contribution& t : fc->largest)
            scale += std::abs(t.product);
        if (!fc->largest.empty())
            scale += std::abs(fc->largest.back().product) *
                     double(fc->features - static_cast<int>(fc->largest.size()));
    }
    if (const auto* add = std::get_if<AddExplanation>(&e.terms)) {
        scale = std::abs(add->constant);
        for (const AddExplanation::Operand& op : add->operands)
            scale += std::abs(op.value);
    }
    if (const auto* bn = std::get_if<BatchNormExplanation>(&e.terms)) {
        // x·γ/σ − mean·γ/σ + β: the fast backend adds those in float, and they may cancel.
        const double gain = std::abs(bn->weight) / bn->std_dev;
        scale = std::abs(bn->x) * gain + std::abs(bn->running_mean) * gain + std::abs(bn->bias);
    }
    if (const auto* pool = std::get_if<GlobalPoolExplanation>(&e.terms);
        pool && pool->kind == PoolKind::Avg)
        scale = std::max(scale, 1.0); // a mean of values in [-1, 1] that may cancel
    return std::max(scale, 1e-6);
}

// Each term is what it claims to be.
void check_terms(const ValueExplanation& e, const Layer& l,
                 const std::vector<const Tensor*>& inputs) {
    const Tensor& in = *inputs[0];
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
        QCOMPARE(act->value,
                 static_cast<double>(std::get<Activation>(l.op).apply(act->before, e.channel)));
        QVERIFY(!act->formula.empty());
    } else if (const auto* bn = std::get_if<BatchNormExplanation>(&e.terms)) {
        const auto& op = std::get<BatchNorm2d>(l.op);
        const auto c = static_cast<std::size_t>(e.channel);
        QCOMPARE(bn->x, in.at(e.channel, e.y, e.x));
        QCOMPARE(bn->running_mean, op.running_mean[c]);
        QCOMPARE(bn->running_var, op.running_var[c]);
        QCOMPARE(bn->weight, op.weight[c]);
        QCOMPARE(bn->bias, op.bias[c]);
        QCOMPARE(bn->std_dev * bn->std_dev, double(op.running_var[c]) + double(op.eps));
    } else if (const auto* add = std::get_if<AddExplanation>(&e.terms)) {
        QCOMPARE(add->operands.size(), inputs.size());
        double sum = add->constant;
        for (std::size_t k = 0; k < inputs.size(); ++k) {
            QCOMPARE(add->operands[k].source.input, static_cast<int>(k));
            QCOMPARE(add->operands[k].value, inputs[k]->at(e.channel, e.y, e.x));
            sum += add->operands[k].value;
        }
        QCOMPARE(add->constant, std::get<Add>(l.op).constant_for(e.channel));
        QCOMPARE(add->value, sum);
    } else if (const auto* copy = std::get_if<CopyExplanation>(&e.terms)) {
        if (std::holds_alternative<Concat>(l.op)) {
            // Channel c of a concat is channel c − (the channels of the inputs before) of its
            // input.
            int before = 0;
            for (int k = 0; k < copy->source.input; ++k)
                before += inputs[static_cast<std::size_t>(k)]->channels();
            QCOMPARE(before + copy->source.channel, e.channel);
            QCOMPARE(copy->source.y, e.y);
            QCOMPARE(copy->source.x, e.x);
        } else {
            QVERIFY(std::holds_alternative<Flatten>(l.op));
            QCOMPARE((copy->source.channel * in.height() + copy->source.y) * in.width() +
                         copy->source.x,
                     e.channel);
        }
        if (std::holds_alternative<Concat>(l.op)) {
            QCOMPARE(copy->input_channels.size(), inputs.size());
            for (std::size_t k = 0; k < inputs.size(); ++k)
                QCOMPARE(copy->input_channels[k], inputs[k]->channels());
        }
        QCOMPARE(copy->before, inputs[static_cast<std::size_t>(copy->source.input)]->at(
                                   copy->source.channel, copy->source.y, copy->source.x));
    } else if (const auto* pad = std::get_if<PadExplanation>(&e.terms)) {
        const auto& op = std::get<Pad2d>(l.op);
        QCOMPARE(pad->padded_y, e.y - op.sides.top);
        QCOMPARE(pad->padded_x, e.x - op.sides.left);
        const bool inside = pad->padded_y >= 0 && pad->padded_y < in.height() &&
                            pad->padded_x >= 0 && pad->padded_x < in.width();
        if (inside && op.mode != PaddingMode::Circular) {
            // Inside the map every mode copies the cell itself.
            QVERIFY(!pad->reads_constant);
            QCOMPARE(pad->source.y, pad->padded_y);
            QCOMPARE(pad->source.x, pad->padded_x);
        }
        if (pad->reads_constant) {
            QVERIFY(op.mode == PaddingMode::Zeros && !inside);
            QCOMPARE(pad->value, double(op.value));
        } else {
            QCOMPARE(pad->source.channel, e.channel);
            QCOMPARE(pad->before, in.at(e.channel, pad->source.y, pad->source.x));
        }
    } else if (const auto* pool = std::get_if<GlobalPoolExplanation>(&e.terms)) {
        QCOMPARE(pool->count, static_cast<long long>(in.height()) * in.width());
        float best = -INFINITY;
        double sum = 0;
        for (int y = 0; y < in.height(); ++y)
            for (int x = 0; x < in.width(); ++x) {
                best = std::max(best, in.at(e.channel, y, x));
                sum += in.at(e.channel, y, x);
            }
        if (pool->kind == PoolKind::Max) {
            QCOMPARE(in.at(e.channel, pool->winner.y, pool->winner.x), best);
            QCOMPARE(pool->value, double(best));
        } else {
            QCOMPARE(pool->sum, sum);
        }
    } else if (const auto* fc = std::get_if<LinearExplanation>(&e.terms)) {
        const auto& op = std::get<Linear>(l.op);
        QCOMPARE(fc->features, op.in_features);
        QCOMPARE(fc->largest.size(),
                 std::size_t(std::min(op.in_features, LinearExplanation::kShown)));
        double shown = 0;
        for (std::size_t k = 0; k < fc->largest.size(); ++k) {
            const LinearExplanation::Contribution& t = fc->largest[k];
            QCOMPARE(t.input, in.at(t.feature, 0, 0));
            QCOMPARE(t.weight, op.at(e.channel, t.feature));
            QCOMPARE(t.product, double(t.weight) * t.input);
            if (k > 0)
                QVERIFY(std::abs(fc->largest[k - 1].product) >= std::abs(t.product));
            shown += t.product;
        }
        // No product left out is larger than the smallest shown.
        for (int i = 0; i < op.in_features; ++i) {
            const double p = double(op.at(e.channel, i)) * in.at(i, 0, 0);
            const bool listed = std::any_of(
                fc->largest.begin(), fc->largest.end(),
                [&](const LinearExplanation::Contribution& t) { return t.feature == i; });
            if (!listed)
                QVERIFY(std::abs(p) <= std::abs(fc->largest.back().product));
        }
        QVERIFY(std::abs(shown + fc->rest - fc->sum) <= 1e-9 * std::max(1.0, std::abs(fc->sum)));
        QCOMPARE(fc->bias, double(op.bias[static_cast<std::size_t>(e.channel)]));
    } else if (const auto* sm = std::get_if<SoftmaxExplanation>(&e.terms)) {
        QCOMPARE(sm->channels, in.channels());
        QCOMPARE(sm->x, in.at(e.channel, e.y, e.x));
        for (int c = 0; c < in.channels(); ++c)
            QVERIFY(in.at(c, e.y, e.x) <= sm->largest);
        QCOMPARE(in.at(sm->largest_channel, e.y, e.x), sm->largest);
        QCOMPARE(sm->value, sm->exp / sm->sum);
        // The listed terms: the channels of largest input, largest first; with the rest they
        // make up the denominator.
        QCOMPARE(sm->terms.size(),
                 std::size_t(std::min(in.channels(), SoftmaxExplanation::kShown)));
        double listed = 0;
        for (std::size_t k = 0; k < sm->terms.size(); ++k) {
            const SoftmaxExplanation::Term& t = sm->terms[k];
            QCOMPARE(t.z, in.at(t.channel, e.y, e.x));
            QCOMPARE(t.source.channel, t.channel);
            QCOMPARE(t.exp, std::exp(double(t.z) - sm->largest));
            if (k > 0)
                QVERIFY(sm->terms[k - 1].z >= t.z);
            listed += t.exp;
        }
        for (int c = 0; c < in.channels(); ++c)
            if (std::none_of(sm->terms.begin(), sm->terms.end(),
                             [c](const SoftmaxExplanation::Term& t) { return t.channel == c; }))
                QVERIFY(in.at(c, e.y, e.x) <= sm->terms.back().z);
        QVERIFY(std::abs(listed + sm->rest - sm->sum) <= 1e-12 * sm->sum);
    } else {
        QVERIFY(!l.enabled);
    }
}

// The generic table: the value is the last row; every number read from a map names the cell it
// was read from, at the level of the run that holds it.
void check_table(const ValueExplanation& e, const Tensor& input, const RunResult& result) {
    const ExplanationTable t = explanation_table(e);
    QVERIFY(!t.title.empty());
    QVERIFY(!t.formula.empty());
    QVERIFY(!t.columns.empty());
    QVERIFY(!t.rows.empty());
    const ExplanationRow& last = t.rows.back();
    QCOMPARE(last.kind, ExplanationRow::Kind::Result);
    QCOMPARE(last.numbers.size(), t.columns.size());
    QCOMPARE(last.numbers.back(), e.value());
    int read = 0;
    for (const ExplanationRow& row : t.rows) {
        QCOMPARE(row.numbers.size(), t.columns.size());
        if (!row.source.is_map())
            continue;
        ++read;
        QVERIFY(row.source.level >= 0 && row.source.level <= e.layer);
        QCOMPARE(row.source.level, e.input_levels[static_cast<std::size_t>(row.source.input)]);
        const Tensor& map = map_at_level(input, result, row.source.level);
        // The first column holds the number read (the input of a product, or the value).
        QCOMPARE(row.numbers.front(),
                 double(map.at(row.source.channel, row.source.y, row.source.x)));
    }
    // A linear layer's features named by the flattened cell they are hold that cell's value.
    if (const auto* fc = std::get_if<LinearExplanation>(&e.terms))
        for (const LinearExplanation::Contribution& c : fc->largest)
            if (c.origin.is_map()) {
                QVERIFY(c.origin.level >= 0 && c.origin.level < e.layer);
                QCOMPARE(map_at_level(input, result, c.origin.level)
                             .at(c.origin.channel, c.origin.y, c.origin.x),
                         c.input);
            }
    // Every layer but a global average, a pad into its constant and a conv or pool window wholly
    // in zero padding reads at least one cell.
    const bool may_read_nothing = std::holds_alternative<GlobalPoolExplanation>(e.terms) ||
                                  std::holds_alternative<PadExplanation>(e.terms) ||
                                  std::holds_alternative<ConvExplanation>(e.terms) ||
                                  std::holds_alternative<PoolExplanation>(e.terms);
    if (!may_read_nothing)
        QVERIFY2(read > 0, t.title.c_str());
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
    void modernLayersGiveKnownAnswers();
    void skipConnectionsNameTheLayersTheyRead();
    void linearAfterFlattenNamesTheFlattenedCells();
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
    const Conv2d first =
        with(random_conv(4, 3, 3, 3, 5), {1, 1}, {1, 1}, {1, 1}, PaddingMode::Zeros);
    for (bool ceil : {false, true}) {
        const QString c = ceil ? ", ceil_mode" : "";
        QTest::newRow(qPrintable("max pool 3x3 stride 2 padding 1" + c)) << stack(
            layer_of(first), layer_of(Pool2d{PoolKind::Max, {3, 3}, {2, 2}, {1, 1}, ceil}));
        for (bool include : {true, false}) {
            const Pool2d avg{PoolKind::Avg, {3, 2}, {2, 2}, {1, 1}, ceil, include};
            QTest::newRow(qPrintable("avg pool 3x2 stride 2 padding 1" + c +
                                     (include ? ", pad counted" : ", pad not counted")))
                << stack(layer_of(first), layer_of(avg));
        }
    }
    const Conv2d next =
        with(random_conv(4, 4, 3, 3, 6), {1, 1}, {1, 1}, {1, 1}, PaddingMode::Zeros);
    QTest::newRow("activations") << stack(
        layer_of(first), layer_of(activation(ActivationKind::ReLU)), layer_of(next),
        layer_of(activation(ActivationKind::LeakyReLU, 0.1f)), layer_of(next),
        layer_of(activation(ActivationKind::Sigmoid)), layer_of(next),
        layer_of(activation(ActivationKind::Tanh)));
    QTest::newRow("disabled layers")
        << stack(layer_of(first, false), layer_of(activation(ActivationKind::Tanh), false),
                 layer_of(Pool2d{PoolKind::Max, {2, 2}, {2, 2}}, false));

    // The layers of modern CNNs, reading earlier layers (indices; kPipelineInput the input).
    Activation prelu = activation(ActivationKind::PReLU);
    prelu.slopes = random_values(4, -0.5f, 0.5f, 20);
    Activation elu = activation(ActivationKind::ELU);
    elu.alpha = 0.7f;
    Activation hardsigmoid = activation(ActivationKind::HardSigmoid);
    hardsigmoid.hard_alpha = 0.2f;
    Activation clip = activation(ActivationKind::Clip);
    clip.clip_min = -0.2f;
    clip.clip_max = 0.5f;
    Add add;
    add.constant = random_values(4, -1.0f, 1.0f, 21);
    Add add_one;
    add_one.constant = {0.25f};
    QTest::newRow("residual block, concat and the classifier head")
        << stack(layer_of(first),                                 // 0: 4 × 9 × 11
                 layer_of(make_batch_norm(4, 22)),                // 1
                 layer_of(prelu),                                 // 2
                 layer_of(next),                                  // 3
                 reading({0, 3}, add),                            // 4: skip connection
                 layer_of(elu),                                   // 5
                 reading({5, kPipelineInput, 1}, Concat{}),       // 6: 4 + 3 + 4 channels
                 layer_of(activation(ActivationKind::HardSwish)), // 7
                 layer_of(hardsigmoid),                           // 8
                 reading({6}, clip),                              // 9
                 reading({9}, make_pad({1, 2, 2, 1}, PaddingMode::Reflect)),       // 10
                 reading({9}, make_pad({2, 0, 0, 3}, PaddingMode::Replicate)),     // 11
                 reading({9}, make_pad({1, -1, 3, 2}, PaddingMode::Circular)),     // 12
                 reading({9}, make_pad({-1, 2, 1, -2}, PaddingMode::Zeros, 0.5f)), // 13
                 reading({9}, GlobalPool2d{PoolKind::Max}),                        // 14
                 reading({9}, GlobalPool2d{PoolKind::Avg}),                        // 15
                 layer_of(Flatten{}),                        // 16: 11 features
                 layer_of(make_linear(11, 5, 23)),           // 17
                 layer_of(Softmax{}),                        // 18
                 reading({10}, Flatten{}),                   // 19: 11 × 12 × 14 features
                 layer_of(make_linear(11 * 12 * 14, 3, 24)), // 20
                 reading({7}, Softmax{}),                    // 21: over channels, per cell
                 reading({14, 15}, add_one),                 // 22: two 11 × 1 × 1, + 0.25
                 reading({4, 1, 3}, Add{}));                 // 23: three inputs
}

#pragma GCC diagnostic pop

void TestValueExplanation::termsAddUpToTheMapValue() {
    QFETCH(Pipeline, pipeline);
    const Tensor input = random_tensor({3, 9, 11}, 7);
    for (BackendKind kind : {BackendKind::Naive, BackendKind::Fast}) {
        const auto backend = make_backend(kind);
        const RunResult result = backend->run(pipeline, input);
        QCOMPARE(result.layers.size(), pipeline.layers.size());
        for (int k = 0; k < static_cast<int>(result.layers.size()); ++k) {
            const Tensor& map = *result.layers[static_cast<std::size_t>(k)].output;
            const std::vector<const Tensor*> in = inputs_of(pipeline, input, result, k);
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
                            check_table(e, input, result);
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
        explain_layer_value(layer_of(activation(ActivationKind::LeakyReLU, 0.25f)), t, 0, 0, 0)
            .terms);
    QCOMPARE(e.before, -2.0f);
    QCOMPARE(e.value, -0.5);
    QCOMPARE(QString::fromStdString(e.formula), QString("x if x >= 0, else 0.25 * x"));
    e = std::get<ActivationExplanation>(
        explain_layer_value(layer_of(activation(ActivationKind::ReLU)), t, 0, 0, 0).terms);
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
        QVERIFY2(QString(e.what()).contains("layer 1") && QString(e.what()).contains("[1, 2, 2]"),
                 e.what());
    }
}

void TestValueExplanation::modernLayersGiveKnownAnswers() {
    // Batch norm: (3 − 1) / √(3 + 1) · 0.5 + 0.25 = 0.75.
    Tensor t(1, 1, 3);
    t.at(0, 0, 0) = 3.0f;
    t.at(0, 0, 1) = -1.0f;
    t.at(0, 0, 2) = 1.0f;
    BatchNorm2d bn;
    bn.weight = {0.5f};
    bn.bias = {0.25f};
    bn.running_mean = {1.0f};
    bn.running_var = {3.0f};
    bn.eps = 1.0f;
    const auto b =
        std::get<BatchNormExplanation>(explain_layer_value(layer_of(bn), t, 0, 0, 0).terms);
    QCOMPARE(b.std_dev, 2.0);
    QCOMPARE(b.normalized, 1.0);
    QCOMPARE(b.value, 0.75);
    QCOMPARE(QString::fromStdString(
                 explanation_table(explain_layer_value(layer_of(bn), t, 0, 0, 0)).formula),
             QString("(3 − 1) / √(3 + 1) · 0.5 + 0.25 = 0.75"));
    bn.running_mean = {-1.0f};
    bn.bias = {-0.25f};
    QCOMPARE(QString::fromStdString(
                 explanation_table(explain_layer_value(layer_of(bn), t, 0, 0, 1)).formula),
             QString("(-1 + 1) / √(3 + 1) · 0.5 − 0.25 = -0.25"));

    // Reflect padding by 2 on the left: column 0 of the output mirrors column 2 of the input
    // (PyTorch's reflect leaves the edge out), column 1 mirrors column 1, column 2 is column 0.
    const Layer reflect = layer_of(make_pad({0, 0, 2, 0}, PaddingMode::Reflect));
    const int mirrored[] = {2, 1, 0, 1, 2};
    for (int x = 0; x < 5; ++x) {
        const auto p = std::get<PadExplanation>(explain_layer_value(reflect, t, 0, 0, x).terms);
        QCOMPARE(p.padded_x, x - 2);
        QCOMPARE(p.source.x, mirrored[x]);
        QCOMPARE(p.value, double(t.at(0, 0, mirrored[x])));
    }
    const auto table = explanation_table(explain_layer_value(reflect, t, 0, 0, 0));
    QCOMPARE(QString::fromStdString(table.formula),
             QString("(y 0, x -2) lies in the reflect padding and reads (y 0, x 2) (mirrored): 1"));
    const auto inside = explanation_table(explain_layer_value(reflect, t, 0, 0, 3));
    QCOMPARE(QString::fromStdString(inside.formula),
             QString("(y 0, x 1) lies inside the map: copied from (y 0, x 1): -1"));
    QCOMPARE(QString::fromStdString(inside.rows.front().note), QString("inside the map"));
    // Constant padding outside the map reads the constant, never a cell.
    const auto c = std::get<PadExplanation>(
        explain_layer_value(layer_of(make_pad({1, 0, 0, 0}, PaddingMode::Zeros, 9.0f)), t, 0, 0, 1)
            .terms);
    QVERIFY(c.reads_constant);
    QVERIFY(!c.source.is_map());
    QCOMPARE(c.value, 9.0);
    const auto constant = explanation_table(explain_layer_value(
        layer_of(make_pad({1, 0, 0, 0}, PaddingMode::Zeros, 9.0f)), t, 0, 0, 1));
    QCOMPARE(QString::fromStdString(constant.formula),
             QString("(y -1, x 1) lies in the padding: the constant 9"));

    // Softmax over 3 channels of 0, ln 2, ln 3 at a cell: 1/6, 2/6, 3/6.
    Tensor logits(3, 1, 1);
    logits.at(0, 0, 0) = 0.0f;
    logits.at(1, 0, 0) = std::log(2.0f);
    logits.at(2, 0, 0) = std::log(3.0f);
    const auto s = std::get<SoftmaxExplanation>(
        explain_layer_value(layer_of(Softmax{}), logits, 1, 0, 0).terms);
    QCOMPARE(s.largest_channel, 2);
    QVERIFY(std::abs(s.value - 2.0 / 6.0) < 1e-7);
    QCOMPARE(s.terms.size(), std::size_t(3));
    QCOMPARE(s.terms[0].channel, 2); // ln 3, then ln 2, then 0
    QCOMPARE(s.terms[2].channel, 0);
    QVERIFY(std::abs(s.terms[1].exp - 2.0 / 3.0) < 1e-7);
    QVERIFY(std::abs(s.sum - 2.0) < 1e-7);
    QCOMPARE(s.rest, 0.0);
    const ExplanationTable st =
        explanation_table(explain_layer_value(layer_of(Softmax{}), logits, 1, 0, 0));
    QVERIFY2(QString::fromStdString(st.formula).startsWith("exp(0.693147) / Σ exp(z_k)"),
             st.formula.c_str());
    QVERIFY2(QString::fromStdString(st.formula).endsWith("= 0.333333"), st.formula.c_str());

    // Global max: the first largest cell wins, and a global average divides by every cell.
    Tensor ties(1, 2, 2);
    ties.at(0, 0, 0) = 1.0f;
    ties.at(0, 0, 1) = 5.0f;
    ties.at(0, 1, 0) = 5.0f;
    ties.at(0, 1, 1) = -3.0f;
    const auto gmax = std::get<GlobalPoolExplanation>(
        explain_layer_value(layer_of(GlobalPool2d{PoolKind::Max}), ties, 0, 0, 0).terms);
    QCOMPARE(gmax.winner.y, 0);
    QCOMPARE(gmax.winner.x, 1);
    QCOMPARE(gmax.value, 5.0);
    const auto gavg = std::get<GlobalPoolExplanation>(
        explain_layer_value(layer_of(GlobalPool2d{PoolKind::Avg}), ties, 0, 0, 0).terms);
    QCOMPARE(gavg.count, 4LL);
    QCOMPARE(gavg.value, 2.0);
    const std::string gmax_formula =
        explanation_table(explain_layer_value(layer_of(GlobalPool2d{PoolKind::Max}), ties, 0, 0, 0))
            .formula;
    QCOMPARE(QString::fromStdString(gmax_formula),
             QString("max of the whole 2×2 map (4 cells) = 5 at (y 0, x 1)"));
    const std::string gavg_formula =
        explanation_table(explain_layer_value(layer_of(GlobalPool2d{PoolKind::Avg}), ties, 0, 0, 0))
            .formula;
    QCOMPARE(QString::fromStdString(gavg_formula),
             QString("Σ of the whole 2×2 map ÷ 4 cells = 8 ÷ 4 = 2"));

    // Linear: the largest products first, the rest summed; the table says how many are hidden.
    Linear fc;
    fc.in_features = 10;
    fc.out_features = 1;
    fc.weight = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    fc.bias = {0.5f};
    Tensor features(10, 1, 1);
    for (int i = 0; i < 10; ++i)
        features.at(i, 0, 0) = float(i % 2 ? -i : i); // 0, −1, 2, −3, ..., −9
    const ValueExplanation lv = explain_layer_value(layer_of(fc), features, 0, 0, 0);
    const auto& l = std::get<LinearExplanation>(lv.terms);
    QCOMPARE(l.largest.size(), std::size_t(8));
    QCOMPARE(l.largest[0].feature, 9);
    QCOMPARE(l.largest[7].feature, 2);
    QCOMPARE(l.rest, -1.0); // features 0 and 1
    QCOMPARE(l.sum, -5.0);
    QCOMPARE(l.value, -4.5);
    const ExplanationTable lt = explanation_table(lv);
    QVERIFY(std::any_of(lt.rows.begin(), lt.rows.end(), [](const ExplanationRow& r) {
        return r.label == "the 2 other products" && r.numbers.back() == -1.0;
    }));

    // New activations: f(x) as PyTorch computes it, and a formula with this channel's slope.
    Tensor two(2, 1, 1);
    two.at(0, 0, 0) = -2.0f;
    two.at(1, 0, 0) = -2.0f;
    Activation prelu = activation(ActivationKind::PReLU);
    prelu.slopes = {0.5f, 0.125f};
    const auto pr =
        std::get<ActivationExplanation>(explain_layer_value(layer_of(prelu), two, 1, 0, 0).terms);
    QCOMPARE(pr.value, -0.25);
    QCOMPARE(QString::fromStdString(pr.formula), QString("x if x >= 0, else 0.125 * x"));
    const auto hs = std::get<ActivationExplanation>(
        explain_layer_value(layer_of(activation(ActivationKind::HardSwish)), two, 0, 0, 0).terms);
    QCOMPARE(hs.value, double(-2.0f / 6.0f)); // −2 · relu6(1) / 6, in float as PyTorch
    Activation relu6 = activation(ActivationKind::Clip);
    QCOMPARE(QString::fromStdString(activation_formula(relu6)), QString("min(max(x, 0), 6)"));
}

void TestValueExplanation::skipConnectionsNameTheLayersTheyRead() {
    // Layer 1 a conv, layer 2 a ReLU, layer 3 adds layer 1 to layer 2; layer 4 concatenates the
    // image with layer 3. The tables name "layer 1", "layer 2" and "the input".
    Pipeline p;
    p.input_mode = InputMode::Rgb;
    p.layers = {
        layer_of(with(random_conv(3, 3, 3, 3, 9), {1, 1}, {1, 1}, {1, 1}, PaddingMode::Zeros)),
        layer_of(activation(ActivationKind::ReLU)), reading({0, 1}, Add{}),
        reading({kPipelineInput, 2}, Concat{})};
    const Tensor input = random_tensor({3, 5, 6}, 3);
    const RunResult result = make_backend(BackendKind::Naive)->run(p, input);
    const ValueExplanation sum = explain_value(p, input, result, 2, 1, 2, 3);
    QCOMPARE(sum.input_levels, (std::vector<int>{1, 2}));
    const auto& add = std::get<AddExplanation>(sum.terms);
    QCOMPARE(add.operands.size(), std::size_t(2));
    QCOMPARE(add.operands[0].source, (MapCell{0, 1, 1, 2, 3}));
    QCOMPARE(add.operands[1].source, (MapCell{1, 2, 1, 2, 3}));
    QCOMPARE(add.value, double(result.layers[0].output->at(1, 2, 3)) +
                            double(result.layers[1].output->at(1, 2, 3)));
    const ExplanationTable t = explanation_table(sum);
    QCOMPARE(QString::fromStdString(t.rows[0].label), QString("layer 1, ch 2 (y 2, x 3)"));
    QCOMPARE(QString::fromStdString(t.rows[1].label), QString("layer 2, ch 2 (y 2, x 3)"));

    // Channel 5 of the concat is channel 2 of its second input, layer 3; channel 1 the image's.
    const auto late = std::get<CopyExplanation>(explain_value(p, input, result, 3, 4, 0, 0).terms);
    QCOMPARE(late.source, (MapCell{1, 3, 1, 0, 0}));
    const ValueExplanation early = explain_value(p, input, result, 3, 0, 4, 5);
    QCOMPARE(std::get<CopyExplanation>(early.terms).source, (MapCell{0, 0, 0, 4, 5}));
    QCOMPARE(early.value(), double(input.at(0, 4, 5)));
    const ExplanationTable et = explanation_table(early);
    QCOMPARE(QString::fromStdString(et.title),
             QString("Concat: channel 1 is channel 1 of input 1 (the input)"));
    // One row per input: the channels it brings and where they land; then the cell copied.
    QCOMPARE(et.rows.size(), std::size_t(4));
    QCOMPARE(QString::fromStdString(et.rows[0].label), QString("input 1 (the input)"));
    QCOMPARE(et.rows[0].numbers, std::vector<double>{3});
    QVERIFY(et.rows[0].highlighted && !et.rows[1].highlighted);
    QCOMPARE(QString::fromStdString(et.rows[1].label), QString("input 2 (layer 3)"));
    QCOMPARE(QString::fromStdString(et.rows[1].note), QString("channels 4–6 of the output"));
    QCOMPARE(QString::fromStdString(et.rows[2].label), QString("the input, ch 1 (y 4, x 5)"));
    const ExplanationTable lt = explanation_table(explain_value(p, input, result, 3, 4, 0, 0));
    QCOMPARE(QString::fromStdString(lt.title),
             QString("Concat: channel 5 is channel 2 of input 2 (layer 3)"));
    QCOMPARE(QString::fromStdString(lt.rows[1].note),
             QString("channels 4–6 of the output; channel 5 is its 2"));
    QVERIFY(lt.rows[1].highlighted);
}

// Conv (2 × 3 × 4) → flatten (24 features) → linear: each listed feature names its conv cell.
void TestValueExplanation::linearAfterFlattenNamesTheFlattenedCells() {
    Pipeline p;
    p.input_mode = InputMode::Rgb;
    p.layers = {
        layer_of(with(random_conv(2, 3, 3, 3, 31), {1, 1}, {0, 0}, {1, 1}, PaddingMode::Zeros)),
        layer_of(Flatten{}), layer_of(make_linear(24, 2, 32))};
    const Tensor input = random_tensor({3, 5, 6}, 33);
    const RunResult result = make_backend(BackendKind::Naive)->run(p, input);
    const ValueExplanation e = explain_value(p, input, result, 2, 1, 0, 0);
    const auto& fc = std::get<LinearExplanation>(e.terms);
    QCOMPARE(fc.largest.size(), std::size_t(LinearExplanation::kShown));
    const Tensor& conv = *result.layers[0].output;
    for (const LinearExplanation::Contribution& t : fc.largest) {
        QCOMPARE(t.origin.level, 1); // layer 1's map
        QCOMPARE(t.origin.channel, t.feature / 12);
        QCOMPARE(t.origin.y, t.feature % 12 / 4);
        QCOMPARE(t.origin.x, t.feature % 4);
        QCOMPARE(conv.at(t.origin.channel, t.origin.y, t.origin.x), t.input);
    }
    const ExplanationTable table = explanation_table(e);
    const LinearExplanation::Contribution& top = fc.largest.front();
    QCOMPARE(QString::fromStdString(table.rows.front().note),
             QString("flattened from layer 1, ch %1 (y %2, x %3)")
                 .arg(top.origin.channel + 1)
                 .arg(top.origin.y)
                 .arg(top.origin.x));
    // Explained on its own, without the run, a linear layer names no flattened cell.
    const Tensor* features[] = {result.layers[1].output.get()};
    const auto alone =
        std::get<LinearExplanation>(explain_layer_value(p.layers[2], features, 1, 0, 0).terms);
    QVERIFY(!alone.largest.front().origin.is_map());
}

QTEST_GUILESS_MAIN(TestValueExplanation)
#include "test_value_explanation.moc"
