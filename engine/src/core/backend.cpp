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

int Backend::first_changed_layer(const Pipeline& pipeline, int layer_count,
                                 const std::shared_ptr<const Tensor>& input) const {
    if (!cached_input_ || cached_input_ != input || cached_mode_ != pipeline.input_mode)
        return 0;
    const int reusable = std::min({valid_layers_, layer_count, int(cached_layers_.size())});
    for (int i = 0; i < reusable; ++i)
        if (!(cached_layers_[i] == pipeline.layers[i]))
            return i;
    return reusable;
}

void Backend::prepare_outputs(const Pipeline& pipeline, int from, int layer_count) {
    result_.layers.resize(layer_count);
    // A disabled layer's output is its input's tensor: drop those aliases first, so the tensors
    // this run overwrites are held by nobody else whenever the caller kept nothing.
    for (int i = from; i < layer_count; ++i)
        if (!pipeline.layers[i].enabled)
            result_.layers[i].output.reset();
    for (int i = from; i < layer_count; ++i) {
        if (!pipeline.layers[i].enabled)
            continue;
        std::shared_ptr<const Tensor>& output = result_.layers[i].output;
        if (output && output.use_count() == 1)
            const_cast<Tensor&>(*output).resize(shapes_[i]); // ours alone: reuse its memory
        else
            output = std::make_shared<Tensor>(shapes_[i]); // kept by a caller, or new
    }
}

int Backend::run_layers(const Pipeline& pipeline, int index, LayerInputs inputs,
                        RunResult& result, const CancelToken* cancel) {
    LayerResult& out = result.layers[index];
    run_layer(pipeline.layers[index], inputs, writable(out), out.kernel, cancel);
    return 1;
}

namespace {

int layers_to_run(const Pipeline& pipeline, const RunOptions& options) {
    const int all = static_cast<int>(pipeline.layers.size());
    return options.layer_count < 0 ? all : std::min(options.layer_count, all);
}

} // namespace

const RunResult& Backend::run(const Pipeline& pipeline, std::shared_ptr<const Tensor> input,
                              const RunOptions& options) {
    const int layer_count = layers_to_run(pipeline, options);
    // Validate first: a pipeline that cannot run throws here, before any work.
    infer_shapes(pipeline, input->shape(), shapes_, layer_count);
    const int from = options.reuse ? first_changed_layer(pipeline, layer_count, input) : 0;
    if (cancelled(options.cancel))
        return cancelled_result_;
    cached_input_ = std::move(input);
    return run_layers_from(pipeline, *cached_input_, true, from, layer_count, options.cancel);
}

const RunResult& Backend::run(const Pipeline& pipeline, const Tensor& input,
                              const RunOptions& options) {
    // Not ours to keep: forget the last input, so nothing is reused now or next time.
    cached_input_.reset();
    valid_layers_ = 0;
    const int layer_count = layers_to_run(pipeline, options);
    infer_shapes(pipeline, input.shape(), shapes_, layer_count);
    if (cancelled(options.cancel))
        return cancelled_result_;
    const RunResult& result =
        run_layers_from(pipeline, input, false, 0, layer_count, options.cancel);
    valid_layers_ = 0;
    return result;
}

const RunResult& Backend::run_layers_from(const Pipeline& pipeline, const Tensor& input,
                                          bool shared, int from, int layer_count,
                                          const CancelToken* cancel) {
    // From here on the cache describes this run: valid up to the layers computed so far.
    cached_layers_.assign(pipeline.layers.begin(), pipeline.layers.begin() + layer_count);
    cached_mode_ = pipeline.input_mode;
    valid_layers_ = from;
    result_.cancelled = false;
    result_.first_computed = from;
    prepare_outputs(pipeline, from, layer_count);

    for (int i = from; i < layer_count;) {
        const Layer& layer = pipeline.layers[i];
        layer_inputs_.clear();
        for (int k = 0; k < input_count(layer); ++k) {
            const int source = input_index(layer, i, k);
            layer_inputs_.push_back(source == kPipelineInput ? &input
                                                             : result_.layers[source].output.get());
        }
        const auto start = std::chrono::steady_clock::now();
        int computed = 1;
        if (layer.enabled) {
            computed = run_layers(pipeline, i, layer_inputs_, result_, cancel);
        } else {
            const int source = input_index(layer, i, 0);
            if (source != kPipelineInput)
                result_.layers[i].output = result_.layers[source].output; // shared, not copied
            else if (shared)
                result_.layers[i].output = cached_input_;
            else
                result_.layers[i].output = std::make_shared<Tensor>(input);
            result_.layers[i].kernel.assign("skipped");
        }
        const auto stop = std::chrono::steady_clock::now();
        if (cancelled(cancel))
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
