// The references the Speed panel shows beside the live run: the naive loops, OpenCV per layer (its
// DNN module, filter2D for single-channel filters) and for the whole network, and the fast engine
// warm, timed by the engine on the runnable part of a pipeline, cancellable; OpenCV's peer checked
// to compute the engine's numbers for every layer type it covers, and to refuse hostile layers
// with a reason; and the FLOPs that decide whether the naive loops are timed at all.

#include "support/compare.hpp"
#include "support/tensors.hpp"

#include "convscope/naive_backend.hpp"
#include "convscope/onnx_import.hpp"
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

Q_DECLARE_METATYPE(convscope::Pipeline)

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
        QCOMPARE(times.opencv.size(), std::size_t(5));
        for (int i = 0; i < 5; ++i) {
            QVERIFY(times.fast_ms[i] >= 0 && std::isfinite(times.fast_ms[i]));
            QVERIFY(times.naive_ms[i] >= 0);
        }
        // Every layer of the default stack is a network layer DNN has: conv 3 → 8, ReLU, max
        // pooling, conv 8 → 8, ReLU; and the whole stack runs as one DNN net.
        for (int i = 0; i < 5; ++i) {
            QCOMPARE(times.opencv[i].peer, OpenCvPeer::Dnn);
            QVERIFY(times.opencv[i].ms && *times.opencv[i].ms > 0);
        }
        QCOMPARE(times.opencv_net.peer, OpenCvPeer::Dnn);
        QVERIFY(times.opencv_net.ms && *times.opencv_net.ms > 0);
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
        QCOMPARE(times.opencv.size(), std::size_t(5));
        QVERIFY(times.opencv[3].ms.has_value()); // the second conv, on the fast maps
    }

    void onlyTheRunnablePartIsTimed() {
        Pipeline p = default_pipeline();
        std::get<Conv2d>(p.layers[3].op).groups = 3; // 8 channels do not split in 3
        const auto fast = make_backend(BackendKind::Fast);
        const auto naive = make_backend(BackendKind::Naive);
        const ReferenceTimes times = time_references(p, rgb_input(30, 30), *fast, *naive);
        QCOMPARE(times.layers, 3);
        QCOMPARE(times.fast_ms.size(), std::size_t(3));
        QCOMPARE(times.opencv.size(), std::size_t(3));
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
        QCOMPARE(times.opencv.size(), std::size_t(2));
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
        const Tensor* reads[] = {&input};
        // A single-channel filter: filter2D, at stride 1 in every padding mode it has.
        Layer conv = test::layer_of(test::make_conv(1, 1, 3, 3, std::vector<float>(9, 1.0f)));
        OpenCvTime t = opencv_layer_time(conv, reads, {1, 18, 18});
        QCOMPARE(t.peer, OpenCvPeer::Filter2D);
        QVERIFY(t.ms.has_value());
        // Strided, it is a network layer: DNN.
        std::get<Conv2d>(conv.op).stride = {2, 2};
        t = opencv_layer_time(conv, reads, {1, 9, 9});
        QCOMPARE(t.peer, OpenCvPeer::Dnn);
        QVERIFY(t.ms.has_value());
        // Circular padding: OpenCV has none, and says so.
        std::get<Conv2d>(conv.op).stride = {1, 1};
        std::get<Conv2d>(conv.op).padding = ConvPadding::same();
        std::get<Conv2d>(conv.op).padding_mode = PaddingMode::Circular;
        t = opencv_layer_time(conv, reads, {1, 20, 20});
        QCOMPARE(t.peer, OpenCvPeer::None);
        QVERIFY(!t.ms.has_value());
        QVERIFY2(t.why_not.find("circular") != std::string::npos, t.why_not.c_str());
        // A disabled layer computes nothing.
        t = opencv_layer_time(test::layer_of(Activation{ActivationKind::ReLU}, false), reads,
                              input.shape());
        QVERIFY(!t.ms.has_value());
        QVERIFY(!t.why_not.empty());
        // An add of a constant: DNN has no such layer.
        Add constant;
        constant.constant = SharedVector<float>(std::vector<float>{0.5f});
        t = opencv_layer_time(test::layer_of(constant), reads, input.shape());
        QCOMPARE(t.peer, OpenCvPeer::None);
        QVERIFY(!t.why_not.empty());
        // A crop (a negative pad).
        Pad2d crop;
        crop.sides = {-1, 0, 0, 0};
        t = opencv_layer_time(test::layer_of(crop), reads, {1, 19, 20});
        QCOMPARE(t.peer, OpenCvPeer::None);
        QVERIFY(!t.why_not.empty());
    }

    void thePeerComputesTheEngineNumbers_data() {
        // Each case: a pipeline whose last layer is the one under test, on an input of 8 maps.
        QTest::addColumn<Pipeline>("pipeline");
        QTest::addColumn<int>("height");
        QTest::addColumn<int>("width");
        QTest::addColumn<int>("peer");
        const auto single = [](LayerOp op) {
            Pipeline p;
            p.layers.push_back(test::layer_of(std::move(op)));
            return p;
        };
        const auto conv = [](int out, int in_per_group, int k, unsigned seed) {
            return test::random_conv(out, in_per_group, k, k, seed);
        };
        const int dnn = int(OpenCvPeer::Dnn);
        Conv2d c = conv(16, 8, 3, 1);
        c.padding = ConvPadding::explicit_size({1, 1});
        QTest::newRow("conv 8→16 3×3 pad 1") << single(c) << 23 << 31 << dnn;
        c = conv(12, 8, 3, 2);
        c.stride = {2, 2};
        c.padding = ConvPadding::explicit_size({1, 1});
        QTest::newRow("conv stride 2") << single(c) << 23 << 30 << dnn;
        c = conv(8, 8, 4, 3);
        c.padding = ConvPadding::same(); // an even kernel: more padding after than before
        QTest::newRow("conv 4×4 same (asymmetric)") << single(c) << 17 << 19 << dnn;
        c = conv(8, 8, 3, 4);
        c.dilation = {2, 3};
        c.padding = ConvPadding::explicit_size({2, 3});
        QTest::newRow("conv dilated") << single(c) << 21 << 26 << dnn;
        c = conv(8, 2, 3, 5);
        c.groups = 4;
        c.padding = ConvPadding::same();
        QTest::newRow("conv 4 groups") << single(c) << 19 << 20 << dnn;
        c = conv(8, 1, 5, 6);
        c.groups = 8;
        c.padding = ConvPadding::same();
        QTest::newRow("conv depthwise 5×5") << single(c) << 19 << 20 << dnn;
        c = conv(4, 8, 3, 7);
        c.padding = ConvPadding::same();
        c.padding_mode = PaddingMode::Reflect;
        QTest::newRow("conv reflect") << single(c) << 15 << 18 << dnn;
        c.padding_mode = PaddingMode::Replicate;
        QTest::newRow("conv replicate") << single(c) << 15 << 18 << dnn;
        c = conv(1, 1, 5, 8);
        c.padding = ConvPadding::same();
        c.padding_mode = PaddingMode::Reflect;
        QTest::newRow("single-channel filter, reflect")
            << single(c) << 17 << 23 << int(OpenCvPeer::Filter2D);
        BatchNorm2d bn;
        bn.weight = SharedVector<float>(std::vector<float>{1.5f, -0.5f, 2, 1, 0.3f, 1, 1, 0.7f});
        bn.bias = SharedVector<float>(std::vector<float>{0, 0.1f, -0.2f, 1, 0, 0, 2, -1});
        bn.running_mean = SharedVector<float>(std::vector<float>{0.1f, 0, 0.5f, -1, 0, 2, 0, 0});
        bn.running_var = SharedVector<float>(std::vector<float>{1, 0.5f, 2, 0.1f, 1, 3, 1, 0.01f});
        QTest::newRow("batchnorm") << single(bn) << 9 << 11 << dnn;
        Activation a{ActivationKind::ReLU};
        QTest::newRow("relu") << single(a) << 9 << 11 << dnn;
        a = {ActivationKind::LeakyReLU};
        a.negative_slope = 0.2f;
        QTest::newRow("leaky relu") << single(a) << 9 << 11 << dnn;
        QTest::newRow("sigmoid") << single(Activation{ActivationKind::Sigmoid}) << 9 << 11 << dnn;
        QTest::newRow("tanh") << single(Activation{ActivationKind::Tanh}) << 9 << 11 << dnn;
        a = {ActivationKind::PReLU};
        a.slopes =
            SharedVector<float>(std::vector<float>{0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f});
        QTest::newRow("prelu per channel") << single(a) << 9 << 11 << dnn;
        a.slopes = SharedVector<float>(std::vector<float>{0.3f});
        QTest::newRow("prelu one slope") << single(a) << 9 << 11 << dnn;
        a = {ActivationKind::ELU};
        a.alpha = 0.7f;
        QTest::newRow("elu") << single(a) << 9 << 11 << dnn;
        a = {ActivationKind::HardSigmoid};
        a.hard_alpha = 0.2f;
        QTest::newRow("hardsigmoid") << single(a) << 9 << 11 << dnn;
        QTest::newRow("hardswish")
            << single(Activation{ActivationKind::HardSwish}) << 9 << 11 << dnn;
        a = {ActivationKind::Clip};
        a.clip_min = -0.5f;
        a.clip_max = 0.25f;
        QTest::newRow("clip") << single(a) << 9 << 11 << dnn;
        Pool2d pool;
        pool.kernel_size = {3, 3};
        pool.stride = {2, 2};
        pool.padding = {1, 1};
        QTest::newRow("maxpool 3×3 s2 p1") << single(pool) << 21 << 20 << dnn;
        pool.ceil_mode = true;
        QTest::newRow("maxpool ceil mode") << single(pool) << 20 << 21 << dnn;
        pool = {};
        pool.kind = PoolKind::Avg;
        pool.kernel_size = {3, 3};
        pool.stride = {2, 2};
        pool.padding = {1, 1};
        QTest::newRow("avgpool counting padding") << single(pool) << 21 << 20 << dnn;
        pool.count_include_pad = false;
        QTest::newRow("avgpool without padding") << single(pool) << 21 << 20 << dnn;
        pool.ceil_mode = true;
        QTest::newRow("avgpool ceil mode") << single(pool) << 20 << 22 << dnn;
        QTest::newRow("global avgpool") << single(GlobalPool2d{PoolKind::Avg}) << 7 << 9 << dnn;
        QTest::newRow("global maxpool") << single(GlobalPool2d{PoolKind::Max}) << 7 << 9 << dnn;
        // Two inputs: the pipeline's input and a map made from it.
        Pipeline joined;
        joined.layers.push_back(test::layer_of(Activation{ActivationKind::Tanh}));
        joined.layers.push_back(test::layer_of(Add{}, true, {kPipelineInput, 0}));
        QTest::newRow("add") << joined << 9 << 11 << dnn;
        joined.layers.back() = test::layer_of(Concat{}, true, {0, kPipelineInput, 0});
        QTest::newRow("concat") << joined << 9 << 11 << dnn;
        Pad2d pad;
        pad.sides = {1, 2, 3, 0};
        pad.value = 0.5f;
        QTest::newRow("pad constant") << single(pad) << 9 << 11 << dnn;
        pad.mode = PaddingMode::Reflect;
        QTest::newRow("pad reflect") << single(pad) << 9 << 11 << dnn;
        pad.mode = PaddingMode::Replicate;
        QTest::newRow("pad replicate") << single(pad) << 9 << 11 << dnn;
        QTest::newRow("flatten") << single(Flatten{}) << 3 << 4 << dnn;
        Linear linear;
        linear.in_features = 8 * 3 * 4;
        linear.out_features = 10;
        const Tensor w = test::random_tensor({1, linear.out_features, linear.in_features}, 9);
        std::vector<float> weights;
        for (int o = 0; o < linear.out_features; ++o)
            weights.insert(weights.end(), w.row(0, o), w.row(0, o) + linear.in_features);
        linear.weight = SharedVector<float>(std::move(weights));
        linear.bias = SharedVector<float>(std::vector<float>(10, 0.25f));
        Pipeline head;
        head.layers.push_back(test::layer_of(Flatten{}));
        head.layers.push_back(test::layer_of(linear));
        QTest::newRow("linear") << head << 3 << 4 << dnn;
        head.layers.push_back(test::layer_of(Softmax{}));
        QTest::newRow("softmax after linear") << head << 3 << 4 << dnn;
        QTest::newRow("softmax over channels") << single(Softmax{}) << 5 << 6 << dnn;
    }

    void thePeerComputesTheEngineNumbers() {
        QFETCH(Pipeline, pipeline);
        QFETCH(int, height);
        QFETCH(int, width);
        QFETCH(int, peer);
        const int channels = peer == int(OpenCvPeer::Filter2D) ? 1 : 8;
        const auto input =
            std::make_shared<Tensor>(test::random_tensor({channels, height, width}, 21));
        const auto naive = make_backend(BackendKind::Naive);
        const RunResult& run = naive->run(pipeline, input);
        const int last = int(pipeline.layers.size()) - 1;
        QCOMPARE(int(run.layers.size()), last + 1);
        const Layer& layer = pipeline.layers[last];
        std::vector<const Tensor*> reads;
        for (int k = 0; k < input_count(layer); ++k) {
            const int source = input_index(layer, last, k);
            reads.push_back(source == kPipelineInput ? input.get()
                                                     : run.layers[source].output.get());
        }
        const Tensor& want = *run.layers[last].output;
        // The layer on its own, as the Speed panel times it.
        const OpenCvTime time = opencv_layer_time(layer, reads, want.shape());
        QVERIFY2(int(time.peer) == peer && time.ms, time.why_not.c_str());
        std::string why;
        const Tensor got = opencv_layer_output(layer, reads, want.shape(), &why);
        QVERIFY2(!got.empty(), why.c_str());
        QVERIFY2(test::close_enough(got, want, 1e-4),
                 qPrintable(QString::number(test::relative_difference(got, want))));
        // The whole pipeline as one DNN net, as the panel's total is.
        const Tensor net = opencv_net_output(pipeline, *input, last + 1, want.shape(), &why);
        QVERIFY2(!net.empty(), why.c_str());
        QVERIFY2(test::close_enough(net, want, 1e-4),
                 qPrintable(QString::number(test::relative_difference(net, want))));
    }

    void hostileLayersAreSkippedWithAReason() {
        const Tensor input = test::random_tensor({16, 200, 200}, 5);
        const Tensor* reads[] = {&input};
        // A NaN weight.
        Conv2d nan = test::random_conv(16, 16, 3, 3, 11);
        nan.weights.set(3, 2, 1, 1, std::numeric_limits<float>::quiet_NaN());
        OpenCvTime t = opencv_layer_time(test::layer_of(nan), reads, {16, 198, 198});
        QCOMPARE(t.peer, OpenCvPeer::None);
        QVERIFY2(t.why_not.find("NaN") != std::string::npos, t.why_not.c_str());
        std::string why;
        QVERIFY(opencv_layer_output(test::layer_of(nan), reads, {16, 198, 198}, &why).empty());
        QVERIFY(!why.empty());
        // An infinite batch-norm variance.
        BatchNorm2d bn;
        bn.weight = bn.bias = bn.running_mean = SharedVector<float>(std::vector<float>(16, 0));
        bn.running_var =
            SharedVector<float>(std::vector<float>(16, std::numeric_limits<float>::infinity()));
        t = opencv_layer_time(test::layer_of(bn), reads, input.shape());
        QCOMPARE(t.peer, OpenCvPeer::None);
        QVERIFY(!t.why_not.empty());
        // A huge kernel: 16 → 16 at 63 × 63 on 200 × 200 is 8e10 FLOPs, seconds in one
        // uncancellable call: refused before it starts.
        Conv2d huge = test::random_conv(16, 16, 63, 63, 12);
        huge.padding = ConvPadding::same();
        const Layer hugeLayer = test::layer_of(huge);
        QVERIFY(layer_cost(hugeLayer, input.shape(), input.shape()).flops > kOpenCvPeerFlopLimit);
        t = opencv_layer_time(hugeLayer, reads, input.shape());
        QCOMPARE(t.peer, OpenCvPeer::None);
        QVERIFY2(t.why_not.find("too large") != std::string::npos, t.why_not.c_str());
        // So is a network that holds it.
        Pipeline p;
        p.layers.push_back(hugeLayer);
        t = opencv_net_time(p, input, 1, input.shape());
        QCOMPARE(t.peer, OpenCvPeer::None);
        QVERIFY(!t.why_not.empty());
        // Ceil mode with a stride above the kernel: PyTorch drops a last window that would start
        // past the input, OpenCV 4.6 may keep it. Either OpenCV computes the engine's map or the
        // size check refuses it, with a reason.
        Pool2d sparse;
        sparse.kernel_size = {1, 1};
        sparse.stride = {3, 3};
        sparse.ceil_mode = true;
        Pipeline pooling;
        pooling.layers.push_back(test::layer_of(sparse));
        const auto small = std::make_shared<Tensor>(test::random_tensor({2, 5, 5}, 6));
        const auto naive = make_backend(BackendKind::Naive);
        const Tensor& pooled = *naive->run(pooling, small).layers[0].output;
        QCOMPARE(pooled.shape(), (Shape{2, 2, 2}));
        const Tensor* smallReads[] = {small.get()};
        const Tensor sparseOut =
            opencv_layer_output(pooling.layers[0], smallReads, pooled.shape(), &why);
        if (sparseOut.empty())
            QVERIFY(!why.empty());
        else
            QVERIFY(test::close_enough(sparseOut, pooled, 1e-4));
        // Input maps that are not there (a caller's mistake) are not read.
        const Tensor* missing[] = {nullptr};
        t = opencv_layer_time(test::layer_of(Activation{}), missing, input.shape());
        QCOMPARE(t.peer, OpenCvPeer::None);
        // An output shape OpenCV does not compute is caught, not written past.
        t = opencv_layer_time(test::layer_of(Activation{}), reads, {16, 10, 10});
        QCOMPARE(t.peer, OpenCvPeer::None);
        QVERIFY(!t.why_not.empty());
    }

    void theNetworkTotalNamesTheLayerWithoutAPeer() {
        Pipeline p = default_pipeline();
        std::get<Conv2d>(p.layers[3].op).padding_mode = PaddingMode::Circular;
        const auto fast = make_backend(BackendKind::Fast);
        const auto naive = make_backend(BackendKind::Naive);
        ReferenceOptions options;
        options.time_naive = false;
        const ReferenceTimes times = time_references(p, rgb_input(30, 40), *fast, *naive, options);
        QCOMPARE(times.opencv.size(), std::size_t(5));
        QVERIFY(times.opencv[0].ms.has_value());
        QVERIFY(!times.opencv[3].ms.has_value());
        QCOMPARE(times.opencv[3].peer, OpenCvPeer::None);
        QVERIFY(times.opencv[4].ms.has_value());
        QCOMPARE(times.opencv_net.peer, OpenCvPeer::None);
        QVERIFY2(times.opencv_net.why_not.find("layer 4") != std::string::npos,
                 times.opencv_net.why_not.c_str());
    }

    void realModelsRunAsOneDnnNet_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<int>("size");
        QTest::newRow("face recognition trunk")
            << QStringLiteral("face-recognition/face_recognition_trunk.onnx") << 150;
        QTest::newRow("fashion-mnist classifier")
            << QStringLiteral("fashion-mnist/fashion_mnist_cnn.onnx") << 28;
    }

    void realModelsRunAsOneDnnNet() {
        // Every layer of the bundled models has its DNN peer, computing the engine's numbers,
        // and the whole model is one DNN net with the engine's output.
        QFETCH(QString, model);
        QFETCH(int, size);
        const OnnxImport imported = import_onnx(
            QStringLiteral(CONVSCOPE_RESOURCES_DIR "/models/%1").arg(model).toStdString());
        const Pipeline& p = imported.pipeline;
        const auto input = std::make_shared<Tensor>(
            test::random_tensor({channel_count(p.input_mode), size, size}, 4, 0.0f, 1.0f));
        const auto fast = make_backend(BackendKind::Fast);
        const auto naive = make_backend(BackendKind::Naive);
        ReferenceOptions options;
        options.time_naive = false;
        options.fast_repeats = 1;
        const ReferenceTimes times = time_references(p, input, *fast, *naive, options);
        QCOMPARE(times.layers, int(p.layers.size()));
        for (int i = 0; i < times.layers; ++i) {
            const OpenCvTime& t = times.opencv[i];
            QVERIFY2(t.peer == OpenCvPeer::Dnn && t.ms,
                     qPrintable(QStringLiteral("layer %1 (%2): %3")
                                    .arg(i + 1)
                                    .arg(QString::fromStdString(display_name(p.layers[i])))
                                    .arg(QString::fromStdString(t.why_not))));
        }
        QVERIFY2(times.opencv_net.ms, times.opencv_net.why_not.c_str());
        const RunResult& run = naive->run(p, input);
        const Tensor& want = *run.layers.back().output;
        std::string why;
        const Tensor net = opencv_net_output(p, *run.input, times.layers, want.shape(), &why);
        QVERIFY2(!net.empty(), why.c_str());
        QVERIFY2(test::close_enough(net, want, 1e-4),
                 qPrintable(QString::number(test::relative_difference(net, want))));
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
