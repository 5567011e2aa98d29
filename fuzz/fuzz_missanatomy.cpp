// Any sequence of keyspace notifications with any key bytes (keys are other writers' input), and invalidation
// records with any pattern: the miss anatomy never crashes, and its counts add up — every miss has exactly one
// reason, every dimension sums to the total, every expired miss has one lateness, every invalidated miss is a
// run's, another client's or not attributed. The tables are tiny here, so that forgetting is exercised too.
#include "analysis/missanatomy.h"
#include "model/redisglob.h"

#include <cstdint>
#include <cstdlib>
#include <memory>

using namespace cachescope::analysis;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    MissAnatomy::Options options;
    options.rememberedKeys = 8;
    options.horizonMs = 5'000;
    options.maxLabels = 4;
    options.graceMs = 0;
    MissAnatomy anatomy(options, 0);
    qint64 now = 0;
    int records = 0;
    std::size_t at = 0;
    while (at + 4 <= size) {
        const uint8_t op = data[at] % 7;
        now += (data[at + 1] << 8 | data[at + 2]) * 7;
        const std::size_t length = std::min<std::size_t>(data[at + 3], size - at - 4);
        const QByteArray key(reinterpret_cast<const char*>(data + at + 4), qsizetype(length));
        at += 4 + length;
        switch (op) {
        case 0:
            anatomy.written(key, now);
            break;
        case 1:
            anatomy.removed(key, MissAnatomy::Removal::Expired, now);
            break;
        case 2:
            anatomy.removed(key, MissAnatomy::Removal::Evicted, now);
            break;
        case 3:
            anatomy.removed(key, MissAnatomy::Removal::Deleted, now);
            break;
        case 4:
            anatomy.missed(key, now);
            break;
        case 5:
            anatomy.lostEventsUntil(now);
            break;
        default: {
            auto glob = std::make_shared<cachescope::model::RedisGlob>(key);
            anatomy.addInvalidationRecord({QByteArray::number(records++), {}, {}, now - 3'000, now,
                [glob](const QByteArray& k) { return glob->matches(k); }});
        }
        }
    }
    for (const bool final : {false, true}) {
        const MissAnatomy::Report report = anatomy.report(now, final);
        const MissCounts& total = report.total;
        qint64 reasons = 0;
        for (qint64 n : total.reasons) {
            if (n < 0)
                std::abort();
            reasons += n;
        }
        qint64 late = 0;
        for (qint64 n : total.lateness)
            late += n;
        if (reasons != total.misses || late != total.reasons[std::size_t(MissReason::Expired)]
            || total.latenessLowerBounds > late)
            std::abort();
        for (const auto& groups : report.groups) {
            MissCounts sum;
            for (const MissCounts& counts : groups)
                sum.add(counts);
            if (sum.misses != total.misses || sum.reasons != total.reasons || sum.lateness != total.lateness
                || groups.size() > options.maxLabels + 1)
                std::abort();
        }
        qint64 byRuns = 0;
        for (const auto& run : report.invalidatedByRuns)
            byRuns += run.misses;
        if (report.invalidatedByOthers < 0 || report.invalidatedPending < 0
            || byRuns + report.invalidatedByOthers + report.invalidatedPending
                != total.reasons[std::size_t(MissReason::Invalidated)])
            std::abort();
    }
    return 0;
}
