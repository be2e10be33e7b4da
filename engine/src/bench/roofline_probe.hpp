#pragma once
// The roofline probe: how fast this machine multiplies and adds, and how fast it moves data,
// measured in a fraction of a second at one thread and at the run's threads. Private to
// engine/src/bench.

#include "convscope/benchmark.hpp"

#include <cstddef>

namespace convscope::bench {

// Measures the roofline with `threads` threads (and one). `quick` takes a few milliseconds and
// means nothing, for testing the harness.
Roofline probe_roofline(int threads, bool quick);

// The probe's kernels (roofline_kernels.cpp), on the best SIMD target of the CPU.
// Independent chains of fused multiply-adds, `iterations` times; returns a value that depends on
// every one so the work cannot be optimised away. FLOPs done: fma_probe_flops(iterations).
float fma_probe(long iterations);
double fma_probe_flops(long iterations);
// dst[i] = src[i] for i < count (whole vectors; count a multiple of 64).
void copy_probe(const float* src, float* dst, std::size_t count);

} // namespace convscope::bench
