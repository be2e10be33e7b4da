// Map statistics against numbers worked out by hand.

#include "convscope/map_statistics.hpp"
#include "convscope/naive_backend.hpp"

#include <QtTest>

#include <cmath>
#include <limits>

using namespace convscope;

namespace {

Tensor from_rows(int height, int width, std::initializer_list<float> values) {
    return Tensor::from_dense({1, height, width}, std::vector<float>(values));
}

} // namespace

class TestMapStatistics : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void smallMapByHand();
    void histogramBinsFollowNumPy();
    void constantMapLandsInTheMiddleBin();
    void nonFiniteValuesAreCountedApart();
    void deadMapsAfterReLU();
    void badArgumentsAreClearErrors();
};

// [[0, 1], [2, −3]]: mean 0, variance (0 + 1 + 4 + 9) / 4 = 3.5, one zero in four.
void TestMapStatistics::smallMapByHand() {
    const MapStatistics s = map_statistics(from_rows(2, 2, {0, 1, 2, -3}), 0, 5);
    QCOMPARE(s.count, std::int64_t(4));
    QCOMPARE(s.min, -3.0f);
    QCOMPARE(s.max, 2.0f);
    QCOMPARE(s.mean, 0.0);
    QCOMPARE(s.stddev, std::sqrt(3.5));
    QCOMPARE(s.zero_fraction, 0.25);
    // Five bins of width 1 over [−3, 2]: −3 | · | · | 0 | 1, 2 (the maximum joins the last bin).
    QCOMPARE(s.histogram, (std::vector<std::int64_t>{1, 0, 0, 1, 2}));
    QCOMPARE(s.histogram_low, -3.0);
    QCOMPARE(s.histogram_high, 2.0);
    QVERIFY(!s.is_dead());
}

// np.histogram([1, 2, 2, 3, 4, 5.5, 10], bins=3) → [4, 2, 1] over [1, 4, 7, 10].
void TestMapStatistics::histogramBinsFollowNumPy() {
    const MapStatistics s = map_statistics(from_rows(1, 7, {1, 2, 2, 3, 4, 5.5f, 10}), 0, 3);
    QCOMPARE(s.histogram, (std::vector<std::int64_t>{4, 2, 1}));
    QCOMPARE(s.bin_of(4.0), 1); // a bin edge belongs to the bin above it
    QCOMPARE(s.bin_of(10.0), 2);
    QCOMPARE(s.mean, 27.5 / 7);
}

void TestMapStatistics::constantMapLandsInTheMiddleBin() {
    const MapStatistics s = map_statistics(from_rows(2, 3, {5, 5, 5, 5, 5, 5}), 0, 3);
    QCOMPARE(s.stddev, 0.0);
    QCOMPARE(s.histogram_low, 4.5);
    QCOMPARE(s.histogram_high, 5.5);
    QCOMPARE(s.histogram, (std::vector<std::int64_t>{0, 6, 0}));
    QVERIFY(!s.is_dead()); // constant, but not zero
}

void TestMapStatistics::nonFiniteValuesAreCountedApart() {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    const MapStatistics s = map_statistics(from_rows(1, 5, {nan, 1, inf, 3, -inf}), 0, 2);
    QCOMPARE(s.count, std::int64_t(2));
    QCOMPARE(s.non_finite, std::int64_t(3));
    QCOMPARE(s.min, 1.0f);
    QCOMPARE(s.max, 3.0f);
    QCOMPARE(s.mean, 2.0);
    QCOMPARE(s.stddev, 1.0);
    QCOMPARE(s.histogram, (std::vector<std::int64_t>{1, 1}));
    // Nothing finite at all: no statistics, and not dead either.
    const MapStatistics none = map_statistics(from_rows(1, 2, {nan, nan}), 0, 4);
    QCOMPARE(none.count, std::int64_t(0));
    QCOMPARE(none.histogram, (std::vector<std::int64_t>{0, 0, 0, 0}));
    QVERIFY(!none.is_dead());
}

// A ReLU after a filter whose response is never positive leaves a dead map; the others live.
void TestMapStatistics::deadMapsAfterReLU() {
    Tensor before =
        Tensor::from_dense({2, 2, 2}, std::vector<float>{-1, -2, -0.5f, -3, 1, -1, 0, 2});
    Tensor after(before.shape());
    naive_activation(Activation{ActivationKind::ReLU, 0.0f}, before, after);
    const std::vector<MapStatistics> layer = layer_statistics(after, 4);
    QCOMPARE(layer.size(), std::size_t(2));
    QVERIFY(layer[0].is_dead());
    QCOMPARE(layer[0].zero_fraction, 1.0);
    QCOMPARE(layer[0].histogram, (std::vector<std::int64_t>{0, 0, 4, 0})); // [−0.5, 0.5]
    QVERIFY(!layer[1].is_dead());
    QCOMPARE(layer[1].zero_fraction, 0.5);
}

void TestMapStatistics::badArgumentsAreClearErrors() {
    const Tensor t = from_rows(1, 1, {1});
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, map_statistics(t, 1));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, map_statistics(t, 0, 0));
}

QTEST_GUILESS_MAIN(TestMapStatistics)
#include "test_map_statistics.moc"
