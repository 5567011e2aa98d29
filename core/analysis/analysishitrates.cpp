#include "analysis/analysishitrates.h"

#include "cache/statsreader.h"

#include <memory>

namespace cachescope::analysis {

namespace {
constexpr qint64 hitRateWindowSeconds = 3600;

cache::StatsDimension statsDimensionOf(Dimension dimension)
{
    switch (dimension) {
    case Dimension::Tenant:
        return cache::StatsDimension::Tenant;
    case Dimension::Venue:
        return cache::StatsDimension::Venue;
    case Dimension::Route:
        return cache::StatsDimension::Route;
    case Dimension::Namespace:
    case Dimension::Count_:
        break;
    }
    return cache::StatsDimension::Namespace;
}

void readFrom(redis::Client& client, AnalysisReport& report, int dimension, const QObject* context,
    std::shared_ptr<std::function<void(const QString&)>> done)
{
    if (dimension == dimensionCount) {
        (*done)({});
        return;
    }
    cache::readStatsWindow(client, statsDimensionOf(Dimension(dimension)), hitRateWindowSeconds, context,
        [&client, &report, dimension, context, done](std::optional<cache::StatsWindow> window, const QString& error) {
            if (!window) {
                for (auto& rates : report.hitRates)
                    rates.clear();
                (*done)(error);
                return;
            }
            for (auto it = window->byLabel.cbegin(); it != window->byLabel.cend(); ++it) {
                if (const auto rate = cache::hitRate(*it))
                    report.hitRates[std::size_t(dimension)].insert(it.key(), *rate);
            }
            readFrom(client, report, dimension + 1, context, done);
        });
}
} // namespace

void attachHitRates(redis::Client& client, AnalysisReport& report, const QObject* context,
    std::function<void(const QString& error)> done)
{
    for (auto& rates : report.hitRates)
        rates.clear();
    readFrom(client, report, 0, context, std::make_shared<std::function<void(const QString&)>>(std::move(done)));
}

} // namespace cachescope::analysis
