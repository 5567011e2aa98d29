#pragma once

#include <QtGlobal>

namespace cachescope::redis {

// "The latest request wins": each new request takes a ticket, and an answer that arrives for an older ticket is
// dropped (a connection test superseded by a newer one, a DBSIZE asked for an earlier scan, pages of a restarted
// scan). One small mechanism instead of a counter and a comparison written by hand in each place.
class LatestRequest
{
public:
    // A ticket for a new request; every earlier one is stale from now on.
    quint64 next()
    {
        return ++m_current;
    }
    // Makes every ticket stale, without a new request (a cancel).
    void dropAll()
    {
        ++m_current;
    }
    bool isCurrent(quint64 ticket) const
    {
        return ticket == m_current;
    }
    quint64 current() const
    {
        return m_current;
    }

private:
    quint64 m_current = 0;
};

} // namespace cachescope::redis
