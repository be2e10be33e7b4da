#pragma once
// A pipeline's layers as OpenCV DNN layers: the one place that says which layers OpenCV's DNN
// module computes exactly as the engine does (PyTorch's semantics), and how. The benchmark's
// network cases and the Speed panel's per-layer and whole-network peer both build their nets
// here. Private to engine/src/bench.

#include "convscope/pipeline.hpp"
#include "convscope/tensor.hpp"

#include <opencv2/dnn.hpp>

#include <optional>
#include <string>
#include <vector>

namespace convscope::bench {

// The DNN layers that compute what one enabled layer computes, in order (a conv with reflect
// or replicate padding is a Padding layer and a Convolution), or why DNN has no exact
// equivalent.
struct DnnLayers {
    std::vector<cv::dnn::LayerParams> layers; // empty: none, and why_not says why
    std::string why_not;
};
DnnLayers dnn_layers(const Layer& layer);

// A DNN net on OpenCV's own CPU backend, ready for its inputs, or why there is none.
struct DnnNet {
    std::optional<cv::dnn::Net> net;
    std::vector<std::string> inputs; // the names to setInput, in order
    std::string output;              // the layer whose output is the result
    std::string why_not;
};

// The first `count` layers of `pipeline` (-1: all) as one net reading one input, each layer
// connected to the layers it reads; a disabled layer passes its first input through.
DnnNet dnn_net(const Pipeline& pipeline, int count = -1);
// One enabled layer as a net of its own, reading input_count(layer) inputs.
DnnNet dnn_layer_net(const Layer& layer);

// A 1×C×H×W blob holding the tensor's values (NCHW, dense).
cv::Mat blob_from_tensor(const Tensor& tensor);
// The values of a DNN output blob as a tensor of `shape` (empty when the counts differ).
Tensor tensor_from_blob(const cv::Mat& blob, Shape shape);

} // namespace convscope::bench
