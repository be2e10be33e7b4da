// `convscope-cli bench`: the harness, not the speed. A --quick run (tiny images, one run) must
// report every case once with consistent numbers; speed itself is never asserted here.

#include "convscope/benchmark.hpp"

#include "cli_runner.hpp"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QtTest>

#include <algorithm>
#include <cmath>

using namespace convscope;

namespace {

// The whole suite.
const QStringList kCaseNames = {"conv3x3_gray",
                                "conv5x5_gray",
                                "conv7x7_gray",
                                "conv11x11_gray",
                                "conv15x15_gray",
                                "conv31x31_gray",
                                "gauss9x9_gray",
                                "box15x15_gray",
                                "relu_16ch_540p",
                                "maxpool2x2_16ch_540p",
                                "maxpool3x3s1_gray",
                                "conv3x3_3to16_rgb",
                                "conv3x3_16to32_540p",
                                "resnet_3x3_64to64_56",
                                "resnet_3x3_128to128_28",
                                "resnet_3x3_256to256_14",
                                "resnet_3x3_512to512_7",
                                "resnet_conv1_7x7s2_3to64_224",
                                "resnet_3x3s2_64to128_56",
                                "pointwise_1x1_64to256_56",
                                "depthwise_3x3_32ch_112",
                                "resnet18_trunk_224",
                                "default_pipeline",
                                "default_pipeline_1080p"};

// Cases without an OpenCV equivalent.
const QStringList kNoOpenCv = {};

// Cases whose OpenCV peer is the DNN module, which the benchmark checks against the reference.
const QStringList kDnnPeer = {"conv3x3_3to16_rgb",
                              "conv3x3_16to32_540p",
                              "resnet_3x3_64to64_56",
                              "resnet_3x3_128to128_28",
                              "resnet_3x3_256to256_14",
                              "resnet_3x3_512to512_7",
                              "resnet_conv1_7x7s2_3to64_224",
                              "resnet_3x3s2_64to128_56",
                              "pointwise_1x1_64to256_56",
                              "depthwise_3x3_32ch_112",
                              "resnet18_trunk_224",
                              "default_pipeline",
                              "default_pipeline_1080p"};

bool close_to(double actual, double expected) {
    // The JSON rounds to 4 significant digits; allow for that on both operands.
    return std::abs(actual - expected) <= 2e-3 * std::abs(expected) + 1e-12;
}

QJsonObject case_named(const QJsonArray& cases, const QString& name) {
    for (const QJsonValue& c : cases)
        if (c.toObject().value("name").toString() == name)
            return c.toObject();
    return {};
}

} // namespace

class TestBenchmark : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void quickJsonDescribesTheMachine();
    void quickJsonListsEveryCaseOnce();
    void quickJsonTimesArePositive();
    void opencvIsNullExactlyWhereThereIsNoEquivalent();
    void speedupsFollowFromTheTimes();
    void gflopsArePositiveForConvolutions();
    void fastAndNaiveAgreeOnEveryCase();
    void dnnPeerComputesWhatTheReferenceDoes();
    void rooflineIsMeasuredAndEveryCaseHasItsBound();
    void casesOptionRunsOnlyTheNamedCases();
    void unknownCaseIsAUsageError();
    void threadsOneIsReportedAndNeedsNoSecondMeasurement();
    void tablePrintsHeaderAndEveryCase();
    void helpDocumentsTheOptions();
    void badCountsAreUsageErrors_data();
    void badCountsAreUsageErrors();
    void reportJsonWritesMissingOpenCvAsNull();
    void caseDerivedValues();

private:
    QJsonObject quick_report_; // one `bench --json --quick` run, shared by the checks
    QJsonArray quick_cases_;
};

void TestBenchmark::initTestCase() {
    const CliResult r = run_cli({"bench", "--json", "--quick"});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(r.out.toUtf8(), &error);
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    QVERIFY(document.isObject());
    quick_report_ = document.object();
    quick_cases_ = quick_report_.value("cases").toArray();
}

void TestBenchmark::quickJsonDescribesTheMachine() {
    QVERIFY(!quick_report_.value("cpu").toString().isEmpty());
    QVERIFY(quick_report_.value("threads").toInt() >= 1);
    QVERIFY(!quick_report_.value("simd").toString().isEmpty());
    QCOMPARE(quick_report_.value("quick").toBool(), true);
}

void TestBenchmark::quickJsonListsEveryCaseOnce() {
    QStringList names;
    for (const QJsonValue& c : quick_cases_)
        names << c.toObject().value("name").toString();
    for (const QString& expected : kCaseNames)
        QVERIFY2(names.count(expected) == 1, qPrintable(expected + " is not listed exactly once"));
    QCOMPARE(names.size(), kCaseNames.size());

    QStringList engine_names;
    for (const std::string& name : bench_case_names())
        engine_names << QString::fromStdString(name);
    QCOMPARE(engine_names, names); // the report keeps the suite's order
}

void TestBenchmark::quickJsonTimesArePositive() {
    for (const QJsonValue& value : quick_cases_) {
        const QJsonObject c = value.toObject();
        const QByteArray name = c.value("name").toString().toUtf8();
        for (const char* key : {"engine_ms", "engine_1thread_ms", "naive_ms", "thread_scaling"})
            QVERIFY2(c.value(key).toDouble() > 0, name + ": " + key);
        if (!c.value("opencv_ms").isNull())
            QVERIFY2(c.value("opencv_ms").toDouble() > 0, name.constData());
        QVERIFY2(!c.value("kernel").toString().isEmpty(), name.constData());
    }
}

void TestBenchmark::opencvIsNullExactlyWhereThereIsNoEquivalent() {
    for (const QString& name : kCaseNames) {
        const QJsonObject c = case_named(quick_cases_, name);
        const bool none = kNoOpenCv.contains(name);
        QVERIFY2(c.value("opencv_ms").isNull() == none, qPrintable(name));
        QVERIFY2(c.value("speedup_vs_opencv").isNull() == none, qPrintable(name));
        QVERIFY2(c.contains("opencv_ms") && c.contains("speedup_vs_opencv"), qPrintable(name));
    }
}

void TestBenchmark::speedupsFollowFromTheTimes() {
    for (const QJsonValue& value : quick_cases_) {
        const QJsonObject c = value.toObject();
        const QByteArray name = c.value("name").toString().toUtf8();
        const double engine = c.value("engine_ms").toDouble();
        QVERIFY2(close_to(c.value("speedup_vs_naive").toDouble(),
                          c.value("naive_ms").toDouble() / engine),
                 name.constData());
        QVERIFY2(close_to(c.value("thread_scaling").toDouble(),
                          c.value("engine_1thread_ms").toDouble() / engine),
                 name.constData());
        if (!c.value("opencv_ms").isNull())
            QVERIFY2(close_to(c.value("speedup_vs_opencv").toDouble(),
                              c.value("opencv_ms").toDouble() / engine),
                     name.constData());
    }
}

void TestBenchmark::gflopsArePositiveForConvolutions() {
    for (const QString& name : kCaseNames) {
        if (!name.startsWith("conv") && !name.startsWith("gauss") && !name.startsWith("box") &&
            !name.startsWith("default") && !name.startsWith("resnet") &&
            !name.startsWith("pointwise") && !name.startsWith("depthwise"))
            continue;
        const QJsonObject c = case_named(quick_cases_, name);
        QVERIFY2(c.value("gflops").toDouble() > 0, qPrintable(name));
        QVERIFY2(c.value("gflop").toDouble() > 0, qPrintable(name));
    }
}

void TestBenchmark::fastAndNaiveAgreeOnEveryCase() {
    for (const QJsonValue& value : quick_cases_) {
        const QJsonObject c = value.toObject();
        QVERIFY2(c.value("agrees").toBool(),
                 qPrintable(c.value("name").toString() + ": max relative error " +
                            QString::number(c.value("max_rel_error").toDouble())));
    }
}

void TestBenchmark::dnnPeerComputesWhatTheReferenceDoes() {
    for (const QString& name : kCaseNames) {
        const QJsonObject c = case_named(quick_cases_, name);
        const QJsonValue error = c.value("opencv_rel_error");
        QVERIFY2(error.isNull() == !kDnnPeer.contains(name), qPrintable(name));
        if (!error.isNull())
            QVERIFY2(error.toDouble() <= kPeerAgreementTolerance,
                     qPrintable(name + ": " + QString::number(error.toDouble())));
    }
}

void TestBenchmark::rooflineIsMeasuredAndEveryCaseHasItsBound() {
    const QJsonObject roofline = quick_report_.value("roofline").toObject();
    for (const char* key : {"fma_gflops", "fma_gflops_1thread", "dram_gbps", "dram_gbps_1thread",
                            "cache_gbps", "cache_gbps_1thread", "cache_mb"})
        QVERIFY2(roofline.value(key).toDouble() > 0, key);
    const double peak = roofline.value("fma_gflops").toDouble();
    for (const QJsonValue& value : quick_cases_) {
        const QJsonObject c = value.toObject();
        const QByteArray name = c.value("name").toString().toUtf8();
        const QString bound = c.value("bound").toString();
        QVERIFY2(bound == "compute" || bound == "L3" || bound == "DRAM", name.constData());
        QVERIFY2(c.value("gbytes").toDouble() > 0, name.constData());
        const double bound_ms = c.value("bound_ms").toDouble();
        QVERIFY2(bound_ms > 0, name.constData());
        // The bound is never shorter than the FLOPs at the peak.
        QVERIFY2(bound_ms * 1.002 >= c.value("gflop").toDouble() / peak * 1e3, name.constData());
        QVERIFY2(std::abs(c.value("roofline_fraction").toDouble() -
                          bound_ms / c.value("engine_ms").toDouble()) <=
                     0.01 * c.value("roofline_fraction").toDouble(),
                 name.constData());
    }
}

void TestBenchmark::casesOptionRunsOnlyTheNamedCases() {
    const CliResult r =
        run_cli({"bench", "--json", "--quick", "--cases", "relu_16ch_540p,conv3x3_gray"});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    const QJsonArray cases =
        QJsonDocument::fromJson(r.out.toUtf8()).object().value("cases").toArray();
    QCOMPARE(cases.size(), 2);
    // In the suite's order, whatever the order asked.
    QCOMPARE(cases.at(0).toObject().value("name").toString(), QString("conv3x3_gray"));
    QCOMPARE(cases.at(1).toObject().value("name").toString(), QString("relu_16ch_540p"));
}

void TestBenchmark::unknownCaseIsAUsageError() {
    const CliResult r = run_cli({"bench", "--quick", "--cases", "conv3x3_gray,conv4x4_gray"});
    QCOMPARE(r.exit_code, 2);
    QVERIFY(r.out.isEmpty());
    QVERIFY2(r.err.contains("\"conv4x4_gray\""), qPrintable(r.err));
}

void TestBenchmark::threadsOneIsReportedAndNeedsNoSecondMeasurement() {
    const CliResult r = run_cli({"bench", "--json", "--quick", "--threads", "1"});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    const QJsonObject report = QJsonDocument::fromJson(r.out.toUtf8()).object();
    QCOMPARE(report.value("threads").toInt(), 1);
    for (const QJsonValue& value : report.value("cases").toArray()) {
        const QJsonObject c = value.toObject();
        QCOMPARE(c.value("engine_1thread_ms").toDouble(), c.value("engine_ms").toDouble());
        QCOMPARE(c.value("thread_scaling").toDouble(), 1.0);
    }
}

void TestBenchmark::tablePrintsHeaderAndEveryCase() {
    const CliResult r = run_cli({"bench", "--quick", "--repeat", "2"});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    const QStringList lines = r.out.split('\n');
    QVERIFY(lines.first().startsWith("CPU: "));
    QVERIFY(lines.first().contains("threads: "));
    QVERIFY(lines.first().contains("SIMD: "));
    const auto header = std::find_if(lines.begin(), lines.end(),
                                     [](const QString& l) { return l.startsWith("case "); });
    QVERIFY(header != lines.end());
    for (const char* column : {"engine ms", "1-thread ms", "naive ms", "OpenCV ms", "× naive",
                               "× OpenCV", "GFLOP/s", "bound", "roofline", "kernel"})
        QVERIFY2(header->contains(QString::fromUtf8(column)), column);
    for (const QString& name : kCaseNames) {
        const bool listed = std::any_of(lines.begin(), lines.end(),
                                        [&](const QString& l) { return l.startsWith(name + " "); });
        QVERIFY2(listed, qPrintable(name));
    }
    // The kernel column starts at the same place on every row: the columns are aligned.
    const qsizetype kernel_column = header->indexOf("kernel");
    for (const QString& name : kCaseNames) {
        const QString row = *std::find_if(
            lines.begin(), lines.end(), [&](const QString& l) { return l.startsWith(name + " "); });
        QVERIFY2(row.at(kernel_column - 1) == ' ' && row.at(kernel_column) != ' ', qPrintable(row));
    }
    QVERIFY(r.err.contains("[24/24] default_pipeline_1080p")); // progress goes to stderr
    QVERIFY(lines.at(1).startsWith("Roofline (measured): FMA peak "));
}

void TestBenchmark::helpDocumentsTheOptions() {
    const CliResult r = run_cli({"bench", "--help"});
    QCOMPARE(r.exit_code, 0);
    for (const char* option : {"--json", "--repeat", "--threads", "--quick", "--cases"})
        QVERIFY2(r.out.contains(option), option);
    QVERIFY(r.out.contains("testing the harness"));

    const CliResult overview = run_cli({"--help"});
    QVERIFY(overview.out.contains("bench"));
    QVERIFY(overview.out.contains("--quick"));
}

void TestBenchmark::badCountsAreUsageErrors_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::newRow("repeat 0") << QStringList{"--repeat", "0"};
    QTest::newRow("threads 0") << QStringList{"--threads", "0"};
    QTest::newRow("threads negative") << QStringList{"--threads", "-2"};
    QTest::newRow("repeat not a number") << QStringList{"--repeat", "many"};
    QTest::newRow("repeat without value") << QStringList{"--repeat"};
    QTest::newRow("unknown option") << QStringList{"--fast"};
    QTest::newRow("stray argument") << QStringList{"now"};
}

void TestBenchmark::badCountsAreUsageErrors() {
    QFETCH(QStringList, arguments);
    const CliResult r = run_cli(QStringList{"bench", "--quick"} + arguments);
    QCOMPARE(r.exit_code, 2);
    QVERIFY(r.out.isEmpty());
    QCOMPARE(r.err.count('\n'), 1);
    QVERIFY(r.err.startsWith("convscope-cli: "));
}

void TestBenchmark::reportJsonWritesMissingOpenCvAsNull() {
    // Strings are assigned as std::string: GCC 12 warns falsely (-Wrestrict, PR 105329) when a
    // literal is assigned to a std::string member here.
    BenchCase with_opencv;
    with_opencv.name = std::string("a");
    with_opencv.engine_ms = 2;
    with_opencv.naive_ms = 20;
    with_opencv.opencv_ms = 5;
    with_opencv.engine_1thread_ms = 3.6;
    with_opencv.flops = 4e9;
    BenchCase without_opencv = with_opencv;
    without_opencv.name = std::string("b");
    without_opencv.opencv_ms.reset();
    BenchReport report;
    report.cpu = std::string("Test CPU");
    report.threads = 2;
    report.simd = std::string("AVX2");
    report.cases = {with_opencv, without_opencv};

    const QJsonObject j =
        QJsonDocument::fromJson(QByteArray::fromStdString(bench_report_json(report))).object();
    QCOMPARE(j.value("cpu").toString(), QString("Test CPU"));
    QCOMPARE(j.value("threads").toInt(), 2);
    QCOMPARE(j.value("simd").toString(), QString("AVX2"));
    const QJsonObject a = j.value("cases").toArray().at(0).toObject();
    const QJsonObject b = j.value("cases").toArray().at(1).toObject();
    QCOMPARE(a.value("opencv_ms").toDouble(), 5.0);
    QCOMPARE(a.value("speedup_vs_opencv").toDouble(), 2.5);
    QCOMPARE(a.value("speedup_vs_naive").toDouble(), 10.0);
    QCOMPARE(a.value("thread_scaling").toDouble(), 1.8);
    QCOMPARE(a.value("gflops").toDouble(), 2000.0);
    QVERIFY(b.value("opencv_ms").isNull());
    QVERIFY(b.value("speedup_vs_opencv").isNull());

    const std::string table = bench_report_table(report);
    QVERIFY(table.starts_with("CPU: Test CPU   threads: 2   SIMD: AVX2"));
}

void TestBenchmark::caseDerivedValues() {
    BenchCase c;
    QCOMPARE(c.speedup_vs_naive(), 0.0); // nothing measured: no division by zero
    QVERIFY(!c.speedup_vs_opencv());
    c.engine_ms = 4;
    c.naive_ms = 100;
    c.engine_1thread_ms = 7;
    c.flops = 8e9;
    QCOMPARE(c.speedup_vs_naive(), 25.0);
    QCOMPARE(c.thread_scaling(), 1.75);
    QCOMPARE(c.gflops(), 2000.0);
    QVERIFY(!c.speedup_vs_opencv());
    c.opencv_ms = 6;
    QCOMPARE(*c.speedup_vs_opencv(), 1.5);
}

QTEST_GUILESS_MAIN(TestBenchmark)
#include "test_benchmark.moc"
