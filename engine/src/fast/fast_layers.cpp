// The fast backend's kernels for the layers of modern CNNs beyond conv and pooling: work spread
// over oneTBB's threads by rows (element-wise layers, softmax), channels (global pooling,
// concatenation, padding, flatten) or output features (linear), each row through a Highway
// kernel (layer_kernels.hpp) or a plain copy.

#include "fast/fast_layers.hpp"
#include "fast/fast_ops.hpp"
#include "fast/layer_kernels.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <vector>

namespace convscope::fast {

namespace {

template <class... Ts> struct Overloaded : Ts... { using Ts::operator()...; };
template <class... Ts> Overloaded(Ts...) -> Overloaded<Ts...>;

constexpr int kRowsPerTask = 16;

// body(channel, y) for every row of a C × H map, in tasks of kRowsPerTask rows.
template <class Body>
void for_each_row(Shape shape, double work_per_row, ScratchPool& scratch, const CancelToken* cancel,
                  const Body& body) {
    const int rows = shape.channels * shape.height;
    const int tasks = (rows + kRowsPerTask - 1) / kRowsPerTask;
    parallel_tasks(tasks, work_per_row * rows, scratch, cancel, [&](int task, ThreadScratch&) {
        const int end = std::min(rows, (task + 1) * kRowsPerTask);
        for (int r = task * kRowsPerTask; r < end; ++r)
            body(r / shape.height, r % shape.height);
    });
}

// body(channel) for every channel, one task each.
template <class Body>
void for_each_channel(int channels, double work, ScratchPool& scratch, const CancelToken* cancel,
                      const Body& body) {
    parallel_tasks(channels, work, scratch, cancel, [&](int c, ThreadScratch&) { body(c); });
}

std::optional<PointwiseOp> pointwise_for(const Activation& act, int channel) {
    switch (act.kind) {
    case ActivationKind::PReLU:
        return PointwiseOp{PointwiseOp::Kind::PReLU, act.slope(channel), 0};
    case ActivationKind::ELU:
        return PointwiseOp{PointwiseOp::Kind::ELU, act.alpha, 0};
    case ActivationKind::HardSigmoid:
        return PointwiseOp{PointwiseOp::Kind::HardSigmoid, act.hard_alpha, act.hard_beta};
    case ActivationKind::HardSwish:
        return PointwiseOp{PointwiseOp::Kind::HardSwish, 0, 0};
    case ActivationKind::Clip:
        return PointwiseOp{PointwiseOp::Kind::Clip, act.clip_min, act.clip_max};
    default:
        return std::nullopt; // the conv epilogue's activations: fast::activation
    }
}

void pointwise(const Activation& act, const Tensor& in, Tensor& out, ScratchPool& scratch,
               const CancelToken* cancel) {
    for_each_row(in.shape(), in.width(), scratch, cancel, [&](int c, int y) {
        pointwise_row(in.row(c, y), out.row(c, y), in.width(), *pointwise_for(act, c));
    });
}

void batch_norm(const BatchNorm2d& bn, const Tensor& in, Tensor& out, ScratchPool& scratch,
                const CancelToken* cancel) {
    for_each_row(in.shape(), 2.0 * in.width(), scratch, cancel, [&](int c, int y) {
        const auto i = static_cast<std::size_t>(c);
        const double scale = double(bn.weight[i]) / std::sqrt(double(bn.running_var[i]) + bn.eps);
        normalize_row(in.row(c, y), out.row(c, y), in.width(), bn.running_mean[i],
                      static_cast<float>(scale), bn.bias[i]);
    });
}

void add(const Add& op, std::span<const Tensor* const> inputs, Tensor& out, ScratchPool& scratch,
         const CancelToken* cancel) {
    const Tensor& first = *inputs[0];
    const int count = static_cast<int>(inputs.size());
    for_each_row(first.shape(), double(first.width()) * count, scratch, cancel, [&](int c, int y) {
        const float* rows[16];
        std::vector<const float*> many; // more than 16 inputs: rare
        const float** sources = rows;
        if (count > 16) {
            many.resize(static_cast<std::size_t>(count));
            sources = many.data();
        }
        for (int k = 0; k < count; ++k)
            sources[k] = inputs[static_cast<std::size_t>(k)]->row(c, y);
        sum_rows(sources, count, first.width(), op.constant_for(c), out.row(c, y));
    });
}

void concat(std::span<const Tensor* const> inputs, Tensor& out, ScratchPool& scratch,
            const CancelToken* cancel) {
    // Output channel k is a whole plane of one input; planes of one width have one row stride.
    const std::size_t plane = out.row_stride() * static_cast<std::size_t>(out.height());
    for_each_channel(out.channels(), double(out.shape().elements()), scratch, cancel, [&](int k) {
        std::size_t input = 0;
        int c = k;
        while (c >= inputs[input]->channels())
            c -= inputs[input++]->channels();
        std::memcpy(out.channel_data(k), inputs[input]->channel_data(c), plane * sizeof(float));
    });
}

void global_pool(const GlobalPool2d& pool, const Tensor& in, Tensor& out, ScratchPool& scratch,
                 const CancelToken* cancel) {
    const bool is_max = pool.kind == PoolKind::Max;
    for_each_channel(in.channels(), double(in.shape().elements()), scratch, cancel, [&](int c) {
        if (is_max) {
            float best = row_max(in.row(c, 0), in.width());
            for (int y = 1; y < in.height() && !std::isnan(best); ++y) {
                const float m = row_max(in.row(c, y), in.width());
                best = std::isnan(m) ? m : std::max(best, m);
            }
            out.row(c, 0)[0] = best;
        } else {
            double sum = 0;
            for (int y = 0; y < in.height(); ++y)
                sum += row_sum(in.row(c, y), in.width());
            out.row(c, 0)[0] = static_cast<float>(sum / (double(in.height()) * in.width()));
        }
    });
}

// One output row of a pad: the input row it reads (or the constant), the middle run copied at
// once and the cells beyond the input's edges looked up one by one.
void pad(const Pad2d& pad, const Tensor& in, Tensor& out, ScratchPool& scratch,
         const CancelToken* cancel) {
    const PadSides& s = pad.sides;
    const int w = out.width();
    // The output columns that read input columns x − left in order (no mirror or wrap).
    const int x0 = std::clamp(s.left, 0, w);
    const int x1 = std::clamp(s.left + in.width(), x0, w);
    const auto column = [&](int x) {
        return pad_source_index(x, s.left, s.right, in.width(), pad.mode);
    };
    const bool circular = pad.mode == PaddingMode::Circular;
    for_each_row(out.shape(), w, scratch, cancel, [&](int c, int y) {
        float* row = out.row(c, y);
        const int sy = pad_source_index(y, s.top, s.bottom, in.height(), pad.mode);
        if (sy < 0) {
            std::fill_n(row, w, pad.value);
            return;
        }
        const float* source = in.row(c, sy);
        if (circular) { // wraps inside the crop: every column looked up
            for (int x = 0; x < w; ++x)
                row[x] = source[column(x)];
            return;
        }
        for (int x = 0; x < x0; ++x) {
            const int sx = column(x);
            row[x] = sx < 0 ? pad.value : source[sx];
        }
        if (x1 > x0)
            std::memcpy(row + x0, source + (x0 - s.left), static_cast<std::size_t>(x1 - x0) * 4);
        for (int x = x1; x < w; ++x) {
            const int sx = column(x);
            row[x] = sx < 0 ? pad.value : source[sx];
        }
    });
}

void flatten(const Tensor& in, Tensor& out, ScratchPool& scratch, const CancelToken* cancel) {
    const int per_channel = in.height() * in.width();
    for_each_channel(in.channels(), double(in.shape().elements()), scratch, cancel, [&](int c) {
        int feature = c * per_channel;
        for (int y = 0; y < in.height(); ++y) {
            const float* row = in.row(c, y);
            for (int x = 0; x < in.width(); ++x)
                out.row(feature++, 0)[0] = row[x];
        }
    });
}

void linear(const Linear& fc, const Tensor& in, Tensor& out, ScratchPool& scratch,
            const CancelToken* cancel) {
    // The input's features (one per 1 × 1 channel) gathered into one dense vector, in a buffer
    // of the calling thread that the tasks only read.
    float* features = scratch.serial().get(3, static_cast<std::size_t>(fc.in_features));
    for (int i = 0; i < fc.in_features; ++i)
        features[i] = in.row(i, 0)[0];
    constexpr int kOutputsPerTask = 8;
    const int tasks = (fc.out_features + kOutputsPerTask - 1) / kOutputsPerTask;
    const double work = 2.0 * double(fc.in_features) * fc.out_features;
    parallel_tasks(tasks, work, scratch, cancel, [&](int task, ThreadScratch&) {
        const int end = std::min(fc.out_features, (task + 1) * kOutputsPerTask);
        for (int o = task * kOutputsPerTask; o < end; ++o) {
            const float* w = fc.weight.data() +
                             static_cast<std::size_t>(o) * static_cast<std::size_t>(fc.in_features);
            double sum = dot(w, features, fc.in_features);
            if (!fc.bias.empty())
                sum += fc.bias[static_cast<std::size_t>(o)];
            out.row(o, 0)[0] = static_cast<float>(sum);
        }
    });
}

void softmax(const Tensor& in, Tensor& out, ScratchPool& scratch, const CancelToken* cancel) {
    const int channels = in.channels();
    const double work = 8.0 * double(in.shape().elements());
    // Channel c's row y lies one plane after channel c − 1's, in both tensors.
    const std::size_t plane = in.row_stride() * static_cast<std::size_t>(in.height());
    parallel_tasks(in.height(), work, scratch, cancel, [&](int y, ThreadScratch&) {
        softmax_columns(in.row(0, y), out.row(0, y), plane, channels, in.width());
    });
}

} // namespace

bool has_layer_kernel(const LayerOp& op) {
    if (const auto* act = std::get_if<Activation>(&op))
        return pointwise_for(*act, 0).has_value();
    return !std::holds_alternative<Conv2d>(op) && !std::holds_alternative<Pool2d>(op);
}

void run_layer_kernel(const Layer& layer, std::span<const Tensor* const> inputs, Tensor& output,
                      ScratchPool& threads, const CancelToken* cancel, std::string& kernel) {
    const Tensor& in = *inputs[0];
    std::visit(Overloaded{
                   [&](const Activation& act) {
                       pointwise(act, in, output, threads, cancel);
                       name_kernel(kernel, std::string(type_name(layer)).c_str());
                   },
                   [&](const BatchNorm2d& bn) {
                       batch_norm(bn, in, output, threads, cancel);
                       name_kernel(kernel, "batchnorm");
                   },
                   [&](const Add& op) {
                       add(op, inputs, output, threads, cancel);
                       name_kernel(kernel, "add");
                   },
                   [&](const Concat&) {
                       concat(inputs, output, threads, cancel);
                       kernel.assign("concat-copy");
                   },
                   [&](const GlobalPool2d& pool) {
                       global_pool(pool, in, output, threads, cancel);
                       name_kernel(kernel, pool.kind == PoolKind::Max ? "global_maxpool"
                                                                      : "global_avgpool");
                   },
                   [&](const Pad2d& p) {
                       pad(p, in, output, threads, cancel);
                       kernel.assign("pad-copy");
                   },
                   [&](const Flatten&) {
                       flatten(in, output, threads, cancel);
                       kernel.assign("flatten-copy");
                   },
                   [&](const Linear& fc) {
                       linear(fc, in, output, threads, cancel);
                       name_kernel(kernel, "linear-gemv");
                   },
                   [&](const Softmax&) {
                       softmax(in, output, threads, cancel);
                       name_kernel(kernel, "softmax");
                   },
                   [&](const auto&) { kernel.assign("none"); }, // conv and pooling: not here
               },
               layer.op);
}

} // namespace convscope::fast
