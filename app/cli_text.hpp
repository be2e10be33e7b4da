#pragma once
// Text at the command line's edges: arguments in, messages out.
//
// Linux file names are bytes, not text: `café.png` may be stored in Latin-1 (`caf\xe9.png`),
// which is not UTF-8. Such an argument is carried in a QString with each byte that is not UTF-8
// held as a lone surrogate U+DC80..U+DCFF (Python's "surrogateescape"), and turned back into
// exactly the original bytes when it is used as a path. In messages those bytes are shown as
// \xe9, so every message is valid UTF-8 on one line.

#include <QString>
#include <QStringList>

#include <string>
#include <string_view>

namespace convscope::cli {

// The program's arguments (without argv[0]), losslessly.
QStringList arguments_from(int argc, char** argv);
// The bytes a path argument stands for.
std::string native(const QString& argument);
// `text` (bytes, e.g. an exception's what()) as one printable line of valid UTF-8: bytes that
// are not UTF-8 and control characters become \xNN (a line break a space), and a text longer
// than 2000 bytes is cut.
std::string printable(std::string_view text);
// A path argument for a message.
QString shown(const QString& argument);

} // namespace convscope::cli
