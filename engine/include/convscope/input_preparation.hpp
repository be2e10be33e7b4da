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

// An image brought to the network's input size as `fit` says (see InputFit): shrinking
// averages the pixels each output pixel covers (OpenCV's INTER_AREA, close to an antialiased
// resize), enlarging interpolates bilinearly; a centre crop scales the image until it covers the
// size, then keeps the middle (offsets rounded as torchvision's CenterCrop rounds them). The
// image itself when `fit` is Whole, `size` is 0 × 0 or the image has that size already.
Tensor fit_input(const Tensor& image, Pair size, InputFit fit);
// The shape fit_input gives for an image of shape `image`.
Shape fitted_shape(Shape image, Pair size, InputFit fit);

} // namespace convscope
