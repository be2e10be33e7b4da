#pragma once
// The references a pipeline's live run is measured against, timed on the same input: the naive
// loops, OpenCV computing the same numbers (its DNN module for network layers and for the
// whole network, filter2D for a single-channel filter), and the fast engine itself warm and
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
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace convscope {

// Above this many FLOPs (pipeline_flops) the naive loops take many seconds: they are timed
// only when the user asks for it.
inline constexpr double kNaiveReferenceFlopLimit = 4e9;
// Above this many FLOPs one pass of OpenCV (which cannot be cancelled midway) would hold up the
// next edit for seconds: such a layer, or network, gets no OpenCV time.
inline constexpr double kOpenCvPeerFlopLimit = 3e10;

// The OpenCV call that computes the same numbers as a layer.
enum class OpenCvPeer {
    None,
    Dnn,      // a cv::dnn::Net of the layer (or of the whole network) on OpenCV's CPU backend
    Filter2D, // cv::filter2D: a single-channel filter at stride 1, dilation 1
};
// "DNN", "filter2D", or "" for None.
std::string_view to_string(OpenCvPeer peer);

struct OpenCvTime {
    OpenCvPeer peer = OpenCvPeer::None;
    std::optional<double> ms; // the best of a few runs; empty without a peer
    std::string why_not;      // without a time: why, in a few words
};

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
    std::vector<double> naive_ms;   // per layer; empty when not timed
    std::vector<OpenCvTime> opencv; // per layer: OpenCV's time where it computes the same numbers
    // The whole timed prefix as one DNN net (DNN fuses layers as the engine does): the fair
    // total. Peer None, with why_not, when a layer has no DNN equivalent.
    OpenCvTime opencv_net;
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

// OpenCV's time for one layer reading `inputs` (input_count(layer) maps) into a map of `output`
// shape, on the peer that computes the same numbers: filter2D for a single-channel filter at
// stride 1 and dilation 1, else the layer as a DNN net. None, with why_not, where OpenCV has no
// exact equivalent, where a parameter is not finite, above kOpenCvPeerFlopLimit, or where OpenCV
// refuses the layer. The best of a few runs, after one that lets DNN allocate and pack.
OpenCvTime opencv_layer_time(const Layer& layer, std::span<const Tensor* const> inputs,
                             Shape output, const CancelToken* cancel = nullptr);
// What that peer computes: an empty tensor where opencv_layer_time has no peer (why_not says
// why). Tests hold it against the engine's map, so the time is known to be for the same work.
Tensor opencv_layer_output(const Layer& layer, std::span<const Tensor* const> inputs, Shape output,
                           std::string* why_not = nullptr);

// The first `count` layers of `pipeline` as one DNN net reading `input` (already prepared: the
// pipeline's normalisation applied), timed like a layer; `output` is layer count−1's shape.
OpenCvTime opencv_net_time(const Pipeline& pipeline, const Tensor& input, int count, Shape output,
                           const CancelToken* cancel = nullptr);
// The net's last map (empty where opencv_net_time has no peer).
Tensor opencv_net_output(const Pipeline& pipeline, const Tensor& input, int count, Shape output,
                         std::string* why_not = nullptr);

} // namespace convscope
