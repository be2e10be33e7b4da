#pragma once
// Pipeline files: JSON with "format": "convscope-pipeline", "version", "input", "layers".
// Strict: unknown fields, wrong types, bad sizes and non-finite weights are errors that name the
// layer (numbered from 1, 0 being the input image, as in the app and in "inputs") and the field.
//
// Version 1: conv, maxpool, avgpool, relu, leaky_relu, sigmoid, tanh, one after another.
// Version 2 adds the layers of modern CNNs (batchnorm, add, concat, global pooling, pad, prelu,
// elu, hardsigmoid, hardswish, clip, flatten, linear, softmax) with PyTorch's parameter names,
// "inputs": [3, 7] on any layer (the layers it reads; 0 is the input image; default: the layer
// before), and "mean", "std", "size" and "fit" in "input". A file that states version 1 may use
// none of these.

#include "convscope/pipeline.hpp"

#include <string>

namespace convscope {

// Throws PipelineError (bad content) naming the layer and field.
Pipeline parse_pipeline(const std::string& json_text);
// Throws IoError (unreadable file) or PipelineError; messages name the file.
Pipeline load_pipeline(const std::string& path);

// Pretty-printed JSON that parse_pipeline reads back to an equal pipeline: version 1, as
// earlier releases wrote it, when the pipeline uses nothing of version 2; version 2 otherwise.
std::string serialize_pipeline(const Pipeline& pipeline);
// The version serialize_pipeline writes for this pipeline (1 or 2).
int pipeline_file_version(const Pipeline& pipeline);
void save_pipeline(const std::string& path, const Pipeline& pipeline); // throws IoError

} // namespace convscope
