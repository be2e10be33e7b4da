#include "compare.hpp"

#include <limits>

namespace convscope::test {

double relative_difference(const Tensor& got, const Tensor& want) {
    if (got.shape() != want.shape())
        return std::numeric_limits<double>::infinity();
    double scale = 1.0, worst = 0.0;
    for (int c = 0; c < want.channels(); ++c)
        for (int y = 0; y < want.height(); ++y)
            for (int x = 0; x < want.width(); ++x) {
                const double w = want.at(c, y, x);
                const double difference = std::abs(double(got.at(c, y, x)) - w);
                if (!std::isfinite(difference))
                    return std::numeric_limits<double>::infinity();
                scale = std::max(scale, std::abs(w));
                worst = std::max(worst, difference);
            }
    return worst / scale;
}

} // namespace convscope::test
