#include "redis/commandencoder.h"

#include <hiredis/hiredis.h>

#include <new>
#include <vector>

namespace cachescope::redis {

QByteArray encodeCommand(const QList<QByteArray>& arguments)
{
    std::vector<const char*> argv;
    std::vector<size_t> argvLengths;
    argv.reserve(static_cast<std::size_t>(arguments.size()));
    argvLengths.reserve(static_cast<std::size_t>(arguments.size()));
    for (const QByteArray& argument : arguments) {
        argv.push_back(argument.constData());
        argvLengths.push_back(static_cast<size_t>(argument.size()));
    }
    char* formatted = nullptr;
    const int length =
        redisFormatCommandArgv(&formatted, static_cast<int>(argv.size()), argv.data(), argvLengths.data());
    if (length < 0 || !formatted)
        throw std::bad_alloc();
    QByteArray encoded(formatted, length);
    redisFreeCommand(formatted);
    return encoded;
}

} // namespace cachescope::redis
