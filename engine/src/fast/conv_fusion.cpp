#include "fast/conv_fusion.hpp"

#include <algorithm>
#include <cmath>

namespace convscope::fast {

namespace {

// Layer `index`, if it is before `end`, is enabled and holds an `Op`.
template <class Op> const Op* enabled(const Pipeline& pipeline, int index, int end) {
    if (index >= end || !pipeline.layers[index].enabled)
        return nullptr;
    return std::get_if<Op>(&pipeline.layers[index].op);
}

// Whether layer `index` reads only layer `source`.
bool reads_only(const Pipeline& pipeline, int index, int source) {
    const Layer& layer = pipeline.layers[index];
    return input_count(layer) == 1 && input_index(layer, index, 0) == source;
}

} // namespace

ConvFusion plan_conv_fusion(const Pipeline& pipeline, int index, int end) {
    end = std::min(end, static_cast<int>(pipeline.layers.size()));
    ConvFusion f;
    int last = index;
    if (enabled<BatchNorm2d>(pipeline, last + 1, end) && reads_only(pipeline, last + 1, last))
        f.batch_norm = ++last;
    // A residual sum of exactly this chain and a layer computed before the conv.
    if (const Add* add = enabled<Add>(pipeline, last + 1, end); add && add->constant.empty()) {
        const Layer& layer = pipeline.layers[last + 1];
        if (input_count(layer) == 2) {
            const int a = input_index(layer, last + 1, 0), b = input_index(layer, last + 1, 1);
            const int other = a == last ? b : b == last ? a : -2;
            if (other >= 0 && other < index) {
                f.add = ++last;
                f.residual = other;
            }
        }
    }
    if (const Activation* act = enabled<Activation>(pipeline, last + 1, end);
        act && fusable_activation(*act) && reads_only(pipeline, last + 1, last))
        f.activation = ++last;
    // The pooling is fused by the kernels that fuse only an activation.
    if (f.batch_norm < 0 && f.add < 0)
        if (const Pool2d* pool = enabled<Pool2d>(pipeline, last + 1, end);
            pool && fusable_pool(*pool) && reads_only(pipeline, last + 1, last))
            f.pool = ++last;
    f.last = last;
    return f;
}

void fold_batch_norm(const BatchNorm2d& bn, std::vector<float>& scale, std::vector<float>& shift) {
    scale.resize(bn.weight.size());
    shift.resize(bn.weight.size());
    for (std::size_t c = 0; c < bn.weight.size(); ++c) {
        const double s = bn.weight[c] / std::sqrt(double(bn.running_var[c]) + double(bn.eps));
        scale[c] = static_cast<float>(s);
        shift[c] = static_cast<float>(bn.bias[c] - bn.running_mean[c] * s);
    }
}

void apply_chain(const Tensor& output, const ConvChain& chain, ScratchPool& scratch,
                 const CancelToken* cancel) {
    Tensor& source = const_cast<Tensor&>(output); // read only: the stores skip the conv map
    const int channels = output.channels();
    parallel_tasks(channels, static_cast<double>(output.shape().elements()), scratch, cancel,
                   [&](int o, ThreadScratch&) {
                       ChannelStores stores = chain.channel(source, o, 0.0f);
                       stores.conv = nullptr;
                       for (int y = 0; y < output.height(); ++y)
                           store_conv_row(output.row(o, y), 0, output.width(), y, stores);
                   });
}

} // namespace convscope::fast
