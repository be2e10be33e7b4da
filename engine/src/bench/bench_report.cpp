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

// JSON has no infinity: an error that is not finite (shapes differ, NaN) is null.
Json error_json(double error) {
    return std::isfinite(error) ? Json(significant(error, 2)) : Json(nullptr);
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
    j["gbytes"] = significant(c.bytes / 1e9);
    j["bound"] = std::string(to_string(c.bound));
    j["bound_ms"] = significant(c.bound_ms);
    j["roofline_fraction"] = significant(c.roofline_fraction(), 3);
    j["kernel"] = c.kernel;
    j["agrees"] = c.agrees;
    j["max_rel_error"] = error_json(c.max_rel_error);
    j["tolerance"] = c.tolerance;
    j["opencv_rel_error"] = c.opencv_rel_error ? error_json(*c.opencv_rel_error) : Json(nullptr);
    return j;
}

Json roofline_json(const Roofline& r) {
    Json j;
    j["fma_gflops"] = significant(r.fma_gflops);
    j["fma_gflops_1thread"] = significant(r.fma_gflops_1thread);
    j["dram_gbps"] = significant(r.dram_gbps);
    j["dram_gbps_1thread"] = significant(r.dram_gbps_1thread);
    j["cache_gbps"] = significant(r.cache_gbps);
    j["cache_gbps_1thread"] = significant(r.cache_gbps_1thread);
    j["cache_mb"] = significant(r.cache_bytes / (1024.0 * 1024.0));
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

// The OpenCV peer disagrees with the reference: its time is not for the same result.
bool opencv_differs(const BenchCase& c) {
    return c.opencv_rel_error && !(*c.opencv_rel_error <= kPeerAgreementTolerance);
}

std::string percent(double fraction) {
    return std::to_string(static_cast<int>(std::lround(100 * fraction))) + "%";
}

std::vector<std::string> table_row(const BenchCase& c) {
    return {c.name + (c.agrees ? "" : " (!)") + (opencv_differs(c) ? " (cv!)" : ""),
            short_number(c.engine_ms),
            short_number(c.engine_1thread_ms),
            short_number(c.naive_ms),
            short_number(c.opencv_ms),
            short_number(c.speedup_vs_naive()),
            short_number(c.speedup_vs_opencv()),
            short_number(c.thread_scaling()),
            short_number(c.gflops()),
            std::string(to_string(c.bound)),
            percent(c.roofline_fraction()),
            c.kernel};
}

std::string roofline_line(const Roofline& r, int threads) {
    char text[256];
    std::snprintf(text, sizeof text,
                  "Roofline (measured): FMA peak %s GFLOP/s (1 thread %s); copy bandwidth DRAM "
                  "%s GB/s (1 thread %s), L3 (%s MB) %s GB/s (1 thread %s); at %d threads\n",
                  short_number(r.fma_gflops).c_str(), short_number(r.fma_gflops_1thread).c_str(),
                  short_number(r.dram_gbps).c_str(), short_number(r.dram_gbps_1thread).c_str(),
                  short_number(r.cache_bytes / (1024.0 * 1024.0)).c_str(),
                  short_number(r.cache_gbps).c_str(), short_number(r.cache_gbps_1thread).c_str(),
                  threads);
    return text;
}

} // namespace

std::string bench_report_json(const BenchReport& report) {
    Json j;
    j["cpu"] = report.cpu;
    j["threads"] = report.threads;
    j["simd"] = report.simd;
    j["quick"] = report.quick;
    j["roofline"] = roofline_json(report.roofline);
    j["cases"] = Json::array();
    for (const BenchCase& c : report.cases)
        j["cases"].push_back(case_json(c));
    return j.dump(2) + "\n";
}

std::string bench_report_table(const BenchReport& report) {
    const std::vector<std::string> header = {"case",      "engine ms", "1-thread ms", "naive ms",
                                             "OpenCV ms", "× naive",   "× OpenCV",    "× threads",
                                             "GFLOP/s",   "bound",     "roofline",    "kernel"};
    std::vector<std::vector<std::string>> rows = {header};
    for (const BenchCase& c : report.cases)
        rows.push_back(table_row(c));

    std::vector<std::size_t> widths(header.size(), 0);
    for (const auto& row : rows)
        for (std::size_t i = 0; i < row.size(); ++i)
            widths[i] = std::max(widths[i], display_width(row[i]));

    std::string table = "CPU: " + report.cpu + "   threads: " + std::to_string(report.threads) +
                        "   SIMD: " + report.simd +
                        (report.quick ? "   (quick: tiny images, times mean nothing)" : "") + "\n" +
                        roofline_line(report.roofline, report.threads) + "\n";
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
    const bool any_peer_differs =
        std::any_of(report.cases.begin(), report.cases.end(), opencv_differs);
    table += "\nTimes are medians of wall-clock runs; × columns are speedups of the engine "
             "(× threads: 1 thread → all).\n"
             "OpenCV: filter2D and friends for single-channel filters, the DNN module for "
             "multi-channel layers\nand pipelines.\n"
             "GFLOP/s: the direct convolution's FLOPs (a multiply-add is 2) per second; "
             "Winograd, FFT,\nseparable and running-sum kernels do fewer, so theirs can exceed "
             "the machine's peak.\n"
             "bound: what limits the case at the roofline (compute: FLOPs at the FMA peak; L3 or "
             "DRAM: every\nlayer's input, output and weights once at that copy bandwidth); "
             "roofline: the bound's time\nover the engine's (nominal, as GFLOP/s).\n";
    if (any_disagree)
        table += "(!) fast and naive outputs disagree on this case (relative error past the "
                 "kernel's tolerance:\n    1e-5, or 1e-4 for Winograd and FFT).\n";
    if (any_peer_differs)
        table += "(cv!) OpenCV's output differs from the reference's (relative error > 1e-3).\n";
    return table;
}

} // namespace convscope
