// Tensor: shapes, padded and aligned rows, bounds-checked access, dense conversion, copies.

#include "convscope/tensor.hpp"

#include <QtTest/QtTest>

#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <vector>

using namespace convscope;

namespace {

std::vector<float> ramp(std::size_t n) {
    std::vector<float> values(n);
    std::iota(values.begin(), values.end(), 1.0f);
    return values;
}

bool is_aligned_64(const float* p) {
    return reinterpret_cast<std::uintptr_t>(p) % 64 == 0;
}

} // namespace

class TestTensor : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void defaultTensorIsEmpty();
    void constructorSetsShapeAndZeroFills_data();
    void constructorSetsShapeAndZeroFills();
    void rowStrideIsMultipleOf16AndAtLeastWidth_data();
    void rowStrideIsMultipleOf16AndAtLeastWidth();
    void everyRowStartsOn64ByteBoundary_data();
    void everyRowStartsOn64ByteBoundary();
    void rowsOfDifferentChannelsDoNotOverlap();
    void atOutOfBoundsThrowsOutOfRange_data();
    void atOutOfBoundsThrowsOutOfRange();
    void atOnConstTensorChecksBoundsToo();
    void atAndRowAddressTheSameElement();
    void fromDenseToDenseRoundTrip_data();
    void fromDenseToDenseRoundTrip();
    void fromDenseWithWrongCountThrows();
    void fillSetsEveryElement();
    void resizeChangesShapeAndKeepsRowsAligned();
    void resizeAfterShrinkAndGrowStillUsable();
    void copyIsDeep();
    void copyAssignmentIsDeep();
};

void TestTensor::defaultTensorIsEmpty() {
    Tensor t;
    QVERIFY(t.empty());
    QCOMPARE(t.channels(), 0);
    QVERIFY(t.to_dense().empty());
}

void TestTensor::constructorSetsShapeAndZeroFills_data() {
    QTest::addColumn<int>("c");
    QTest::addColumn<int>("h");
    QTest::addColumn<int>("w");
    QTest::newRow("1x1x1") << 1 << 1 << 1;
    QTest::newRow("1x1xN") << 1 << 1 << 37;
    QTest::newRow("3x5x5") << 3 << 5 << 5;
    QTest::newRow("2x131x67") << 2 << 131 << 67;
    QTest::newRow("width exactly 16") << 1 << 3 << 16;
    QTest::newRow("width 17") << 4 << 2 << 17;
}

void TestTensor::constructorSetsShapeAndZeroFills() {
    QFETCH(int, c);
    QFETCH(int, h);
    QFETCH(int, w);
    Tensor t(c, h, w);
    QCOMPARE(t.channels(), c);
    QCOMPARE(t.height(), h);
    QCOMPARE(t.width(), w);
    QVERIFY(t.shape() == (Shape{c, h, w}));
    QVERIFY(!t.empty());
    QCOMPARE(t.shape().elements(), static_cast<std::size_t>(c) * h * w);
    const std::vector<float> dense = t.to_dense();
    QCOMPARE(dense.size(), static_cast<std::size_t>(c) * h * w);
    for (float v : dense)
        QCOMPARE(v, 0.0f);
}

void TestTensor::rowStrideIsMultipleOf16AndAtLeastWidth_data() {
    QTest::addColumn<int>("w");
    for (int w : {1, 2, 15, 16, 17, 31, 32, 33, 67, 100, 512})
        QTest::newRow(qPrintable(QString("width %1").arg(w))) << w;
}

void TestTensor::rowStrideIsMultipleOf16AndAtLeastWidth() {
    QFETCH(int, w);
    Tensor t(2, 3, w);
    QVERIFY(t.row_stride() >= static_cast<std::size_t>(w));
    QCOMPARE(t.row_stride() % Tensor::kRowAlignmentFloats, std::size_t{0});
    QCOMPARE(Tensor::kRowAlignmentFloats, std::size_t{16});
    // No more padding than one vector's worth.
    QVERIFY(t.row_stride() < static_cast<std::size_t>(w) + 16);
}

void TestTensor::everyRowStartsOn64ByteBoundary_data() {
    QTest::addColumn<int>("c");
    QTest::addColumn<int>("h");
    QTest::addColumn<int>("w");
    QTest::newRow("1x1x1") << 1 << 1 << 1;
    QTest::newRow("3x7x5") << 3 << 7 << 5;
    QTest::newRow("2x9x33") << 2 << 9 << 33;
    QTest::newRow("1x4x64") << 1 << 4 << 64;
}

void TestTensor::everyRowStartsOn64ByteBoundary() {
    QFETCH(int, c);
    QFETCH(int, h);
    QFETCH(int, w);
    Tensor t(c, h, w);
    const Tensor& ct = t;
    for (int ch = 0; ch < c; ++ch) {
        QVERIFY(is_aligned_64(t.channel_data(ch)));
        for (int y = 0; y < h; ++y) {
            QVERIFY2(is_aligned_64(t.row(ch, y)), qPrintable(QString("c=%1 y=%2").arg(ch).arg(y)));
            QVERIFY(is_aligned_64(ct.row(ch, y)));
        }
    }
}

void TestTensor::rowsOfDifferentChannelsDoNotOverlap() {
    Tensor t(3, 4, 5);
    for (int c = 0; c < 3; ++c)
        for (int y = 0; y < 4; ++y)
            for (int x = 0; x < 5; ++x)
                t.row(c, y)[x] = static_cast<float>(c * 100 + y * 10 + x);
    for (int c = 0; c < 3; ++c)
        for (int y = 0; y < 4; ++y)
            for (int x = 0; x < 5; ++x)
                QCOMPARE(t.at(c, y, x), static_cast<float>(c * 100 + y * 10 + x));
}

void TestTensor::atOutOfBoundsThrowsOutOfRange_data() {
    QTest::addColumn<int>("c");
    QTest::addColumn<int>("y");
    QTest::addColumn<int>("x");
    // The tensor is 2×3×4.
    QTest::newRow("channel too big") << 2 << 0 << 0;
    QTest::newRow("channel negative") << -1 << 0 << 0;
    QTest::newRow("y too big") << 0 << 3 << 0;
    QTest::newRow("y negative") << 0 << -1 << 0;
    QTest::newRow("x too big") << 0 << 0 << 4;
    QTest::newRow("x negative") << 0 << 0 << -1;
    // x within the row padding (stride ≥ 16 > width 4) is still out of bounds.
    QTest::newRow("x in row padding") << 1 << 2 << 15;
}

void TestTensor::atOutOfBoundsThrowsOutOfRange() {
    QFETCH(int, c);
    QFETCH(int, y);
    QFETCH(int, x);
    Tensor t(2, 3, 4);
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, t.at(c, y, x));
    try {
        t.at(c, y, x);
    } catch (const std::out_of_range& e) {
        // The message names the shape.
        QVERIFY2(QString(e.what()).contains("2"), e.what());
    }
}

void TestTensor::atOnConstTensorChecksBoundsToo() {
    const Tensor t(1, 2, 2);
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, t.at(0, 2, 0));
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, t.at(0, 0, 2));
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, t.at(1, 0, 0));
    QCOMPARE(t.at(0, 1, 1), 0.0f);
    const Tensor empty;
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, empty.at(0, 0, 0));
}

void TestTensor::atAndRowAddressTheSameElement() {
    Tensor t(2, 3, 20);
    t.at(1, 2, 19) = 7.5f;
    QCOMPARE(t.row(1, 2)[19], 7.5f);
    t.row(0, 1)[3] = -2.0f;
    QCOMPARE(t.at(0, 1, 3), -2.0f);
    QCOMPARE(&t.at(1, 0, 0), t.channel_data(1));
}

void TestTensor::fromDenseToDenseRoundTrip_data() {
    QTest::addColumn<int>("c");
    QTest::addColumn<int>("h");
    QTest::addColumn<int>("w");
    QTest::newRow("1x1x1") << 1 << 1 << 1;
    QTest::newRow("1x5x5") << 1 << 5 << 5;
    QTest::newRow("3x4x17") << 3 << 4 << 17;
    QTest::newRow("2x131x67") << 2 << 131 << 67;
}

void TestTensor::fromDenseToDenseRoundTrip() {
    QFETCH(int, c);
    QFETCH(int, h);
    QFETCH(int, w);
    const Shape shape{c, h, w};
    const std::vector<float> values = ramp(shape.elements());
    const Tensor t = Tensor::from_dense(shape, values);
    QVERIFY(t.shape() == shape);
    // C order: channel, then row, then column.
    for (int ch = 0; ch < c; ++ch)
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x)
                QCOMPARE(t.at(ch, y, x), values[(static_cast<std::size_t>(ch) * h + y) * w + x]);
    QCOMPARE(t.to_dense(), values);
}

void TestTensor::fromDenseWithWrongCountThrows() {
    const std::vector<float> values(5, 1.0f);
    bool threw = false;
    try {
        (void)Tensor::from_dense(Shape{1, 2, 3}, values);
    } catch (const std::exception&) {
        threw = true;
    }
    QVERIFY(threw);
}

void TestTensor::fillSetsEveryElement() {
    Tensor t(2, 3, 5);
    t.fill(2.5f);
    const std::vector<float> dense = t.to_dense();
    QCOMPARE(dense.size(), std::size_t{30});
    for (float v : dense)
        QCOMPARE(v, 2.5f);
}

void TestTensor::resizeChangesShapeAndKeepsRowsAligned() {
    Tensor t(1, 4, 4);
    t.resize(Shape{3, 10, 33});
    QVERIFY(t.shape() == (Shape{3, 10, 33}));
    QVERIFY(t.row_stride() >= 33);
    QCOMPARE(t.row_stride() % 16, std::size_t{0});
    for (int c = 0; c < 3; ++c)
        for (int y = 0; y < 10; ++y)
            QVERIFY(is_aligned_64(t.row(c, y)));
    t.at(2, 9, 32) = 1.0f; // the last element is addressable
    QCOMPARE(t.to_dense().back(), 1.0f);
    QCOMPARE(t.to_dense().size(), std::size_t{3 * 10 * 33});
}

void TestTensor::resizeAfterShrinkAndGrowStillUsable() {
    Tensor t(2, 8, 40);
    t.fill(1.0f);
    t.resize(Shape{1, 2, 3});
    QVERIFY(t.shape() == (Shape{1, 2, 3}));
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, t.at(0, 2, 0));
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, t.at(1, 0, 0));
    const std::vector<float> ramp6 = ramp(6);
    for (int y = 0; y < 2; ++y)
        for (int x = 0; x < 3; ++x)
            t.at(0, y, x) = ramp6[static_cast<std::size_t>(y * 3 + x)];
    QCOMPARE(t.to_dense(), ramp6);

    t.resize(Shape{4, 16, 70});
    QVERIFY(t.shape() == (Shape{4, 16, 70}));
    t.fill(3.0f);
    const std::vector<float> dense = t.to_dense();
    QCOMPARE(dense.size(), std::size_t{4 * 16 * 70});
    for (float v : dense)
        QCOMPARE(v, 3.0f);
    for (int c = 0; c < 4; ++c)
        QVERIFY(is_aligned_64(t.row(c, 15)));
}

void TestTensor::copyIsDeep() {
    Tensor a = Tensor::from_dense(Shape{2, 2, 2}, ramp(8));
    Tensor b = a;
    QVERIFY(b.shape() == a.shape());
    QCOMPARE(b.to_dense(), a.to_dense());
    QVERIFY(b.row(0, 0) != a.row(0, 0));
    b.at(1, 1, 1) = -100.0f;
    QCOMPARE(a.at(1, 1, 1), 8.0f);
    a.at(0, 0, 0) = 50.0f;
    QCOMPARE(b.at(0, 0, 0), 1.0f);
    QVERIFY(is_aligned_64(b.row(1, 1)));
}

void TestTensor::copyAssignmentIsDeep() {
    const Tensor a = Tensor::from_dense(Shape{1, 3, 3}, ramp(9));
    Tensor b(2, 5, 5);
    b = a;
    QVERIFY(b.shape() == a.shape());
    QCOMPARE(b.to_dense(), a.to_dense());
    b.fill(0.0f);
    QCOMPARE(a.at(0, 2, 2), 9.0f);
}

QTEST_APPLESS_MAIN(TestTensor)
#include "test_tensor.moc"
