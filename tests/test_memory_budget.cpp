// The memory budget: sizes read and written for people, every run's estimate held against the
// budget before anything is allocated (outputs, scratch, the FFT's per-layer caches), and runs
// that let go of each output once it is consumed.

#include "convscope/backend.hpp"
#include "convscope/fast_backend.hpp"
#include "convscope/memory_budget.hpp"
#include "convscope/naive_backend.hpp"

#include <QtTest/QtTest>

#include <cmath>
#include <random>
#include <set>

using namespace convscope;

namespace {

// Sets the memory budget for one test and restores the default afterwards.
struct BudgetForTest {
    explicit BudgetForTest(std::uint64_t bytes) { set_memory_budget(bytes); }
    ~BudgetForTest() { set_memory_budget(0); }
};

Layer relu() {
    return Layer{"", true, Activation{ActivationKind::ReLU, 0.01f}};
}

Layer conv(int out, int in, int k, ConvPadding padding = ConvPadding::same(), int dilation = 1) {
    Conv2d c;
    c.weights.out_channels = out;
    c.weights.in_channels = in;
    c.weights.kernel_h = c.weights.kernel_w = k;
    c.weights.values.resize(static_cast<std::size_t>(out) * in * k * k);
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> d(-1.0f, 1.0f);
    for (float& v : c.weights.values.write())
        v = d(rng);
    c.padding = padding;
    c.dilation = {dilation, dilation};
    return Layer{"", true, c};
}

Layer maxpool2() {
    Pool2d p;
    p.kind = PoolKind::Max;
    p.kernel_size = p.stride = {2, 2};
    return Layer{"", true, p};
}

Layer batch_norm(int channels) {
    BatchNorm2d bn;
    bn.weight = SharedVector<float>(channels, 1.5f);
    bn.bias = SharedVector<float>(channels, -0.25f);
    bn.running_mean = SharedVector<float>(channels, 0.1f);
    bn.running_var = SharedVector<float>(channels, 2.0f);
    return Layer{"", true, bn};
}

Tensor random_input(Shape shape) {
    Tensor t(shape);
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> d(-1.0f, 1.0f);
    for (int c = 0; c < shape.channels; ++c)
        for (int y = 0; y < shape.height; ++y)
            for (int x = 0; x < shape.width; ++x)
                t.row(c, y)[x] = d(rng);
    return t;
}

} // namespace

Q_DECLARE_METATYPE(convscope::Layer)
Q_DECLARE_METATYPE(convscope::Shape)

class TestMemoryBudget : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void sizesReadAndWrittenForPeople();
    void theDefaultBudgetIsAShareOfAvailableMemory();
    void tenThousandLayersAreRefusedUnlessConsumedAsTheyGo();
    void scratchOfAHugeDilationIsRefusedBeforeAllocating_data();
    void scratchOfAHugeDilationIsRefusedBeforeAllocating();
    void consumedOutputsAreLetGoAndTheEstimateHolds_data();
    void consumedOutputsAreLetGoAndTheEstimateHolds();
    void aConsumingRunComputesTheSameMaps();
    void preparedWeightsOfEveryLayerAreCounted();
};

void TestMemoryBudget::sizesReadAndWrittenForPeople() {
    std::uint64_t b = 0;
    QVERIFY(parse_byte_size("8G", b));
    QCOMPARE(b, std::uint64_t{8'000'000'000});
    QVERIFY(parse_byte_size("512M", b));
    QCOMPARE(b, std::uint64_t{512'000'000});
    QVERIFY(parse_byte_size("1.5GB", b));
    QCOMPARE(b, std::uint64_t{1'500'000'000});
    QVERIFY(parse_byte_size("2GiB", b));
    QCOMPARE(b, std::uint64_t{2} << 30);
    QVERIFY(parse_byte_size("123456", b));
    QCOMPARE(b, std::uint64_t{123456});
    QVERIFY(parse_byte_size("64k", b));
    QCOMPARE(b, std::uint64_t{64000});
    for (const char* bad : {"", "G", "lots", "-1G", "0", "1X", "99999999999T", "1.5.2G"})
        QVERIFY2(!parse_byte_size(bad, b), bad);

    QCOMPARE(QString::fromStdString(format_bytes(512)), QString("512 bytes"));
    QCOMPARE(QString::fromStdString(format_bytes(12'345)), QString("12.3 KB"));
    QCOMPARE(QString::fromStdString(format_bytes(4'800'000'000)), QString("4.8 GB"));
    QCOMPARE(QString::fromStdString(format_bytes(999'960)), QString("1.0 MB"));
    QCOMPARE(QString::fromStdString(format_bytes(250'000'000'000)), QString("250 GB"));
    QCOMPARE(saturating_mul(UINT64_MAX / 2, 3), UINT64_MAX);
    QCOMPARE(saturating_add(UINT64_MAX - 1, 2), UINT64_MAX);
}

void TestMemoryBudget::theDefaultBudgetIsAShareOfAvailableMemory() {
    set_memory_budget(0);
    const std::uint64_t available = available_memory();
    QVERIFY(available > 0);
    // Three quarters of what was available when asked (it moves as other programs run).
    QVERIFY(memory_budget() <= available);
    QVERIFY(memory_budget() >= available / 4);
    try {
        require_memory(UINT64_MAX, "something absurd");
        QFAIL("an absurd size was allowed");
    } catch (const MemoryError& e) {
        QVERIFY2(QString(e.what()).startsWith("something absurd needs more than 18 EB"), e.what());
        QCOMPARE(e.needed(), UINT64_MAX);
    }
}

// 10,000 ReLU layers on a 1000×1000 map: 40 GB when every output is kept (the app), two maps at
// a time when each is let go once the next has read it (the CLI).
void TestMemoryBudget::tenThousandLayersAreRefusedUnlessConsumedAsTheyGo() {
    Pipeline p;
    p.layers.assign(10000, relu());
    const Shape shape{1, 1000, 1000};
    const BudgetForTest budget(256'000'000);
    FastBackend backend;
    const MemoryEstimate kept = backend.estimate_memory(p, shape);
    QCOMPARE(kept.outputs, std::uint64_t{10000} * Tensor::bytes_for(shape));
    const Tensor input = random_input(shape);
    try {
        (void)backend.run(p, input);
        QFAIL("40 GB of outputs were allowed");
    } catch (const MemoryError& e) {
        const QString msg = e.what();
        QVERIFY2(msg.contains("running 10000 layers on a [1, 1000, 1000] input needs 40.3 GB"),
                 e.what());
        QVERIFY2(msg.contains("more than the memory budget of 256 MB"), e.what());
    }

    // Consumed as they go, only two outputs are alive. The run is on a smaller map, whose
    // 10,000 outputs (400 MB) still exceed the budget unless they are let go, so the test takes
    // seconds rather than minutes (and stays within Qt Test's time limit under the sanitizers).
    const Shape small{1, 100, 100};
    QVERIFY(std::uint64_t{10000} * Tensor::bytes_for(small) > 256'000'000);
    RunOptions options;
    options.release_consumed = true;
    const MemoryEstimate consumed = backend.estimate_memory(p, shape, options);
    QCOMPARE(consumed.outputs, 2 * Tensor::bytes_for(shape));
    QCOMPARE(backend.estimate_memory(p, small, options).outputs, 2 * Tensor::bytes_for(small));
    int passes = 0;
    options.on_computed = [&](const RunResult& r, int first, int count) {
        passes += count;
        QVERIFY(r.layers[first].output);
        if (first > 1)
            QVERIFY(!r.layers[first - 2].output); // read by layer first - 1, then let go
    };
    const RunResult& result = backend.run(p, random_input(small), options);
    QCOMPARE(passes, 10000);
    QVERIFY(!result.cancelled);
}

// The working memory a layer needs can dwarf its output: a dilation of 20,000 with "same"
// padding makes every strip 40,001 padded rows tall (12 GB of scratch in two threads), and a
// kernel reaching 16,385 cells makes the FFT's tiles 32768 × 32768 (8.6 GB per output channel).
// Both are refused with the figure before anything is allocated.
void TestMemoryBudget::scratchOfAHugeDilationIsRefusedBeforeAllocating_data() {
    QTest::addColumn<Layer>("layer");
    QTest::addColumn<Shape>("input");
    QTest::newRow("dilation 20000, padding same")
        << conv(1, 1, 3, ConvPadding::same(), 20000) << Shape{1, 1000, 1000};
    QTest::newRow("a 17x17 kernel dilated 1024 times (FFT tiles of 32768)")
        << conv(1, 1, 17, ConvPadding::same(), 1024) << Shape{1, 300, 300};
    QTest::newRow("dilation 20000 on eight channels")
        << conv(4, 8, 3, ConvPadding::same(), 20000) << Shape{8, 200, 200};
}

void TestMemoryBudget::scratchOfAHugeDilationIsRefusedBeforeAllocating() {
    QFETCH(Layer, layer);
    QFETCH(Shape, input);
    Pipeline p;
    p.layers = {layer};
    const BudgetForTest budget(2'000'000'000);
    FastBackend backend;
    const MemoryEstimate e = backend.estimate_memory(p, input);
    QVERIFY2(e.scratch > 2'000'000'000, qPrintable(QString::fromStdString(e.breakdown())));
    QCOMPARE(e.scratch_layer, 0);
    const Tensor t = random_input(input);
    try {
        (void)backend.run(p, t);
        QFAIL("the run was allowed");
    } catch (const MemoryError& err) {
        QVERIFY2(QString(err.what()).contains("scratch"), err.what());
    }
    // The reference loops need no scratch: only the output counts.
    NaiveBackend naive;
    QCOMPARE(naive.estimate_memory(p, input).scratch, std::uint64_t{0});
}

Q_DECLARE_METATYPE(convscope::Pipeline)

void TestMemoryBudget::consumedOutputsAreLetGoAndTheEstimateHolds_data() {
    QTest::addColumn<Pipeline>("pipeline");
    Pipeline cnn; // conv → relu → pool fused in one pass, then again
    cnn.input_mode = InputMode::Rgb;
    cnn.layers = {conv(8, 3, 3), relu(), maxpool2(), conv(16, 8, 3), relu(), maxpool2()};
    QTest::newRow("first layers of a CNN") << cnn;
    Pipeline skip = cnn; // layer 5 reads layer 1 as well: layer 1 lives until then
    Layer add{"", true, Add{}};
    skip.layers = {conv(8, 3, 3), relu(), conv(8, 8, 3), relu(), conv(8, 8, 1)};
    add.inputs = {1, 4};
    skip.layers.push_back(add);
    QTest::newRow("a skip connection") << skip;
    Pipeline off = cnn;
    off.layers[1].enabled = false; // shares its input's tensor
    QTest::newRow("a disabled layer") << off;
    Pipeline residual = cnn; // conv (Winograd) → batch norm → add → relu in one pass
    Layer sum{"", true, Add{}};
    sum.inputs = {1, 3};
    residual.layers = {conv(16, 3, 3), relu(), conv(16, 16, 3), batch_norm(16), sum, relu()};
    QTest::newRow("a residual block fused into its conv") << residual;
}

void TestMemoryBudget::consumedOutputsAreLetGoAndTheEstimateHolds() {
    QFETCH(Pipeline, pipeline);
    const Shape shape{3, 96, 80};
    const auto input = std::make_shared<const Tensor>(random_input(shape));
    for (BackendKind kind : {BackendKind::Fast, BackendKind::Naive}) {
        const auto backend = make_backend(kind);
        RunOptions options;
        options.release_consumed = true;
        const MemoryEstimate e = backend->estimate_memory(pipeline, shape, options);
        std::uint64_t peak = 0;
        options.on_computed = [&](const RunResult& r, int, int) {
            // What this run holds now, each tensor counted once.
            std::set<const Tensor*> held;
            std::uint64_t live = 0;
            for (const LayerResult& layer : r.layers)
                if (layer.output && layer.output != input && held.insert(layer.output.get()).second)
                    live += Tensor::bytes_for(layer.output->shape());
            peak = std::max(peak, live);
        };
        const RunResult& r = backend->run(pipeline, input, options);
        QVERIFY(!r.cancelled);
        QVERIFY2(peak <= e.outputs,
                 qPrintable(QString("peak %1 > estimate %2").arg(peak).arg(e.outputs)));
        QVERIFY(peak > 0);
        for (const LayerResult& layer : r.layers)
            QVERIFY(!layer.output); // every output let go once seen
        // Kept outputs: the estimate is every enabled layer's output.
        std::uint64_t all = 0;
        const std::vector<Shape> shapes = infer_shapes(pipeline, shape);
        for (std::size_t i = 0; i < shapes.size(); ++i)
            if (pipeline.layers[i].enabled)
                all += Tensor::bytes_for(shapes[i]);
        QCOMPARE(backend->estimate_memory(pipeline, shape).outputs, all);
    }
}

// Letting go changes nothing in the maps: each is what the ordinary run computes.
void TestMemoryBudget::aConsumingRunComputesTheSameMaps() {
    Pipeline p;
    p.input_mode = InputMode::Rgb;
    p.layers = {conv(8, 3, 3), relu(), maxpool2(), conv(4, 8, 5), relu()};
    const Tensor input = random_input({3, 64, 48});
    FastBackend plain, consuming;
    const RunResult& want = plain.run(p, input);
    RunOptions options;
    options.release_consumed = true;
    int checked = 0;
    options.on_computed = [&](const RunResult& r, int first, int count) {
        for (int k = first; k < first + count; ++k) {
            QVERIFY(r.layers[k].output);
            QCOMPARE(r.layers[k].output->to_dense(), want.layers[k].output->to_dense());
            ++checked;
        }
    };
    (void)consuming.run(p, input, options);
    QCOMPARE(checked, 5);
}

// The fast backend keeps each deep conv's weights transformed for Winograd (4× the weights for
// F(4×4, 3×3)) from run to run, every layer's at once, and Winograd's transformed inputs and
// products are larger than the map itself: the estimate counts both, and a budget that holds
// everything but them refuses the run.
void TestMemoryBudget::preparedWeightsOfEveryLayerAreCounted() {
    Pipeline p;
    p.layers = {conv(64, 64, 3), relu(), conv(64, 64, 3), relu(), conv(64, 64, 3)};
    const Shape shape{64, 56, 56};
    FastBackend backend;
    const MemoryEstimate e = backend.estimate_memory(p, shape);
    const QString breakdown = QString::fromStdString(e.breakdown());
    const std::uint64_t weights = 64 * 64 * 9 * sizeof(float);
    QVERIFY2(e.prepared_weights >= 3 * 4 * weights, qPrintable(breakdown));
    QVERIFY2(breakdown.contains("prepared weights"), qPrintable(breakdown));
    QVERIFY2(e.scratch >= 2 * Tensor::bytes_for(shape), qPrintable(breakdown));
    QCOMPARE(NaiveBackend().estimate_memory(p, shape).prepared_weights, std::uint64_t{0});

    const auto input = std::make_shared<const Tensor>(random_input(shape));
    {
        const BudgetForTest budget(e.total() - 1);
        try {
            (void)backend.run(p, input);
            QFAIL("the run was allowed");
        } catch (const MemoryError& err) {
            QVERIFY2(QString(err.what()).contains("prepared weights"), err.what());
        }
    }
    const BudgetForTest budget(e.total());
    const RunResult& r = backend.run(p, input);
    QVERIFY(!r.cancelled);
    for (int i : {0, 2, 4})
        QVERIFY2(QString::fromStdString(r.layers[i].kernel).startsWith("winograd4x4"),
                 r.layers[i].kernel.c_str());
}

QTEST_APPLESS_MAIN(TestMemoryBudget)
#include "test_memory_budget.moc"
