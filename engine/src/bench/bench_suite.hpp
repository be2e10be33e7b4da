#pragma once
// The benchmark's cases: what each one feeds the engine, and OpenCV's nearest equivalent.
// Private to engine/src/bench.

#include "convscope/pipeline.hpp"
#include "convscope/tensor.hpp"

#include <opencv2/core.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace convscope::bench {

// One timed pass of OpenCV's equivalent. It reads the case's input in place and writes into
// buffers it allocated when it was made, so repeated passes measure the computation only.
using OpenCvPass = std::function<void()>;
// Makes the pass for an input (which must outlive it); empty where OpenCV has no equivalent.
using OpenCvEquivalent = std::function<OpenCvPass(const Tensor& input)>;

// OpenCV's output for an input (the last layer's, as a dense 1×C×H×W blob), so the benchmark
// can check that its peer computes what the engine does; empty where there is no such check.
using OpenCvOutput = std::function<cv::Mat(const Tensor& input)>;

struct SuiteCase {
    std::string name;
    Pipeline pipeline;
    Tensor input;
    OpenCvEquivalent opencv;
    OpenCvOutput opencv_output;
};

// Where the suite's inputs come from and how large they are.
struct SuiteSources {
    std::string photo_path;
    std::string default_pipeline_path;
    std::string default_sample_path;
    bool quick = false; // every image 1/16 of its size (at least 16×16)
};

class Images; // cuts the photo and the sample to each case's size (bench_suite.cpp)

// The suite, built one case at a time so only one case's images are in memory.
class Suite {
public:
    explicit Suite(SuiteSources sources);
    ~Suite();

    static const std::vector<std::string>& case_names();
    int size() const { return static_cast<int>(case_names().size()); }
    // Builds case `index` (its input, layers and OpenCV equivalent).
    SuiteCase make_case(int index);

private:
    SuiteSources sources_;
    std::unique_ptr<Images> images_;
};

// Channel `c` of a tensor as an OpenCV matrix sharing its memory (rows keep the tensor's stride).
cv::Mat plane_view(const Tensor& tensor, int c);

// OpenCV equivalents (bench_opencv.cpp). Kernels are correlation kernels, as in the engine, and
// every border is zero padding (or -inf for max pooling), as in PyTorch.
OpenCvEquivalent opencv_filter2d(const Conv2d& conv);
OpenCvEquivalent opencv_sep_filter2d(const std::vector<float>& row_kernel,
                                     const std::vector<float>& column_kernel);
OpenCvEquivalent opencv_box_filter(int size);
OpenCvEquivalent opencv_relu();
OpenCvEquivalent opencv_maxpool_2x2();
OpenCvEquivalent opencv_maxpool_3x3_stride1();

// OpenCV's DNN module running the pipeline (bench_dnn.cpp, its layers mapped by dnn_layers.hpp):
// empty where a layer has no exact DNN equivalent.
OpenCvEquivalent opencv_dnn(const Pipeline& pipeline);
// The DNN module's output of the pipeline's last layer; empty where opencv_dnn is.
cv::Mat opencv_dnn_output(const Pipeline& pipeline, const Tensor& input);

} // namespace convscope::bench
