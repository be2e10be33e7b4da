#include "convscope/backend.hpp"
#include "convscope/fast_backend.hpp"
#include "convscope/input_preparation.hpp"
#include "convscope/memory_budget.hpp"
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

std::uint64_t MemoryEstimate::total() const {
    return saturating_add(outputs, scratch);
}

std::string MemoryEstimate::breakdown() const {
    std::string text = "layer outputs " + format_bytes(outputs);
    if (largest_layer >= 0)
        text += ", the largest " + format_bytes(largest_output) + " from layer " +
                std::to_string(largest_layer + 1);
    if (scratch > 0) {
        text += "; scratch " + format_bytes(scratch);
        if (scratch_layer >= 0)
            text += " for layer " + std::to_string(scratch_layer + 1);
    }
    return text;
}

namespace {

bool cancelled(const CancelToken* token) {
    return token && token->is_cancelled();
}

// For each output, the last layer among the first `layer_count` that reads it (itself when none
// does), following disabled layers, whose output is their input's tensor; and the same for the
// pipeline's input (-1 when no layer reads it).
std::vector<int> last_readers(const Pipeline& pipeline, int layer_count, int& input_last) {
    std::vector<int> last(static_cast<std::size_t>(layer_count));
    input_last = -1;
    for (int i = 0; i < layer_count; ++i) {
        last[i] = i;
        const Layer& layer = pipeline.layers[i];
        for (int k = 0; k < input_count(layer); ++k) {
            const int source = input_index(layer, i, k);
            if (source == kPipelineInput)
                input_last = i;
            else
                last[source] = std::max(last[source], i);
        }
    }
    // A disabled layer shares its input's tensor: that lives as long as either is read.
    for (int i = layer_count - 1; i >= 0; --i) {
        const Layer& layer = pipeline.layers[i];
        if (layer.enabled)
            continue;
        const int source = input_index(layer, i, 0);
        if (source == kPipelineInput)
            input_last = std::max(input_last, last[i]);
        else
            last[source] = std::max(last[source], last[i]);
    }
    return last;
}

} // namespace

int Backend::fused_count(const Pipeline&, int) const {
    return 1;
}

std::uint64_t Backend::scratch_bytes(const Layer&, std::span<const Shape>, Shape) const {
    return 0;
}

MemoryEstimate Backend::estimate(const Pipeline& pipeline, Shape input,
                                 const std::vector<Shape>& shapes, int from, int layer_count,
                                 bool release) const {
    MemoryEstimate e;
    const auto bytes = [&](int i) -> std::uint64_t {
        return pipeline.layers[i].enabled ? Tensor::bytes_for(shapes[i]) : 0;
    };
    // The input shapes of a layer: on the stack for all but the widest joins, so that the
    // estimate before every run allocates nothing.
    constexpr int kOnStack = 8;
    Shape few[kOnStack];
    std::vector<Shape> many;
    for (int i = from; i < layer_count; ++i) {
        if (bytes(i) > e.largest_output) {
            e.largest_output = bytes(i);
            e.largest_layer = i;
        }
        const Layer& layer = pipeline.layers[i];
        if (!layer.enabled)
            continue;
        const int count = input_count(layer);
        Shape* in = few;
        if (count > kOnStack) {
            many.resize(static_cast<std::size_t>(count));
            in = many.data();
        }
        for (int k = 0; k < count; ++k) {
            const int source = input_index(layer, i, k);
            in[k] = source == kPipelineInput ? input : shapes[source];
        }
        const std::uint64_t scratch = scratch_bytes(
            layer, std::span<const Shape>(in, static_cast<std::size_t>(count)), shapes[i]);
        if (scratch > e.scratch) {
            e.scratch = scratch;
            e.scratch_layer = i;
        }
    }
    if (!release) {
        for (int i = from; i < layer_count; ++i)
            e.outputs = saturating_add(e.outputs, bytes(i));
        return e;
    }
    // Released as they are consumed: the most alive at once, pass by pass.
    int input_last = -1;
    const std::vector<int> last = last_readers(pipeline, layer_count, input_last);
    std::uint64_t live = 0;
    for (int i = from; i < layer_count;) {
        const int count = pipeline.layers[i].enabled
                              ? std::clamp(fused_count(pipeline, i), 1, layer_count - i)
                              : 1;
        for (int k = i; k < i + count; ++k)
            live = saturating_add(live, bytes(k));
        e.outputs = std::max(e.outputs, live);
        i += count;
        for (int j = from; j < i; ++j)
            if (last[j] < i && last[j] >= i - count) // released after this pass
                live -= std::min(live, bytes(j));
    }
    return e;
}

MemoryEstimate Backend::estimate_memory(const Pipeline& pipeline, Shape input,
                                        const RunOptions& options) const {
    const int all = static_cast<int>(pipeline.layers.size());
    const int layer_count = options.layer_count < 0 ? all : std::min(options.layer_count, all);
    std::vector<Shape> shapes;
    infer_shapes(pipeline, input, shapes, layer_count);
    return estimate(pipeline, input, shapes, 0, layer_count, options.release_consumed);
}

void Backend::check_memory(const Pipeline& pipeline, Shape input, const RunOptions& options) const {
    const int all = static_cast<int>(pipeline.layers.size());
    const int layer_count = options.layer_count < 0 ? all : std::min(options.layer_count, all);
    std::vector<Shape> shapes;
    infer_shapes(pipeline, input, shapes, layer_count);
    require_budget(pipeline, input, shapes, 0, layer_count, options.release_consumed);
}

void Backend::require_budget(const Pipeline& pipeline, Shape input,
                             const std::vector<Shape>& shapes, int from, int layer_count,
                             bool release) const {
    const MemoryEstimate e = estimate(pipeline, input, shapes, from, layer_count, release);
    const std::uint64_t budget = memory_budget();
    if (e.total() <= budget)
        return;
    const int layers = layer_count - from;
    throw MemoryError(e.total(), budget,
                      "running " + std::to_string(layers) + (layers == 1 ? " layer" : " layers") +
                          " on a " + input.str() + " input needs " + format_bytes(e.total()) +
                          " (" + e.breakdown() + "), more than the memory budget of " +
                          format_bytes(budget));
}

int Backend::first_changed_layer(const Pipeline& pipeline, int layer_count,
                                 const std::shared_ptr<const Tensor>& input) const {
    if (!cached_input_ || cached_input_ != input || cached_mode_ != pipeline.input_mode ||
        !(cached_normalization_ == pipeline.normalization))
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
        if (output && output.use_count() == 1) {
            const_cast<Tensor&>(*output).resize(shapes_[i]); // ours alone: reuse its memory
            continue;
        }
        if (output) // kept by a caller (the maps on screen): its memory serves a later run
            held_by_callers_.push_back(std::move(output));
        output = recycled_output(shapes_[i]);
    }
    // What callers let go of and this run did not take is freed, so at most two runs' maps
    // are alive: the ones shown and the ones being computed.
    std::erase_if(held_by_callers_, [](const auto& t) { return t.use_count() == 1; });
}

std::shared_ptr<const Tensor> Backend::recycled_output(Shape shape) {
    // Fresh memory for a 12 MP map costs tens of milliseconds of page faults on first touch;
    // a tensor of an earlier run that no caller holds any more is mapped already. One of the
    // same shape is best (resizing it touches nothing).
    const auto free = [](const std::shared_ptr<const Tensor>& t) { return t.use_count() == 1; };
    auto it = std::find_if(held_by_callers_.begin(), held_by_callers_.end(),
                           [&](const auto& t) { return free(t) && t->shape() == shape; });
    if (it == held_by_callers_.end())
        it = std::find_if(held_by_callers_.begin(), held_by_callers_.end(), free);
    if (it == held_by_callers_.end())
        return std::make_shared<Tensor>(shape);
    std::shared_ptr<const Tensor> reused = std::move(*it);
    held_by_callers_.erase(it);
    const_cast<Tensor&>(*reused).resize(shape); // made by make_shared<Tensor>: ours to write
    return reused;
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
    // Validate first: a pipeline that cannot run, or would not fit the memory budget, throws
    // here, before any work.
    infer_shapes(pipeline, input->shape(), shapes_, layer_count);
    const bool reuse = options.reuse && !options.release_consumed;
    const int from = reuse ? first_changed_layer(pipeline, layer_count, input) : 0;
    require_budget(pipeline, input->shape(), shapes_, from, layer_count, options.release_consumed);
    if (cancelled(options.cancel))
        return cancelled_result_;
    // The prepared input is kept with the input it came from: an unchanged input is prepared
    // once, however often the layers change.
    const bool prepared = prepared_input_ && cached_input_ == input &&
                          cached_normalization_ == pipeline.normalization;
    cached_input_ = std::move(input);
    if (!prepared) {
        prepared_input_.reset();
        prepared_input_ = pipeline.normalization.identity()
                              ? cached_input_
                              : std::make_shared<const Tensor>(
                                    prepare_input(*cached_input_, pipeline.normalization));
    }
    cached_normalization_ = pipeline.normalization;
    return run_layers_from(pipeline, prepared_input_, true, from, layer_count, options);
}

const RunResult& Backend::run(const Pipeline& pipeline, const Tensor& input,
                              const RunOptions& options) {
    // Not ours to keep: forget the last input, so nothing is reused now or next time.
    cached_input_.reset();
    prepared_input_.reset();
    valid_layers_ = 0;
    const int layer_count = layers_to_run(pipeline, options);
    infer_shapes(pipeline, input.shape(), shapes_, layer_count);
    require_budget(pipeline, input.shape(), shapes_, 0, layer_count, options.release_consumed);
    if (cancelled(options.cancel))
        return cancelled_result_;
    cached_normalization_ = pipeline.normalization;
    const bool normalise = !pipeline.normalization.identity();
    // Without normalisation the layers read the caller's tensor, which is not ours to keep:
    // a pointer to it that owns nothing.
    const std::shared_ptr<const Tensor> prepared =
        normalise ? std::make_shared<const Tensor>(prepare_input(input, pipeline.normalization))
                  : std::shared_ptr<const Tensor>(std::shared_ptr<const Tensor>(), &input);
    const RunResult& result =
        run_layers_from(pipeline, prepared, normalise, 0, layer_count, options);
    valid_layers_ = 0;
    return result;
}

void Backend::release_consumed(const Pipeline& pipeline, int done, int layer_count, bool owned) {
    int input_last = -1;
    const std::vector<int> last = last_readers(pipeline, layer_count, input_last);
    for (int j = 0; j < done; ++j)
        if (last[j] < done)
            result_.layers[j].output.reset();
    if (input_last < done) {
        result_.input.reset();
        if (owned) { // the caller may have let go of it too
            prepared_input_.reset();
            cached_input_.reset();
        }
    }
}

// `input` is what the layers read (prepared); `owned` says whether it may be kept.
const RunResult& Backend::run_layers_from(const Pipeline& pipeline,
                                          const std::shared_ptr<const Tensor>& input, bool owned,
                                          int from, int layer_count, const RunOptions& options) {
    const CancelToken* cancel = options.cancel;
    const bool release = options.release_consumed;
    // `input` may be the member prepared_input_, which releasing consumed outputs resets once
    // no later layer reads it.
    // From here on the cache describes this run: valid up to the layers computed so far (none,
    // when outputs are let go as they are consumed).
    cached_layers_.assign(pipeline.layers.begin(), pipeline.layers.begin() + layer_count);
    cached_mode_ = pipeline.input_mode;
    valid_layers_ = from;
    result_.cancelled = false;
    result_.first_computed = from;
    result_.input = input;
    if (release) {
        // Only what this run computes is allocated, pass by pass, not every output up front.
        result_.layers.assign(layer_count, LayerResult{});
        held_by_callers_.clear();
    } else {
        prepare_outputs(pipeline, from, layer_count);
    }

    for (int i = from; i < layer_count;) {
        const Layer& layer = pipeline.layers[i];
        layer_inputs_.clear();
        for (int k = 0; k < input_count(layer); ++k) {
            const int source = input_index(layer, i, k);
            layer_inputs_.push_back(source == kPipelineInput ? input.get()
                                                             : result_.layers[source].output.get());
        }
        const auto start = std::chrono::steady_clock::now();
        int computed = 1;
        if (layer.enabled) {
            if (release) {
                const int count = std::clamp(fused_count(pipeline, i), 1, layer_count - i);
                for (int k = i; k < i + count; ++k)
                    if (pipeline.layers[k].enabled)
                        result_.layers[k].output = std::make_shared<Tensor>(shapes_[k]);
            }
            computed = run_layers(pipeline, i, layer_inputs_, result_, cancel);
        } else {
            const int source = input_index(layer, i, 0);
            if (source != kPipelineInput)
                result_.layers[i].output = result_.layers[source].output; // shared, not copied
            else if (owned)
                result_.layers[i].output = input;
            else
                result_.layers[i].output = std::make_shared<Tensor>(*input);
            result_.layers[i].kernel.assign("skipped");
        }
        const auto stop = std::chrono::steady_clock::now();
        if (cancelled(cancel))
            return cancelled_result_; // no partial results; finished layers stay cached
        // Fused layers share one time; it is reported on the first of them.
        result_.layers[i].ms = std::chrono::duration<double, std::milli>(stop - start).count();
        for (int k = 1; k < computed; ++k)
            result_.layers[i + k].ms = 0;
        if (options.on_computed)
            options.on_computed(result_, i, computed);
        i += computed;
        if (release)
            release_consumed(pipeline, i, layer_count, owned);
        else
            valid_layers_ = i;
    }
    if (release) {
        valid_layers_ = 0;
        cached_input_.reset();
    }
    return result_;
}

std::uint64_t memory_to_show(const MemoryEstimate& kept, Shape input) {
    return saturating_add(Tensor::bytes_for(input),
                          saturating_add(saturating_mul(kept.outputs, 2), kept.scratch));
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
