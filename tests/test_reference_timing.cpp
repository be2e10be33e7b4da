// The references the Speed panel shows beside the live run: the naive loops, OpenCV per layer and
// the fast engine warm, timed by the engine on the runnable part of a pipeline, cancellable; and
// the FLOPs that decide whether the naive loops are timed at all.

#include "support/tensors.hpp"

#include "convscope/naive_backend.hpp"
#include "convscope/pipeline_json.hpp"
#include "convscope/reference_timing.hpp"

#include <QTest>

using namespace convscope;

namespace {

Pipeline default_pipeline() {
    return load_pipeline(CONVSCOPE_RESOURCES_DIR "/pipelines/default.json");
}

std::shared_ptr<const Tensor> rgb_input(int height, int width) {
    return std::make_shared<Tensor>(test::random_tensor({3, height, width}, 7, 0.0f, 1.0f));
}

} // namespace

class TestReferenceTiming : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void timesEveryLayerOnEveryReference() {
        const Pipeline p = default_pipeline();
        const auto input = rgb_input(60, 80);
        const auto fast = make_backend(BackendKind::Fast);
        const auto naive = make_backend(BackendKind::Naive);
        const ReferenceTimes times = time_references(p, input, *fast, *naive);
        QVERIFY(!times.cancelled);
        QCOMPARE(times.layers, 5);
        QCOMPARE(times.fast_ms.size(), std::size_t(5));
        QCOMPARE(times.naive_ms.size(), std::size_t(5));
        QCOMPARE(times.opencv_ms.size(), std::size_t(5));
        for (int i = 0; i < 5; ++i) {
            QVERIFY(times.fast_ms[i] >= 0 && std::isfinite(times.fast_ms[i]));
            QVERIFY(times.naive_ms[i] >= 0);
        }
        // conv (stride 1), ReLU: OpenCV has them; max pooling: not the same operation.
        QVERIFY(times.opencv_ms[0].has_value());
        QVERIFY(times.opencv_ms[1].has_value());
        QVERIFY(!times.opencv_ms[2].has_value());
        double total = 0;
        for (double ms : times.naive_ms)
            total += ms;
        QCOMPARE(times.naive_total_ms, total);
    }

    void withoutTheNaiveLoopsOpenCvReadsTheFastMaps() {
        const auto input = rgb_input(40, 50);
        const auto fast = make_backend(BackendKind::Fast);
        const auto naive = make_backend(BackendKind::Naive);
        ReferenceOptions options;
        options.time_naive = false;
        const ReferenceTimes times =
            time_references(default_pipeline(), input, *fast, *naive, options);
        QVERIFY(times.naive_ms.empty());
        QCOMPARE(times.opencv_ms.size(), std::size_t(5));
        QVERIFY(times.opencv_ms[3].has_value()); // the second conv, on the fast maps
    }

    void onlyTheRunnablePartIsTimed() {
        Pipeline p = default_pipeline();
        std::get<Conv2d>(p.layers[3].op).groups = 3; // 8 channels do not split in 3
        const auto fast = make_backend(BackendKind::Fast);
        const auto naive = make_backend(BackendKind::Naive);
        const ReferenceTimes times = time_references(p, rgb_input(30, 30), *fast, *naive);
        QCOMPARE(times.layers, 3);
        QCOMPARE(times.fast_ms.size(), std::size_t(3));
        QCOMPARE(times.opencv_ms.size(), std::size_t(3));
    }

    void aLayerCountCutsIt() {
        ReferenceOptions options;
        options.layer_count = 2;
        const auto fast = make_backend(BackendKind::Fast);
        const auto naive = make_backend(BackendKind::Naive);
        const ReferenceTimes times =
            time_references(default_pipeline(), rgb_input(30, 30), *fast, *naive, options);
        QCOMPARE(times.layers, 2);
        QCOMPARE(times.fast_ms.size(), std::size_t(2));
        QCOMPARE(times.naive_ms.size(), std::size_t(2));
        QCOMPARE(times.opencv_ms.size(), std::size_t(2));
    }

    void aRaisedTokenStopsIt() {
        CancelToken cancel;
        cancel.cancel();
        ReferenceOptions options;
        options.cancel = &cancel;
        const auto fast = make_backend(BackendKind::Fast);
        const auto naive = make_backend(BackendKind::Naive);
        const ReferenceTimes times =
            time_references(default_pipeline(), rgb_input(30, 30), *fast, *naive, options);
        QVERIFY(times.cancelled);
    }

    void openCvHasOnlyTheSameOperation() {
        const Tensor input = test::random_tensor({1, 20, 20}, 3);
        Layer conv = test::layer_of(test::make_conv(1, 1, 3, 3, std::vector<float>(9, 1.0f)));
        QVERIFY(opencv_layer_ms(conv, input, {1, 18, 18}).has_value());
        std::get<Conv2d>(conv.op).stride = {2, 2};
        QVERIFY(!opencv_layer_ms(conv, input, {1, 9, 9}).has_value());
        std::get<Conv2d>(conv.op).stride = {1, 1};
        std::get<Conv2d>(conv.op).padding_mode = PaddingMode::Circular;
        QVERIFY(!opencv_layer_ms(conv, input, {1, 18, 18}).has_value());
        QVERIFY(
            !opencv_layer_ms(test::layer_of(Activation{ActivationKind::Tanh}), input, input.shape())
                 .has_value());
        QVERIFY(!opencv_layer_ms(test::layer_of(Activation{ActivationKind::ReLU}, false), input,
                                 input.shape())
                     .has_value());
    }

    void flopsCountWhatEachLayerReads() {
        // A 1 → 4 conv, then an add of the input conv's output and a ReLU of it: the add reads
        // two maps of layer 0, the ReLU reads layer 0 too, not the add.
        Pipeline p;
        p.layers.push_back(test::layer_of(test::make_conv(4, 1, 3, 3)));
        Layer sum = test::layer_of(Add{});
        sum.inputs = {0, 0};
        p.layers.push_back(sum);
        Layer relu = test::layer_of(Activation{ActivationKind::ReLU});
        relu.inputs = {0};
        p.layers.push_back(relu);
        const Shape input{1, 10, 12};
        const std::vector<LayerCost> costs = layer_costs(p, input);
        QCOMPARE(costs.size(), std::size_t(3));
        const double conv_out = 4.0 * 8 * 10; // valid 3×3 on 10×12
        QCOMPARE(costs[0].flops, 2.0 * conv_out * 9);
        QCOMPARE(costs[1].flops, conv_out);
        QCOMPARE(costs[2].flops, conv_out);
        QCOMPARE(pipeline_flops(p, input), costs[0].flops + costs[1].flops + costs[2].flops);
        // The large-image limit the app's Speed panel applies.
        QVERIFY(pipeline_flops(default_pipeline(), {3, 3000, 4000}) > kNaiveReferenceFlopLimit);
        QVERIFY(pipeline_flops(default_pipeline(), {3, 300, 451}) < kNaiveReferenceFlopLimit);
    }
};

QTEST_MAIN(TestReferenceTiming)
#include "test_reference_timing.moc"
