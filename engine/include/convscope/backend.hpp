#pragma once
// Backend: runs a pipeline on an input tensor and returns every layer's feature maps.
//
// The orchestration (validation, timing, caching for incremental runs, cancellation between
// layers) lives here once; a backend supplies how one layer is computed.

#include "convscope/cancel_token.hpp"
#include "convscope/pipeline.hpp"
#include "convscope/tensor.hpp"

#include <memory>
#include <string>
#include <vector>

namespace convscope {

struct LayerResult {
    Tensor output;
    double ms = 0;      // wall-clock time of this layer
    std::string kernel; // which implementation ran, e.g. "naive" or "skipped"
};

struct RunResult {
    std::vector<LayerResult> layers; // one per pipeline layer, in order
    bool cancelled = false;          // true: `layers` is empty, nothing partial is returned
    double total_ms() const;
};

struct RunOptions {
    // Layers before this index are taken from the previous run's cache. The caller promises that
    // the input tensor is the same object with the same values as in the previous run (the app
    // passes 0 after loading a new image); the backend checks that the tensor, its shape and the
    // layers before `from_layer` are unchanged, and recomputes everything otherwise.
    int from_layer = 0;
    const CancelToken* cancel = nullptr;
};

class Backend {
public:
    virtual ~Backend() = default;
    virtual std::string name() const = 0;

    // Runs the pipeline and returns every layer's output. The result lives in the backend and
    // stays valid until the next call (so repeated runs reuse its buffers); copy what you keep.
    // A cancelled run returns a result with `cancelled` set and no layers.
    // Throws PipelineError when the pipeline cannot run on this input (nothing runs then).
    const RunResult& run(const Pipeline& pipeline, const Tensor& input,
                         const RunOptions& options = {});

protected:
    // Computes layer `index` of `pipeline` from `input` into `result.layers[index].output`
    // (already shaped), and may compute following layers in the same pass (fusion). Returns how
    // many layers it computed (≥ 1) and sets their `kernel` names; the base class times them.
    // Implementations check `cancel` between units of work and may return early; the run is then
    // dropped.
    virtual int run_layers(const Pipeline& pipeline, int index, const Tensor& input,
                           RunResult& result, const CancelToken* cancel);
    // Computes one layer into `output` (already shaped) and names the kernel that ran in
    // `kernel` (assign into it: its capacity is reused from run to run).
    virtual void run_layer(const Layer& layer, const Tensor& input, Tensor& output,
                           std::string& kernel, const CancelToken* cancel) = 0;

private:
    bool cache_valid_for(const Pipeline& pipeline, const Tensor& input, int from_layer) const;

    // The last run's pipeline, input and outputs; the first `valid_layers_` outputs are complete
    // and are reused by incremental runs.
    std::vector<Shape> shapes_;
    Pipeline cached_pipeline_;
    const float* cached_input_data_ = nullptr;
    Shape cached_input_shape_;
    RunResult result_;
    int valid_layers_ = 0;
    const RunResult cancelled_result_{{}, true};
};

enum class BackendKind { Naive, Fast };
std::unique_ptr<Backend> make_backend(BackendKind kind);

} // namespace convscope
