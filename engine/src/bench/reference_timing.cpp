// Timing a pipeline's references. OpenCV runs what a user of OpenCV would run for the same layer
// (its DNN module; filter2D for a single-channel filter), on the maps the backends computed, and
// the whole network as one DNN net. OpenCV's calls cannot be stopped midway, so the cancel token
// is checked between them, and work that one call would spend seconds on is not started.

#include "convscope/reference_timing.hpp"

#include "bench_suite.hpp"
#include "dnn_layers.hpp"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <new>

namespace convscope {

std::string_view to_string(OpenCvPeer peer) {
    switch (peer) {
    case OpenCvPeer::Dnn:
        return "DNN";
    case OpenCvPeer::Filter2D:
        return "filter2D";
    case OpenCvPeer::None:
        break;
    }
    return "";
}

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

bool cancelled(const CancelToken* cancel) {
    return cancel && cancel->is_cancelled();
}

bool all_finite(std::span<const float> values) {
    return std::all_of(values.begin(), values.end(), [](float v) { return std::isfinite(v); });
}

// Whether every number the layer holds is finite: NaN and infinity take other paths through
// OpenCV's kernels (and the engine's), so their times say nothing about the same work.
bool finite_parameters(const Layer& layer) {
    const LayerOp& op = layer.op;
    if (const auto* conv = std::get_if<Conv2d>(&op))
        return all_finite(conv->weights.values) && all_finite(conv->bias);
    if (const auto* bn = std::get_if<BatchNorm2d>(&op))
        return all_finite(bn->weight) && all_finite(bn->bias) && all_finite(bn->running_mean) &&
               all_finite(bn->running_var) && std::isfinite(bn->eps);
    if (const auto* linear = std::get_if<Linear>(&op))
        return all_finite(linear->weight) && all_finite(linear->bias);
    if (const auto* act = std::get_if<Activation>(&op)) {
        const float scalars[] = {act->negative_slope, act->alpha,    act->hard_alpha,
                                 act->hard_beta,      act->clip_min, act->clip_max};
        return all_finite(act->slopes) && all_finite(scalars);
    }
    if (const auto* add = std::get_if<Add>(&op))
        return all_finite(add->constant);
    if (const auto* pad = std::get_if<Pad2d>(&op))
        return std::isfinite(pad->value);
    return true;
}

// A single-channel filter is what filter2D computes (the benchmark's peer for such filters).
bool single_channel_filter(const Conv2d& conv) {
    const ConvWeights& w = conv.weights;
    return w.in_channels == 1 && w.out_channels == 1 && conv.groups == 1 &&
           conv.stride == Pair{1, 1} && conv.dilation == Pair{1, 1} &&
           conv.padding_mode != PaddingMode::Circular;
}

// One pass of a peer: computes the layer (or net) once and returns its output, which stays
// valid until the next pass.
using PeerPass = std::function<cv::Mat()>;

struct Peer {
    OpenCvPeer kind = OpenCvPeer::None;
    PeerPass pass;
    std::string why_not;
};

Peer no_peer(std::string why) {
    return {OpenCvPeer::None, {}, std::move(why)};
}

// filter2D on the input padded as the conv pads it, anchored at the kernel's top-left corner:
// the valid part of the result is the conv's output.
Peer filter2d_peer(const Conv2d& conv, const Tensor& input, Shape output) {
    const PadSides pad = conv.pad_sides();
    const int border = conv.padding_mode == PaddingMode::Zeros     ? cv::BORDER_CONSTANT
                       : conv.padding_mode == PaddingMode::Reflect ? cv::BORDER_REFLECT_101
                                                                   : cv::BORDER_REPLICATE;
    const ConvWeights& w = conv.weights;
    const cv::Mat kernel =
        cv::Mat(w.kernel_h, w.kernel_w, CV_32F, const_cast<float*>(w.values.data())).clone();
    const double bias = conv.bias.empty() ? 0.0 : double(conv.bias[0]);
    const cv::Mat source = bench::plane_view(input, 0);
    const cv::Rect valid(0, 0, output.width, output.height);
    PeerPass pass = [=, padded = cv::Mat(), filtered = cv::Mat()]() mutable {
        cv::copyMakeBorder(source, padded, pad.top, pad.bottom, pad.left, pad.right, border,
                           cv::Scalar(0));
        cv::filter2D(padded, filtered, CV_32F, kernel, cv::Point(0, 0), bias, cv::BORDER_CONSTANT);
        return filtered(valid);
    };
    return {OpenCvPeer::Filter2D, std::move(pass), {}};
}

// A DNN net with its inputs set, forwarded to its output at each pass.
Peer dnn_peer(bench::DnnNet built, std::span<const Tensor* const> inputs) {
    if (!built.net)
        return no_peer(std::move(built.why_not));
    cv::dnn::Net net = *built.net;
    for (std::size_t k = 0; k < built.inputs.size(); ++k)
        net.setInput(bench::blob_from_tensor(*inputs[k]), built.inputs[k]);
    PeerPass pass = [net, output = built.output]() mutable { return net.forward(output); };
    return {OpenCvPeer::Dnn, std::move(pass), {}};
}

Peer layer_peer(const Layer& layer, std::span<const Tensor* const> inputs, Shape output) {
    if (!layer.enabled)
        return no_peer("disabled: it passes its input through");
    if (inputs.size() != static_cast<std::size_t>(input_count(layer)) ||
        std::any_of(inputs.begin(), inputs.end(), [](const Tensor* t) { return !t || t->empty(); }))
        return no_peer("its input maps are not there");
    if (!finite_parameters(layer))
        return no_peer("a parameter is NaN or infinite: not a comparable workload");
    const double flops = layer_cost(layer, inputs[0]->shape(), output).flops;
    if (flops > kOpenCvPeerFlopLimit)
        return no_peer("too large for OpenCV to time without holding up the next edit");
    if (const auto* conv = std::get_if<Conv2d>(&layer.op); conv && single_channel_filter(*conv))
        return filter2d_peer(*conv, *inputs[0], output);
    return dnn_peer(bench::dnn_layer_net(layer), inputs);
}

Peer net_peer(const Pipeline& pipeline, const Tensor& input, int count) {
    if (count <= 0)
        return no_peer("no layer to run");
    const std::vector<LayerCost> costs = layer_costs(pipeline, input.shape());
    if (static_cast<int>(costs.size()) < count)
        return no_peer("the network cannot run on this input");
    double flops = 0;
    for (int i = 0; i < count; ++i) {
        if (!finite_parameters(pipeline.layers[i]))
            return no_peer("layer " + std::to_string(i + 1) + " has a NaN or infinite parameter");
        flops += costs[i].flops;
    }
    if (flops > kOpenCvPeerFlopLimit)
        return no_peer("too large for OpenCV to time without holding up the next edit");
    const Tensor* inputs[] = {&input};
    return dnn_peer(bench::dnn_net(pipeline, count), inputs);
}

// OpenCV's refusal, in a line: its messages carry the file, the line and the assertion.
std::string refusal(const cv::Exception& e) {
    std::string what = e.err.empty() ? e.what() : e.err;
    if (const std::size_t newline = what.find('\n'); newline != std::string::npos)
        what.resize(newline);
    return "OpenCV refused it: " + what;
}

// The peer made by `make`, run once (the first pass: DNN allocates its blobs and packs the
// weights) and checked to compute a map of the expected size; `use` receives that output and
// the peer. OpenCV's exceptions and an exhausted memory become why_not.
OpenCvTime run_peer(const std::function<Peer()>& make, Shape output,
                    const std::function<void(const cv::Mat&, Peer&, OpenCvTime&)>& use) {
    OpenCvTime result;
    try {
        Peer peer = make();
        if (!peer.pass) {
            result.why_not = peer.why_not;
            return result;
        }
        const cv::Mat first = peer.pass();
        if (first.type() != CV_32F || first.total() != output.elements()) {
            result.why_not = "OpenCV computes a map of another size";
            return result;
        }
        result.peer = peer.kind;
        use(first, peer, result);
    } catch (const cv::Exception& e) {
        result = {OpenCvPeer::None, std::nullopt, refusal(e)};
    } catch (const std::bad_alloc&) {
        result = {OpenCvPeer::None, std::nullopt, "not enough memory for OpenCV's run"};
    }
    return result;
}

OpenCvTime best_time(const std::function<Peer()>& make, Shape output, const CancelToken* cancel) {
    return run_peer(make, output, [cancel](const cv::Mat&, Peer& peer, OpenCvTime& result) {
        // The best of up to five runs, fewer once they took 200 ms together.
        double best = std::numeric_limits<double>::infinity(), spent = 0;
        for (int run = 0; run < 5 && spent < 200 && !cancelled(cancel); ++run) {
            const Clock::time_point start = Clock::now();
            peer.pass();
            const double ms = ms_since(start);
            best = std::min(best, ms);
            spent += ms;
        }
        if (std::isfinite(best))
            result.ms = best;
        else
            result.why_not = "cancelled";
    });
}

Tensor first_output(const std::function<Peer()>& make, Shape output, std::string* why_not) {
    Tensor tensor;
    const OpenCvTime result =
        run_peer(make, output, [&tensor, output](const cv::Mat& first, Peer&, OpenCvTime&) {
            tensor = bench::tensor_from_blob(first.isContinuous() ? first : first.clone(), output);
        });
    if (why_not)
        *why_not = result.why_not;
    return tensor;
}

} // namespace

OpenCvTime opencv_layer_time(const Layer& layer, std::span<const Tensor* const> inputs,
                             Shape output, const CancelToken* cancel) {
    return best_time([&] { return layer_peer(layer, inputs, output); }, output, cancel);
}

Tensor opencv_layer_output(const Layer& layer, std::span<const Tensor* const> inputs, Shape output,
                           std::string* why_not) {
    return first_output([&] { return layer_peer(layer, inputs, output); }, output, why_not);
}

OpenCvTime opencv_net_time(const Pipeline& pipeline, const Tensor& input, int count, Shape output,
                           const CancelToken* cancel) {
    return best_time([&] { return net_peer(pipeline, input, count); }, output, cancel);
}

Tensor opencv_net_output(const Pipeline& pipeline, const Tensor& input, int count, Shape output,
                         std::string* why_not) {
    return first_output([&] { return net_peer(pipeline, input, count); }, output, why_not);
}

ReferenceTimes time_references(const Pipeline& pipeline, const std::shared_ptr<const Tensor>& input,
                               Backend& fast, Backend& naive, const ReferenceOptions& options) {
    ReferenceTimes times;
    const PipelinePlan plan = plan_pipeline(pipeline, input->shape());
    const int n =
        options.layer_count < 0 ? plan.runnable() : std::min(plan.runnable(), options.layer_count);
    times.layers = n;
    if (n == 0)
        return times;
    auto stop = [&times] {
        times.cancelled = true;
        return times;
    };
    const RunOptions run{options.cancel, n};

    // The maps OpenCV reads: the naive run's, or (not timing it) the fast engine's, which its
    // cache usually holds already from the live run.
    const RunResult* maps = nullptr;
    if (options.time_naive) {
        maps = &naive.run(pipeline, input, run);
        if (maps->cancelled)
            return stop();
        for (const LayerResult& layer : maps->layers)
            times.naive_ms.push_back(layer.ms);
        times.naive_total_ms = maps->total_ms();
    } else {
        maps = &fast.run(pipeline, input, run);
        if (maps->cancelled)
            return stop();
    }
    // What layer 0 reads: the input as the pipeline prepares it.
    const Tensor& prepared = maps->input ? *maps->input : *input;
    std::vector<const Tensor*> reads;
    for (int i = 0; i < n; ++i) {
        const Layer& layer = pipeline.layers[i];
        reads.clear();
        for (int k = 0; k < input_count(layer); ++k) {
            const int source = input_index(layer, i, k);
            reads.push_back(source == kPipelineInput ? &prepared
                                                     : maps->layers[source].output.get());
        }
        times.opencv.push_back(opencv_layer_time(layer, reads, plan.shapes[i], options.cancel));
        if (cancelled(options.cancel))
            return stop();
    }
    times.opencv_net = opencv_net_time(pipeline, prepared, n, plan.shapes[n - 1], options.cancel);
    if (cancelled(options.cancel))
        return stop();

    // The fast engine timed like the references: every layer computed, warm, the best of a few.
    times.fast_ms.assign(n, std::numeric_limits<double>::infinity());
    for (int repeat = 0; repeat < std::max(1, options.fast_repeats); ++repeat) {
        const RunResult& timed = fast.run(pipeline, input, RunOptions{options.cancel, n, false});
        if (timed.cancelled)
            return stop();
        for (int i = 0; i < n; ++i)
            times.fast_ms[i] = std::min(times.fast_ms[i], timed.layers[i].ms);
        times.fast_kernels.clear();
        for (int i = 0; i < n; ++i)
            times.fast_kernels.push_back(timed.layers[i].kernel);
    }
    return times;
}

} // namespace convscope
