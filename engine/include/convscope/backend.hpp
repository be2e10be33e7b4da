#pragma once
// Backend: runs a pipeline on an input tensor and returns every layer's feature maps.
//
// The orchestration (validation, which layers changed since the last run, timing, cancellation
// between layers) lives here once; a backend supplies how one layer is computed.

#include "convscope/cancel_token.hpp"
#include "convscope/pipeline.hpp"
#include "convscope/tensor.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace convscope {

struct LayerResult {
    // The layer's maps. Shared: whoever copies this pointer keeps these maps as they are (the
    // backend then computes its next run into a fresh tensor instead of overwriting them).
    std::shared_ptr<const Tensor> output;
    double ms = 0;      // wall-clock time of this layer
    std::string kernel; // which implementation ran, e.g. "naive" or "skipped"
};

struct RunResult {
    std::vector<LayerResult> layers; // one per layer run, in order
    // The first layer this run computed: the layers before it are the previous run's, because
    // they and the input are unchanged. layers.size() when nothing had to be computed.
    int first_computed = 0;
    // The maps the first layer read (and every layer that reads the pipeline's input): the
    // input itself, or its normalised copy when the pipeline normalises its input. After a run
    // on a borrowed input (run(pipeline, const Tensor&)) that needed no normalisation, this
    // points at that tensor without owning it.
    std::shared_ptr<const Tensor> input;
    bool cancelled = false; // true: `layers` is empty, nothing partial is returned
    double total_ms() const;
};

struct RunOptions {
    const CancelToken* cancel = nullptr;
    // Run only layers [0, layer_count) (-1: every layer), e.g. the part plan_pipeline says can
    // run.
    int layer_count = -1;
    // false: compute every layer even where the last run's outputs could be reused (timing).
    bool reuse = true;
    // Called after each pass of the backend with the layers [first, first + count) it just
    // computed (several when it fuses a conv with what follows), their outputs and times in
    // `result`: a caller that writes maps out as they are computed does it here.
    std::function<void(const RunResult& result, int first, int count)> on_computed = nullptr;
    // Let go of each output as soon as on_computed has seen it and no later layer reads it (and
    // of the input after its last reader): the run then needs memory for the maps still needed,
    // not for every layer's. The outputs in the result are then null, and the next run
    // computes everything.
    bool release_consumed = false;
};

// What a run will allocate, worked out before it allocates anything: the layer outputs alive at
// the same time (all of them, or with release_consumed the most that are ever needed at once),
// the working memory of the most demanding layer (scratch buffers, the workspace), and what the
// backend keeps for each layer from run to run (weights prepared for its kernels), every layer's
// at once.
struct MemoryEstimate {
    std::uint64_t outputs = 0;
    std::uint64_t scratch = 0;
    std::uint64_t prepared_weights = 0;
    int scratch_layer = -1; // the layer that needs `scratch`
    int largest_layer = -1; // the layer with the largest output
    std::uint64_t largest_output = 0;
    std::uint64_t total() const;
    // "layer outputs 8.4 GB, the largest 3.2 GB from layer 1; scratch 12 MB for layer 3;
    // prepared weights 40 MB"
    std::string breakdown() const;
};

class Backend {
public:
    virtual ~Backend() = default;
    virtual std::string name() const = 0;

    // Runs the pipeline and returns every layer's output. The input is first prepared as the
    // pipeline says (Pipeline::normalization, see prepare_input). The engine compares the
    // pipeline and the input with its last run and computes only from the first layer that
    // differs; the input is the same when it is the same shared tensor (which must not change
    // while shared) with the same normalisation.
    // The result lives in the backend until the next call; copy the output pointers you keep.
    // A cancelled run returns a result with `cancelled` set and no layers.
    // Throws PipelineError when the pipeline (or its first `layer_count` layers) cannot run on
    // this input (nothing runs then).
    const RunResult& run(const Pipeline& pipeline, std::shared_ptr<const Tensor> input,
                         const RunOptions& options = {});
    // The same on an input the backend cannot keep: every layer is computed.
    const RunResult& run(const Pipeline& pipeline, const Tensor& input,
                         const RunOptions& options = {});
    // Both refuse, before allocating anything, a run whose estimate exceeds the memory budget:
    // MemoryError says how much it needs and for what.

    // What run(pipeline, input of this shape, options) will allocate. Throws PipelineError when
    // the pipeline cannot run on that shape.
    MemoryEstimate estimate_memory(const Pipeline& pipeline, Shape input,
                                   const RunOptions& options = {}) const;
    // Throws the MemoryError run() would throw for that estimate (and PipelineError), so that a
    // caller can ask before it writes anything.
    void check_memory(const Pipeline& pipeline, Shape input, const RunOptions& options = {}) const;

protected:
    // The maps a layer reads: one tensor for most layers, two or more for add and concat.
    using LayerInputs = std::span<const Tensor* const>;

    // Computes layer `index` of `pipeline` from `inputs` into its output (already shaped; see
    // writable()), and may compute following layers in the same pass (fusion). Returns how
    // many layers it computed (≥ 1) and sets their `kernel` names; the base class times them.
    // Implementations check `cancel` between units of work and may return early; the run is then
    // dropped.
    virtual int run_layers(const Pipeline& pipeline, int index, LayerInputs inputs,
                           RunResult& result, const CancelToken* cancel);
    // Computes one layer into `output` (already shaped) and names the kernel that ran in
    // `kernel` (assign into it: its capacity is reused from run to run).
    virtual void run_layer(const Layer& layer, LayerInputs inputs, Tensor& output,
                           std::string& kernel, const CancelToken* cancel) = 0;
    // How many layers run_layers computes in one pass from `index` (their outputs are alive
    // together); the memory estimate follows it.
    virtual int fused_count(const Pipeline& pipeline, int index) const;
    // The working memory (scratch buffers, caches kept for the layer) computing `layer` from
    // inputs of these shapes takes, at most.
    virtual std::uint64_t scratch_bytes(const Layer& layer, std::span<const Shape> inputs,
                                        Shape output) const;
    // The memory the backend keeps for `layer` between runs (its weights rearranged for a
    // kernel), alive together with every other layer's.
    virtual std::uint64_t kept_bytes(const Layer& layer, std::span<const Shape> inputs,
                                     Shape output) const;

    // The output of a layer this run computes: shaped, and held by this run alone.
    static Tensor& writable(LayerResult& layer) { return const_cast<Tensor&>(*layer.output); }

private:
    int first_changed_layer(const Pipeline& pipeline, int layer_count,
                            const std::shared_ptr<const Tensor>& input) const;
    void prepare_outputs(const Pipeline& pipeline, int from, int layer_count);
    std::shared_ptr<const Tensor> recycled_output(Shape shape);
    // `input` is what the layers read (prepared); `owned` says whether it may be kept.
    const RunResult& run_layers_from(const Pipeline& pipeline,
                                     const std::shared_ptr<const Tensor>& input, bool owned,
                                     int from, int layer_count, const RunOptions& options);
    MemoryEstimate estimate(const Pipeline& pipeline, Shape input, const std::vector<Shape>& shapes,
                            int from, int layer_count, bool release) const;
    void require_budget(const Pipeline& pipeline, Shape input, const std::vector<Shape>& shapes,
                        int from, int layer_count, bool release) const;
    void release_consumed(const Pipeline& pipeline, int done, int layer_count, bool owned);

    // The last run's layers and input; the first `valid_layers_` outputs are complete and are
    // reused by the next run when its layers and input are the same.
    std::vector<Shape> shapes_;
    std::vector<Layer> cached_layers_;
    InputMode cached_mode_ = InputMode::Gray;
    InputNormalization cached_normalization_;
    std::shared_ptr<const Tensor> cached_input_;   // null: the last input cannot be reused
    std::shared_ptr<const Tensor> prepared_input_; // cached_input_ as the layers read it
    RunResult result_;
    int valid_layers_ = 0;
    std::vector<const Tensor*> layer_inputs_; // reused from layer to layer
    // Outputs of earlier runs that a caller still held when this run replaced them; each is
    // reused once the caller lets go (double buffering of the maps on screen).
    std::vector<std::shared_ptr<const Tensor>> held_by_callers_;
    const RunResult cancelled_result_{{}, 0, nullptr, true};
};

// What showing every layer's maps takes, as the app does, given the estimate of a run that keeps
// them all: the input, the maps on screen, and as many again while an edit computes their
// replacements (the shown ones stay until the new ones arrive), the scratch and the prepared
// weights.
std::uint64_t memory_to_show(const MemoryEstimate& kept, Shape input);

enum class BackendKind { Naive, Fast };
std::unique_ptr<Backend> make_backend(BackendKind kind);

} // namespace convscope
