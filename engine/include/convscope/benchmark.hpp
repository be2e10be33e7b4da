#pragma once
// The benchmark behind `convscope-cli bench`: a fixed suite of layers and pipelines, timed on the
// fast engine, the naive reference and OpenCV's nearest equivalent (filter2D and friends for
// single-channel filters, the DNN module for multi-channel layers and whole networks), and set
// against this machine's roofline: its FMA peak and memory bandwidth, measured by a short probe.
//
// Every time is the median of several wall-clock runs of the whole Backend::run() call (or of the
// OpenCV calls), after a warm-up run, on inputs cut from a real photo.

#include "convscope/fast_backend.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace convscope {

// What limits a case on this machine: its arithmetic at the FMA peak, or its data at the
// bandwidth of the level it fits in.
enum class BoundKind { Compute, CacheBandwidth, MemoryBandwidth };
std::string_view to_string(BoundKind kind); // "compute", "L3", "DRAM"

struct BenchCase {
    std::string name;
    std::string input_shape;         // "[C, H, W]" of the case's input
    double flops = 0;                // one run, a multiply-add counts 2 (layer_cost summed)
    double bytes = 0;                // one run: every layer's input, output and weights once
    double engine_ms = 0;            // median, fast backend, all threads
    double engine_layers_ms = 0;     // median of the same runs' per-layer times summed: what
                                     // run() spends beyond them is validation and bookkeeping
    double engine_1thread_ms = 0;    // median, fast backend limited to one thread
    double naive_ms = 0;             // median, naive backend
    std::optional<double> opencv_ms; // median; empty where OpenCV has no equivalent
    // max |OpenCV − naive| / max |naive| on the last layer, where the benchmark checks that its
    // peer computes the same thing (the DNN module's cases); empty elsewhere.
    std::optional<double> opencv_rel_error;
    std::string kernel;       // which kernel(s) the fast backend ran, "+"-joined
    bool agrees = true;       // every layer of fast and naive agrees within its tolerance
    double max_rel_error = 0; // max |fast − naive| / max |naive| of the layer nearest its limit
    double tolerance = 0;     // that layer's limit: agreement_tolerance() of its kernel
    BoundKind bound = BoundKind::Compute;
    double bound_ms = 0; // the roofline's time for this case: flops at the peak or bytes at the
                         // bandwidth, whichever is longer, at the run's thread count

    // Nominal: the direct algorithm's FLOPs per second, whatever algorithm ran.
    double gflops() const { return engine_ms > 0 ? flops / (engine_ms * 1e6) : 0; }
    double speedup_vs_naive() const { return engine_ms > 0 ? naive_ms / engine_ms : 0; }
    std::optional<double> speedup_vs_opencv() const;
    double thread_scaling() const { return engine_ms > 0 ? engine_1thread_ms / engine_ms : 0; }
    // The share of the roofline the engine reaches (1 = at the bound). Nominal like gflops():
    // algorithms that do less arithmetic than the direct one (Winograd, FFT, separable,
    // running sums) can pass 1.
    double roofline_fraction() const { return engine_ms > 0 ? bound_ms / engine_ms : 0; }
};

// This machine's limits, measured by a short probe at one thread and at the run's threads.
struct Roofline {
    double fma_gflops_1thread = 0;
    double fma_gflops = 0;        // every thread of the run
    double dram_gbps_1thread = 0; // reading plus writing a buffer far larger than the caches
    double dram_gbps = 0;
    double cache_gbps_1thread = 0; // the same on a buffer that stays in the last-level cache
    double cache_gbps = 0;
    double cache_bytes = 0; // the last-level cache (cases that fit use cache_gbps)
};

// OpenCV's output further than this from the reference's: the peer computed something else.
inline constexpr double kPeerAgreementTolerance = 1e-3;

struct BenchReport {
    std::string cpu;    // /proc/cpuinfo "model name"
    int threads = 0;    // threads the engine (and OpenCV) may use
    std::string simd;   // simd_target()
    bool quick = false; // tiny images: the times mean nothing
    Roofline roofline;
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
    std::vector<std::string> cases;    // the cases to run, by name; empty: all of them
    // Progress, either may be empty: before a case runs (index from 0) and after it is measured.
    std::function<void(int index, int count, const std::string& name)> on_case_start;
    std::function<void(const BenchCase&)> on_case_done;
};

// The case names, in the order they run.
std::vector<std::string> bench_case_names();

// Runs the suite. Throws IoError when an input file cannot be read, PipelineError when the
// default pipeline cannot run, std::invalid_argument naming a case that is not in the suite.
BenchReport run_benchmark(const BenchOptions& options);

// One JSON object: {"cpu", "threads", "simd", "quick", "roofline": {...},
// "cases": [{"name", "engine_ms", ...}]}; opencv_ms and speedup_vs_opencv are null where OpenCV
// has no equivalent.
std::string bench_report_json(const BenchReport& report);
// Aligned columns under a header line naming the CPU, the threads and the SIMD target.
std::string bench_report_table(const BenchReport& report);

} // namespace convscope
