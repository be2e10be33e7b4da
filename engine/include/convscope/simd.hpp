#pragma once
// Which SIMD instruction set the fast kernels run with (Highway's runtime dispatch).

#include <string>
#include <vector>

namespace convscope {

// The target the fast kernels dispatch to now, by Highway's name: "AVX3" (AVX-512), "AVX2",
// "SSE4", "NEON", "EMU128" or "SCALAR".
std::string simd_target();

// Every target that is both compiled in and supported by this CPU, best first.
std::vector<std::string> simd_targets_available();

// Restricts dispatch to one available target (tests run every kernel on each); an empty name
// restores the best target. Returns false for a target that is not available.
bool force_simd_target(const std::string& name);

} // namespace convscope
