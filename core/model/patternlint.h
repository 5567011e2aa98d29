#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

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
//   %3a). Patterns outside the gateway namespace, and those that are fine, get no warning.
QList<PatternWarning> lintPattern(const QByteArray& pattern);

} // namespace cachescope::model
