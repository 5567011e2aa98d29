#include "zipf.h"

#include <algorithm>
#include <cmath>

namespace cachescope::sim {

ZipfDistribution::ZipfDistribution(int n, double exponent)
{
    m_cumulative.reserve(std::size_t(std::max(1, n)));
    double sum = 0;
    for (int i = 0; i < std::max(1, n); ++i) {
        sum += 1.0 / std::pow(double(i + 1), exponent);
        m_cumulative.push_back(sum);
    }
    for (double& c : m_cumulative)
        c /= sum;
}

int ZipfDistribution::operator()(std::mt19937_64& random) const
{
    const double u = std::uniform_real_distribution<double>(0.0, 1.0)(random);
    const auto it = std::lower_bound(m_cumulative.begin(), m_cumulative.end(), u);
    return int(std::min<std::ptrdiff_t>(it - m_cumulative.begin(), std::ptrdiff_t(m_cumulative.size()) - 1));
}

} // namespace cachescope::sim
