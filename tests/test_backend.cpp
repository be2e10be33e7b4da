// Backend::run through the naive backend: one result per layer, disabled layers, incremental
// runs that the engine finds itself, outputs shared with the caller, layers that read earlier
// layers, cancellation, validation before any work, and make_backend.

#include "support/tensors.hpp"

#include "convscope/backend.hpp"
#include "convscope/naive_backend.hpp"

#include <QtTest/QtTest>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace convscope;

namespace {

// A backend that computes like the naive one and records which layers it was asked to compute;
// it can also raise a cancel token once a given number of layers has run.
class RecordingBackend final : public Backend {
public:
    std::string name() const override { return "recording"; }

    std::vector<std::string> computed; // display names, in call order
    CancelToken* cancel_after_token = nullptr;
    int cancel_after = -1;

protected:
    void run_layer(const Layer& layer, LayerInputs inputs, Tensor& output, std::string& kernel,
                   const CancelToken* cancel) override {
        computed.push_back(display_name(layer));
        naive_run_layer(layer, inputs, output, cancel);
        if (cancel_after_token && static_cast<int>(computed.size()) == cancel_after)
            cancel_after_token->cancel();
        kernel.assign("recording");
    }
};

// A C×H×W input with both signs: sin waves, so convs and ReLU have work to do.
Tensor wave_input(int channels, int height, int width) {
    Tensor t(channels, height, width);
    for (int c = 0; c < channels; ++c)
        for (int y = 0; y < height; ++y)
            for (int x = 0; x < width; ++x)
                t.at(c, y, x) = std::sin(0.7f * x + 0.3f * y + static_cast<float>(c)) +
                                0.1f * static_cast<float>((x * 7 + y * 3) % 5) - 0.2f;
    return t;
}

// A k×k "same" conv whose weights repeat scale · (-3 … 3), with a bias of 0.25.
Conv2d patterned_conv(int out, int in, int k, float scale) {
    std::vector<float> weights;
    for (int i = 0; i < out * in * k * k; ++i)
        weights.push_back(scale * (static_cast<float>(i % 7) - 3.0f));
    Conv2d conv = test::make_conv(out, in, k, k, std::move(weights));
    conv.bias.assign(static_cast<std::size_t>(out), 0.25f);
    conv.padding = ConvPadding::same();
    return conv;
}

Pool2d max_pool_2x2() {
    Pool2d pool;
    pool.kind = PoolKind::Max;
    pool.kernel_size = {2, 2};
    pool.stride = {2, 2};
    return pool;
}

// conv (1 → 2 channels, 3×3 "same") → relu → maxpool 2×2.
Pipeline three_layers() {
    Pipeline p;
    p.input_mode = InputMode::Gray;
    p.layers.push_back(Layer{"conv", true, patterned_conv(2, 1, 3, 0.5f)});
    p.layers.push_back(Layer{"relu", true, Activation{ActivationKind::ReLU}});
    p.layers.push_back(Layer{"pool", true, max_pool_2x2()});
    return p;
}

// conv → relu → conv → tanh → avgpool, for incremental runs.
Pipeline five_layers() {
    Pipeline p;
    p.layers.push_back(Layer{"conv a", true, patterned_conv(3, 1, 3, 0.25f)});
    p.layers.push_back(Layer{"relu", true, Activation{ActivationKind::ReLU}});
    p.layers.push_back(Layer{"conv b", true, patterned_conv(2, 3, 3, 0.1f)});
    p.layers.push_back(Layer{"tanh", true, Activation{ActivationKind::Tanh}});
    Pool2d avg = max_pool_2x2();
    avg.kind = PoolKind::Avg;
    p.layers.push_back(Layer{"avg", true, avg});
    return p;
}

// Copies the outputs out of a result (which the backend reuses on its next run).
std::vector<Tensor> outputs(const RunResult& result) {
    std::vector<Tensor> out;
    for (const LayerResult& layer : result.layers)
        out.push_back(*layer.output);
    return out;
}

std::shared_ptr<const Tensor> shared_wave(int channels, int height, int width) {
    return std::make_shared<const Tensor>(wave_input(channels, height, width));
}

std::vector<Tensor> fresh_run(const Pipeline& p, const Tensor& input) {
    NaiveBackend backend;
    return outputs(backend.run(p, input));
}

bool same_tensors(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (!(a[i].shape() == b[i].shape()) || a[i].to_dense() != b[i].to_dense())
            return false;
    return true;
}

} // namespace

class TestBackend : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void runReturnsOneResultPerLayer();
    void runMatchesTheSingleLayerFunctions();
    void disabledLayerPassesInputThroughAsSkipped();
    void incrementalRunAfterChangeMatchesFullRun_data();
    void incrementalRunAfterChangeMatchesFullRun();
    void incrementalRunRecomputesOnlyFromTheLayer();
    void incrementalRunWithNewInputRecomputesEverything();
    void incrementalRunAfterEarlierChangeRecomputesEverything();
    void keptOutputsAreNeverOverwritten();
    void outputsACallerLetGoOfServeALaterRun();
    void layersReadEarlierLayers();
    void planSaysWhatCanRun();
    void inputIsNormalisedOnceBeforeTheFirstLayer();
    void cancelledBeforeRunReturnsNoLayers();
    void cancelledDuringRunReturnsNoLayers();
    void invalidPipelineThrowsAndRunsNothing();
    void emptyPipelineGivesNoLayers();
    void makeBackendNaiveRuns();
};

void TestBackend::runReturnsOneResultPerLayer() {
    const Pipeline p = three_layers();
    const Tensor input = wave_input(1, 16, 20);
    NaiveBackend backend;
    QCOMPARE(QString::fromStdString(backend.name()), QString("naive"));
    const RunResult& result = backend.run(p, input);
    QVERIFY(!result.cancelled);
    QCOMPARE(result.layers.size(), std::size_t{3});
    const std::vector<Shape> want{{2, 16, 20}, {2, 16, 20}, {2, 8, 10}};
    double sum = 0;
    for (std::size_t i = 0; i < 3; ++i) {
        const LayerResult& layer = result.layers[i];
        QVERIFY2(layer.output->shape() == want[i], layer.output->shape().str().c_str());
        QVERIFY(layer.ms >= 0);
        QVERIFY(std::isfinite(layer.ms));
        QVERIFY(!layer.kernel.empty());
        QVERIFY(layer.kernel != "skipped");
        sum += layer.ms;
    }
    QCOMPARE(result.total_ms(), sum);
    QVERIFY(result.total_ms() >= 0);
}

void TestBackend::runMatchesTheSingleLayerFunctions() {
    const Pipeline p = three_layers();
    const Tensor input = wave_input(1, 16, 20);
    NaiveBackend backend;
    const std::vector<Tensor> got = outputs(backend.run(p, input));
    QCOMPARE(got.size(), std::size_t{3});

    Tensor conv_out(2, 16, 20);
    naive_conv2d(std::get<Conv2d>(p.layers[0].op), input, conv_out);
    Tensor relu_out(2, 16, 20);
    naive_activation(std::get<Activation>(p.layers[1].op), conv_out, relu_out);
    Tensor pool_out(2, 8, 10);
    naive_pool2d(std::get<Pool2d>(p.layers[2].op), relu_out, pool_out);
    QCOMPARE(got[0].to_dense(), conv_out.to_dense());
    QCOMPARE(got[1].to_dense(), relu_out.to_dense());
    QCOMPARE(got[2].to_dense(), pool_out.to_dense());
    // The conv has negative outputs, so the ReLU did change something.
    QVERIFY(conv_out.to_dense() != relu_out.to_dense());
}

void TestBackend::disabledLayerPassesInputThroughAsSkipped() {
    Pipeline p = three_layers();
    p.layers[1].enabled = false; // the ReLU
    const Tensor input = wave_input(1, 16, 20);
    NaiveBackend backend;
    const RunResult& result = backend.run(p, input);
    QCOMPARE(result.layers.size(), std::size_t{3});
    QCOMPARE(QString::fromStdString(result.layers[1].kernel), QString("skipped"));
    QVERIFY(result.layers[1].output->shape() == result.layers[0].output->shape());
    QCOMPARE(result.layers[1].output->to_dense(), result.layers[0].output->to_dense());
    // Negative values survive the disabled ReLU and reach the pool.
    const std::vector<float> passed = result.layers[1].output->to_dense();
    QVERIFY(std::any_of(passed.begin(), passed.end(), [](float v) { return v < 0; }));
    QVERIFY(result.layers[0].kernel != "skipped");
    QVERIFY(result.layers[2].kernel != "skipped");

    // A disabled first layer passes the input itself through.
    Pipeline q = three_layers();
    q.layers[0].enabled = false;
    q.layers[0].op = Activation{ActivationKind::Sigmoid};
    const RunResult& r = backend.run(q, input);
    QCOMPARE(r.layers.size(), std::size_t{3});
    QCOMPARE(QString::fromStdString(r.layers[0].kernel), QString("skipped"));
    QCOMPARE(r.layers[0].output->to_dense(), input.to_dense());
}

void TestBackend::incrementalRunAfterChangeMatchesFullRun_data() {
    QTest::addColumn<int>("changed");
    for (int k = 0; k < 5; ++k)
        QTest::newRow(qPrintable(QString("change layer %1").arg(k))) << k;
}

void TestBackend::incrementalRunAfterChangeMatchesFullRun() {
    QFETCH(int, changed);
    const auto input = shared_wave(1, 18, 14);
    Pipeline p = five_layers();
    NaiveBackend backend;
    (void)backend.run(p, input);

    // Change layer `changed` (keeping shapes valid); the engine finds the change itself.
    Layer& layer = p.layers[static_cast<std::size_t>(changed)];
    if (auto* conv = std::get_if<Conv2d>(&layer.op)) {
        for (float& w : conv->weights.values.write())
            w = -w * 1.5f;
        conv->padding_mode = PaddingMode::Replicate;
    } else if (auto* act = std::get_if<Activation>(&layer.op)) {
        *act = Activation{ActivationKind::LeakyReLU, 0.3f};
    } else if (auto* pool = std::get_if<Pool2d>(&layer.op)) {
        pool->kind = PoolKind::Max;
        pool->ceil_mode = true;
    }
    const RunResult& incremental = backend.run(p, input);
    QVERIFY(!incremental.cancelled);
    QCOMPARE(incremental.first_computed, changed);
    QCOMPARE(incremental.layers.size(), p.layers.size());
    const std::vector<Tensor> got = outputs(incremental);
    const std::vector<Tensor> want = fresh_run(p, *input);
    QVERIFY(same_tensors(got, want));
    // And the change did change the last output (the test is not vacuous).
    QVERIFY(!same_tensors({got.back()}, {fresh_run(five_layers(), *input).back()}));
}

void TestBackend::incrementalRunRecomputesOnlyFromTheLayer() {
    const auto input = shared_wave(1, 12, 12);
    Pipeline p = five_layers();
    RecordingBackend backend;
    QCOMPARE(backend.run(p, input).first_computed, 0);
    QCOMPARE(backend.computed.size(), std::size_t{5});

    backend.computed.clear();
    std::get<Conv2d>(p.layers[2].op).bias.assign(2, -1.0f);
    const RunResult& changed = backend.run(p, input);
    QCOMPARE(changed.first_computed, 2);
    const std::vector<Tensor> got = outputs(changed);
    const std::vector<std::string> want_computed{"conv b", "tanh", "avg"};
    QCOMPARE(backend.computed, want_computed);
    QVERIFY(same_tensors(got, fresh_run(p, *input)));

    // Nothing changed: nothing is computed, and the result says so.
    backend.computed.clear();
    QCOMPARE(backend.run(p, input).first_computed, 5);
    QVERIFY(backend.computed.empty());

    // Only the last layer changed: only that one runs.
    std::get<Pool2d>(p.layers[4].op).kind = PoolKind::Max;
    QCOMPARE(backend.run(p, input).first_computed, 4);
    QCOMPARE(backend.computed, std::vector<std::string>{"avg"});

    // Timing runs ask for every layer.
    backend.computed.clear();
    RunOptions all;
    all.reuse = false;
    QCOMPARE(backend.run(p, input, all).first_computed, 0);
    QCOMPARE(backend.computed.size(), std::size_t{5});
}

void TestBackend::incrementalRunWithNewInputRecomputesEverything() {
    const Pipeline p = five_layers();
    RecordingBackend backend;
    const auto first = shared_wave(1, 12, 12);
    (void)backend.run(p, first);
    backend.computed.clear();
    // Another tensor with the same shape is another input, even with equal values.
    const auto same_values = shared_wave(1, 12, 12);
    QCOMPARE(backend.run(p, same_values).first_computed, 0);
    QCOMPARE(backend.computed.size(), std::size_t{5});

    backend.computed.clear();
    Tensor other = wave_input(1, 12, 12);
    other.at(0, 5, 5) += 1.0f;
    const auto changed = std::make_shared<const Tensor>(other);
    const std::vector<Tensor> got = outputs(backend.run(p, changed));
    QCOMPARE(backend.computed.size(), std::size_t{5});
    QVERIFY(same_tensors(got, fresh_run(p, other)));

    // An input the backend cannot keep is never reused, before or after.
    backend.computed.clear();
    (void)backend.run(p, other);
    QCOMPARE(backend.computed.size(), std::size_t{5});
    backend.computed.clear();
    (void)backend.run(p, changed);
    QCOMPARE(backend.computed.size(), std::size_t{5});
}

void TestBackend::incrementalRunAfterEarlierChangeRecomputesEverything() {
    // Layer 0 changed: everything after it depends on it.
    const auto input = shared_wave(1, 12, 12);
    Pipeline p = five_layers();
    RecordingBackend backend;
    (void)backend.run(p, input);
    backend.computed.clear();
    std::get<Conv2d>(p.layers[0].op).weights.values.write()[4] += 2.0f;
    const std::vector<Tensor> got = outputs(backend.run(p, input));
    QCOMPARE(backend.computed.size(), std::size_t{5});
    QVERIFY(same_tensors(got, fresh_run(p, *input)));
}

void TestBackend::keptOutputsAreNeverOverwritten() {
    // A caller that keeps a run's outputs (the app's snapshot) sees them unchanged after later
    // runs; the backend computes those layers into new tensors.
    const auto input = shared_wave(1, 12, 12);
    Pipeline p = five_layers();
    NaiveBackend backend;
    const RunResult kept = backend.run(p, input); // copies the pointers, not the maps
    const std::vector<Tensor> before = outputs(kept);
    std::get<Conv2d>(p.layers[2].op).bias.assign(2, 3.0f);
    const RunResult& next = backend.run(p, input);
    QCOMPARE(next.first_computed, 2);
    QVERIFY(same_tensors(outputs(kept), before));
    // Unchanged layers are shared, changed ones are new.
    QCOMPARE(next.layers[1].output.get(), kept.layers[1].output.get());
    QVERIFY(next.layers[2].output.get() != kept.layers[2].output.get());
    QVERIFY(!same_tensors({*next.layers[2].output}, {before[2]}));

    // Nobody keeps them now: the next run computes in place.
    const Tensor* in_place = next.layers[3].output.get();
    std::get<Conv2d>(p.layers[2].op).bias.assign(2, -3.0f);
    QCOMPARE(backend.run(p, input).layers[3].output.get(), in_place);
}

void TestBackend::outputsACallerLetGoOfServeALaterRun() {
    // The app shows one run's maps while the next is computed, then lets the old ones go. The
    // run after that computes into those tensors (already in memory) instead of new ones, and
    // keeps no more than the two sets alive.
    const auto input = shared_wave(1, 12, 12);
    Pipeline p = five_layers();
    NaiveBackend backend;
    auto edit = [&](float bias) {
        std::get<Conv2d>(p.layers[2].op).bias.assign(2, bias);
        return backend.run(p, input); // the caller keeps a copy: the snapshot on screen
    };
    RunResult shown = edit(1.0f);
    // Watched without being held (a pointer alone could match a new tensor at a freed address).
    const std::weak_ptr<const Tensor> first = shown.layers[3].output;
    RunResult next = edit(2.0f); // the first run's maps are still shown: new tensors
    QVERIFY(next.layers[3].output != first.lock());
    shown = next; // the screen lets the first run's maps go
    next = edit(3.0f);
    QVERIFY(!first.expired());
    QCOMPARE(next.layers[3].output, first.lock());
    QVERIFY(next.layers[3].output != shown.layers[3].output);
    shown = next;
    next = edit(4.0f); // the second run's tensors now, and nothing else is kept
    QVERIFY(next.layers[3].output != shown.layers[3].output);
    const std::vector<Tensor> want = outputs(NaiveBackend().run(p, *input));
    QVERIFY(same_tensors(outputs(next), want));
}

void TestBackend::layersReadEarlierLayers() {
    // conv a ─ relu ─┬──────────── add(relu, conv c) ─ concat(add, input)
    //                └─ conv c ──┘
    const auto input = shared_wave(1, 10, 12);
    Pipeline p;
    p.layers.push_back(Layer{"conv a", true, patterned_conv(2, 1, 3, 0.25f)});
    p.layers.push_back(Layer{"relu", true, Activation{ActivationKind::ReLU}});
    p.layers.push_back(Layer{"conv c", true, patterned_conv(2, 2, 3, 0.1f)});
    p.layers.push_back(Layer{"add", true, Add{}, {1, 2}});
    p.layers.push_back(Layer{"cat", true, Concat{}, {3, kPipelineInput}});
    const std::vector<Shape> shapes = infer_shapes(p, input->shape());
    QVERIFY(shapes[4] == (Shape{3, 10, 12}));

    NaiveBackend backend;
    const RunResult& result = backend.run(p, input);
    const std::vector<Tensor> got = outputs(result);
    Tensor sum(2, 10, 12);
    for (int c = 0; c < 2; ++c)
        for (int y = 0; y < 10; ++y)
            for (int x = 0; x < 12; ++x)
                sum.at(c, y, x) = got[1].at(c, y, x) + got[2].at(c, y, x);
    QCOMPARE(got[3].to_dense(), sum.to_dense());
    for (int y = 0; y < 10; ++y)
        for (int x = 0; x < 12; ++x) {
            QCOMPARE(got[4].at(1, y, x), sum.at(1, y, x));
            QCOMPARE(got[4].at(2, y, x), input->at(0, y, x));
        }

    // A change in the branch recomputes from it; layers before it are reused.
    RecordingBackend recording;
    (void)recording.run(p, input);
    recording.computed.clear();
    std::get<Conv2d>(p.layers[2].op).bias.assign(2, 1.0f);
    QCOMPARE(recording.run(p, input).first_computed, 2);
    QCOMPARE(recording.computed, (std::vector<std::string>{"conv c", "add", "cat"}));

    // Edges must point back; single-input layers read one map.
    Pipeline forward = p;
    forward.layers[1].inputs = {3};
    QVERIFY_THROWS_EXCEPTION(PipelineError, infer_shapes(forward, input->shape()));
    Pipeline two = p;
    two.layers[1].inputs = {0, 0};
    try {
        infer_shapes(two, input->shape());
        QFAIL("a relu with two inputs was accepted");
    } catch (const PipelineError& e) {
        QCOMPARE(e.layer_index(), 1);
        QCOMPARE(QString::fromStdString(e.field()), QString("inputs"));
    }
}

void TestBackend::planSaysWhatCanRun() {
    Pipeline p = three_layers();
    p.layers[2] = Layer{"bad conv", true, patterned_conv(1, 3, 3, 1.0f)};
    const PipelinePlan plan = plan_pipeline(p, Shape{1, 16, 16});
    QCOMPARE(plan.runnable(), 2);
    QVERIFY(!plan.complete());
    QCOMPARE(plan.error->layer_index(), 2);
    QVERIFY(plan.shapes[1] == (Shape{2, 16, 16}));
    // The runnable part runs through layer_count; the rest is not validated.
    RecordingBackend backend;
    RunOptions options;
    options.layer_count = plan.runnable();
    QCOMPARE(backend.run(p, wave_input(1, 16, 16), options).layers.size(), std::size_t{2});

    const PipelinePlan whole = plan_pipeline(three_layers(), Shape{1, 16, 16});
    QVERIFY(whole.complete());
    QCOMPARE(whole.runnable(), 3);
    const PipelinePlan nothing = plan_pipeline(three_layers(), Shape{1, 0, 16});
    QCOMPARE(nothing.runnable(), 0);
    QCOMPARE(nothing.error->layer_index(), -1);
}

void TestBackend::inputIsNormalisedOnceBeforeTheFirstLayer() {
    // (x − mean) / std per channel, in float, before layer 1; a disabled first layer shows the
    // normalised input, which RunResult::input holds too.
    const auto input = shared_wave(3, 6, 7);
    Pipeline p;
    Layer off{"off", false, Activation{ActivationKind::ReLU}};
    p.layers.push_back(off);
    p.layers.push_back(Layer{"relu", true, Activation{ActivationKind::ReLU}});
    p.normalization.mean = {0.5f, -0.25f, 0.0f};
    p.normalization.std_dev = {0.25f};
    RecordingBackend backend;
    const RunResult& result = backend.run(p, input);
    QVERIFY(result.input && result.input != input);
    for (int c = 0; c < 3; ++c)
        for (int y = 0; y < 6; ++y)
            for (int x = 0; x < 7; ++x) {
                const float want = (input->at(c, y, x) - p.normalization.mean_of(c)) / 0.25f;
                QCOMPARE(result.input->at(c, y, x), want);
                QCOMPARE(result.layers[0].output->at(c, y, x), want);
                QCOMPARE(result.layers[1].output->at(c, y, x), std::max(want, 0.0f));
            }
    const Tensor* prepared = result.input.get();

    // A layer edit reuses the prepared input; a normalisation edit is a new input.
    backend.computed.clear();
    std::get<Activation>(p.layers[1].op).kind = ActivationKind::Tanh;
    QCOMPARE(backend.run(p, input).first_computed, 1);
    QCOMPARE(backend.run(p, input).input.get(), prepared);
    p.normalization.std_dev = {0.5f};
    const RunResult& renormalised = backend.run(p, input);
    QCOMPARE(renormalised.first_computed, 0);
    QCOMPARE(renormalised.layers[1].output->at(1, 2, 3),
             std::tanh((input->at(1, 2, 3) + 0.25f) / 0.5f));

    // Without normalisation the layers read the input itself.
    p.normalization = {};
    QCOMPARE(backend.run(p, input).input, input);

    // A normalisation that does not fit the input is refused before anything runs.
    p.normalization.mean = {0.1f, 0.2f};
    try {
        (void)backend.run(p, input);
        QFAIL("two means for three channels were accepted");
    } catch (const PipelineError& e) {
        QCOMPARE(e.layer_index(), -1);
        QCOMPARE(QString::fromStdString(e.field()), QStringLiteral("mean"));
    }
    p.normalization = {{}, {0.0f}};
    QVERIFY_THROWS_EXCEPTION(PipelineError, backend.run(p, *input));
}

void TestBackend::cancelledBeforeRunReturnsNoLayers() {
    const Pipeline p = three_layers();
    const Tensor input = wave_input(1, 16, 16);
    CancelToken token;
    token.cancel();
    RecordingBackend backend;
    const RunResult& result = backend.run(p, input, RunOptions{&token});
    QVERIFY(result.cancelled);
    QVERIFY(result.layers.empty());
    QVERIFY(backend.computed.empty());

    // After a reset the same backend runs normally.
    token.reset();
    const RunResult& again = backend.run(p, input, RunOptions{&token});
    QVERIFY(!again.cancelled);
    QCOMPARE(again.layers.size(), std::size_t{3});
}

void TestBackend::cancelledDuringRunReturnsNoLayers() {
    const Pipeline p = five_layers();
    const Tensor input = wave_input(1, 16, 16);
    CancelToken token;
    RecordingBackend backend;
    backend.cancel_after_token = &token;
    backend.cancel_after = 2; // cancel once two layers have been computed
    const RunResult& result = backend.run(p, input, RunOptions{&token});
    QVERIFY(result.cancelled);
    QVERIFY(result.layers.empty());
    QVERIFY(backend.computed.size() < 5);

    // A later full run gives the right answer.
    token.reset();
    backend.cancel_after_token = nullptr;
    const std::vector<Tensor> got = outputs(backend.run(p, input, RunOptions{&token}));
    QVERIFY(same_tensors(got, fresh_run(p, input)));
}

void TestBackend::invalidPipelineThrowsAndRunsNothing() {
    Pipeline p = three_layers();
    // Layer 2 becomes a conv that expects 3 input channels; layer 1 outputs 2.
    p.layers[2] = Layer{"bad conv", true, patterned_conv(1, 3, 3, 1.0f)};
    RecordingBackend backend;
    try {
        (void)backend.run(p, wave_input(1, 16, 16));
        QFAIL("an invalid pipeline ran");
    } catch (const PipelineError& e) {
        QCOMPARE(e.layer_index(), 2);
        QVERIFY2(QString(e.what()).contains("layer 3"), e.what());
    }
    QVERIFY(backend.computed.empty());

    // A 7×7 valid conv on a 5×5 input: nothing runs either.
    Pipeline q;
    Conv2d big = patterned_conv(1, 1, 7, 1.0f);
    big.padding = ConvPadding::valid();
    q.layers.push_back(Layer{"relu", true, Activation{ActivationKind::ReLU}});
    q.layers.push_back(Layer{"big", true, big});
    QVERIFY_THROWS_EXCEPTION(PipelineError, backend.run(q, wave_input(1, 5, 5)));
    QVERIFY(backend.computed.empty());
}

void TestBackend::emptyPipelineGivesNoLayers() {
    NaiveBackend backend;
    const RunResult& result = backend.run(Pipeline{}, wave_input(1, 4, 4));
    QVERIFY(!result.cancelled);
    QVERIFY(result.layers.empty());
    QCOMPARE(result.total_ms(), 0.0);
}

void TestBackend::makeBackendNaiveRuns() {
    const std::unique_ptr<Backend> backend = make_backend(BackendKind::Naive);
    QVERIFY(backend != nullptr);
    QCOMPARE(QString::fromStdString(backend->name()), QString("naive"));
    const Pipeline p = three_layers();
    const Tensor input = wave_input(1, 16, 20);
    const std::vector<Tensor> got = outputs(backend->run(p, input));
    QVERIFY(same_tensors(got, fresh_run(p, input)));
    for (const LayerResult& layer : backend->run(p, input).layers)
        QCOMPARE(QString::fromStdString(layer.kernel), QString("naive"));
}

QTEST_APPLESS_MAIN(TestBackend)
#include "test_backend.moc"
