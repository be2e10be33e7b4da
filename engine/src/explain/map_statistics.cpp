// Map statistics in two passes over the finite values: the range, count, zeros and mean first,
// then the squared deviations from that mean (more accurate than Σx² − n·mean²) and the
// histogram, which needs the range.

#include "convscope/map_statistics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace convscope {

int MapStatistics::bin_of(double value) const {
    const int bins = static_cast<int>(histogram.size());
    const double width = histogram_high - histogram_low;
    if (bins == 0 || !(width > 0))
        return 0;
    const int bin = static_cast<int>(std::floor((value - histogram_low) / width * bins));
    return std::clamp(bin, 0, bins - 1); // the maximum belongs to the last bin
}

MapStatistics map_statistics(const Tensor& tensor, int channel, int bins) {
    if (channel < 0 || channel >= tensor.channels())
        throw std::out_of_range("map statistics: map " + std::to_string(channel + 1) +
                                " is not in a tensor of shape " + tensor.shape().str() +
                                " (maps 1 to " + std::to_string(tensor.channels()) + ")");
    if (bins < 1)
        throw std::invalid_argument("map statistics: the histogram needs at least one bin, got " +
                                    std::to_string(bins));
    MapStatistics s;
    s.histogram.assign(static_cast<std::size_t>(bins), 0);

    float lo = std::numeric_limits<float>::infinity();
    float hi = -std::numeric_limits<float>::infinity();
    double sum = 0;
    std::int64_t zeros = 0;
    for (int y = 0; y < tensor.height(); ++y) {
        const float* row = tensor.row(channel, y);
        for (int x = 0; x < tensor.width(); ++x) {
            const float v = row[x];
            if (!std::isfinite(v)) {
                ++s.non_finite;
                continue;
            }
            ++s.count;
            lo = std::min(lo, v);
            hi = std::max(hi, v);
            sum += v;
            zeros += v == 0.0f ? 1 : 0;
        }
    }
    if (s.count == 0)
        return s;
    s.min = lo;
    s.max = hi;
    s.mean = sum / static_cast<double>(s.count);
    s.zero_fraction = static_cast<double>(zeros) / static_cast<double>(s.count);
    s.histogram_low = lo < hi ? lo : lo - 0.5;
    s.histogram_high = lo < hi ? hi : hi + 0.5;

    double squares = 0;
    for (int y = 0; y < tensor.height(); ++y) {
        const float* row = tensor.row(channel, y);
        for (int x = 0; x < tensor.width(); ++x) {
            const float v = row[x];
            if (!std::isfinite(v))
                continue;
            squares += (v - s.mean) * (v - s.mean);
            ++s.histogram[static_cast<std::size_t>(s.bin_of(v))];
        }
    }
    s.stddev = std::sqrt(squares / static_cast<double>(s.count));
    return s;
}

std::vector<MapStatistics> layer_statistics(const Tensor& tensor, int bins) {
    std::vector<MapStatistics> all;
    all.reserve(static_cast<std::size_t>(std::max(0, tensor.channels())));
    for (int c = 0; c < tensor.channels(); ++c)
        all.push_back(map_statistics(tensor, c, bins));
    return all;
}

} // namespace convscope
