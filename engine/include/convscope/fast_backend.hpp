#pragma once
// The fast backend: oneTBB threads over strips of output rows, Google Highway SIMD kernels with
// runtime dispatch to the best target of the CPU, and an algorithm chosen per layer by shape.
// Results match the naive backend within 1e-5 relative error.

#include "convscope/backend.hpp"

#include <memory>
#include <string>
#include <vector>

namespace convscope {

class FastBackend final : public Backend {
public:
    FastBackend();
    ~FastBackend() override;
    std::string name() const override { return "fast"; }

protected:
    int run_layers(const Pipeline& pipeline, int index, LayerInputs inputs, RunResult& result,
                   const CancelToken* cancel) override;
    void run_layer(const Layer& layer, LayerInputs inputs, Tensor& output, std::string& kernel,
                   const CancelToken* cancel) override;
    int fused_count(const Pipeline& pipeline, int index) const override;
    std::uint64_t scratch_bytes(const Layer& layer, std::span<const Shape> inputs,
                                Shape output) const override;

private:
    struct Scratch; // per-thread buffers and per-layer set-up, reused between runs
    std::unique_ptr<Scratch> scratch_;
};

} // namespace convscope
