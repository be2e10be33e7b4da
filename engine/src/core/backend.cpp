#include "convscope/backend.hpp"
#include "convscope/naive_backend.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>

namespace convscope {

double RunResult::total_ms() const {
    double total = 0;
    for (const LayerResult& layer : layers)
        total += layer.ms;
    return total;
}

namespace {

bool same_values(const Tensor& a, const Tensor& b) {
    if (a.shape() != b.shape())
        return false;
    for (int c = 0; c < a.channels(); ++c)
        for (int y = 0; y < a.height(); ++y)
            if (std::memcmp(a.row(c, y), b.row(c, y), sizeof(float) * a.width()) != 0)
                return false;
    return true;
}

bool cancelled(const CancelToken* token) { return token && token->is_cancelled(); }

} // namespace

bool Backend::cache_valid_for(const Pipeline& pipeline, const Tensor& input,
                              int from_layer) const {
    if (from_layer <= 0)
        return true; // nothing reused
    if (static_cast<int>(cached_layers_.size()) < from_layer ||
        static_cast<int>(cached_pipeline_.layers.size()) < from_layer ||
        cached_pipeline_.input_mode != pipeline.input_mode)
        return false;
    for (int i = 0; i < from_layer; ++i)
        if (!(cached_pipeline_.layers[i] == pipeline.layers[i]))
            return false;
    return same_values(cached_input_, input);
}

RunResult Backend::run(const Pipeline& pipeline, const Tensor& input, const RunOptions& options) {
    // Validate first: a pipeline that cannot run throws here, before any work.
    const std::vector<Shape> shapes = infer_shapes(pipeline, input.shape());
    const int layer_count = static_cast<int>(pipeline.layers.size());

    int from = std::clamp(options.from_layer, 0, layer_count);
    if (!cache_valid_for(pipeline, input, from))
        from = 0;

    RunResult result;
    if (cancelled(options.cancel)) {
        result.cancelled = true;
        return result;
    }
    result.layers.resize(layer_count);
    for (int i = 0; i < from; ++i)
        result.layers[i] = cached_layers_[i];

    for (int i = from; i < layer_count; ++i) {
        const Tensor& layer_input = i == 0 ? input : result.layers[i - 1].output;
        LayerResult& out = result.layers[i];
        out.output.resize(shapes[i]);
        const auto start = std::chrono::steady_clock::now();
        if (pipeline.layers[i].enabled) {
            out.kernel = run_layer(pipeline.layers[i], layer_input, out.output, options.cancel);
        } else {
            out.output = layer_input;
            out.kernel = "skipped";
        }
        const auto stop = std::chrono::steady_clock::now();
        out.ms = std::chrono::duration<double, std::milli>(stop - start).count();
        if (cancelled(options.cancel)) {
            // No partial results: the caller asked for this work to be dropped.
            return RunResult{{}, true};
        }
    }

    cached_pipeline_ = pipeline;
    if (!same_values(cached_input_, input))
        cached_input_ = input;
    cached_layers_ = result.layers;
    return result;
}

std::unique_ptr<Backend> make_backend(BackendKind kind) {
    switch (kind) {
    case BackendKind::Naive:
    case BackendKind::Fast: // the fast backend is not built yet; the reference stands in
        return std::make_unique<NaiveBackend>();
    }
    return std::make_unique<NaiveBackend>();
}

} // namespace convscope
