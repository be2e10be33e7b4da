#include "test_backends.hpp"

#include "convscope/naive_backend.hpp"

#include <thread>

namespace convscope::test {

void CountingBackend::run_layer(const Layer& layer, LayerInputs inputs, Tensor& output,
                                std::string& kernel, const CancelToken* cancel) {
    naive_run_layer(layer, inputs, output, cancel);
    kernel.assign("counting");
    ++*computed;
}

void FailingBackend::run_layer(const Layer& layer, LayerInputs inputs, Tensor& output,
                               std::string& kernel, const CancelToken* cancel) {
    if (layer.name == layer_name_) {
        std::this_thread::sleep_for(delay_);
        thrown_();
    }
    naive_run_layer(layer, inputs, output, cancel);
    kernel.assign("naive");
}

} // namespace convscope::test
