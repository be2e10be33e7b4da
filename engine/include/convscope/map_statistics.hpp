#pragma once
// Summary statistics of one feature map: range, mean, spread, zeros, a histogram, and whether
// the map is dead.

#include "convscope/tensor.hpp"

#include <cstdint>
#include <vector>

namespace convscope {

struct MapStatistics {
    std::int64_t count = 0;      // finite values (the statistics are over these)
    std::int64_t non_finite = 0; // NaN and ±inf values, left out of everything else
    float min = 0;
    float max = 0;
    double mean = 0;
    double stddev = 0;        // population standard deviation (NumPy's std, ddof = 0)
    double zero_fraction = 0; // exact zeros / count
    // `bins` equal bins over [histogram_low, histogram_high], as numpy.histogram: normally
    // [min, max]; a constant map gets [value − 0.5, value + 0.5] (its values land in the middle
    // bin). Each bin is half-open except the last, which holds the maximum.
    double histogram_low = 0;
    double histogram_high = 0;
    std::vector<std::int64_t> histogram;

    // A dead map: every value is exactly zero (and there is at least one value). After a ReLU
    // this is a filter whose input never went positive: the map carries no information.
    bool is_dead() const { return count > 0 && zero_fraction == 1.0; }
    // The bin a finite value falls in.
    int bin_of(double value) const;
};

// Statistics of `channel` of `tensor`, with a histogram of `bins` (≥ 1) bins. An empty map gives
// count 0 and an all-zero histogram.
MapStatistics map_statistics(const Tensor& tensor, int channel, int bins = 64);

// Every channel's statistics, in order (the overview flags dead maps with these).
std::vector<MapStatistics> layer_statistics(const Tensor& tensor, int bins = 64);

} // namespace convscope
