#pragma once

#include <random>
#include <vector>

namespace cachescope::sim {

// Draws 0..n-1 with probability proportional to 1/(i+1)^exponent: a few hot items, a long tail, as real
// traffic over events, venues and search terms looks.
class ZipfDistribution
{
public:
    ZipfDistribution(int n, double exponent = 1.0);
    int operator()(std::mt19937_64& random) const;
    int size() const
    {
        return int(m_cumulative.size());
    }

private:
    std::vector<double> m_cumulative;
};

} // namespace cachescope::sim
