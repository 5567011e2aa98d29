// Any arguments, of any bytes and lengths: our RESP encoder writes exactly what hiredis's redisFormatCommandArgv
// writes, whether it starts a buffer or appends to one.
#include "redis/commandencoder.h"

#include <hiredis/hiredis.h>
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdlib>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    FuzzedDataProvider input(data, size);
    QList<QByteArray> arguments;
    const int count = input.ConsumeIntegralInRange(1, 40);
    for (int i = 0; i < count && (input.remaining_bytes() > 0 || i == 0); ++i) {
        const std::string argument = input.ConsumeRandomLengthString(4096);
        arguments.append(QByteArray(argument.data(), qsizetype(argument.size())));
    }

    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    for (const QByteArray& argument : arguments) {
        argv.push_back(argument.constData());
        lengths.push_back(size_t(argument.size()));
    }
    char* formatted = nullptr;
    const int length = redisFormatCommandArgv(&formatted, int(argv.size()), argv.data(), lengths.data());
    if (length < 0)
        std::abort();
    const QByteArray expected(formatted, length);
    redisFreeCommand(formatted);

    if (cachescope::redis::encodeCommand(arguments) != expected)
        std::abort();
    QByteArray appended("prefix");
    cachescope::redis::appendCommand(appended, arguments);
    if (appended != "prefix" + expected)
        std::abort();
    return 0;
}
