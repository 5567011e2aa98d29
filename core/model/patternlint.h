#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include "model/routeconfig.h"

namespace cachescope::model {

// Why a pattern cannot (or likely will not) match what the key builder writes, with the pattern that would.
struct PatternWarning
{
    QString message;
    QByteArray suggestion; // empty when there is none
    bool unmatchable = false; // provably matches no key the gateway writes
};

// Checks an invalidation pattern against the gateway key shape (gatewaykey.h):
//   gateway:response:{METHOD}:{path}… — a pattern whose segment after "gateway:response:" is a path (it skips the
//   method) or a method the gateway never caches; percent escapes in lower case (the builder writes %3A, never
//   %3a); a fully literal tail with an odd number of name:value parts (a ':' inside a value, which the builder
//   writes %3A). With `rules`: a path no route rule covers (a warning only: keys written under earlier rules may
//   still exist). Patterns outside the gateway namespace, and those that are fine, get no warning.
QList<PatternWarning> lintPattern(const QByteArray& pattern, const RouteConfig* rules = nullptr);

} // namespace cachescope::model
