// Measuring the suite: first the roofline probe (this machine's FMA peak and bandwidth), then for
// each case a warm-up run of the fast backend (buffers allocated, caches warm), one run of the
// naive reference whose outputs the fast ones must match, then the median of several wall-clock
// runs on each side: fast with every thread, fast with one, naive, OpenCV.

#include "bench_suite.hpp"
#include "roofline_probe.hpp"

#include "convscope/backend.hpp"
#include "convscope/benchmark.hpp"
#include "convscope/fast_backend.hpp"
#include "convscope/layer_cost.hpp"
#include "convscope/simd.hpp"

#include <opencv2/core/utility.hpp>
#include <tbb/global_control.h>
#include <tbb/info.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>
#include <stdexcept>

namespace convscope {

std::optional<double> BenchCase::speedup_vs_opencv() const {
    if (!opencv_ms || engine_ms <= 0)
        return std::nullopt;
    return *opencv_ms / engine_ms;
}

std::vector<std::string> bench_case_names() {
    return bench::Suite::case_names();
}

std::string_view to_string(BoundKind kind) {
    switch (kind) {
    case BoundKind::Compute:
        return "compute";
    case BoundKind::CacheBandwidth:
        return "L3";
    case BoundKind::MemoryBandwidth:
        return "DRAM";
    }
    return "compute";
}

namespace {

using Clock = std::chrono::steady_clock;

double milliseconds_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

template <typename Pass> double time_ms(Pass&& pass) {
    const Clock::time_point start = Clock::now();
    pass();
    return milliseconds_since(start);
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// How many timed runs one measurement takes: `max_runs`, or fewer once the runs so far took
// longer than `budget_ms` (0: no budget), so slow cases do not hold the whole suite up.
struct RepeatPlan {
    int max_runs = 1;
    double budget_ms = 0;
};

// The median time of `pass`, counting `earlier` runs already timed (e.g. a reference run).
template <typename Pass>
double median_ms(Pass&& pass, RepeatPlan plan, std::vector<double> earlier = {}) {
    std::vector<double> times = std::move(earlier);
    double spent = 0;
    for (double t : times)
        spent += t;
    while (static_cast<int>(times.size()) < plan.max_runs &&
           !(plan.budget_ms > 0 && !times.empty() && spent > plan.budget_ms)) {
        times.push_back(time_ms(pass));
        spent += times.back();
    }
    return median(std::move(times));
}

struct Plans {
    RepeatPlan engine; // the fast backend and OpenCV
    RepeatPlan naive;  // the reference: a few runs, one when a run takes over a second
};

Plans plans_for(const BenchOptions& options) {
    if (options.repeat > 0)
        return {{options.repeat, 0}, {std::min(options.repeat, 3), 1000}};
    if (options.quick)
        return {{1, 0}, {1, 0}};
    return {{15, 2000}, {3, 1000}};
}

// ---- Agreement ------------------------------------------------------------------------------

// max |a − b| / max |b| over every cell of `b`, where `a_row(c, y)` points at the values to set
// beside row y of b's channel c; infinite when a difference is not finite.
template <class RowOf> double relative_difference(RowOf a_row, const Tensor& b) {
    double largest_difference = 0;
    double largest_value = 0;
    for (int c = 0; c < b.channels(); ++c)
        for (int y = 0; y < b.height(); ++y) {
            const float* ra = a_row(c, y);
            const float* rb = b.row(c, y);
            for (int x = 0; x < b.width(); ++x) {
                const double difference = std::abs(static_cast<double>(ra[x]) - rb[x]);
                if (!std::isfinite(difference))
                    return std::numeric_limits<double>::infinity();
                largest_difference = std::max(largest_difference, difference);
                largest_value = std::max(largest_value, std::abs(static_cast<double>(rb[x])));
            }
        }
    return largest_value > 0 ? largest_difference / largest_value : largest_difference;
}

// One map against another: infinite when the shapes differ.
double relative_difference(const Tensor& a, const Tensor& b) {
    if (a.shape() != b.shape())
        return std::numeric_limits<double>::infinity();
    return relative_difference([&](int c, int y) { return a.row(c, y); }, b);
}

// The layer nearest its tolerance (agreement_tolerance of the kernel that computed it; a fused
// layer has its conv's): its error and tolerance.
struct Agreement {
    double error = 0;
    double tolerance = kDirectTolerance;
};

Agreement worst_agreement(const RunResult& fast, const RunResult& naive) {
    if (fast.layers.size() != naive.layers.size())
        return {std::numeric_limits<double>::infinity(), kDirectTolerance};
    Agreement worst;
    double tolerance = kDirectTolerance;
    for (std::size_t i = 0; i < fast.layers.size(); ++i) {
        if (fast.layers[i].kernel != "fused-into-conv")
            tolerance = agreement_tolerance(fast.layers[i].kernel);
        const double error = relative_difference(*fast.layers[i].output, *naive.layers[i].output);
        if (!(error / tolerance <= worst.error / worst.tolerance))
            worst = {error, tolerance};
    }
    return worst;
}

// ---- One case -------------------------------------------------------------------------------

// What one run must compute and move at least: every layer's FLOPs, and its input, output and
// parameters read or written once (float32).
struct Work {
    double flops = 0;
    double bytes = 0;
};

Work pipeline_work(const Pipeline& pipeline, Shape input) {
    const std::vector<Shape> shapes = infer_shapes(pipeline, input);
    Work work;
    for (std::size_t i = 0; i < shapes.size(); ++i) {
        const LayerCost cost = layer_cost(pipeline.layers[i], input, shapes[i]);
        work.flops += cost.flops;
        work.bytes += 4.0 * (static_cast<double>(input.elements()) +
                             static_cast<double>(shapes[i].elements()) +
                             static_cast<double>(cost.parameters));
        input = shapes[i];
    }
    return work;
}

// The roofline's time for a case: its FLOPs at the FMA peak, or its bytes at the bandwidth of the
// level its data fits in (the last-level cache when it fills at most three quarters of it, as the
// repeated runs then find it there), whichever takes longer.
void set_bound(BenchCase& c, const Roofline& roofline) {
    const double compute_ms = c.flops / (roofline.fma_gflops * 1e6);
    const bool in_cache = c.bytes <= 0.75 * roofline.cache_bytes;
    const double gbps = in_cache ? roofline.cache_gbps : roofline.dram_gbps;
    const double memory_ms = c.bytes / (gbps * 1e6);
    c.bound_ms = std::max(compute_ms, memory_ms);
    c.bound = compute_ms >= memory_ms ? BoundKind::Compute
              : in_cache              ? BoundKind::CacheBandwidth
                                      : BoundKind::MemoryBandwidth;
}

// OpenCV's output (a dense C×H×W blob) against the engine's last layer: infinite when the sizes
// differ.
double relative_difference(const cv::Mat& blob, const Tensor& t) {
    if (blob.total() != t.shape().elements())
        return std::numeric_limits<double>::infinity();
    const float* values = blob.ptr<float>();
    const std::size_t width = static_cast<std::size_t>(t.width());
    const std::size_t height = static_cast<std::size_t>(t.height());
    return relative_difference(
        [&](int c, int y) {
            return values +
                   (static_cast<std::size_t>(c) * height + static_cast<std::size_t>(y)) * width;
        },
        t);
}

// The kernels a run used, each once, in order of first use: "direct-avx512+relu-avx512".
std::string kernel_names(const RunResult& run) {
    std::vector<std::string> seen;
    std::string joined;
    for (const LayerResult& layer : run.layers) {
        if (layer.kernel.empty() || std::find(seen.begin(), seen.end(), layer.kernel) != seen.end())
            continue;
        seen.push_back(layer.kernel);
        joined += (joined.empty() ? "" : "+") + layer.kernel;
    }
    return joined;
}

BenchCase measure_case(const bench::SuiteCase& suite_case, const Plans& plans, int threads,
                       const Roofline& roofline) {
    const Pipeline& pipeline = suite_case.pipeline;
    const Tensor& input = suite_case.input;
    BenchCase result;
    result.name = suite_case.name;
    result.input_shape = input.shape().str();
    const Work work = pipeline_work(pipeline, input.shape());
    result.flops = work.flops;
    result.bytes = work.bytes;
    set_bound(result, roofline);

    const auto fast = make_backend(BackendKind::Fast);
    const auto naive = make_backend(BackendKind::Naive);
    std::vector<double> layer_times; // per fast run: the layers' own times, summed
    const auto run_fast = [&] { layer_times.push_back(fast->run(pipeline, input).total_ms()); };
    const auto run_naive = [&] { naive->run(pipeline, input); };

    // The warm-up run's outputs stay in the backend until its next run: check them now.
    const RunResult& fast_outputs = fast->run(pipeline, input);
    result.kernel = kernel_names(fast_outputs);
    const RunResult* naive_outputs = nullptr;
    const double first_naive_ms = time_ms([&] { naive_outputs = &naive->run(pipeline, input); });
    const Agreement agreement = worst_agreement(fast_outputs, *naive_outputs);
    result.max_rel_error = agreement.error;
    result.tolerance = agreement.tolerance;
    result.agrees = agreement.error <= agreement.tolerance;
    if (suite_case.opencv_output && !naive_outputs->layers.empty())
        result.opencv_rel_error = relative_difference(suite_case.opencv_output(input),
                                                      *naive_outputs->layers.back().output);

    result.naive_ms = median_ms(run_naive, plans.naive, {first_naive_ms});
    result.engine_ms = median_ms(run_fast, plans.engine);
    result.engine_layers_ms = median(layer_times);
    if (threads == 1) {
        result.engine_1thread_ms = result.engine_ms;
    } else {
        const tbb::global_control one_thread(tbb::global_control::max_allowed_parallelism, 1);
        result.engine_1thread_ms = median_ms(run_fast, plans.engine);
    }
    if (suite_case.opencv) {
        bench::OpenCvPass run_opencv = suite_case.opencv(input);
        run_opencv(); // warm-up, as for the engine
        result.opencv_ms = median_ms(run_opencv, plans.engine);
    }
    return result;
}

// ---- The machine ----------------------------------------------------------------------------

std::string cpu_model() {
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    while (std::getline(cpuinfo, line)) {
        if (!line.starts_with("model name"))
            continue;
        const std::size_t colon = line.find(':');
        if (colon == std::string::npos)
            break;
        const std::size_t start = line.find_first_not_of(" \t", colon + 1);
        return start == std::string::npos ? "unknown" : line.substr(start);
    }
    return "unknown";
}

// The threads the run may use: what was asked for, capped to the hardware's.
int usable_threads(int requested) {
    const int hardware = std::max(1, tbb::info::default_concurrency());
    return requested <= 0 ? hardware : std::min(requested, hardware);
}

// Gives OpenCV the same number of threads as the engine for the run, then restores its own.
class OpenCvThreads {
public:
    explicit OpenCvThreads(int threads) : previous_(cv::getNumThreads()) {
        cv::setNumThreads(threads);
    }
    ~OpenCvThreads() { cv::setNumThreads(previous_); }
    OpenCvThreads(const OpenCvThreads&) = delete;
    OpenCvThreads& operator=(const OpenCvThreads&) = delete;

private:
    int previous_;
};

// The suite's indices of the named cases, in the suite's order; every case when none is named.
std::vector<int> chosen_cases(const std::vector<std::string>& names) {
    const std::vector<std::string>& all = bench::Suite::case_names();
    std::vector<int> chosen;
    for (int i = 0; i < static_cast<int>(all.size()); ++i)
        if (names.empty() || std::find(names.begin(), names.end(), all[i]) != names.end())
            chosen.push_back(i);
    for (const std::string& name : names)
        if (std::find(all.begin(), all.end(), name) == all.end())
            throw std::invalid_argument("there is no benchmark case \"" + name + "\"");
    return chosen;
}

} // namespace

BenchReport run_benchmark(const BenchOptions& options) {
    BenchReport report;
    report.cpu = cpu_model();
    report.threads = usable_threads(options.threads);
    report.simd = simd_target();
    report.quick = options.quick;

    const std::vector<int> chosen = chosen_cases(options.cases);
    const tbb::global_control thread_limit(tbb::global_control::max_allowed_parallelism,
                                           static_cast<std::size_t>(report.threads));
    const OpenCvThreads opencv_threads(report.threads);
    const Plans plans = plans_for(options);
    report.roofline = bench::probe_roofline(report.threads, options.quick);

    bench::Suite suite({options.photo_path, options.default_pipeline_path,
                        options.default_sample_path, options.quick});
    const int count = static_cast<int>(chosen.size());
    for (int k = 0; k < count; ++k) {
        const int i = chosen[k];
        if (options.on_case_start)
            options.on_case_start(k, count, bench::Suite::case_names()[i]);
        const bench::SuiteCase suite_case = suite.make_case(i);
        report.cases.push_back(measure_case(suite_case, plans, report.threads, report.roofline));
        if (options.on_case_done)
            options.on_case_done(report.cases.back());
    }
    return report;
}

} // namespace convscope
