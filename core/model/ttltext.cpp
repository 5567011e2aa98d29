#include "model/ttltext.h"

namespace cachescope::model {

using namespace Qt::StringLiterals;

QString describeTtlShort(qint64 pttlMs)
{
    if (pttlMs == -1)
        return u"no expiry"_s;
    if (pttlMs < 0)
        return u"gone"_s;
    const qint64 seconds = (pttlMs + 999) / 1000;
    if (seconds < 60)
        return u"%1s"_s.arg(seconds);
    if (seconds < 3600)
        return seconds % 60 ? u"%1m %2s"_s.arg(seconds / 60).arg(seconds % 60) : u"%1m"_s.arg(seconds / 60);
    if (seconds < 86400) {
        const qint64 minutes = seconds / 60 % 60;
        return minutes ? u"%1h %2m"_s.arg(seconds / 3600).arg(minutes) : u"%1h"_s.arg(seconds / 3600);
    }
    const qint64 hours = seconds / 3600 % 24;
    return hours ? u"%1d %2h"_s.arg(seconds / 86400).arg(hours) : u"%1d"_s.arg(seconds / 86400);
}

} // namespace cachescope::model
