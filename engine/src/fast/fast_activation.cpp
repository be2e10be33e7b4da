#include "fast/fast_ops.hpp"

#include <algorithm>

namespace convscope::fast {

bool fusable_activation(const Activation& activation) {
    switch (activation.kind) {
    case ActivationKind::ReLU:
    case ActivationKind::LeakyReLU:
    case ActivationKind::Sigmoid:
    case ActivationKind::Tanh:
        return true;
    default:
        return false;
    }
}

Epilogue epilogue_for(const Activation& activation) {
    Epilogue e;
    e.negative_slope = activation.negative_slope;
    switch (activation.kind) {
    case ActivationKind::ReLU:
        e.kind = Epilogue::Kind::ReLU;
        break;
    case ActivationKind::LeakyReLU:
        e.kind = Epilogue::Kind::LeakyReLU;
        break;
    case ActivationKind::Sigmoid:
        e.kind = Epilogue::Kind::Sigmoid;
        break;
    case ActivationKind::Tanh:
        e.kind = Epilogue::Kind::Tanh;
        break;
    default: // not fusable (see fusable_activation): run as its own layer
        break;
    }
    return e;
}

void name_kernel(std::string& kernel, const char* method) {
    kernel.assign(method);
    kernel.append("-");
    kernel.append(dispatched_target_name());
}

void activation(const Activation& act, const Tensor& input, Tensor& output, ScratchPool& scratch,
                const CancelToken* cancel, std::string& kernel) {
    const Epilogue epilogue = epilogue_for(act);
    const int rows = input.channels() * input.height();
    constexpr int kRowsPerTask = 16;
    const int tasks = (rows + kRowsPerTask - 1) / kRowsPerTask;
    parallel_tasks(tasks, static_cast<double>(input.shape().elements()), scratch, cancel,
                   [&](int task, ThreadScratch&) {
                       const int end = std::min(rows, (task + 1) * kRowsPerTask);
                       for (int r = task * kRowsPerTask; r < end; ++r) {
                           const int c = r / input.height();
                           const int y = r % input.height();
                           activate_row(input.row(c, y), output.row(c, y), input.width(), epilogue);
                       }
                   });
    name_kernel(kernel, "activation");
}

} // namespace convscope::fast
