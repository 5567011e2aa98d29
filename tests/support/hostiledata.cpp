#include "hostiledata.h"

#include "cache/cacheenvelope.h"

#include <QDateTime>
#include <QFile>
#include <QtEndian>

#include <zlib.h>

namespace cachescope::testing {

QByteArray compressedBombEntry(qint64 inflatedBytes)
{
    cache::CacheEnvelope header;
    header.expiresAtMs = QDateTime::currentMSecsSinceEpoch() + 3600 * 1000;
    QByteArray entry = header.encode(0); // the header alone: an empty uncompressed payload
    entry[4] = char(cache::CacheEnvelope::Compressed);
    QByteArray size(4, Qt::Uninitialized);
    qToBigEndian<quint32>(quint32(std::min<qint64>(inflatedBytes, 0xffffffff)), size.data());
    entry += size;
    z_stream stream {};
    deflateInit(&stream, 9);
    const QByteArray zeros(1024 * 1024, '\0');
    QByteArray out(256 * 1024, Qt::Uninitialized);
    for (qint64 left = inflatedBytes; left >= 0;) {
        const qint64 chunk = std::min<qint64>(left, zeros.size());
        left -= chunk;
        const int flush = left > 0 ? Z_NO_FLUSH : Z_FINISH;
        stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(zeros.constData()));
        stream.avail_in = uInt(chunk);
        do {
            stream.next_out = reinterpret_cast<Bytef*>(out.data());
            stream.avail_out = uInt(out.size());
            deflate(&stream, flush);
            entry.append(out.constData(), out.size() - qsizetype(stream.avail_out));
        } while (stream.avail_out == 0);
        if (flush == Z_FINISH)
            break;
    }
    deflateEnd(&stream);
    return entry;
}

qint64 peakResidentBytes()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray& line : status.readAll().split('\n')) {
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong() * 1024;
    }
    return -1;
}

} // namespace cachescope::testing
