#include "convscope/backend.hpp"
#include "convscope/fast_backend.hpp"
#include "convscope/naive_backend.hpp"

#include <algorithm>
#include <chrono>

namespace convscope {

double RunResult::total_ms() const {
    double total = 0;
    for (const LayerResult& layer : layers)
        total += layer.ms;
    return total;
}

namespace {

bool cancelled(const CancelToken* token) {
    return token && token->is_cancelled();
}

} // namespace

bool Backend::cache_valid_for(const Pipeline& pipeline, const Tensor& input, int from_layer) const {
    if (from_layer <= 0)
        return true; // nothing reused
    if (valid_layers_ < from_layer || cached_pipeline_.input_mode != pipeline.input_mode)
        return false;
    for (int i = 0; i < from_layer; ++i)
        if (!(cached_pipeline_.layers[i] == pipeline.layers[i]))
            return false;
    return cached_input_data_ == input.row(0, 0) && cached_input_shape_ == input.shape();
}

int Backend::run_layers(const Pipeline& pipeline, int index, const Tensor& input, RunResult& result,
                        const CancelToken* cancel) {
    LayerResult& out = result.layers[index];
    run_layer(pipeline.layers[index], input, out.output, out.kernel, cancel);
    return 1;
}

const RunResult& Backend::run(const Pipeline& pipeline, const Tensor& input,
                              const RunOptions& options) {
    // Validate first: a pipeline that cannot run throws here, before any work.
    infer_shapes(pipeline, input.shape(), shapes_);
    const std::vector<Shape>& shapes = shapes_;
    const int layer_count = static_cast<int>(pipeline.layers.size());

    int from = std::clamp(options.from_layer, 0, layer_count);
    if (!cache_valid_for(pipeline, input, from))
        from = 0;
    if (cancelled(options.cancel))
        return cancelled_result_;

    // From here on the cache describes this run: valid up to the layers computed so far.
    cached_pipeline_ = pipeline;
    cached_input_data_ = input.empty() ? nullptr : input.row(0, 0);
    cached_input_shape_ = input.shape();
    valid_layers_ = from;
    result_.cancelled = false;
    result_.layers.resize(layer_count);
    for (int i = from; i < layer_count; ++i)
        result_.layers[i].output.resize(shapes[i]);

    for (int i = from; i < layer_count;) {
        const Tensor& layer_input = i == 0 ? input : result_.layers[i - 1].output;
        const auto start = std::chrono::steady_clock::now();
        int computed = 1;
        if (pipeline.layers[i].enabled) {
            computed = run_layers(pipeline, i, layer_input, result_, options.cancel);
        } else {
            result_.layers[i].output = layer_input;
            result_.layers[i].kernel.assign("skipped");
        }
        const auto stop = std::chrono::steady_clock::now();
        if (cancelled(options.cancel))
            return cancelled_result_; // no partial results; finished layers stay cached
        // Fused layers share one time; it is reported on the first of them.
        result_.layers[i].ms = std::chrono::duration<double, std::milli>(stop - start).count();
        for (int k = 1; k < computed; ++k)
            result_.layers[i + k].ms = 0;
        i += computed;
        valid_layers_ = i;
    }
    return result_;
}

std::unique_ptr<Backend> make_backend(BackendKind kind) {
    switch (kind) {
    case BackendKind::Naive:
        return std::make_unique<NaiveBackend>();
    case BackendKind::Fast:
        return std::make_unique<FastBackend>();
    }
    return std::make_unique<NaiveBackend>();
}

} // namespace convscope
