#pragma once
// What layers cost: learnable parameters, and floating-point operations for one run (a
// multiply-add counts as 2). The CLI's `info`, its benchmark and the app's Speed panel all count
// FLOPs here.

#include "convscope/layer.hpp"
#include "convscope/shape.hpp"

#include <vector>

namespace convscope {

struct Pipeline;

struct LayerCost {
    long long parameters = 0;
    double flops = 0;
};

// One layer reading `input` (its first input, for layers that read several) into `output`.
LayerCost layer_cost(const Layer& layer, Shape input, Shape output);

// Every layer's cost, for the layers of `pipeline` that can run on `input` (plan_pipeline's
// prefix), each measured on the maps it really reads.
std::vector<LayerCost> layer_costs(const Pipeline& pipeline, Shape input);

// The FLOPs of one run of those layers.
double pipeline_flops(const Pipeline& pipeline, Shape input);

} // namespace convscope
