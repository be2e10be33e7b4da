// map_range: min and max over a map's finite values, a SIMD kernel with runtime dispatch. It is
// checked on every SIMD target this CPU has against a plain loop, on widths that leave every
// kind of tail, with NaN and infinities anywhere.

#include "support/tensors.hpp"

#include "convscope/colormap.hpp"
#include "convscope/simd.hpp"

#include <QTest>

#include <cmath>
#include <limits>

using namespace convscope;

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

// The plain loop the kernel must agree with.
ValueRange reference_range(const Tensor& t, int c, bool& all_finite) {
    float lo = kInf, hi = -kInf;
    all_finite = true;
    for (int y = 0; y < t.height(); ++y)
        for (int x = 0; x < t.width(); ++x) {
            const float v = t.at(c, y, x);
            if (!std::isfinite(v)) {
                all_finite = false;
                continue;
            }
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
    return lo > hi ? ValueRange{0, 0} : ValueRange{lo, hi};
}

} // namespace

class TestMapRange : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void cleanup() { force_simd_target(""); }

    void agreesWithThePlainLoopOnEveryTarget() {
        const std::vector<std::string> targets = simd_targets_available();
        QVERIFY(!targets.empty());
        for (const std::string& target : targets) {
            QVERIFY(force_simd_target(target));
            for (int width : {1, 3, 7, 8, 15, 16, 17, 31, 33, 64, 65, 131}) {
                for (unsigned seed = 1; seed <= 4; ++seed) {
                    Tensor t = test::random_tensor({2, 5, width}, seed * 97 + width, -3, 5);
                    // Seed 2: a NaN, seed 3: infinities, seed 4: both, anywhere in the rows.
                    if (seed == 2 || seed == 4)
                        t.at(1, int(seed) % 5, width / 2) = kNaN;
                    if (seed >= 3) {
                        t.at(1, 0, width - 1) = kInf;
                        t.at(1, 4, 0) = -kInf;
                    }
                    for (int c = 0; c < 2; ++c) {
                        bool want_finite = false, got_finite = false;
                        const ValueRange want = reference_range(t, c, want_finite);
                        const ValueRange got = map_range(t, c, &got_finite);
                        const QString where = QStringLiteral("%1, width %2, seed %3, channel %4")
                                                  .arg(QString::fromStdString(target))
                                                  .arg(width)
                                                  .arg(seed)
                                                  .arg(c);
                        QVERIFY2(got.min == want.min && got.max == want.max, qPrintable(where));
                        QVERIFY2(got_finite == want_finite, qPrintable(where));
                    }
                }
            }
        }
    }

    void aMapWithoutFiniteValuesHasNoRange() {
        Tensor t(Shape{1, 3, 40});
        t.fill(kNaN);
        t.at(0, 1, 5) = kInf;
        bool finite = true;
        const ValueRange range = map_range(t, 0, &finite);
        QCOMPARE(range.min, 0.0f);
        QCOMPARE(range.max, 0.0f);
        QVERIFY(!finite);
    }

    void aConstantMapIsItsValue() {
        Tensor t(Shape{1, 9, 21});
        t.fill(-2.5f);
        bool finite = false;
        const ValueRange range = map_range(t, 0, &finite);
        QCOMPARE(range.min, -2.5f);
        QCOMPARE(range.max, -2.5f);
        QVERIFY(finite);
    }
};

QTEST_MAIN(TestMapRange)
#include "test_map_range.moc"
