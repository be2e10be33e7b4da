#include "convscope/versions.hpp"

#include <hwy/highway.h>
#include <oneapi/tbb/version.h>
#include <opencv2/core/version.hpp>

namespace convscope {

std::vector<LibraryVersion> library_versions() {
    return {
        {"OpenCV", CV_VERSION},
        {"oneTBB", TBB_VERSION_STRING},
        {"Highway", std::to_string(HWY_MAJOR) + "." + std::to_string(HWY_MINOR) + "." +
                        std::to_string(HWY_PATCH)},
    };
}

} // namespace convscope
