#pragma once

#include <QByteArray>

namespace cachescope::testing {

// A cache-manager entry (fresh for an hour, compressed) whose body inflates to `inflatedBytes` zeros: a
// decompression bomb of about inflatedBytes / 1000 stored bytes, built by streaming deflate (never the whole body in
// memory).
QByteArray compressedBombEntry(qint64 inflatedBytes);

// The process's peak resident memory so far (VmHWM), in bytes.
qint64 peakResidentBytes();

} // namespace cachescope::testing
