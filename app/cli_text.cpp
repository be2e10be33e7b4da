#include "cli_text.hpp"

#include <cstdint>

namespace convscope::cli {

namespace {

constexpr char16_t kEscapeBase = 0xDC00; // byte b is held as U+DC00 + b (b >= 0x80)

// The length of the UTF-8 sequence starting at text[i], or 0 when it is not valid UTF-8 (an
// overlong form, a surrogate, a code point above U+10FFFF, or a cut sequence).
std::size_t utf8_sequence(std::string_view text, std::size_t i, char32_t& code) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = byte(i);
    if (lead < 0x80) {
        code = lead;
        return 1;
    }
    std::size_t length = 0;
    char32_t min = 0;
    if ((lead & 0xE0) == 0xC0) {
        length = 2, code = lead & 0x1F, min = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
        length = 3, code = lead & 0x0F, min = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
        length = 4, code = lead & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (i + length > text.size())
        return 0;
    for (std::size_t k = 1; k < length; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80)
            return 0;
        code = (code << 6) | (byte(i + k) & 0x3F);
    }
    if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
        return 0;
    return length;
}

QString decode_argument(std::string_view bytes) {
    QString text;
    for (std::size_t i = 0; i < bytes.size();) {
        char32_t code = 0;
        const std::size_t length = utf8_sequence(bytes, i, code);
        if (length == 0) {
            text.append(QChar(char16_t(kEscapeBase + static_cast<unsigned char>(bytes[i]))));
            ++i;
            continue;
        }
        text.append(QString::fromUcs4(&code, 1));
        i += length;
    }
    return text;
}

void append_utf8(std::string& out, char32_t code) {
    if (code < 0x80) {
        out += static_cast<char>(code);
    } else if (code < 0x800) {
        out += static_cast<char>(0xC0 | (code >> 6));
        out += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
        out += static_cast<char>(0xE0 | (code >> 12));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (code >> 18));
        out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
    }
}

} // namespace

QStringList arguments_from(int argc, char** argv) {
    QStringList arguments;
    for (int i = 1; i < argc; ++i)
        arguments.append(decode_argument(argv[i]));
    return arguments;
}

std::string native(const QString& argument) {
    std::string bytes;
    const char16_t* units = reinterpret_cast<const char16_t*>(argument.utf16());
    const qsizetype n = argument.size();
    for (qsizetype i = 0; i < n; ++i) {
        const char16_t unit = units[i];
        if (unit >= 0xD800 && unit <= 0xDBFF && i + 1 < n && units[i + 1] >= 0xDC00 &&
            units[i + 1] <= 0xDFFF) {
            append_utf8(bytes, 0x10000 + ((char32_t(unit) - 0xD800) << 10) +
                                   (char32_t(units[i + 1]) - 0xDC00));
            ++i;
        } else if (unit >= kEscapeBase + 0x80 && unit <= kEscapeBase + 0xFF) {
            bytes += static_cast<char>(unit - kEscapeBase); // an escaped byte
        } else if (unit >= 0xD800 && unit <= 0xDFFF) {
            append_utf8(bytes, 0xFFFD); // a lone surrogate that stands for no byte
        } else {
            append_utf8(bytes, unit);
        }
    }
    return bytes;
}

std::string printable(std::string_view text) {
    constexpr std::size_t kMaxBytes = 2000;
    std::string out;
    static const char hex[] = "0123456789abcdef";
    for (std::size_t i = 0; i < text.size();) {
        if (out.size() > kMaxBytes) {
            out += "...";
            break;
        }
        char32_t code = 0;
        const std::size_t length = utf8_sequence(text, i, code);
        if (length == 1 && (code == '\n' || code == '\r' || code == '\t')) {
            out += ' ';
        } else if (length == 0 || code < 0x20 || code == 0x7F) {
            const auto b = static_cast<unsigned char>(text[i]);
            out += "\\x";
            out += hex[b >> 4];
            out += hex[b & 15];
            i += 1;
            continue;
        } else {
            out.append(text.substr(i, length));
        }
        i += length;
    }
    while (!out.empty() && out.back() == ' ')
        out.pop_back();
    return out;
}

QString shown(const QString& argument) {
    return QString::fromStdString(printable(native(argument)));
}

} // namespace convscope::cli
