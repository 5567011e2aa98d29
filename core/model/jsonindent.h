#pragma once

#include <QByteArray>

#include <optional>

namespace cachescope::model {

// JSON re-indented for people, its keys in the order they were written (QJsonDocument sorts them, which hides how
// a service built the body). Strings and numbers are copied byte for byte. Works on a prefix too (a value cut at
// 64 KiB): what is there is indented, and nothing is closed that the text did not close. Nothing when the text
// does not look like a JSON object or array (after leading whitespace) or holds bytes JSON cannot hold outside a
// string; it does not validate further — callers that need a verdict ask QJsonDocument.
std::optional<QByteArray> indentJson(const QByteArray& text, int indentWidth = 2);

} // namespace cachescope::model
