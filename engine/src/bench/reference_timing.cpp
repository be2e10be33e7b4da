// Timing a pipeline's references. OpenCV runs what a user of OpenCV would write for the same
// layer, on the maps the backends computed; every OpenCV call checks the cancel token first,
// since on a 12 MP image one call takes tens of milliseconds and an edit may be waiting.

#include "convscope/reference_timing.hpp"

#include "bench_suite.hpp"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <limits>

namespace convscope {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

bool cancelled(const CancelToken* cancel) {
    return cancel && cancel->is_cancelled();
}

using bench::plane_view;

std::function<void()> opencv_conv(const Conv2d& conv, const Tensor& input, Shape output,
                                  const CancelToken* cancel) {
    if (conv.stride != Pair{1, 1} || conv.dilation != Pair{1, 1} ||
        conv.padding_mode == PaddingMode::Circular)
        return {};
    const PadSides pad = conv.pad_sides();
    const int border = conv.padding_mode == PaddingMode::Zeros     ? cv::BORDER_CONSTANT
                       : conv.padding_mode == PaddingMode::Reflect ? cv::BORDER_REFLECT_101
                                                                   : cv::BORDER_REPLICATE;
    return [&conv, &input, pad, border, output, cancel] {
        std::vector<cv::Mat> padded(input.channels());
        for (int c = 0; c < input.channels() && !cancelled(cancel); ++c)
            cv::copyMakeBorder(plane_view(input, c), padded[c], pad.top, pad.bottom, pad.left,
                               pad.right, border, cv::Scalar(0));
        const ConvWeights& w = conv.weights;
        const int out_per_group = w.out_channels / conv.groups;
        cv::Mat sum(output.height, output.width, CV_32F), filtered;
        const cv::Rect valid(0, 0, output.width, output.height);
        for (int o = 0; o < w.out_channels && !cancelled(cancel); ++o) {
            sum.setTo(conv.bias.empty() ? 0.0 : double(conv.bias[o]));
            const int group = o / out_per_group;
            for (int i = 0; i < w.in_channels && !cancelled(cancel); ++i) {
                const cv::Mat kernel(w.kernel_h, w.kernel_w, CV_32F,
                                     const_cast<float*>(&w.values[w.index(o, i, 0, 0)]));
                cv::filter2D(padded[group * w.in_channels + i], filtered, CV_32F, kernel,
                             cv::Point(0, 0), 0, cv::BORDER_CONSTANT);
                sum += filtered(valid);
            }
        }
    };
}

std::function<void()> opencv_avg_pool(const Pool2d& pool, const Tensor& input, Shape output,
                                      const CancelToken* cancel) {
    if (pool.kind != PoolKind::Avg || pool.stride != pool.kernel_size ||
        pool.padding != Pair{0, 0} || pool.ceil_mode || input.height() % pool.kernel_size.h ||
        input.width() % pool.kernel_size.w)
        return {};
    return [&input, output, cancel] {
        cv::Mat pooled;
        for (int c = 0; c < input.channels() && !cancelled(cancel); ++c)
            cv::resize(plane_view(input, c), pooled, cv::Size(output.width, output.height), 0, 0,
                       cv::INTER_AREA);
    };
}

std::function<void()> opencv_relu(const Activation& act, const Tensor& input,
                                  const CancelToken* cancel) {
    if (act.kind != ActivationKind::ReLU)
        return {};
    return [&input, cancel] {
        cv::Mat activated;
        for (int c = 0; c < input.channels() && !cancelled(cancel); ++c)
            cv::max(plane_view(input, c), 0.0, activated);
    };
}

} // namespace

std::optional<double> opencv_layer_ms(const Layer& layer, const Tensor& input, Shape output,
                                      const CancelToken* cancel) {
    if (!layer.enabled || input.empty())
        return std::nullopt;
    std::function<void()> pass;
    if (const auto* conv = std::get_if<Conv2d>(&layer.op))
        pass = opencv_conv(*conv, input, output, cancel);
    else if (const auto* pool = std::get_if<Pool2d>(&layer.op))
        pass = opencv_avg_pool(*pool, input, output, cancel);
    else if (const auto* act = std::get_if<Activation>(&layer.op))
        pass = opencv_relu(*act, input, cancel);
    if (!pass)
        return std::nullopt;
    // The best of up to five runs, fewer once they took 200 ms together.
    double best = std::numeric_limits<double>::infinity(), spent = 0;
    for (int run = 0; run < 5 && (run == 0 || spent < 200) && !cancelled(cancel); ++run) {
        const Clock::time_point start = Clock::now();
        pass();
        const double ms = ms_since(start);
        best = std::min(best, ms);
        spent += ms;
    }
    return best;
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
    for (int i = 0; i < n; ++i) {
        const Layer& layer = pipeline.layers[i];
        const int source = input_index(layer, i, 0);
        const Tensor& read = source == kPipelineInput ? *input : *maps->layers[source].output;
        times.opencv_ms.push_back(opencv_layer_ms(layer, read, plan.shapes[i], options.cancel));
        if (cancelled(options.cancel))
            return stop();
    }

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
