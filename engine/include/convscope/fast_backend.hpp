#pragma once
// The fast backend: oneTBB threads over strips of output rows, Google Highway SIMD kernels with
// runtime dispatch to the best target of the CPU, and an algorithm chosen per layer by shape.
// Results match the naive backend within agreement_tolerance() of the kernel that ran.

#include "convscope/backend.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace convscope {

// How far a fast layer's output may be from the reference, relative to its largest |value|:
// direct paths 1e-5; the algorithms that trade accuracy for speed, whose kernel names say so
// ("winograd…", "fft…"), 1e-4.
inline constexpr double kDirectTolerance = 1e-5;
inline constexpr double kTransformTolerance = 1e-4;
double agreement_tolerance(std::string_view kernel);

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
    std::uint64_t kept_bytes(const Layer& layer, std::span<const Shape> inputs,
                             Shape output) const override;

private:
    struct Scratch; // per-thread buffers and per-layer set-up, reused between runs
    std::unique_ptr<Scratch> scratch_;
};

} // namespace convscope
