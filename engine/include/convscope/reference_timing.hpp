#pragma once
// The references a pipeline's live run is measured against, timed on the same input: the naive
// loops, OpenCV's nearest equivalent of each layer, and the fast engine itself warm and
// repeated (a live run's time may include first-run costs). Cancellable between and within
// layers. The app's Speed panel shows these; `convscope-cli bench` times its fixed suite with
// the same backends and counts FLOPs with pipeline_flops (layer_cost.hpp).

#include "convscope/backend.hpp"
#include "convscope/cancel_token.hpp"
#include "convscope/layer_cost.hpp"
#include "convscope/pipeline.hpp"
#include "convscope/tensor.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace convscope {

// Above this many FLOPs (pipeline_flops) the naive loops take many seconds: they are timed
// only when the user asks for it.
inline constexpr double kNaiveReferenceFlopLimit = 4e9;

struct ReferenceOptions {
    const CancelToken* cancel = nullptr;
    bool time_naive = true; // false: OpenCV and the fast engine only (the naive loops are too slow)
    int fast_repeats = 3;   // the fast engine's time is the best of this many full runs
    // At most this many of the first layers (-1: every layer that can run); the app times only
    // the layers that fit the memory budget.
    int layer_count = -1;
};

struct ReferenceTimes {
    int layers = 0;              // the runnable prefix that was timed
    std::vector<double> fast_ms; // per layer, warm: the best of fast_repeats
    // The kernel each layer ran in those runs. A full run may fuse layers a live run started
    // midway kept apart ("fused-into-conv": its time is in the layer before).
    std::vector<std::string> fast_kernels;
    std::vector<double> naive_ms;                 // per layer; empty when not timed
    std::vector<std::optional<double>> opencv_ms; // per layer, where OpenCV has the same operation
    double naive_total_ms = 0;
    bool cancelled = false; // the token was raised: the times are incomplete, do not show them
};

// Times the layers of `pipeline` that can run on `input` (plan_pipeline's prefix, cut to
// options.layer_count). `fast` and
// `naive` are the backends to time; their caches serve as usual, so a repeated call recomputes
// the naive loops only from the first layer that changed (the times of the layers before it are
// the earlier run's), and OpenCV reads maps the backends already hold. Throws what Backend::run
// throws.
ReferenceTimes time_references(const Pipeline& pipeline, const std::shared_ptr<const Tensor>& input,
                               Backend& fast, Backend& naive, const ReferenceOptions& options = {});

// OpenCV's time for one layer reading `input` into a map of `output` shape, where OpenCV has the
// same operation: a conv with stride 1 and dilation 1 and a padding mode OpenCV has (a filter2D
// per channel pair), ReLU (cv::max), average pooling with stride = kernel and no padding
// (resize with INTER_AREA). The best of a few runs; empty for everything else.
std::optional<double> opencv_layer_ms(const Layer& layer, const Tensor& input, Shape output,
                                      const CancelToken* cancel = nullptr);

} // namespace convscope
