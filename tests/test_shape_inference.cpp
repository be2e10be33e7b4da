// infer_shape / infer_shapes for every layer kind, the errors that stop a pipeline before it
// runs, and layer_cost.

#include "convscope/pipeline.hpp"

#include <QtTest/QtTest>

#include <vector>

using namespace convscope;

namespace {

Conv2d make_conv(int out, int in, Pair kernel, Pair stride = {1, 1},
                 ConvPadding padding = ConvPadding::explicit_size({0, 0}), Pair dilation = {1, 1},
                 int groups = 1) {
    Conv2d conv;
    conv.weights.out_channels = out;
    conv.weights.in_channels = in;
    conv.weights.kernel_h = kernel.h;
    conv.weights.kernel_w = kernel.w;
    conv.weights.values.assign(static_cast<std::size_t>(out) * in * kernel.h * kernel.w, 0.5f);
    conv.stride = stride;
    conv.padding = padding;
    conv.dilation = dilation;
    conv.groups = groups;
    return conv;
}

Pool2d make_pool(PoolKind kind, Pair kernel, Pair stride, Pair padding = {0, 0},
                 bool ceil_mode = false) {
    Pool2d pool;
    pool.kind = kind;
    pool.kernel_size = kernel;
    pool.stride = stride;
    pool.padding = padding;
    pool.ceil_mode = ceil_mode;
    return pool;
}

Layer layer_of(LayerOp op) {
    return Layer{"", true, std::move(op)};
}

// PyTorch's formula for one dimension (floor mode).
int conv_out(int in, int pad, int dilation, int k, int stride) {
    return (in + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
}

QString str(Shape s) {
    return QString::fromStdString(s.str());
}

} // namespace

Q_DECLARE_METATYPE(convscope::Layer)
Q_DECLARE_METATYPE(convscope::Shape)

class TestShapeInference : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void shapeStrIsNumpyStyle();
    void layerOutputShape_data();
    void layerOutputShape();
    void convFollowsPyTorchFormula_data();
    void convFollowsPyTorchFormula();
    void inferShapesChainsEveryLayer();
    void disabledLayerKeepsItsInputShape();
    void invalidLayerThrowsNamingLayerAndShape_data();
    void invalidLayerThrowsNamingLayerAndShape();
    void inferShapesReportsFirstFailingLayer();
    void convCostCountsWeightsBiasAndMultiplyAdds();
    void groupedConvCostDividesInputChannels();
    void poolAndActivationHaveNoParameters();
    void hostileSizesAreRefusedWithoutOverflow_data();
    void hostileSizesAreRefusedWithoutOverflow();
    void samePaddingOfAHugeReachDoesNotOverflow();
};

void TestShapeInference::shapeStrIsNumpyStyle() {
    QCOMPARE(QString::fromStdString(Shape{3, 64, 32}.str()), QString("[3, 64, 32]"));
}

void TestShapeInference::layerOutputShape_data() {
    QTest::addColumn<Layer>("layer");
    QTest::addColumn<Shape>("input");
    QTest::addColumn<Shape>("expected");

    const Shape gray64{1, 64, 64};
    const Shape rgb64{3, 64, 64};
    QTest::newRow("conv 3x3 no padding")
        << layer_of(make_conv(8, 1, {3, 3})) << gray64 << Shape{8, 62, 62};
    QTest::newRow("conv 3x3 padding 1")
        << layer_of(make_conv(4, 3, {3, 3}, {1, 1}, ConvPadding::explicit_size({1, 1}))) << rgb64
        << Shape{4, 64, 64};
    QTest::newRow("conv 5x5 stride 2 padding 2")
        << layer_of(make_conv(2, 1, {5, 5}, {2, 2}, ConvPadding::explicit_size({2, 2}))) << gray64
        << Shape{2, 32, 32};
    QTest::newRow("conv 3x3 stride 2 on odd size 7")
        << layer_of(make_conv(1, 1, {3, 3}, {2, 2})) << Shape{1, 7, 7} << Shape{1, 3, 3};
    QTest::newRow("conv 3x3 dilation 2")
        << layer_of(make_conv(1, 1, {3, 3}, {1, 1}, ConvPadding::explicit_size({0, 0}), {2, 2}))
        << gray64 << Shape{1, 60, 60};
    QTest::newRow("conv rectangular 3x5 stride [1,2] padding [1,2]")
        << layer_of(make_conv(6, 3, {3, 5}, {1, 2}, ConvPadding::explicit_size({1, 2})))
        << Shape{3, 20, 30} << Shape{6, 20, 15};
    QTest::newRow("conv valid 3x3")
        << layer_of(make_conv(1, 1, {3, 3}, {1, 1}, ConvPadding::valid())) << Shape{1, 5, 5}
        << Shape{1, 3, 3};
    QTest::newRow("conv same 3x3") << layer_of(make_conv(5, 3, {3, 3}, {1, 1}, ConvPadding::same()))
                                   << rgb64 << Shape{5, 64, 64};
    QTest::newRow("conv same even 4x2 with dilation 3")
        << layer_of(make_conv(1, 1, {4, 2}, {1, 1}, ConvPadding::same(), {3, 3})) << Shape{1, 13, 9}
        << Shape{1, 13, 9};
    QTest::newRow("conv kernel larger than image, padding")
        << layer_of(make_conv(1, 1, {5, 5}, {1, 1}, ConvPadding::explicit_size({2, 2})))
        << Shape{1, 2, 2} << Shape{1, 2, 2};
    QTest::newRow("conv 1x1 image, 3x3 padding 1")
        << layer_of(make_conv(1, 1, {3, 3}, {1, 1}, ConvPadding::explicit_size({1, 1})))
        << Shape{1, 1, 1} << Shape{1, 1, 1};
    QTest::newRow("conv groups 2")
        << layer_of(make_conv(4, 2, {1, 1}, {1, 1}, ConvPadding::explicit_size({0, 0}), {1, 1}, 2))
        << Shape{4, 9, 9} << Shape{4, 9, 9};

    QTest::newRow("maxpool 2x2") << layer_of(make_pool(PoolKind::Max, {2, 2}, {2, 2})) << rgb64
                                 << Shape{3, 32, 32};
    QTest::newRow("maxpool 2x2 floor on 5x5")
        << layer_of(make_pool(PoolKind::Max, {2, 2}, {2, 2})) << Shape{1, 5, 5} << Shape{1, 2, 2};
    QTest::newRow("maxpool 2x2 ceil_mode on 5x5")
        << layer_of(make_pool(PoolKind::Max, {2, 2}, {2, 2}, {0, 0}, true)) << Shape{1, 5, 5}
        << Shape{1, 3, 3};
    QTest::newRow("avgpool 3x3 stride 2 padding 1 ceil_mode on 4x4")
        << layer_of(make_pool(PoolKind::Avg, {3, 3}, {2, 2}, {1, 1}, true)) << Shape{2, 4, 4}
        << Shape{2, 3, 3};
    QTest::newRow("maxpool ceil_mode drops window starting in padding (3x3)")
        << layer_of(make_pool(PoolKind::Max, {2, 2}, {2, 2}, {1, 1}, true)) << Shape{1, 3, 3}
        << Shape{1, 2, 2};
    QTest::newRow("maxpool ceil_mode exact fit changes nothing (64)")
        << layer_of(make_pool(PoolKind::Max, {2, 2}, {2, 2}, {0, 0}, true)) << gray64
        << Shape{1, 32, 32};
    QTest::newRow("avgpool 3x3 stride 1 padding 1")
        << layer_of(make_pool(PoolKind::Avg, {3, 3}, {1, 1}, {1, 1})) << gray64 << gray64;
    QTest::newRow("avgpool rectangular 2x4 stride [2,4]")
        << layer_of(make_pool(PoolKind::Avg, {2, 4}, {2, 4})) << Shape{1, 10, 17} << Shape{1, 5, 4};
    QTest::newRow("maxpool stride 3 > kernel 2")
        << layer_of(make_pool(PoolKind::Max, {2, 2}, {3, 3})) << Shape{1, 8, 8} << Shape{1, 3, 3};

    QTest::newRow("relu") << layer_of(Activation{ActivationKind::ReLU}) << rgb64 << rgb64;
    QTest::newRow("leaky_relu") << layer_of(Activation{ActivationKind::LeakyReLU, 0.2f})
                                << Shape{2, 7, 3} << Shape{2, 7, 3};
    QTest::newRow("sigmoid") << layer_of(Activation{ActivationKind::Sigmoid}) << gray64 << gray64;
    QTest::newRow("tanh") << layer_of(Activation{ActivationKind::Tanh}) << Shape{1, 1, 1}
                          << Shape{1, 1, 1};
}

void TestShapeInference::layerOutputShape() {
    QFETCH(Layer, layer);
    QFETCH(Shape, input);
    QFETCH(Shape, expected);
    const Shape got = infer_shape(layer, input, 0);
    QVERIFY2(got == expected, qPrintable("got " + str(got) + ", want " + str(expected)));
}

void TestShapeInference::convFollowsPyTorchFormula_data() {
    QTest::addColumn<int>("in");
    QTest::addColumn<int>("k");
    QTest::addColumn<int>("stride");
    QTest::addColumn<int>("pad");
    QTest::addColumn<int>("dilation");
    int rows = 0;
    for (int in : {1, 2, 7, 16, 33})
        for (int k : {1, 2, 3, 5})
            for (int stride : {1, 2, 3})
                for (int pad : {0, 1, 2})
                    for (int dilation : {1, 2}) {
                        if (conv_out(in, pad, dilation, k, stride) < 1 ||
                            in + 2 * pad - dilation * (k - 1) - 1 < 0)
                            continue;
                        QTest::newRow(qPrintable(QString("in %1 k %2 s %3 p %4 d %5")
                                                     .arg(in)
                                                     .arg(k)
                                                     .arg(stride)
                                                     .arg(pad)
                                                     .arg(dilation)))
                            << in << k << stride << pad << dilation;
                        ++rows;
                    }
    QVERIFY(rows > 100);
}

void TestShapeInference::convFollowsPyTorchFormula() {
    QFETCH(int, in);
    QFETCH(int, k);
    QFETCH(int, stride);
    QFETCH(int, pad);
    QFETCH(int, dilation);
    // Height and width get different sizes so a swapped pair shows.
    const int in_w = in + 3;
    const Layer layer =
        layer_of(make_conv(2, 1, {k, k}, {stride, stride}, ConvPadding::explicit_size({pad, pad}),
                           {dilation, dilation}));
    const Shape got = infer_shape(layer, Shape{1, in, in_w}, 0);
    const Shape want{2, conv_out(in, pad, dilation, k, stride),
                     conv_out(in_w, pad, dilation, k, stride)};
    QVERIFY2(got == want, qPrintable("got " + str(got) + ", want " + str(want)));
}

void TestShapeInference::inferShapesChainsEveryLayer() {
    Pipeline p;
    p.input_mode = InputMode::Rgb;
    p.layers.push_back(layer_of(make_conv(8, 3, {3, 3}, {1, 1}, ConvPadding::same())));
    p.layers.push_back(layer_of(Activation{ActivationKind::ReLU}));
    p.layers.push_back(layer_of(make_pool(PoolKind::Max, {2, 2}, {2, 2})));
    p.layers.push_back(layer_of(make_conv(4, 8, {5, 5}, {2, 2})));
    p.layers.push_back(layer_of(make_pool(PoolKind::Avg, {3, 3}, {3, 3}, {1, 1}, true)));
    p.layers.push_back(layer_of(Activation{ActivationKind::Sigmoid}));
    const std::vector<Shape> shapes = infer_shapes(p, Shape{3, 64, 64});
    // The ceil-mode pool on 14: ceil(13 / 3) + 1 = 6, but window 5 would start at 15 − 1 = 14,
    // in the right padding, so it is dropped: 5.
    const std::vector<Shape> want{{8, 64, 64}, {8, 64, 64}, {8, 32, 32},
                                  {4, 14, 14}, {4, 5, 5},   {4, 5, 5}};
    QCOMPARE(shapes.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i)
        QVERIFY2(
            shapes[i] == want[i],
            qPrintable(
                QString("layer %1: got %2, want %3").arg(i).arg(str(shapes[i]), str(want[i]))));
    QVERIFY(infer_shapes(Pipeline{}, Shape{1, 5, 5}).empty());
}

void TestShapeInference::disabledLayerKeepsItsInputShape() {
    Pipeline p;
    p.layers.push_back(layer_of(make_pool(PoolKind::Max, {2, 2}, {2, 2})));
    p.layers.back().enabled = false;
    p.layers.push_back(layer_of(make_conv(2, 1, {3, 3})));
    const std::vector<Shape> shapes = infer_shapes(p, Shape{1, 10, 10});
    QCOMPARE(shapes.size(), std::size_t{2});
    QVERIFY(shapes[0] == (Shape{1, 10, 10}));
    QVERIFY(shapes[1] == (Shape{2, 8, 8}));
}

void TestShapeInference::invalidLayerThrowsNamingLayerAndShape_data() {
    QTest::addColumn<Layer>("layer");
    QTest::addColumn<Shape>("input");
    // Whether the error depends on the input (then the message must show the input's shape).
    QTest::addColumn<bool>("shape_dependent");

    QTest::newRow("conv expects 3 channels, input has 1")
        << layer_of(make_conv(4, 3, {3, 3})) << Shape{1, 16, 16} << true;
    QTest::newRow("conv expects 1 channel, input has 3")
        << layer_of(make_conv(4, 1, {3, 3})) << Shape{3, 16, 16} << true;
    QTest::newRow("7x7 valid conv on 5x5 shrinks to nothing")
        << layer_of(make_conv(1, 1, {7, 7}, {1, 1}, ConvPadding::valid())) << Shape{1, 5, 5}
        << true;
    QTest::newRow("3x3 dilation 3 on 6x6 shrinks to nothing")
        << layer_of(make_conv(1, 1, {3, 3}, {1, 1}, ConvPadding::explicit_size({0, 0}), {3, 3}))
        << Shape{1, 6, 6} << true;
    QTest::newRow("1x9 conv on 8 columns shrinks width to nothing")
        << layer_of(make_conv(1, 1, {1, 9})) << Shape{1, 20, 8} << true;
    QTest::newRow("out_channels 3 not divisible by groups 2")
        << layer_of(make_conv(3, 2, {1, 1}, {1, 1}, ConvPadding::explicit_size({0, 0}), {1, 1}, 2))
        << Shape{4, 8, 8} << false;
    QTest::newRow("in_channels x groups differs from input channels")
        << layer_of(make_conv(4, 2, {1, 1}, {1, 1}, ConvPadding::explicit_size({0, 0}), {1, 1}, 2))
        << Shape{3, 8, 8} << true;
    QTest::newRow("same with stride 2")
        << layer_of(make_conv(1, 1, {3, 3}, {2, 2}, ConvPadding::same())) << Shape{1, 16, 16}
        << false;
    {
        Conv2d conv = make_conv(1, 1, {3, 3}, {1, 1}, ConvPadding::explicit_size({3, 3}));
        conv.padding_mode = PaddingMode::Reflect;
        QTest::newRow("reflect padding 3 on 3x3 input") << layer_of(conv) << Shape{1, 3, 3} << true;
        conv.padding = ConvPadding::explicit_size({1, 1});
        QTest::newRow("reflect padding 1 on 1x1 input") << layer_of(conv) << Shape{1, 1, 1} << true;
        conv.padding = ConvPadding::explicit_size({0, 4});
        QTest::newRow("reflect padding 4 on width 4") << layer_of(conv) << Shape{1, 9, 4} << true;
    }
    QTest::newRow("maxpool padding 2 > kernel 2 / 2")
        << layer_of(make_pool(PoolKind::Max, {2, 2}, {2, 2}, {2, 2})) << Shape{1, 16, 16} << false;
    QTest::newRow("avgpool padding 2 > kernel 3 / 2")
        << layer_of(make_pool(PoolKind::Avg, {3, 3}, {1, 1}, {2, 0})) << Shape{1, 16, 16} << false;
    QTest::newRow("maxpool padding 1 > kernel 1 / 2")
        << layer_of(make_pool(PoolKind::Max, {1, 1}, {1, 1}, {0, 1})) << Shape{1, 16, 16} << false;
    QTest::newRow("maxpool 4x4 on 3x3 shrinks to nothing")
        << layer_of(make_pool(PoolKind::Max, {4, 4}, {4, 4})) << Shape{1, 3, 3} << true;
}

void TestShapeInference::invalidLayerThrowsNamingLayerAndShape() {
    QFETCH(Layer, layer);
    QFETCH(Shape, input);
    QFETCH(bool, shape_dependent);
    // Put the bad layer at index 2, after two layers that keep the shape.
    Pipeline p;
    p.layers.push_back(layer_of(Activation{ActivationKind::ReLU}));
    p.layers.push_back(layer_of(Activation{ActivationKind::Tanh}));
    p.layers.push_back(layer);

    // infer_shape alone: the index passed in is the one reported.
    try {
        (void)infer_shape(layer, input, 5);
        QFAIL("infer_shape accepted an invalid layer");
    } catch (const PipelineError& e) {
        QCOMPARE(e.layer_index(), 5);
        QVERIFY2(QString(e.what()).contains("layer 6"), e.what()); // numbered from 1
    }

    try {
        (void)infer_shapes(p, input);
        QFAIL("infer_shapes accepted an invalid pipeline");
    } catch (const PipelineError& e) {
        const QString msg = e.what();
        QCOMPARE(e.layer_index(), 2);
        QVERIFY2(msg.contains("layer 3"), e.what());
        if (shape_dependent)
            QVERIFY2(msg.contains(str(input)),
                     qPrintable("no input shape " + str(input) + " in: " + msg));
    }
}

void TestShapeInference::inferShapesReportsFirstFailingLayer() {
    // Layer 1 turns 1 channel into 2; layer 3 expects 1 channel: the failure is at 3, not 1.
    Pipeline p;
    p.layers.push_back(layer_of(Activation{ActivationKind::ReLU}));
    p.layers.push_back(layer_of(make_conv(2, 1, {3, 3})));
    p.layers.push_back(layer_of(make_pool(PoolKind::Max, {2, 2}, {2, 2})));
    p.layers.push_back(layer_of(make_conv(1, 1, {3, 3})));
    try {
        (void)infer_shapes(p, Shape{1, 20, 20});
        QFAIL("channel mismatch at layer 3 was accepted");
    } catch (const PipelineError& e) {
        QCOMPARE(e.layer_index(), 3);
        const QString msg = e.what();
        QVERIFY2(msg.contains("layer 4"), e.what());
        // The shape the layer received: [2, 9, 9].
        QVERIFY2(msg.contains("[2, 9, 9]"), e.what());
    }
}

void TestShapeInference::convCostCountsWeightsBiasAndMultiplyAdds() {
    Conv2d conv = make_conv(8, 3, {3, 5}, {1, 1}, ConvPadding::same());
    const Shape in{3, 20, 30};
    const Shape out = infer_shape(layer_of(conv), in, 0);
    QVERIFY(out == (Shape{8, 20, 30}));
    const double out_elements = 8.0 * 20 * 30;
    const double multiply_adds = out_elements * (3 * 3 * 5);

    // Without bias: weights only, and 2 flops per multiply-add.
    const LayerCost no_bias = layer_cost(layer_of(conv), in, out);
    QCOMPARE(no_bias.parameters, 8LL * 3 * 3 * 5);
    QCOMPARE(no_bias.flops, 2.0 * multiply_adds);

    // With bias: one parameter per output channel, and one add per output element.
    conv.bias.assign(8, 0.0f);
    const LayerCost with_bias = layer_cost(layer_of(conv), in, out);
    QCOMPARE(with_bias.parameters, 8LL * 3 * 3 * 5 + 8);
    QCOMPARE(with_bias.flops, 2.0 * multiply_adds + out_elements);
}

void TestShapeInference::groupedConvCostDividesInputChannels() {
    // 6 inputs in 3 groups: each output sees in/groups = 2 channels.
    Conv2d conv = make_conv(6, 2, {3, 3}, {2, 2}, ConvPadding::explicit_size({1, 1}), {1, 1}, 3);
    const Shape in{6, 16, 16};
    const Shape out = infer_shape(layer_of(conv), in, 0);
    QVERIFY(out == (Shape{6, 8, 8}));
    const LayerCost cost = layer_cost(layer_of(conv), in, out);
    QCOMPARE(cost.parameters, 6LL * 2 * 3 * 3);
    QCOMPARE(cost.flops, 2.0 * (6.0 * 8 * 8) * (2 * 3 * 3));
    conv.bias.assign(6, 1.0f);
    QCOMPARE(layer_cost(layer_of(conv), in, out).parameters, 6LL * 2 * 3 * 3 + 6);
}

void TestShapeInference::poolAndActivationHaveNoParameters() {
    const Layer pool = layer_of(make_pool(PoolKind::Max, {2, 2}, {2, 2}));
    const LayerCost pc = layer_cost(pool, Shape{3, 8, 8}, Shape{3, 4, 4});
    QCOMPARE(pc.parameters, 0LL);
    QVERIFY(pc.flops >= 0);
    const Layer avg = layer_of(make_pool(PoolKind::Avg, {3, 3}, {1, 1}, {1, 1}));
    QCOMPARE(layer_cost(avg, Shape{1, 8, 8}, Shape{1, 8, 8}).parameters, 0LL);
    for (ActivationKind kind : {ActivationKind::ReLU, ActivationKind::LeakyReLU,
                                ActivationKind::Sigmoid, ActivationKind::Tanh}) {
        const LayerCost ac = layer_cost(layer_of(Activation{kind}), Shape{2, 5, 5}, Shape{2, 5, 5});
        QCOMPARE(ac.parameters, 0LL);
        QVERIFY(ac.flops >= 0);
    }
}

// Sizes from hostile files: each is refused naming the layer and the field, computed in 64 bits
// (under UBSan a wrapped int is a failure of its own), never a shape that wrapped around.
void TestShapeInference::hostileSizesAreRefusedWithoutOverflow_data() {
    QTest::addColumn<Layer>("layer");
    QTest::addColumn<Shape>("input");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("fragment");

    // info printed [1, 303, 2095967680] for this one, and run crashed in the FFT.
    QTest::newRow("dilation 1,000,000 with a 1x303 kernel, padding same")
        << layer_of(make_conv(1, 1, {1, 303}, {1, 1}, ConvPadding::same(), {1, 1000000}))
        << Shape{1, 303, 640} << "dilation"
        << "reach";
    QTest::newRow("dilation 1,000,000 with a 3x3 kernel")
        << layer_of(make_conv(1, 1, {3, 3}, {1, 1}, ConvPadding::explicit_size({0, 0}),
                              {1000000, 1000000}))
        << Shape{1, 64, 64} << "dilation"
        << "reach";
    QTest::newRow("padding 1,000,000 on every side")
        << layer_of(make_conv(1, 1, {1, 1}, {1, 1}, ConvPadding::explicit_size({1000000, 1})))
        << Shape{1, 64, 64} << "padding"
        << "at most 1048576 rows";
    QTest::newRow("padding 30000 on a 1000 x 1000 map (15 GB)")
        << layer_of(make_conv(1, 1, {1, 1}, {1, 1}, ConvPadding::explicit_size({30000, 30000})))
        << Shape{1, 1000, 1000} << "padding"
        << "at most 1073741824 pixels";
    QTest::newRow("a pooling window of 2,000,000")
        << layer_of(make_pool(PoolKind::Max, {2000000, 1}, {1, 1})) << Shape{1, 64, 64}
        << "kernel_size"
        << "larger than the largest map";
    Pad2d pad;
    pad.sides = {2000000000, 2000000000, 0, 0};
    QTest::newRow("a pad of 2,000,000,000 rows") << layer_of(pad) << Shape{1, 64, 64} << "padding"
                                                 << "at most 1048576 rows";
    QTest::newRow("flattening 64 million features")
        << layer_of(Flatten{}) << Shape{4096, 128, 128} << ""
        << "channels";
}

void TestShapeInference::hostileSizesAreRefusedWithoutOverflow() {
    QFETCH(Layer, layer);
    QFETCH(Shape, input);
    QFETCH(QString, field);
    QFETCH(QString, fragment);
    try {
        const Shape out = infer_shape(layer, input, 3); // index 3: "layer 4"
        QFAIL(qPrintable("accepted, giving " + str(out)));
    } catch (const PipelineError& e) {
        QCOMPARE(e.layer_index(), 3);
        QCOMPARE(QString::fromStdString(e.field()), field);
        QVERIFY2(QString(e.what()).contains("layer 4"), e.what());
        QVERIFY2(QString(e.what()).contains(fragment), e.what());
    }
}

void TestShapeInference::samePaddingOfAHugeReachDoesNotOverflow() {
    const Conv2d conv = make_conv(1, 1, {3000, 3}, {1, 1}, ConvPadding::same(), {1000000, 1000000});
    const PadSides pad = conv.pad_sides();
    QVERIFY(pad.top >= 0 && pad.bottom >= 0 && pad.left >= 0 && pad.right >= 0);
}

QTEST_APPLESS_MAIN(TestShapeInference)
#include "test_shape_inference.moc"
