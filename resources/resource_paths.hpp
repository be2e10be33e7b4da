#pragma once
// Where the bundled samples, presets and pipelines are: beside an installed binary
// (<prefix>/share/convscope), in the source tree for a build, or where CONVSCOPE_RESOURCES says.

#include <QString>

namespace convscope {

// The folder that holds samples/, presets/ and pipelines/ (empty if none is found).
QString resource_dir();
// A path inside it, e.g. resource_path("samples/chelsea.png").
QString resource_path(const QString& relative);

// What runs when the user names nothing.
inline constexpr const char* kDefaultSample = "samples/chelsea.png";
inline constexpr const char* kDefaultPipeline = "pipelines/default.json";

} // namespace convscope
