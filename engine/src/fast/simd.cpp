#include "convscope/simd.hpp"
#include "fast/kernels.hpp"

#include <hwy/highway.h>
#include <hwy/targets.h>

namespace convscope {

std::string simd_target() {
    return fast::dispatched_target_name();
}

std::vector<std::string> simd_targets_available() {
    std::vector<std::string> names;
    for (const std::int64_t target : hwy::SupportedAndGeneratedTargets())
        names.emplace_back(hwy::TargetName(target));
    return names; // Highway lists the best target first
}

bool force_simd_target(const std::string& name) {
    if (name.empty()) {
        hwy::SetSupportedTargetsForTest(0); // back to what the CPU supports
        return true;
    }
    hwy::SetSupportedTargetsForTest(0);
    for (const std::int64_t target : hwy::SupportedAndGeneratedTargets())
        if (name == hwy::TargetName(target)) {
            hwy::SetSupportedTargetsForTest(target);
            return true;
        }
    return false;
}

} // namespace convscope
