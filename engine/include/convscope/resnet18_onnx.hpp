#pragma once
// A ResNet-18 as an ONNX model, built in code with random weights from a fixed seed:
// torchvision's structure (conv1, bn1, relu, maxpool, layer1 … layer4 of two BasicBlocks each,
// a 1×1 stride-2 projection shortcut where a stage begins; avgpool and fc for the classifier)
// and torch.onnx's node and tensor names (/layer1/layer1.0/conv1/Conv, layer1.0.conv1.weight),
// so tests and benchmarks get a real-sized network (11 M parameters) without committing a
// 45 MB file. The same options always give the same bytes.

#include <cstdint>
#include <string>

namespace convscope {

struct ResNet18OnnxOptions {
    // false: every batch norm is a BatchNormalization node after a conv without bias (what
    // torch.onnx writes with TrainingMode.PRESERVE; the parameters torchinfo counts). true:
    // folded into the convs' weights and biases, as an eval-mode export writes the model.
    bool fold_batch_norm = false;
    // Add avgpool (GlobalAveragePool), Flatten and fc (Gemm to 1000 classes) after layer4.
    bool classifier = false;
    // The input size the model declares; 0 leaves that dimension symbolic.
    int input_height = 224;
    int input_width = 224;
    std::uint32_t seed = 0;
    int opset = 13;
};

// The model, serialized (an .onnx file's bytes).
std::string resnet18_onnx(const ResNet18OnnxOptions& options = {});
// Writes it to `path`; throws std::runtime_error naming the file when it cannot.
void write_resnet18_onnx(const std::string& path, const ResNet18OnnxOptions& options = {});

} // namespace convscope
