// Agreement with PyTorch: every case in tests/fixtures/torch/ (written once by
// tests/fixtures/make_torch_fixtures.py, see tests/fixtures/README.md) holds an input, a pipeline
// and each layer's output as torch.nn.functional computes it. The engine must give the same
// shapes, and the same values up to float32 rounding: per layer,
//     max |actual - expected| <= 1e-5 * max(1, max |expected|).

#include "convscope/backend.hpp"
#include "convscope/naive_backend.hpp"
#include "convscope/npy.hpp"
#include "convscope/pipeline_json.hpp"
#include "convscope/tensor.hpp"

#include <QDir>
#include <QFileInfo>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <exception>
#include <limits>
#include <memory>
#include <string>
#include <vector>

using namespace convscope;

namespace {

constexpr double kRelativeTolerance = 1e-5;

QString fixtures_dir() {
    return QStringLiteral(CONVSCOPE_TEST_DATA_DIR "/fixtures/torch");
}

// The case directories, sorted by name.
QStringList case_names() {
    return QDir(fixtures_dir()).entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
}

std::string case_file(const QString& case_name, const QString& file) {
    return QDir(fixtures_dir()).filePath(case_name + QLatin1Char('/') + file).toStdString();
}

bool case_has(const QString& case_name, const QString& file) {
    return QFileInfo::exists(QString::fromStdString(case_file(case_name, file)));
}

QString shape_string(const std::vector<std::size_t>& shape) {
    QStringList parts;
    for (std::size_t d : shape)
        parts << QString::number(d);
    return QLatin1Char('[') + parts.join(QStringLiteral(", ")) + QLatin1Char(']');
}

// The number of layer<k>.npy files: layer0, layer1, ... up to the first one missing.
int count_layer_files(const QString& case_name) {
    int count = 0;
    while (case_has(case_name, QStringLiteral("layer%1.npy").arg(count)))
        ++count;
    return count;
}

std::unique_ptr<Backend> backend_by_name(const QString& name) {
    if (name == QLatin1String("naive"))
        return std::make_unique<NaiveBackend>();
    return make_backend(BackendKind::Fast);
}

} // namespace

class TestTorchAgreement : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void fixtures_exist();
    void matches_torch_data();
    void matches_torch();
};

// The data-driven test below would pass vacuously without any case.
void TestTorchAgreement::fixtures_exist() {
    const QStringList cases = case_names();
    QVERIFY2(!cases.isEmpty(), qPrintable(QStringLiteral("no cases in ") + fixtures_dir()));
    for (const QString& name : cases) {
        QVERIFY2(case_has(name, QStringLiteral("input.npy")), qPrintable(name));
        QVERIFY2(case_has(name, QStringLiteral("pipeline.json")), qPrintable(name));
        QVERIFY2(count_layer_files(name) > 0, qPrintable(name));
    }
}

void TestTorchAgreement::matches_torch_data() {
    QTest::addColumn<QString>("case_name");
    QTest::addColumn<QString>("backend");
    const QStringList cases = case_names();
    if (cases.isEmpty()) // a row to fail on: QTest aborts on a data function without rows
        QTest::newRow("no cases") << QString() << QString();
    // The fast backend must agree with PyTorch as well as the reference does.
    for (const QString& name : cases) {
        for (const char* backend : {"naive", "fast"}) {
            QTest::addRow("%s/%s", qPrintable(name), backend)
                << name << QString::fromLatin1(backend);
        }
    }
}

void TestTorchAgreement::matches_torch() {
    QFETCH(QString, case_name);
    QFETCH(QString, backend);
    if (case_name.isEmpty())
        QFAIL(qPrintable(QStringLiteral("no cases in ") + fixtures_dir()));

    Pipeline pipeline;
    Tensor input;
    try {
        pipeline = load_pipeline(case_file(case_name, QStringLiteral("pipeline.json")));
        const NpyArray array = read_npy(case_file(case_name, QStringLiteral("input.npy")));
        QCOMPARE(array.shape.size(), std::size_t{3});
        const Shape shape{static_cast<int>(array.shape[0]), static_cast<int>(array.shape[1]),
                          static_cast<int>(array.shape[2])};
        input = Tensor::from_dense(shape, array.values);
    } catch (const std::exception& e) {
        QFAIL(e.what());
    }

    const int layer_count = count_layer_files(case_name);
    QCOMPARE(static_cast<int>(pipeline.layers.size()), layer_count);

    RunResult result;
    try {
        result = backend_by_name(backend)->run(pipeline, input);
    } catch (const std::exception& e) {
        QFAIL(e.what());
    }
    QVERIFY(!result.cancelled);
    QCOMPARE(static_cast<int>(result.layers.size()), layer_count);

    for (int k = 0; k < layer_count; ++k) {
        const QString where = QStringLiteral("%1, layer %2 (%3)")
                                  .arg(case_name)
                                  .arg(k)
                                  .arg(QString::fromStdString(display_name(pipeline.layers[k])));
        NpyArray expected;
        try {
            expected = read_npy(case_file(case_name, QStringLiteral("layer%1.npy").arg(k)));
        } catch (const std::exception& e) {
            QFAIL(e.what());
        }
        QVERIFY2(expected.shape.size() == 3, qPrintable(where));

        const Tensor& output = *result.layers[static_cast<std::size_t>(k)].output;
        const std::vector<std::size_t> actual_shape{static_cast<std::size_t>(output.channels()),
                                                    static_cast<std::size_t>(output.height()),
                                                    static_cast<std::size_t>(output.width())};
        QVERIFY2(actual_shape == expected.shape,
                 qPrintable(where + QStringLiteral(": shape ") + shape_string(actual_shape) +
                            QStringLiteral(", PyTorch ") + shape_string(expected.shape)));

        const std::vector<float> actual = output.to_dense();
        QCOMPARE(actual.size(), expected.values.size());

        double max_expected = 0;
        for (float v : expected.values)
            max_expected = std::max(max_expected, std::abs(static_cast<double>(v)));
        double worst = 0;
        std::size_t worst_index = 0;
        for (std::size_t i = 0; i < actual.size(); ++i) {
            const double diff =
                std::abs(static_cast<double>(actual[i]) - static_cast<double>(expected.values[i]));
            // Written so that a NaN in the output counts as the worst difference.
            if (!(diff <= worst)) {
                worst = std::isnan(diff) ? std::numeric_limits<double>::infinity() : diff;
                worst_index = i;
            }
        }
        const double tolerance = kRelativeTolerance * std::max(1.0, max_expected);
        if (!(worst <= tolerance)) {
            const std::size_t plane = expected.shape[1] * expected.shape[2];
            const std::size_t c = worst_index / plane;
            const std::size_t y = worst_index % plane / expected.shape[2];
            const std::size_t x = worst_index % expected.shape[2];
            QFAIL(qPrintable(where +
                             QStringLiteral(": at [%1, %2, %3] got %4, PyTorch %5 (|diff| %6 > %7)")
                                 .arg(c)
                                 .arg(y)
                                 .arg(x)
                                 .arg(static_cast<double>(actual[worst_index]), 0, 'g', 9)
                                 .arg(static_cast<double>(expected.values[worst_index]), 0, 'g', 9)
                                 .arg(worst, 0, 'g', 3)
                                 .arg(tolerance, 0, 'g', 3)));
        }
    }
}

QTEST_APPLESS_MAIN(TestTorchAgreement)
#include "test_torch_agreement.moc"
