// naive_pool2d against answers worked out by hand (and checked against torch.nn.MaxPool2d /
// AvgPool2d): padding, count_include_pad, ceil_mode and its partial windows, odd strides and
// rectangular kernels.

#include "support/compare.hpp"

#include "convscope/naive_backend.hpp"
#include "convscope/pipeline.hpp"

#include <QtTest/QtTest>

#include <cmath>
#include <initializer_list>
#include <limits>
#include <numeric>
#include <vector>

using namespace convscope;
using test::close_enough;

namespace {

struct PoolCase {
    Tensor input;
    Pool2d pool;
    Shape expected_shape;
    std::vector<float> expected; // dense C×H×W
};

// A C×H×W tensor holding sign·1, sign·2, … in C order.
Tensor ramp(int c, int h, int w, float sign = 1.0f) {
    std::vector<float> values(static_cast<std::size_t>(c) * h * w);
    std::iota(values.begin(), values.end(), 1.0f);
    for (float& v : values)
        v *= sign;
    return Tensor::from_dense(Shape{c, h, w}, values);
}

// A dense map written row by row (rows must all have the same length).
std::vector<float> rows(std::initializer_list<std::initializer_list<float>> grid) {
    std::vector<float> values;
    for (const auto& row : grid)
        values.insert(values.end(), row.begin(), row.end());
    return values;
}

Pool2d make_pool(PoolKind kind, Pair kernel, Pair stride, Pair padding = {0, 0},
                 bool ceil_mode = false, bool count_include_pad = true) {
    Pool2d pool;
    pool.kind = kind;
    pool.kernel_size = kernel;
    pool.stride = stride;
    pool.padding = padding;
    pool.ceil_mode = ceil_mode;
    pool.count_include_pad = count_include_pad;
    return pool;
}

Tensor run_pool(const Pool2d& pool, const Tensor& input) {
    const Layer layer{"", true, pool};
    const Shape out_shape = infer_shape(layer, input.shape(), 0);
    Tensor output(out_shape);
    output.fill(12345.0f); // every element must be written
    naive_pool2d(pool, input, output);
    return output;
}

QString describe(const std::vector<float>& v) {
    QStringList parts;
    for (float x : v)
        parts << QString::number(x);
    return "[" + parts.join(", ") + "]";
}

constexpr PoolKind Max = PoolKind::Max;
constexpr PoolKind Avg = PoolKind::Avg;

} // namespace

Q_DECLARE_METATYPE(PoolCase)

class TestPool2d : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void knownAnswers_data();
    void knownAnswers();
    void maxPaddingNeverWinsOverNegativeValues();
    void avgCountIncludePadChangesOnlyPaddedWindows();
    void ceilModeDropsWindowStartingInRightPadding();
    void channelsArePooledIndependently();
    void nanInWindowPropagates();
};

// The expected maps are laid out as grids, by hand.
// clang-format off
void TestPool2d::knownAnswers_data() {
    QTest::addColumn<PoolCase>("c");

    // The 4×4 ramp 1…16, 2×2 windows with stride 2.
    QTest::newRow("max 2x2 stride 2")
        << PoolCase{ramp(1, 4, 4), make_pool(Max, {2, 2}, {2, 2}), {1, 2, 2}, {6, 8, 14, 16}};
    QTest::newRow("avg 2x2 stride 2")
        << PoolCase{ramp(1, 4, 4), make_pool(Avg, {2, 2}, {2, 2}),
                    {1, 2, 2}, {3.5f, 5.5f, 11.5f, 13.5f}};

    // Stride different from the kernel.
    QTest::newRow("max 3x3 stride 1 (overlapping)")
        << PoolCase{ramp(1, 4, 4), make_pool(Max, {3, 3}, {1, 1}), {1, 2, 2}, {11, 12, 15, 16}};
    QTest::newRow("max 2x2 stride 3 (gaps)")
        << PoolCase{ramp(1, 5, 5), make_pool(Max, {2, 2}, {3, 3}), {1, 2, 2}, {7, 10, 22, 25}};
    QTest::newRow("avg 2x2 stride 3 (gaps)")
        << PoolCase{ramp(1, 5, 5), make_pool(Avg, {2, 2}, {3, 3}), {1, 2, 2}, {4, 7, 19, 22}};

    // Rectangular kernels on the 4×6 ramp.
    QTest::newRow("max 1x3 stride [1,3]")
        << PoolCase{ramp(1, 4, 6), make_pool(Max, {1, 3}, {1, 3}),
                    {1, 4, 2}, {3, 6, 9, 12, 15, 18, 21, 24}};
    QTest::newRow("avg 2x3 stride [2,3]")
        << PoolCase{ramp(1, 4, 6), make_pool(Avg, {2, 3}, {2, 3}), {1, 2, 2}, {5, 8, 17, 20}};
    // 3×1 columns, stride [1,2]: (r + r+6 + r+12)/3 = r + 6 for r = 1, 3, 5, 7, 9, 11.
    QTest::newRow("avg 3x1 stride [1,2]")
        << PoolCase{ramp(1, 4, 6), make_pool(Avg, {3, 1}, {1, 2}), {1, 2, 3}, rows({
            {7, 9, 11},
            {13, 15, 17},
        })};
    QTest::newRow("max 1x1 on 1x1")
        << PoolCase{ramp(1, 1, 1), make_pool(Max, {1, 1}, {1, 1}), {1, 1, 1}, {1}};

    // Padding. Max on a negative ramp: padded cells (−inf) never win, so a corner window that
    // holds one real cell returns it, not 0.
    QTest::newRow("max padding 1 on negative ramp")
        << PoolCase{ramp(1, 4, 4, -1.0f), make_pool(Max, {2, 2}, {2, 2}, {1, 1}), {1, 3, 3}, rows({
            {-1, -2, -4},
            {-5, -6, -8},
            {-13, -14, -16},
        })};
    QTest::newRow("max 3x3 stride 1 padding 1 on negative ramp")
        << PoolCase{ramp(1, 3, 3, -1.0f), make_pool(Max, {3, 3}, {1, 1}, {1, 1}), {1, 3, 3}, rows({
            {-1, -1, -2},
            {-1, -1, -2},
            {-4, -4, -5},
        })};
    // Avg 3×3 stride 1 padding 1 on the 3×3 ramp: the corner window holds 1+2+4+5 = 12.
    // count_include_pad: always / 9. Without: / number of real cells (4 at corners, 6 at edges).
    QTest::newRow("avg padding 1, count_include_pad")
        << PoolCase{ramp(1, 3, 3), make_pool(Avg, {3, 3}, {1, 1}, {1, 1}, false, true),
                    {1, 3, 3}, rows({
            {12.0f / 9, 21.0f / 9, 16.0f / 9},
            {27.0f / 9, 45.0f / 9, 33.0f / 9},
            {24.0f / 9, 39.0f / 9, 28.0f / 9},
        })};
    QTest::newRow("avg padding 1, no count_include_pad")
        << PoolCase{ramp(1, 3, 3), make_pool(Avg, {3, 3}, {1, 1}, {1, 1}, false, false),
                    {1, 3, 3}, rows({
            {3, 3.5f, 4},
            {4.5f, 5, 5.5f},
            {6, 6.5f, 7},
        })};
    // Padding [1, 0] on the 3×5 ramp: first row of windows holds one padded row.
    QTest::newRow("avg padding [1,0], count_include_pad")
        << PoolCase{ramp(1, 3, 5), make_pool(Avg, {2, 2}, {2, 2}, {1, 0}, false, true),
                    {1, 2, 2}, {0.75f, 1.75f, 9, 11}};
    QTest::newRow("avg padding [1,0], no count_include_pad")
        << PoolCase{ramp(1, 3, 5), make_pool(Avg, {2, 2}, {2, 2}, {1, 0}, false, false),
                    {1, 2, 2}, {1.5f, 3.5f, 9, 11}};

    // ceil_mode on the 5×5 ramp, 2×2 stride 2: 3×3 outputs; the last row/column of windows
    // hangs over the edge and holds only the cells inside (avg divides by those: no padding).
    QTest::newRow("max ceil_mode 5x5")
        << PoolCase{ramp(1, 5, 5), make_pool(Max, {2, 2}, {2, 2}, {0, 0}, true), {1, 3, 3}, rows({
            {7, 9, 10},
            {17, 19, 20},
            {22, 24, 25},
        })};
    QTest::newRow("avg ceil_mode 5x5")
        << PoolCase{ramp(1, 5, 5), make_pool(Avg, {2, 2}, {2, 2}, {0, 0}, true), {1, 3, 3}, rows({
            {4, 6, 7.5f},
            {14, 16, 17.5f},
            {21.5f, 23.5f, 25},
        })};
    QTest::newRow("avg ceil_mode 5x5, no count_include_pad")
        << PoolCase{ramp(1, 5, 5), make_pool(Avg, {2, 2}, {2, 2}, {0, 0}, true, false),
                    {1, 3, 3}, rows({
            {4, 6, 7.5f},
            {14, 16, 17.5f},
            {21.5f, 23.5f, 25},
        })};
    QTest::newRow("max ceil_mode 7x7 kernel 3")
        << PoolCase{ramp(1, 7, 7), make_pool(Max, {3, 3}, {3, 3}, {0, 0}, true), {1, 3, 3}, rows({
            {17, 20, 21},
            {38, 41, 42},
            {45, 48, 49},
        })};
    QTest::newRow("avg ceil_mode 7x7 kernel 3")
        << PoolCase{ramp(1, 7, 7), make_pool(Avg, {3, 3}, {3, 3}, {0, 0}, true), {1, 3, 3}, rows({
            {9, 12, 14},
            {30, 33, 35},
            {44, 47, 49},
        })};
    // ceil_mode with padding 1, 3×3 stride 2 on the 4×4 ramp: the last window starts at row 3
    // and spans rows 3…5, but the padded input ends at row 4, so with count_include_pad it is
    // divided by 2 rows (one real, one padded), not 3: corner = 16 / (2·2) = 4.
    QTest::newRow("avg ceil_mode + padding, count_include_pad")
        << PoolCase{ramp(1, 4, 4), make_pool(Avg, {3, 3}, {2, 2}, {1, 1}, true, true),
                    {1, 3, 3}, rows({
            {14.0f / 9, 30.0f / 9, 2},
            {57.0f / 9, 11, 6},
            {4.5f, 7.5f, 4},
        })};
    QTest::newRow("avg ceil_mode + padding, no count_include_pad")
        << PoolCase{ramp(1, 4, 4), make_pool(Avg, {3, 3}, {2, 2}, {1, 1}, true, false),
                    {1, 3, 3}, rows({
            {3.5f, 5, 6},
            {9.5f, 11, 12},
            {13.5f, 15, 16},
        })};
    QTest::newRow("max ceil_mode + padding")
        << PoolCase{ramp(1, 4, 4), make_pool(Max, {3, 3}, {2, 2}, {1, 1}, true), {1, 3, 3}, rows({
            {6, 8, 8},
            {14, 16, 16},
            {14, 16, 16},
        })};
    // 4×4 kernel stride 3 padding 2 on 6×6: the last window lies inside the padded input.
    QTest::newRow("avg ceil_mode + padding 2, count_include_pad")
        << PoolCase{ramp(1, 6, 6), make_pool(Avg, {4, 4}, {3, 3}, {2, 2}, true, true),
                    {1, 3, 3}, rows({
            {1.125f, 3.25f, 2.125f},
            {8.25f, 18.5f, 10.25f},
            {7.125f, 15.25f, 8.125f},
        })};
    QTest::newRow("avg ceil_mode + padding 2, no count_include_pad")
        << PoolCase{ramp(1, 6, 6), make_pool(Avg, {4, 4}, {3, 3}, {2, 2}, true, false),
                    {1, 3, 3}, rows({
            {4.5f, 6.5f, 8.5f},
            {16.5f, 18.5f, 20.5f},
            {28.5f, 30.5f, 32.5f},
        })};
    // A window that would start in the right padding is dropped: 3×3 input, 2×2 stride 2,
    // padding 1: ceil((3 + 2 − 2) / 2) + 1 = 3, but window 2 would start at 4 − 1 = 3 ≥ 3.
    QTest::newRow("max ceil_mode drops window starting in padding")
        << PoolCase{ramp(1, 3, 3), make_pool(Max, {2, 2}, {2, 2}, {1, 1}, true),
                    {1, 2, 2}, {1, 3, 7, 9}};
    QTest::newRow("avg ceil_mode drops window starting in padding")
        << PoolCase{ramp(1, 3, 3), make_pool(Avg, {2, 2}, {2, 2}, {1, 1}, true),
                    {1, 2, 2}, {0.25f, 1.25f, 2.75f, 7}};
}

// clang-format on

void TestPool2d::knownAnswers() {
    QFETCH(PoolCase, c);
    const Tensor out = run_pool(c.pool, c.input);
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

void TestPool2d::maxPaddingNeverWinsOverNegativeValues() {
    // Every value is −5; with padding, a zero-padded max would return 0 at the border.
    Tensor input(1, 3, 3);
    input.fill(-5.0f);
    const Tensor out = run_pool(make_pool(Max, {3, 3}, {1, 1}, {1, 1}), input);
    QVERIFY(out.shape() == (Shape{1, 3, 3}));
    const std::vector<float> got = out.to_dense();
    QVERIFY(!got.empty());
    for (float v : got)
        QCOMPARE(v, -5.0f);
}

void TestPool2d::avgCountIncludePadChangesOnlyPaddedWindows() {
    Tensor input(1, 4, 4);
    input.fill(1.0f);
    const Tensor with = run_pool(make_pool(Avg, {3, 3}, {1, 1}, {1, 1}, false, true), input);
    const Tensor without = run_pool(make_pool(Avg, {3, 3}, {1, 1}, {1, 1}, false, false), input);
    // Interior windows are all real cells: both give 1.
    QCOMPARE(with.at(0, 1, 1), 1.0f);
    QCOMPARE(without.at(0, 1, 1), 1.0f);
    // A corner window holds 4 real ones and 5 padded zeros.
    QVERIFY(close_enough(with.at(0, 0, 0), 4.0f / 9.0f));
    QCOMPARE(without.at(0, 0, 0), 1.0f);
    // An edge window: 6 real, 3 padded.
    QVERIFY(close_enough(with.at(0, 0, 1), 6.0f / 9.0f));
    QCOMPARE(without.at(0, 3, 1), 1.0f);
}

void TestPool2d::ceilModeDropsWindowStartingInRightPadding() {
    // Without the rule, the 3×3 input would give a 3×3 output whose last windows lie entirely in
    // the padding.
    const Pool2d pool = make_pool(Max, {2, 2}, {2, 2}, {1, 1}, true);
    const Shape shape = infer_shape(Layer{"", true, pool}, Shape{1, 3, 3}, 0);
    QVERIFY(shape == (Shape{1, 2, 2}));
    // 4×4 input: the last window starts at 4 − 1 = 3 < 4, inside the input: it is kept.
    const Shape kept = infer_shape(Layer{"", true, pool}, Shape{1, 4, 4}, 0);
    QVERIFY(kept == (Shape{1, 3, 3}));
}

void TestPool2d::channelsArePooledIndependently() {
    const Tensor input = ramp(3, 2, 2); // channel c holds 4c+1 … 4c+4
    const Tensor maxed = run_pool(make_pool(Max, {2, 2}, {2, 2}), input);
    QCOMPARE(maxed.to_dense(), (std::vector<float>{4, 8, 12}));
    const Tensor avged = run_pool(make_pool(Avg, {2, 2}, {2, 2}), input);
    QCOMPARE(avged.to_dense(), (std::vector<float>{2.5f, 6.5f, 10.5f}));
}

void TestPool2d::nanInWindowPropagates() {
    // As in PyTorch: a NaN in a window makes its max and its average NaN; other windows are not
    // affected. NaN placed after larger values too, so "v > best" alone would miss it.
    Tensor input = ramp(1, 2, 4);
    input.at(0, 1, 1) = std::numeric_limits<float>::quiet_NaN();
    const Tensor maxed = run_pool(make_pool(Max, {2, 2}, {2, 2}), input);
    QVERIFY(std::isnan(maxed.at(0, 0, 0)));
    QCOMPARE(maxed.at(0, 0, 1), 8.0f);
    const Tensor avged = run_pool(make_pool(Avg, {2, 2}, {2, 2}), input);
    QVERIFY(std::isnan(avged.at(0, 0, 0)));
    QCOMPARE(avged.at(0, 0, 1), 5.5f);
}

QTEST_APPLESS_MAIN(TestPool2d)
#include "test_pool2d.moc"
