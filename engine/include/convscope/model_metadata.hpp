#pragma once
// What a model file's metadata says about the input it was trained with (the keys of
// resources/models/README.md), turned into the pipeline's input preparation. One owner for the
// app and the CLI, so that both run a model on the same numbers:
//   input_mean, input_std  JSON arrays, one number per input channel (or one for all), in
//                          ConvScope's [0, 1] units: the network reads (x - mean) / std;
//   input_size             [height, width] the network was trained on.
// The ONNX import itself maps the graph only; apply_input_metadata is the step after it.

#include "convscope/onnx_import.hpp"
#include "convscope/pipeline.hpp"
#include "convscope/shape.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace convscope {

// A metadata value longer than this is not a list of a few numbers: it is not parsed.
inline constexpr std::size_t kMaxInputMetadataBytes = 4096;

// The per-channel normalisation input_mean and input_std state; identity when they state none.
// A value that is not a list of (positive, for the std) finite numbers, one or one per channel,
// is left out with one warning naming the key. A mean of 0 and a std of 1 everywhere are left out
// silently: the pipeline says only what it does.
InputNormalization normalization_from_metadata(const OnnxModelInfo& model, int channels,
                                               std::vector<std::string>* warnings);

// [height, width] from input_size, else from the declared input shape; 0 × 0 when neither says.
Pair input_size_from_metadata(const OnnxModelInfo& model);

// Whether the pipeline reads a fixed number of features somewhere (a Linear after a Flatten of
// maps that no global pooling brought to 1 × 1), so that it runs only on inputs of the size it
// was made for.
bool needs_fixed_input_size(const Pipeline& pipeline);

// Sets the imported pipeline's normalisation and input size from the metadata; a pipeline that
// needs a fixed input size and knows it resizes the image to it (InputFit::Resize), every other
// pipeline runs on the whole image. Warnings are added to imported.warnings.
void apply_input_metadata(OnnxImport& imported);

} // namespace convscope
