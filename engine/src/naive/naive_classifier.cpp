// The classifier head: flatten, a fully connected layer (accumulated in double), and softmax over
// the channels at each position.

#include "convscope/naive_backend.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace convscope {

void naive_flatten(const Tensor& input, Tensor& output) {
    int feature = 0;
    for (int c = 0; c < input.channels(); ++c)
        for (int y = 0; y < input.height(); ++y)
            for (int x = 0; x < input.width(); ++x)
                output.row(feature++, 0)[0] = input.row(c, y)[x];
}

void naive_linear(const Linear& linear, const Tensor& input, Tensor& output) {
    for (int o = 0; o < linear.out_features; ++o) {
        double sum = linear.bias.empty() ? 0.0 : linear.bias[o];
        for (int i = 0; i < linear.in_features; ++i)
            sum += double(linear.at(o, i)) * input.row(i, 0)[0];
        output.row(o, 0)[0] = static_cast<float>(sum);
    }
}

void naive_softmax(const Tensor& input, Tensor& output) {
    for (int y = 0; y < input.height(); ++y)
        for (int x = 0; x < input.width(); ++x) {
            float largest = -std::numeric_limits<float>::infinity();
            for (int c = 0; c < input.channels(); ++c)
                largest = std::max(largest, input.row(c, y)[x]);
            double sum = 0;
            for (int c = 0; c < input.channels(); ++c)
                sum += std::exp(double(input.row(c, y)[x]) - largest);
            for (int c = 0; c < input.channels(); ++c)
                output.row(c, y)[x] =
                    static_cast<float>(std::exp(double(input.row(c, y)[x]) - largest) / sum);
        }
}

} // namespace convscope
