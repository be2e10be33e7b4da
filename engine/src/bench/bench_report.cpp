// The benchmark's results for machines (one JSON object) and for people (an aligned table).

#include "convscope/benchmark.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace convscope {

namespace {

// ---- JSON -----------------------------------------------------------------------------------

using Json = nlohmann::ordered_json; // keys in the order written, as people read them

// `value` to `digits` significant digits: timings are not more precise than that, and the JSON
// stays readable.
double significant(double value, int digits = 4) {
    if (value == 0 || !std::isfinite(value))
        return value;
    const double magnitude = std::floor(std::log10(std::abs(value)));
    const double scale = std::pow(10.0, digits - 1 - magnitude);
    return std::round(value * scale) / scale;
}

Json number_or_null(const std::optional<double>& value) {
    return value ? Json(significant(*value)) : Json(nullptr);
}

Json case_json(const BenchCase& c) {
    Json j;
    j["name"] = c.name;
    j["input"] = c.input_shape;
    j["engine_ms"] = significant(c.engine_ms);
    j["engine_layers_ms"] = significant(c.engine_layers_ms);
    j["engine_1thread_ms"] = significant(c.engine_1thread_ms);
    j["thread_scaling"] = significant(c.thread_scaling());
    j["naive_ms"] = significant(c.naive_ms);
    j["opencv_ms"] = number_or_null(c.opencv_ms);
    j["speedup_vs_naive"] = significant(c.speedup_vs_naive());
    j["speedup_vs_opencv"] = number_or_null(c.speedup_vs_opencv());
    j["gflop"] = significant(c.flops / 1e9);
    j["gflops"] = significant(c.gflops());
    j["kernel"] = c.kernel;
    j["agrees"] = c.agrees;
    // JSON has no infinity: an error that is not finite (shapes differ, NaN) is null.
    j["max_rel_error"] =
        std::isfinite(c.max_rel_error) ? Json(significant(c.max_rel_error, 2)) : Json(nullptr);
    return j;
}

// ---- Table ----------------------------------------------------------------------------------

// Characters as a terminal shows them: UTF-8 continuation bytes take no column.
std::size_t display_width(const std::string& text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char ch) {
        return (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
    }));
}

std::string padded(const std::string& text, std::size_t width, bool align_right) {
    const std::size_t w = display_width(text);
    const std::string fill(w < width ? width - w : 0, ' ');
    return align_right ? fill + text : text + fill;
}

// About three significant digits, never in exponent form: 0.412, 4.12, 41.2, 412.
std::string short_number(double value) {
    const int decimals = value < 1 ? 3 : value < 10 ? 2 : value < 100 ? 1 : 0;
    char text[32];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

std::string short_number(const std::optional<double>& value) {
    return value ? short_number(*value) : "-";
}

std::vector<std::string> table_row(const BenchCase& c) {
    return {c.name + (c.agrees ? "" : " (!)"),
            short_number(c.engine_ms),
            short_number(c.engine_1thread_ms),
            short_number(c.naive_ms),
            short_number(c.opencv_ms),
            short_number(c.speedup_vs_naive()),
            short_number(c.speedup_vs_opencv()),
            short_number(c.thread_scaling()),
            short_number(c.gflops()),
            c.kernel};
}

} // namespace

std::string bench_report_json(const BenchReport& report) {
    Json j;
    j["cpu"] = report.cpu;
    j["threads"] = report.threads;
    j["simd"] = report.simd;
    j["quick"] = report.quick;
    j["cases"] = Json::array();
    for (const BenchCase& c : report.cases)
        j["cases"].push_back(case_json(c));
    return j.dump(2) + "\n";
}

std::string bench_report_table(const BenchReport& report) {
    const std::vector<std::string> header = {"case",      "engine ms", "1-thread ms", "naive ms",
                                             "OpenCV ms", "× naive",   "× OpenCV",    "× threads",
                                             "GFLOP/s",   "kernel"};
    std::vector<std::vector<std::string>> rows = {header};
    for (const BenchCase& c : report.cases)
        rows.push_back(table_row(c));

    std::vector<std::size_t> widths(header.size(), 0);
    for (const auto& row : rows)
        for (std::size_t i = 0; i < row.size(); ++i)
            widths[i] = std::max(widths[i], display_width(row[i]));

    std::string table = "CPU: " + report.cpu + "   threads: " + std::to_string(report.threads) +
                        "   SIMD: " + report.simd +
                        (report.quick ? "   (quick: tiny images, times mean nothing)" : "") +
                        "\n\n";
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i) {
            const bool first_or_last = i == 0 || i + 1 == row.size();
            const bool last = i + 1 == row.size();
            line += padded(row[i], last ? 0 : widths[i], !first_or_last) + (last ? "" : "  ");
        }
        table += line + "\n";
    }
    const bool any_disagree = std::any_of(report.cases.begin(), report.cases.end(),
                                          [](const BenchCase& c) { return !c.agrees; });
    table += "\nTimes are medians of wall-clock runs; × columns are speedups of the engine "
             "(× threads: 1 thread → all).\n"
             "GFLOP/s: the direct convolution's FLOPs (a multiply-add is 2) per second; "
             "separable and\nrunning-sum kernels do fewer, so theirs can exceed the machine's "
             "peak.\n";
    if (any_disagree) {
        char tolerance[32];
        std::snprintf(tolerance, sizeof tolerance, "%g", kAgreementTolerance);
        table += std::string("(!) fast and naive outputs disagree on this case (relative error > ") +
                 tolerance + ").\n";
    }
    return table;
}

} // namespace convscope
