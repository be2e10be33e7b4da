#pragma once
// The libraries the engine is built on, named once for everyone who reports them
// (`convscope-cli --version` and the app's About box).

#include <string>
#include <vector>

namespace convscope {

struct LibraryVersion {
    std::string name;    // "OpenCV", "oneTBB", "Highway"
    std::string version; // "4.6.0"
};

// OpenCV, oneTBB and Highway, in that order, with the versions the engine was compiled against.
std::vector<LibraryVersion> library_versions();

} // namespace convscope
