#pragma once
// Input preparation: what is done to the input once, before the first layer reads it. Every
// run goes through Backend::run, which calls prepare_input when the pipeline normalises its
// input, so the CLI, the app and the tests prepare inputs in one place.

#include "convscope/pipeline.hpp"
#include "convscope/tensor.hpp"

namespace convscope {

// The maps layer 1 reads: per channel c, (x − mean[c]) / std[c] in float, exactly as
// torchvision.transforms.Normalize computes it. Throws PipelineError (layer index -1) when the
// normalisation does not fit the input (see check_normalization).
Tensor prepare_input(const Tensor& input, const InputNormalization& normalization);

} // namespace convscope
