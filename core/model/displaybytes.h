#pragma once

#include <QByteArray>
#include <QString>

namespace cachescope::model {

// Renders bytes for a person: printable ASCII as is, '\\' and '"' escaped, everything else as \xHH (like
// redis-cli); past `maxBytes`, "… (N more bytes)".
QString displayBytes(const QByteArray& bytes, qsizetype maxBytes = -1);

// Renders text that other writers stored (an audit record's actor, a route save's updatedBy) for a terminal or a
// view: printable characters of any script as they are; control characters (C0, DEL, C1), format and bidi controls
// (U+200E, U+202A…U+202E, U+2066…U+2069, …), line and paragraph separators and unpaired surrogates as \xHH or
// \u{HHHH}, and '\' as "\\" — so no stored byte can move the cursor, write the clipboard (OSC 52) or reorder the
// line around it. Past `maxCharacters` UTF-16 units, "… (N more characters)", N counting a surrogate pair once; a
// pair the cut would split is shown whole.
QString displayText(QStringView text, qsizetype maxCharacters = -1);

} // namespace cachescope::model
