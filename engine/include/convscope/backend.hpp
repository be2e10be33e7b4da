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
    // Layers before this index are taken from the previous run's cache when that run had the
    // same input and the same layers up to here; otherwise everything is recomputed.
    int from_layer = 0;
    const CancelToken* cancel = nullptr;
};

class Backend {
public:
    virtual ~Backend() = default;
    virtual std::string name() const = 0;

    // Throws PipelineError when the pipeline cannot run on this input (nothing runs then).
    RunResult run(const Pipeline& pipeline, const Tensor& input, const RunOptions& options = {});

protected:
    // Computes one layer into `output` (already shaped). Returns the kernel's name.
    // Implementations may check `cancel` inside and return early; the result is then dropped.
    virtual std::string run_layer(const Layer& layer, const Tensor& input, Tensor& output,
                                  const CancelToken* cancel) = 0;

private:
    bool cache_valid_for(const Pipeline& pipeline, const Tensor& input, int from_layer) const;

    // The previous completed run, reused by incremental runs.
    Pipeline cached_pipeline_;
    Tensor cached_input_;
    std::vector<LayerResult> cached_layers_;
};

enum class BackendKind { Naive, Fast };
std::unique_ptr<Backend> make_backend(BackendKind kind);

} // namespace convscope
