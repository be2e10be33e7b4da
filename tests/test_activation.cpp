// Element-wise activations against torch.nn.ReLU / LeakyReLU / Sigmoid / Tanh values, through
// Activation::apply and through naive_activation on whole tensors.

#include "support/compare.hpp"

#include "convscope/naive_backend.hpp"
#include "convscope/pipeline.hpp"

#include <QtTest/QtTest>

#include <cmath>
#include <vector>

using namespace convscope;

namespace {

Activation make(ActivationKind kind, float slope = 0.01f) {
    Activation act;
    act.kind = kind;
    act.negative_slope = slope;
    return act;
}

// Reference values computed with torch (float32) for these inputs.
const std::vector<float> kInputs{0.0f,    1.0f,  -1.0f,  2.5f,  -2.5f,  100.0f,
                                 -100.0f, 1e30f, -1e30f, 88.0f, -88.0f, 1e-7f};

// torch's float32 results, matched to 1e-6 (the tests' policy, tighter).
constexpr double kTorchTolerance = 1e-6;

} // namespace

Q_DECLARE_METATYPE(ActivationKind)

class TestActivation : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void applyMatchesTorch_data();
    void applyMatchesTorch();
    void tensorActivationMatchesApplyEverywhere_data();
    void tensorActivationMatchesApplyEverywhere();
    void leakyReluDefaultSlopeIsOneHundredth();
    void sigmoidSaturatesWithoutNaN();
    void tanhIsOddAndBounded();
    void reluOfZeroIsZero();
};

void TestActivation::applyMatchesTorch_data() {
    QTest::addColumn<ActivationKind>("kind");
    QTest::addColumn<float>("slope");
    QTest::addColumn<std::vector<float>>("expected");

    QTest::newRow("relu") << ActivationKind::ReLU << 0.01f
                          << std::vector<float>{0, 1, 0, 2.5f, 0, 100, 0, 1e30f, 0, 88, 0, 1e-7f};
    QTest::newRow("leaky_relu slope 0.01")
        << ActivationKind::LeakyReLU << 0.01f
        << std::vector<float>{0,     1,     -0.01f, 2.5f, -0.025f, 100,
                              -1.0f, 1e30f, -1e28f, 88,   -0.88f,  1e-7f};
    QTest::newRow("leaky_relu slope 0.2")
        << ActivationKind::LeakyReLU << 0.2f
        << std::vector<float>{0,      1,     -0.2f,  2.5f, -0.5f,  100,
                              -20.0f, 1e30f, -2e29f, 88,   -17.6f, 1e-7f};
    QTest::newRow("leaky_relu slope 0 is relu")
        << ActivationKind::LeakyReLU << 0.0f
        << std::vector<float>{0, 1, 0, 2.5f, 0, 100, 0, 1e30f, 0, 88, 0, 1e-7f};
    QTest::newRow("sigmoid") << ActivationKind::Sigmoid << 0.01f
                             << std::vector<float>{0.5f,
                                                   0.7310585975646973f,
                                                   0.2689414322376251f,
                                                   0.9241418242454529f,
                                                   0.07585817575454712f,
                                                   1.0f,
                                                   0.0f,
                                                   1.0f,
                                                   0.0f,
                                                   1.0f,
                                                   6.054601485195952e-39f,
                                                   0.5f};
    QTest::newRow("tanh") << ActivationKind::Tanh << 0.01f
                          << std::vector<float>{0.0f,
                                                0.7615941762924194f,
                                                -0.7615941762924194f,
                                                0.9866142868995667f,
                                                -0.9866142868995667f,
                                                1.0f,
                                                -1.0f,
                                                1.0f,
                                                -1.0f,
                                                1.0f,
                                                -1.0f,
                                                1e-7f};
}

void TestActivation::applyMatchesTorch() {
    QFETCH(ActivationKind, kind);
    QFETCH(float, slope);
    QFETCH(std::vector<float>, expected);
    QCOMPARE(expected.size(), kInputs.size());
    const Activation act = make(kind, slope);
    for (std::size_t i = 0; i < kInputs.size(); ++i) {
        const float got = act.apply(kInputs[i]);
        QVERIFY2(
            test::close_enough(got, expected[i], kTorchTolerance),
            qPrintable(QString("f(%1) = %2, want %3").arg(kInputs[i]).arg(got).arg(expected[i])));
    }
}

void TestActivation::tensorActivationMatchesApplyEverywhere_data() {
    QTest::addColumn<ActivationKind>("kind");
    QTest::addColumn<float>("slope");
    QTest::newRow("relu") << ActivationKind::ReLU << 0.01f;
    QTest::newRow("leaky_relu") << ActivationKind::LeakyReLU << 0.1f;
    QTest::newRow("sigmoid") << ActivationKind::Sigmoid << 0.01f;
    QTest::newRow("tanh") << ActivationKind::Tanh << 0.01f;
}

void TestActivation::tensorActivationMatchesApplyEverywhere() {
    QFETCH(ActivationKind, kind);
    QFETCH(float, slope);
    const Activation act = make(kind, slope);
    // 2 channels × 3 rows × 37 columns (wider than two SIMD vectors, with a tail), values
    // spanning negative and positive, with kInputs at the start.
    const Shape shape{2, 3, 37};
    std::vector<float> values(shape.elements());
    for (std::size_t i = 0; i < values.size(); ++i)
        values[i] = i < kInputs.size() ? kInputs[i] : static_cast<float>(i) * 0.37f - 40.0f;
    const Tensor input = Tensor::from_dense(shape, values);

    const Shape out_shape = infer_shape(Layer{"", true, act}, shape, 0);
    QVERIFY(out_shape == shape);
    Tensor output(out_shape);
    output.fill(12345.0f);
    naive_activation(act, input, output);
    QVERIFY(output.shape() == shape);
    const std::vector<float> got = output.to_dense();
    QCOMPARE(got.size(), values.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        const float want = act.apply(values[i]);
        QVERIFY2(test::close_enough(got[i], want, kTorchTolerance),
                 qPrintable(QString("element %1: f(%2) = %3, want %4")
                                .arg(i)
                                .arg(values[i])
                                .arg(got[i])
                                .arg(want)));
    }
    // The input is left alone.
    QCOMPARE(input.to_dense(), values);
}

void TestActivation::leakyReluDefaultSlopeIsOneHundredth() {
    const Activation act{ActivationKind::LeakyReLU};
    QCOMPARE(act.negative_slope, 0.01f);
    QCOMPARE(act.apply(-3.0f), -0.03f);
    QCOMPARE(act.apply(3.0f), 3.0f);
    QCOMPARE(act.apply(-100.0f), -1.0f);
}

void TestActivation::sigmoidSaturatesWithoutNaN() {
    const Activation act = make(ActivationKind::Sigmoid);
    for (float x : {-100.0f, -1000.0f, -1e30f, -3.0e38f, -INFINITY}) {
        const float y = act.apply(x);
        QVERIFY2(!std::isnan(y), qPrintable(QString("sigmoid(%1) is NaN").arg(x)));
        QVERIFY(y >= 0.0f);
        QVERIFY(y < 1e-30f);
    }
    for (float x : {100.0f, 1000.0f, 1e30f, 3.0e38f, INFINITY}) {
        const float y = act.apply(x);
        QVERIFY(!std::isnan(y));
        QCOMPARE(y, 1.0f);
    }
    QCOMPARE(act.apply(0.0f), 0.5f);
}

void TestActivation::tanhIsOddAndBounded() {
    const Activation act = make(ActivationKind::Tanh);
    for (float x : {0.5f, 1.0f, 3.0f, 20.0f, 1e30f}) {
        QCOMPARE(act.apply(-x), -act.apply(x));
        QVERIFY(act.apply(x) <= 1.0f);
        QVERIFY(!std::isnan(act.apply(x)));
    }
    QCOMPARE(act.apply(0.0f), 0.0f);
}

void TestActivation::reluOfZeroIsZero() {
    const Activation act = make(ActivationKind::ReLU);
    QCOMPARE(act.apply(0.0f), 0.0f);
    QCOMPARE(act.apply(-0.0f), 0.0f);
    QCOMPARE(act.apply(-1e-30f), 0.0f);
    QCOMPARE(act.apply(1e-30f), 1e-30f);
}

QTEST_APPLESS_MAIN(TestActivation)
#include "test_activation.moc"
