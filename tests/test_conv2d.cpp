// naive_conv2d against answers worked out by hand (and checked against torch.nn.Conv2d):
// cross-correlation, stride, dilation, every padding kind and mode, groups, bias, odd shapes.

#include "support/compare.hpp"
#include "support/tensors.hpp"

#include "convscope/naive_backend.hpp"
#include "convscope/pipeline.hpp"

#include <QtTest/QtTest>

#include <cmath>
#include <initializer_list>
#include <numeric>
#include <vector>

using namespace convscope;
using test::close_enough;
using test::make_conv;

namespace {

struct ConvCase {
    Tensor input;
    Conv2d conv;
    Shape expected_shape;
    std::vector<float> expected; // dense C×H×W
};

// A C×H×W tensor holding start, start+1, … in C order.
Tensor ramp(int c, int h, int w, float start = 1.0f) {
    std::vector<float> values(static_cast<std::size_t>(c) * h * w);
    std::iota(values.begin(), values.end(), start);
    return Tensor::from_dense(Shape{c, h, w}, values);
}

// A dense map written row by row (rows must all have the same length).
std::vector<float> rows(std::initializer_list<std::initializer_list<float>> grid) {
    std::vector<float> values;
    for (const auto& row : grid)
        values.insert(values.end(), row.begin(), row.end());
    return values;
}

// Shapes the output with infer_shape (as the backend does) and runs the naive conv.
Tensor run_conv(const Conv2d& conv, const Tensor& input) {
    const Layer layer{"", true, conv};
    const Shape out_shape = infer_shape(layer, input.shape(), 0);
    Tensor output(out_shape);
    output.fill(12345.0f); // every element must be written
    naive_conv2d(conv, input, output);
    return output;
}

QString describe(const std::vector<float>& v) {
    QStringList parts;
    for (float x : v)
        parts << QString::number(x);
    return "[" + parts.join(", ") + "]";
}

} // namespace

Q_DECLARE_METATYPE(ConvCase)

class TestConv2d : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void knownAnswers_data();
    void knownAnswers();
    void rampWithHorizontalDifferenceIsMinusSixEverywhere();
    void sameWithEvenKernelPadsBottomRight();
    void sameResolvesToPyTorchSplit_data();
    void sameResolvesToPyTorchSplit();
    void groupsSeeOnlyTheirOwnInputChannels();
    void depthwiseConvKeepsChannelsApart();
    void biasIsAddedPerOutputChannel();
    void multipleInputChannelsAreSummed();
};

// The expected maps are laid out as grids, by hand.
// clang-format off
void TestConv2d::knownAnswers_data() {
    QTest::addColumn<ConvCase>("c");

    // The 5×5 ramp 1…25; each row of [1, 0, -1] gives x[j] - x[j+2] = -2, three rows give -6.
    {
        Conv2d conv = make_conv(1, 1, 3, 3, {1, 0, -1, 1, 0, -1, 1, 0, -1});
        conv.padding = ConvPadding::valid();
        QTest::newRow("ramp 5x5, [1,0,-1] x3, valid")
            << ConvCase{ramp(1, 5, 5), conv, {1, 3, 3}, std::vector<float>(9, -6.0f)};
    }
    // 2×2 kernel [[1,2],[3,4]] on the ramp: at (y, x) it is
    // r(y,x) + 2 r(y,x+1) + 3 r(y+1,x) + 4 r(y+1,x+1) = 10 r(y,x) + 2 + 15 + 24 = 10 r + 41.
    {
        Conv2d conv = make_conv(1, 1, 2, 2, {1, 2, 3, 4});
        conv.stride = {2, 2};
        // Rows 0, 2; columns 0, 2: r = 1, 3, 11, 13.
        QTest::newRow("stride 2")
            << ConvCase{ramp(1, 5, 5), conv, {1, 2, 2}, {51, 71, 151, 171}};
    }
    {
        Conv2d conv = make_conv(1, 1, 2, 2, {1, 2, 3, 4});
        conv.stride = {2, 1};
        // Rows 0, 2; columns 0…3: r = 1, 2, 3, 4, 11, 12, 13, 14.
        QTest::newRow("stride [2,1]")
            << ConvCase{ramp(1, 5, 5), conv, {1, 2, 4}, rows({
                {51, 61, 71, 81},
                {151, 161, 171, 181},
            })};
    }
    {
        Conv2d conv = make_conv(1, 1, 2, 2, {1, 2, 3, 4});
        conv.stride = {3, 3};
        // Stride larger than the kernel: rows 0, 3; columns 0, 3: r = 1, 4, 16, 19.
        QTest::newRow("stride 3 > kernel 2")
            << ConvCase{ramp(1, 5, 5), conv, {1, 2, 2}, {51, 81, 201, 231}};
    }
    {
        // Dilation 2: the 3×3 kernel of ones spans 5×5 and sums rows/cols 0, 2, 4.
        Conv2d conv = make_conv(1, 1, 3, 3, std::vector<float>(9, 1.0f));
        conv.dilation = {2, 2};
        QTest::newRow("dilation 2, 3x3 ones on 5x5")
            << ConvCase{ramp(1, 5, 5), conv, {1, 1, 1}, {1 + 3 + 5 + 11 + 13 + 15 + 21 + 23 + 25}};
    }
    {
        // Dilation 2 on the 4×4 ramp: r(y,x) + 2 r(y,x+2) + 3 r(y+2,x) + 4 r(y+2,x+2)
        // = 10 r + 4 + 24 + 40 = 10 r + 68 (r = 1, 2, 5, 6).
        Conv2d conv = make_conv(1, 1, 2, 2, {1, 2, 3, 4});
        conv.dilation = {2, 2};
        QTest::newRow("dilation 2, 2x2 on 4x4")
            << ConvCase{ramp(1, 4, 4), conv, {1, 2, 2}, {78, 88, 118, 128}};
    }
    {
        // Padding 1 with zeros: sums of the 3×3 neighbourhoods of the 3×3 ramp.
        Conv2d conv = make_conv(1, 1, 3, 3, std::vector<float>(9, 1.0f));
        conv.padding = ConvPadding::explicit_size({1, 1});
        QTest::newRow("padding 1 zeros")
            << ConvCase{ramp(1, 3, 3), conv, {1, 3, 3}, rows({
                {12, 21, 16},
                {27, 45, 33},
                {24, 39, 28},
            })};
    }
    {
        // "same" with a 2×2 kernel of ones: total padding 1 goes to the bottom/right, so each
        // output sums the pixel, its right, lower and lower-right neighbours.
        Conv2d conv = make_conv(1, 1, 2, 2, {1, 1, 1, 1});
        conv.padding = ConvPadding::same();
        QTest::newRow("same, even kernel 2x2 ones")
            << ConvCase{ramp(1, 3, 3), conv, {1, 3, 3}, rows({
                {12, 16, 9},
                {24, 28, 15},
                {15, 17, 9},
            })};
    }
    {
        Conv2d conv = make_conv(1, 1, 2, 2, {1, 2, 3, 4});
        conv.padding = ConvPadding::same();
        QTest::newRow("same, even kernel 2x2 weighted")
            << ConvCase{ramp(1, 3, 3), conv, {1, 3, 3}, rows({
                {37, 47, 21},
                {67, 77, 33},
                {23, 26, 9},
            })};
    }
    {
        // "same" with 1×4: total 3 → 1 left, 2 right. Output x reads columns x-1 … x+2.
        Conv2d conv = make_conv(1, 1, 1, 4, {1, 10, 100, 1000});
        conv.padding = ConvPadding::same();
        QTest::newRow("same, 1x4 kernel: 1 left, 2 right")
            << ConvCase{ramp(1, 3, 3), conv, {1, 3, 3}, rows({
                {3210, 321, 32},
                {6540, 654, 65},
                {9870, 987, 98},
            })};
    }
    // A 1×1 kernel of weight 1 with padding 1 returns the padded image itself (5×5), so each
    // padding mode's picture of the 3×3 ramp [[1,2,3],[4,5,6],[7,8,9]] is visible directly.
    {
        Conv2d conv = make_conv(1, 1, 1, 1, {1});
        conv.padding = ConvPadding::explicit_size({1, 1});
        QTest::newRow("zeros mode, 1x1 kernel padding 1")
            << ConvCase{ramp(1, 3, 3), conv, {1, 5, 5}, rows({
                {0, 0, 0, 0, 0},
                {0, 1, 2, 3, 0},
                {0, 4, 5, 6, 0},
                {0, 7, 8, 9, 0},
                {0, 0, 0, 0, 0},
            })};
        conv.padding_mode = PaddingMode::Reflect;
        QTest::newRow("reflect mode, 1x1 kernel padding 1")
            << ConvCase{ramp(1, 3, 3), conv, {1, 5, 5}, rows({
                {5, 4, 5, 6, 5},
                {2, 1, 2, 3, 2},
                {5, 4, 5, 6, 5},
                {8, 7, 8, 9, 8},
                {5, 4, 5, 6, 5},
            })};
        conv.padding_mode = PaddingMode::Replicate;
        QTest::newRow("replicate mode, 1x1 kernel padding 1")
            << ConvCase{ramp(1, 3, 3), conv, {1, 5, 5}, rows({
                {1, 1, 2, 3, 3},
                {1, 1, 2, 3, 3},
                {4, 4, 5, 6, 6},
                {7, 7, 8, 9, 9},
                {7, 7, 8, 9, 9},
            })};
        conv.padding_mode = PaddingMode::Circular;
        QTest::newRow("circular mode, 1x1 kernel padding 1")
            << ConvCase{ramp(1, 3, 3), conv, {1, 5, 5}, rows({
                {9, 7, 8, 9, 7},
                {3, 1, 2, 3, 1},
                {6, 4, 5, 6, 4},
                {9, 7, 8, 9, 7},
                {3, 1, 2, 3, 1},
            })};
    }
    {
        // Asymmetric padding pair [1, 2] in replicate mode: height grows by 2, width by 4.
        Conv2d conv = make_conv(1, 1, 1, 1, {1});
        conv.padding = ConvPadding::explicit_size({1, 2});
        conv.padding_mode = PaddingMode::Replicate;
        QTest::newRow("replicate mode, padding [1,2]")
            << ConvCase{ramp(1, 2, 2), conv, {1, 4, 6}, rows({
                {1, 1, 1, 2, 2, 2},
                {1, 1, 1, 2, 2, 2},
                {3, 3, 3, 4, 4, 4},
                {3, 3, 3, 4, 4, 4},
            })};
    }
    {
        // Weighted 3×3 [[1..9]] with padding 1 on the 4×4 ramp, in each mode.
        Conv2d conv = make_conv(1, 1, 3, 3, {1, 2, 3, 4, 5, 6, 7, 8, 9});
        conv.padding = ConvPadding::explicit_size({1, 1});
        conv.padding_mode = PaddingMode::Reflect;
        QTest::newRow("reflect mode, 3x3 on 4x4")
            << ConvCase{ramp(1, 4, 4), conv, {1, 4, 4}, rows({
                {195, 216, 261, 270},
                {327, 348, 393, 402},
                {507, 528, 573, 582},
                {495, 516, 561, 570},
            })};
        conv.padding_mode = PaddingMode::Replicate;
        QTest::newRow("replicate mode, 3x3 on 4x4")
            << ConvCase{ramp(1, 4, 4), conv, {1, 4, 4}, rows({
                {159, 192, 237, 264},
                {315, 348, 393, 420},
                {495, 528, 573, 600},
                {579, 612, 657, 684},
            })};
        conv.padding_mode = PaddingMode::Circular;
        QTest::newRow("circular mode, 3x3 on 4x4")
            << ConvCase{ramp(1, 4, 4), conv, {1, 4, 4}, rows({
                {267, 264, 309, 282},
                {351, 348, 393, 366},
                {531, 528, 573, 546},
                {327, 324, 369, 342},
            })};
    }
    {
        // "same" with an even 2×2 kernel in each non-zero mode: the pad is on the bottom/right.
        Conv2d conv = make_conv(1, 1, 2, 2, {1, 2, 3, 4});
        conv.padding = ConvPadding::same();
        conv.padding_mode = PaddingMode::Reflect;
        QTest::newRow("reflect mode, same 2x2 on 4x4")
            << ConvCase{ramp(1, 4, 4), conv, {1, 4, 4}, rows({
                {44, 54, 64, 62},
                {84, 94, 104, 102},
                {124, 134, 144, 142},
                {108, 118, 128, 126},
            })};
        conv.padding_mode = PaddingMode::Replicate;
        QTest::newRow("replicate mode, same 2x2 on 4x4")
            << ConvCase{ramp(1, 4, 4), conv, {1, 4, 4}, rows({
                {44, 54, 64, 68},
                {84, 94, 104, 108},
                {124, 134, 144, 148},
                {136, 146, 156, 160},
            })};
        conv.padding_mode = PaddingMode::Circular;
        QTest::newRow("circular mode, same 2x2 on 4x4")
            << ConvCase{ramp(1, 4, 4), conv, {1, 4, 4}, rows({
                {44, 54, 64, 50},
                {84, 94, 104, 90},
                {124, 134, 144, 130},
                {52, 62, 72, 58},
            })};
    }
    {
        // Rectangular kernels: 1×3 [1,2,3] gives 6 r + 8; 3×1 [1,2,3]ᵀ gives 6 r + 40.
        Conv2d conv = make_conv(1, 1, 1, 3, {1, 2, 3});
        QTest::newRow("rectangular 1x3")
            << ConvCase{ramp(1, 5, 5), conv, {1, 5, 3}, rows({
                {14, 20, 26},
                {44, 50, 56},
                {74, 80, 86},
                {104, 110, 116},
                {134, 140, 146},
            })};
        Conv2d tall = make_conv(1, 1, 3, 1, {1, 2, 3});
        QTest::newRow("rectangular 3x1")
            << ConvCase{ramp(1, 5, 5), tall, {1, 3, 5}, rows({
                {46, 52, 58, 64, 70},
                {76, 82, 88, 94, 100},
                {106, 112, 118, 124, 130},
            })};
    }
    {
        // A 1×1 image (value 2) with a 3×3 kernel 1…9 and padding 1: only the centre weight
        // (5) sees the pixel with zeros; replicate and circular fill every tap with 2.
        Conv2d conv = make_conv(1, 1, 3, 3, {1, 2, 3, 4, 5, 6, 7, 8, 9});
        conv.padding = ConvPadding::explicit_size({1, 1});
        const Tensor one = Tensor::from_dense(Shape{1, 1, 1}, std::vector<float>{2.0f});
        QTest::newRow("1x1 image, 3x3 kernel, zeros")
            << ConvCase{one, conv, {1, 1, 1}, {10}};
        conv.padding_mode = PaddingMode::Replicate;
        QTest::newRow("1x1 image, 3x3 kernel, replicate")
            << ConvCase{one, conv, {1, 1, 1}, {90}};
        conv.padding_mode = PaddingMode::Circular;
        QTest::newRow("1x1 image, 3x3 kernel, circular")
            << ConvCase{one, conv, {1, 1, 1}, {90}};
    }
    {
        // A 5×5 kernel 1…25 on the 2×2 image [[1,2],[3,4]] with padding 2: output (y, x) is
        // Σ img(a,b) k(a-y+2, b-x+2); (0,0) = 1·13 + 2·14 + 3·18 + 4·19 = 171.
        std::vector<float> k(25);
        std::iota(k.begin(), k.end(), 1.0f);
        Conv2d conv = make_conv(1, 1, 5, 5, k);
        conv.padding = ConvPadding::explicit_size({2, 2});
        QTest::newRow("kernel larger than image, padding 2")
            << ConvCase{ramp(1, 2, 2), conv, {1, 2, 2}, {171, 161, 121, 111}};
        conv.padding = ConvPadding::explicit_size({2, 3});
        QTest::newRow("kernel larger than image, padding [2,3]")
            << ConvCase{ramp(1, 2, 2), conv, {1, 2, 4}, rows({
                {181, 171, 161, 151},
                {131, 121, 111, 101},
            })};
    }
    {
        // groups = 2 with 4 input channels of constant value 1, 2, 3, 4 (2×2 maps):
        // output 0 = 1·1 + 10·2 = 21 (channels 0, 1); output 1 = 100·3 + 1000·4 = 4300.
        Tensor input(4, 2, 2);
        for (int c = 0; c < 4; ++c)
            for (int y = 0; y < 2; ++y)
                for (int x = 0; x < 2; ++x)
                    input.at(c, y, x) = static_cast<float>(c + 1);
        Conv2d conv = make_conv(2, 2, 1, 1, {1, 10, 100, 1000});
        conv.groups = 2;
        QTest::newRow("groups 2")
            << ConvCase{input, conv, {2, 2, 2}, {21, 21, 21, 21, 4300, 4300, 4300, 4300}};
    }
    {
        Conv2d conv = make_conv(1, 1, 3, 3, {1, 0, -1, 1, 0, -1, 1, 0, -1});
        conv.bias = {0.5f};
        QTest::newRow("bias 0.5 added")
            << ConvCase{ramp(1, 5, 5), conv, {1, 3, 3}, std::vector<float>(9, -5.5f)};
    }
}

// clang-format on

void TestConv2d::knownAnswers() {
    QFETCH(ConvCase, c);
    const Tensor out = run_conv(c.conv, c.input);
    QVERIFY2(out.shape() == c.expected_shape,
             qPrintable("got shape " + QString::fromStdString(out.shape().str()) + ", want " +
                        QString::fromStdString(c.expected_shape.str())));
    const std::vector<float> got = out.to_dense();
    QCOMPARE(got.size(), c.expected.size());
    QVERIFY(!got.empty());
    for (std::size_t i = 0; i < got.size(); ++i) {
        QVERIFY2(close_enough(got[i], c.expected[i]),
                 qPrintable(QString("element %1: got %2, want %3\n got  %4\n want %5")
                                .arg(i)
                                .arg(got[i])
                                .arg(c.expected[i])
                                .arg(describe(got), describe(c.expected))));
    }
}

void TestConv2d::rampWithHorizontalDifferenceIsMinusSixEverywhere() {
    Conv2d conv = make_conv(1, 1, 3, 3, {1, 0, -1, 1, 0, -1, 1, 0, -1});
    conv.padding = ConvPadding::valid();
    const Tensor out = run_conv(conv, ramp(1, 5, 5));
    QCOMPARE(out.height(), 3);
    QCOMPARE(out.width(), 3);
    for (int y = 0; y < 3; ++y)
        for (int x = 0; x < 3; ++x)
            QCOMPARE(out.at(0, y, x), -6.0f);
    // Flipping the kernel (true convolution) would give +6: this is cross-correlation.
}

void TestConv2d::sameWithEvenKernelPadsBottomRight() {
    Conv2d conv = make_conv(1, 1, 2, 2, {1, 1, 1, 1});
    conv.padding = ConvPadding::same();
    QVERIFY(conv.pad_sides() == (PadSides{0, 1, 0, 1}));
    // The top-left output sees pixels (0,0),(0,1),(1,0),(1,1) of the ramp: 1 + 2 + 4 + 5.
    const Tensor out = run_conv(conv, ramp(1, 3, 3));
    QCOMPARE(out.at(0, 0, 0), 12.0f);
    // The bottom-right output sees only pixel (2,2) = 9: the padding is below and to the right.
    QCOMPARE(out.at(0, 2, 2), 9.0f);
}

void TestConv2d::sameResolvesToPyTorchSplit_data() {
    QTest::addColumn<int>("kh");
    QTest::addColumn<int>("kw");
    QTest::addColumn<int>("dh");
    QTest::addColumn<int>("dw");
    QTest::addColumn<int>("top");
    QTest::addColumn<int>("bottom");
    QTest::addColumn<int>("left");
    QTest::addColumn<int>("right");
    // total = dilation·(k − 1), left = total / 2, right = total − left.
    QTest::newRow("3x3") << 3 << 3 << 1 << 1 << 1 << 1 << 1 << 1;
    QTest::newRow("2x2") << 2 << 2 << 1 << 1 << 0 << 1 << 0 << 1;
    QTest::newRow("1x4") << 1 << 4 << 1 << 1 << 0 << 0 << 1 << 2;
    QTest::newRow("4x1") << 4 << 1 << 1 << 1 << 1 << 2 << 0 << 0;
    QTest::newRow("2x2 dilation 3") << 2 << 2 << 3 << 3 << 1 << 2 << 1 << 2;
    QTest::newRow("3x3 dilation 2") << 3 << 3 << 2 << 2 << 2 << 2 << 2 << 2;
    QTest::newRow("5x5") << 5 << 5 << 1 << 1 << 2 << 2 << 2 << 2;
}

void TestConv2d::sameResolvesToPyTorchSplit() {
    QFETCH(int, kh);
    QFETCH(int, kw);
    QFETCH(int, dh);
    QFETCH(int, dw);
    QFETCH(int, top);
    QFETCH(int, bottom);
    QFETCH(int, left);
    QFETCH(int, right);
    Conv2d conv = make_conv(1, 1, kh, kw, std::vector<float>(static_cast<std::size_t>(kh * kw)));
    conv.padding = ConvPadding::same();
    conv.dilation = {dh, dw};
    const PadSides sides = conv.pad_sides();
    QCOMPARE(sides.top, top);
    QCOMPARE(sides.bottom, bottom);
    QCOMPARE(sides.left, left);
    QCOMPARE(sides.right, right);
    // And the output keeps the input's size.
    const Tensor out = run_conv(conv, ramp(1, 7, 9));
    QVERIFY(out.shape() == (Shape{1, 7, 9}));

    conv.padding = ConvPadding::valid();
    QVERIFY(conv.pad_sides() == (PadSides{0, 0, 0, 0}));
    conv.padding = ConvPadding::explicit_size({2, 3});
    QVERIFY(conv.pad_sides() == (PadSides{2, 2, 3, 3}));
}

void TestConv2d::groupsSeeOnlyTheirOwnInputChannels() {
    // 4 input channels, groups 2, 2 outputs. Put a signal in one channel at a time: only the
    // output of that channel's group may respond.
    Conv2d conv = make_conv(2, 2, 1, 1, {1, 1, 1, 1});
    conv.groups = 2;
    for (int hot = 0; hot < 4; ++hot) {
        Tensor input(4, 3, 3);
        input.at(hot, 1, 1) = 1.0f;
        const Tensor out = run_conv(conv, input);
        QVERIFY(out.shape() == (Shape{2, 3, 3}));
        const int group = hot / 2;
        QCOMPARE(out.at(group, 1, 1), 1.0f);
        QCOMPARE(out.at(1 - group, 1, 1), 0.0f);
    }
}

void TestConv2d::depthwiseConvKeepsChannelsApart() {
    // groups = in_channels = out_channels = 3, weight per channel 1, 2, 3.
    Conv2d conv = make_conv(3, 1, 1, 1, {1, 2, 3});
    conv.groups = 3;
    const Tensor input = ramp(3, 2, 2); // channel c holds 4c+1 … 4c+4
    const Tensor out = run_conv(conv, input);
    QVERIFY(out.shape() == (Shape{3, 2, 2}));
    const std::vector<float> want{1, 2, 3, 4, 10, 12, 14, 16, 27, 30, 33, 36};
    QCOMPARE(out.to_dense(), want);
}

void TestConv2d::biasIsAddedPerOutputChannel() {
    // Two outputs from one input: weight 1 and weight -1, biases 10 and 100.
    Conv2d conv = make_conv(2, 1, 1, 1, {1, -1});
    conv.bias = {10.0f, 100.0f};
    const Tensor out = run_conv(conv, ramp(1, 2, 2));
    const std::vector<float> want{11, 12, 13, 14, 99, 98, 97, 96};
    QCOMPARE(out.to_dense(), want);
}

void TestConv2d::multipleInputChannelsAreSummed() {
    // One output over 3 input channels (ramp 1…12 as 3×2×2), weights 1, 10, 100.
    Conv2d conv = make_conv(1, 3, 1, 1, {1, 10, 100});
    const Tensor out = run_conv(conv, ramp(3, 2, 2));
    // (1 + 50 + 900), (2 + 60 + 1000), (3 + 70 + 1100), (4 + 80 + 1200).
    const std::vector<float> want{951, 1062, 1173, 1284};
    QCOMPARE(out.to_dense(), want);
}

QTEST_APPLESS_MAIN(TestConv2d)
#include "test_conv2d.moc"
