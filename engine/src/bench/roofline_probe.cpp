// The roofline probe. Each figure is the best of a few timed passes (the machine is shared; the
// best pass is the one least disturbed), at one thread and at the run's threads:
// - FMA peak: independent chains of vector multiply-adds, long enough to take ~20 ms;
// - DRAM bandwidth: a copy between two buffers four times the size of the last-level cache,
//   counting the bytes read and the bytes written (what a ReLU or a pooling moves);
// - cache bandwidth: the same copy between two buffers that together fill half that cache.

#include "roofline_probe.hpp"

#include "convscope/aligned_allocator.hpp"

#include <tbb/parallel_for.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <vector>

namespace convscope::bench {

namespace {

using Clock = std::chrono::steady_clock;
using Buffer = std::vector<float, AlignedAllocator<float, 64>>;

template <typename Pass> double seconds(Pass&& pass) {
    const Clock::time_point start = Clock::now();
    pass();
    return std::chrono::duration<double>(Clock::now() - start).count();
}

template <typename Pass> double best_seconds(int passes, Pass&& pass) {
    double best = seconds(pass);
    for (int i = 1; i < passes; ++i)
        best = std::min(best, seconds(pass));
    return best;
}

// Runs body(part) for part in [0, parts), one part per thread.
template <typename Body> void on_threads(int parts, const Body& body) {
    if (parts <= 1) {
        body(0);
        return;
    }
    tbb::parallel_for(
        0, parts, [&](int part) { body(part); }, tbb::simple_partitioner());
}

// The last-level cache's size in bytes: what sysfs says (the kernel's view: under a hypervisor
// the C library's CPUID answer can be the whole host's), else the C library's, else a guess that
// keeps the probe meaningful on most machines (8 MB).
double last_level_cache_bytes() {
    std::ifstream sysfs("/sys/devices/system/cpu/cpu0/cache/index3/size");
    long kilobytes = 0;
    if (sysfs >> kilobytes && kilobytes > 0)
        return kilobytes * 1024.0;
    const long from_libc = sysconf(_SC_LEVEL3_CACHE_SIZE);
    if (from_libc > 0)
        return static_cast<double>(from_libc);
    return 8.0 * 1024 * 1024;
}

volatile float g_sink; // keeps the FMA chains' results alive

double fma_gflops(int threads, long iterations, int passes) {
    const double s = best_seconds(
        passes, [&] { on_threads(threads, [&](int) { g_sink = fma_probe(iterations); }); });
    return threads * fma_probe_flops(iterations) / s / 1e9;
}

// Bytes read plus written per second, copying `floats` floats split over `threads`.
double copy_gbps(const float* src, float* dst, std::size_t floats, int threads, int repeats,
                 int passes) {
    const std::size_t part = (floats / threads) / 64 * 64;
    const double s = best_seconds(passes, [&] {
        on_threads(threads, [&](int t) {
            for (int r = 0; r < repeats; ++r)
                copy_probe(src + t * part, dst + t * part, part);
        });
    });
    return 2.0 * sizeof(float) * static_cast<double>(part) * threads * repeats / s / 1e9;
}

} // namespace

Roofline probe_roofline(int threads, bool quick) {
    Roofline r;
    r.cache_bytes = last_level_cache_bytes();

    // ~20 ms per pass (2 ms when quick), calibrated on a short run.
    long iterations = 1 << 14;
    const double calibration = seconds([&] { g_sink = fma_probe(iterations); });
    const double pass_seconds = quick ? 0.002 : 0.02;
    if (calibration > 0)
        iterations =
            std::max<long>(iterations, static_cast<long>(iterations * pass_seconds / calibration));
    const int passes = quick ? 1 : 3;
    r.fma_gflops_1thread = fma_gflops(1, iterations, passes);
    r.fma_gflops = threads > 1 ? fma_gflops(threads, iterations, passes) : r.fma_gflops_1thread;

    // The buffers are touched before timing, so page faults are not counted.
    const std::size_t dram_floats =
        quick ? std::size_t{1} << 20
              : static_cast<std::size_t>(std::max(4 * r.cache_bytes, 64.0 * 1024 * 1024) / 4);
    Buffer src(dram_floats, 1.0f), dst(dram_floats, 0.0f);
    r.dram_gbps_1thread = copy_gbps(src.data(), dst.data(), dram_floats, 1, 1, passes);
    r.dram_gbps = threads > 1 ? copy_gbps(src.data(), dst.data(), dram_floats, threads, 1, passes)
                              : r.dram_gbps_1thread;

    // Two buffers that together fill half the cache, copied enough times to take milliseconds.
    const std::size_t cache_floats =
        std::min(dram_floats, static_cast<std::size_t>(r.cache_bytes / 4 / 4) / 64 * 64);
    const int repeats = quick ? 1 : 16;
    copy_probe(src.data(), dst.data(), cache_floats); // into the cache
    r.cache_gbps_1thread = copy_gbps(src.data(), dst.data(), cache_floats, 1, repeats, passes + 2);
    r.cache_gbps =
        threads > 1 ? copy_gbps(src.data(), dst.data(), cache_floats, threads, repeats, passes + 2)
                    : r.cache_gbps_1thread;
    return r;
}

} // namespace convscope::bench
