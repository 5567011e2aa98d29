// What the Key pane and `cachectl get` make of a stored value: any bytes, whole or cut anywhere, are shown without a
// crash; JSON that QJsonDocument accepts means the same after indenting (only whitespace moves); and what is shown
// never holds a control byte a terminal would obey.
#include "cache/storedvalueview.h"
#include "model/jsonindent.h"

#include <QJsonDocument>

#include <cstdint>
#include <cstdlib>

namespace {
void checkShown(const QString& text)
{
    for (const QChar c : text) {
        const char16_t u = c.unicode();
        if ((u < 0x20 && u != '\n' && u != '\t') || (u >= 0x7f && u < 0xa0))
            std::abort();
    }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char*>(data), qsizetype(size));
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(input, &error);
    if (error.error == QJsonParseError::NoError && (document.isObject() || document.isArray())) {
        const auto indented = cachescope::model::indentJson(input);
        if (!indented || QJsonDocument::fromJson(*indented) != document)
            std::abort();
    }
    const cachescope::cache::StoredValueView whole = cachescope::cache::viewStoredValue(input, input.size());
    checkShown(whole.bodyText());
    const cachescope::cache::StoredValueView cut =
        cachescope::cache::viewStoredValue(input.left(input.size() / 2), input.size());
    checkShown(cut.bodyText());
    for (const QString& line : whole.facts())
        checkShown(line);
    return 0;
}
