#include "cache/statstiers.h"

namespace cachescope::cache {

using namespace std::chrono_literals;

QByteArray StatsTier::bucketKey(qint64 bucketNumber, StatsDimension dimension) const
{
    return "cachescope:stats:{" + name + ':' + QByteArray::number(bucketNumber) + "}:" + statsDimensionName(dimension);
}

QByteArray StatsTier::indexKey() const
{
    return "cachescope:stats:" + name + ":index";
}

QList<StatsTier> defaultStatsTiers()
{
    auto tier = [](QByteArray name, std::chrono::seconds bucket, std::chrono::seconds retention, int tenants,
                    int venues) {
        StatsTier t {std::move(name), bucket, retention, {}};
        t.topK[std::size_t(StatsDimension::Namespace)] = 15;
        t.topK[std::size_t(StatsDimension::Route)] = 15;
        t.topK[std::size_t(StatsDimension::Tenant)] = tenants;
        t.topK[std::size_t(StatsDimension::Venue)] = venues;
        return t;
    };
    return {tier("1s", 1s, 1h, 10, 0), tier("1m", 60s, 24h, 15, 15), tier("1h", 1h, 30 * 24h, 15, 15),
        tier("1d", 24h, 30 * 24h, 15, 15)};
}

const StatsTier* tierForWindow(const QList<StatsTier>& tiers, StatsDimension dimension, qint64 seconds)
{
    const StatsTier* coarsest = nullptr;
    for (const StatsTier& tier : tiers) {
        if (!tier.keeps(dimension))
            continue;
        if (!coarsest || tier.bucket > coarsest->bucket)
            coarsest = &tier;
    }
    const StatsTier* chosen = nullptr;
    for (const StatsTier& tier : tiers) {
        const qint64 buckets = (seconds + tier.bucket.count() - 1) / tier.bucket.count();
        if (!tier.keeps(dimension) || tier.retention.count() < seconds || buckets > maxBucketsPerRead)
            continue;
        if (!chosen || tier.bucket < chosen->bucket)
            chosen = &tier;
    }
    return chosen ? chosen : coarsest;
}

} // namespace cachescope::cache
