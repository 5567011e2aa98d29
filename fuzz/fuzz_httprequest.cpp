// Any bytes from an HTTP client, fed in two pieces at a split the input chooses: the parser completes, asks
// for more or fails with a 4xx/5xx status, never buffers more than its limits, and agrees with a parser fed
// all at once.
#include "admin/httprequestparser.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size == 0)
        return 0;
    const QByteArray input(reinterpret_cast<const char*>(data) + 1, qsizetype(size - 1));
    const qsizetype split = qsizetype(data[0]) % (input.size() + 1);
    cachescope::admin::HttpRequestParser::Limits limits;
    limits.maxHeaderBytes = 512; // small limits so the fuzzer reaches them
    limits.maxBodyBytes = 256;
    cachescope::admin::HttpRequestParser pieces(limits);
    pieces.feed(input.first(split));
    pieces.feed(input.sliced(split));
    cachescope::admin::HttpRequestParser whole(limits);
    whole.feed(input);
    if (pieces.state() != whole.state() || pieces.errorStatus() != whole.errorStatus())
        std::abort();
    if (whole.state() == cachescope::admin::HttpRequestParser::State::Failed
        && (whole.errorStatus() < 400 || whole.errorStatus() > 599))
        std::abort();
    if (whole.state() == cachescope::admin::HttpRequestParser::State::Complete
        && (whole.request().body.size() > limits.maxBodyBytes || whole.request().body != pieces.request().body))
        std::abort();
    return 0;
}
