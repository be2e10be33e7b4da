// OpenCV's DNN module as the benchmark's peer for multi-channel layers and whole networks: the
// pipeline as one cv::dnn::Net (dnn_layers.hpp), timed forward pass by forward pass.

#include "bench_suite.hpp"
#include "dnn_layers.hpp"

namespace convscope::bench {

OpenCvEquivalent opencv_dnn(const Pipeline& pipeline) {
    if (!dnn_net(pipeline).net)
        return {};
    return [pipeline](const Tensor& input) -> OpenCvPass {
        DnnNet built = dnn_net(pipeline);
        cv::dnn::Net net = *built.net;
        net.setInput(blob_from_tensor(input), built.inputs[0]);
        // forward() keeps its blobs between calls: repeated passes reuse them.
        return [net, output = built.output]() mutable { net.forward(output); };
    };
}

cv::Mat opencv_dnn_output(const Pipeline& pipeline, const Tensor& input) {
    DnnNet built = dnn_net(pipeline);
    if (!built.net)
        return {};
    built.net->setInput(blob_from_tensor(input), built.inputs[0]);
    return built.net->forward(built.output).clone();
}

} // namespace convscope::bench
