#pragma once
// Pipeline files: JSON with "format": "convscope-pipeline", "version": 1, "input", "layers".
// Strict: unknown fields, wrong types, bad sizes and non-finite weights are errors that name the
// layer index and the field.

#include "convscope/pipeline.hpp"

#include <string>

namespace convscope {

// Throws PipelineError (bad content) naming the layer and field.
Pipeline parse_pipeline(const std::string& json_text);
// Throws IoError (unreadable file) or PipelineError; messages name the file.
Pipeline load_pipeline(const std::string& path);

// Pretty-printed JSON that parse_pipeline reads back to an equal pipeline.
std::string serialize_pipeline(const Pipeline& pipeline);
void save_pipeline(const std::string& path, const Pipeline& pipeline); // throws IoError

} // namespace convscope
