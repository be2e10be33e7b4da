#pragma once
// The benchmark behind `convscope-cli bench`: a fixed suite of layers and pipelines, timed on the
// fast engine, the naive reference and OpenCV's nearest equivalent.
//
// Every time is the median of several wall-clock runs of the whole Backend::run() call (or of the
// OpenCV calls), after a warm-up run, on inputs cut from a real photo.

#include "convscope/fast_backend.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace convscope {

struct BenchCase {
    std::string name;
    std::string input_shape;         // "[C, H, W]" of the case's input
    double flops = 0;                // one run, a multiply-add counts 2 (layer_cost summed)
    double engine_ms = 0;            // median, fast backend, all threads
    double engine_layers_ms = 0;     // median of the same runs' per-layer times summed: what
                                     // run() spends beyond them is validation and bookkeeping
    double engine_1thread_ms = 0;    // median, fast backend limited to one thread
    double naive_ms = 0;             // median, naive backend
    std::optional<double> opencv_ms; // median; empty where OpenCV has no equivalent
    std::string kernel;              // which kernel(s) the fast backend ran, "+"-joined
    bool agrees = true;              // fast and naive outputs agree within kAgreementTolerance
    double max_rel_error = 0;        // max |fast − naive| / max |naive|, worst layer

    // Nominal: the direct algorithm's FLOPs per second, whatever algorithm ran.
    double gflops() const { return engine_ms > 0 ? flops / (engine_ms * 1e6) : 0; }
    double speedup_vs_naive() const { return engine_ms > 0 ? naive_ms / engine_ms : 0; }
    std::optional<double> speedup_vs_opencv() const;
    double thread_scaling() const { return engine_ms > 0 ? engine_1thread_ms / engine_ms : 0; }
};

// Fast and naive outputs further apart than the fast backend's tolerance disagree.
inline constexpr double kAgreementTolerance = kFastAgreementTolerance;

struct BenchReport {
    std::string cpu;    // /proc/cpuinfo "model name"
    int threads = 0;    // threads the engine (and OpenCV) may use
    std::string simd;   // simd_target()
    bool quick = false; // tiny images: the times mean nothing
    std::vector<BenchCase> cases;
};

struct BenchOptions {
    // Timed runs of the engine and OpenCV per case. 0: up to 15, fewer for cases slower than
    // about a second. The naive reference runs at most 3 times, once when a run takes > 1 s.
    int repeat = 0;
    int threads = 0;    // 0: every hardware thread; more than that is capped to it
    bool quick = false; // tiny images and one run: a smoke test of the harness, not a measurement
    std::string default_pipeline_path; // resources/pipelines/default.json
    std::string default_sample_path;   // resources/samples/chelsea.png
    std::string photo_path;            // resources/samples/rocket-large.jpg, cut to each size
    // Progress, either may be empty: before a case runs (index from 0) and after it is measured.
    std::function<void(int index, int count, const std::string& name)> on_case_start;
    std::function<void(const BenchCase&)> on_case_done;
};

// The case names, in the order they run.
std::vector<std::string> bench_case_names();

// Runs the suite. Throws IoError when an input file cannot be read, PipelineError when the
// default pipeline cannot run.
BenchReport run_benchmark(const BenchOptions& options);

// One JSON object: {"cpu", "threads", "simd", "quick", "cases": [{"name", "engine_ms", ...}]};
// opencv_ms and speedup_vs_opencv are null where OpenCV has no equivalent.
std::string bench_report_json(const BenchReport& report);
// Aligned columns under a header line naming the CPU, the threads and the SIMD target.
std::string bench_report_table(const BenchReport& report);

} // namespace convscope
