#pragma once
// Backends for testing what drives the engine: one that counts the layers it computes, one that
// fails at a chosen layer. Both compute with the reference loops (naive_run_layer), so their
// maps are the real ones.

#include "convscope/backend.hpp"

#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <string>

namespace convscope::test {

class CountingBackend : public Backend {
public:
    std::string name() const override { return "counting"; }
    // Layers computed so far. Shared, so a test keeps reading it after handing the backend over.
    std::shared_ptr<std::atomic<int>> computed = std::make_shared<std::atomic<int>>(0);

protected:
    void run_layer(const Layer& layer, LayerInputs inputs, Tensor& output, std::string& kernel,
                   const CancelToken* cancel) override;
};

// Computes layers like the reference until it is asked for the one named `layer_name`; then,
// after `delay` (so a caller's busy indicator has time to show), throws what `thrown` throws.
class FailingBackend : public Backend {
public:
    FailingBackend(std::string layer_name, std::function<void()> thrown,
                   std::chrono::milliseconds delay = {})
        : layer_name_(std::move(layer_name)), thrown_(std::move(thrown)), delay_(delay) {}
    std::string name() const override { return "failing"; }

protected:
    void run_layer(const Layer& layer, LayerInputs inputs, Tensor& output, std::string& kernel,
                   const CancelToken* cancel) override;

private:
    std::string layer_name_;
    std::function<void()> thrown_;
    std::chrono::milliseconds delay_;
};

} // namespace convscope::test
