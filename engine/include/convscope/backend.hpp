#pragma once
// Backend: runs a pipeline on an input tensor and returns every layer's feature maps.
//
// The orchestration (validation, which layers changed since the last run, timing, cancellation
// between layers) lives here once; a backend supplies how one layer is computed.

#include "convscope/cancel_token.hpp"
#include "convscope/pipeline.hpp"
#include "convscope/tensor.hpp"

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
};

class Backend {
public:
    virtual ~Backend() = default;
    virtual std::string name() const = 0;

    // Runs the pipeline and returns every layer's output. The engine compares the pipeline and
    // the input with its last run and computes only from the first layer that differs; the
    // input is the same when it is the same shared tensor (which must not change while shared).
    // The result lives in the backend until the next call; copy the output pointers you keep.
    // A cancelled run returns a result with `cancelled` set and no layers.
    // Throws PipelineError when the pipeline (or its first `layer_count` layers) cannot run on
    // this input (nothing runs then).
    const RunResult& run(const Pipeline& pipeline, std::shared_ptr<const Tensor> input,
                         const RunOptions& options = {});
    // The same on an input the backend cannot keep: every layer is computed.
    const RunResult& run(const Pipeline& pipeline, const Tensor& input,
                         const RunOptions& options = {});

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

    // The output of a layer this run computes: shaped, and held by this run alone.
    static Tensor& writable(LayerResult& layer) { return const_cast<Tensor&>(*layer.output); }

private:
    int first_changed_layer(const Pipeline& pipeline, int layer_count,
                            const std::shared_ptr<const Tensor>& input) const;
    void prepare_outputs(const Pipeline& pipeline, int from, int layer_count);
    const RunResult& run_layers_from(const Pipeline& pipeline, const Tensor& input, bool shared,
                                     int from, int layer_count, const CancelToken* cancel);

    // The last run's layers and input; the first `valid_layers_` outputs are complete and are
    // reused by the next run when its layers and input are the same.
    std::vector<Shape> shapes_;
    std::vector<Layer> cached_layers_;
    InputMode cached_mode_ = InputMode::Gray;
    std::shared_ptr<const Tensor> cached_input_; // null: the last input cannot be reused
    RunResult result_;
    int valid_layers_ = 0;
    std::vector<const Tensor*> layer_inputs_; // reused from layer to layer
    const RunResult cancelled_result_{{}, 0, true};
};

enum class BackendKind { Naive, Fast };
std::unique_ptr<Backend> make_backend(BackendKind kind);

} // namespace convscope
