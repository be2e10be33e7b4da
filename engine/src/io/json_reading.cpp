#include "json_reading.hpp"

#include "convscope/memory_budget.hpp"

namespace convscope::json_reading {

namespace {

constexpr std::size_t kDescribedChars = 40;
constexpr std::size_t kMessageChars = 200;

// What a parsed value costs in memory at most: the value itself, its slot in the array or
// object holding it (which may have grown to twice what it holds), and for an object the key.
constexpr std::uint64_t kBytesPerValue = 3 * sizeof(json) + 32;

// The first `n` bytes of `text`, shortened so as not to cut a UTF-8 sequence in two.
std::string utf8_prefix(const std::string& text, std::size_t n) {
    if (text.size() <= n)
        return text;
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80)
        --n;
    return text.substr(0, n);
}

// nlohmann's messages start with "[json.exception.parse_error.101] " and end by quoting the
// last token read, which can be the whole rest of the file: keep the part that says what and
// where.
std::string short_message(const std::string& what) {
    std::string text = what;
    if (text.rfind("[json.exception.", 0) == 0)
        if (const auto end = text.find("] "); end != std::string::npos)
            text.erase(0, end + 2);
    for (char& c : text)
        if (c == '\n' || c == '\r' || c == '\t')
            c = ' ';
    if (text.size() > kMessageChars)
        text = utf8_prefix(text, kMessageChars - 3) + "...";
    return text;
}

// Writes `value` compactly into `out`, stopping once `out` is longer than kDescribedChars.
void append_bounded(const json& value, std::string& out, int depth) {
    if (out.size() > kDescribedChars)
        return;
    if (value.is_array() || value.is_object()) {
        const bool array = value.is_array();
        out += array ? '[' : '{';
        if (depth >= 4 && !value.empty()) {
            out += "...";
        } else {
            bool first = true;
            for (auto it = value.begin(); it != value.end() && out.size() <= kDescribedChars;
                 ++it) {
                if (!first)
                    out += ',';
                first = false;
                if (!array) {
                    append_bounded(json(it.key().substr(0, kDescribedChars)), out, depth + 1);
                    out += ':';
                }
                append_bounded(*it, out, depth + 1);
            }
        }
        out += array ? ']' : '}';
        return;
    }
    if (value.is_string()) {
        const std::string& s = value.get_ref<const std::string&>();
        // Dump only a prefix: a string may be megabytes long. Replace what is not UTF-8.
        out += json(s.substr(0, kDescribedChars + 1))
                   .dump(-1, ' ', false, json::error_handler_t::replace);
        return;
    }
    out += value.dump();
}

} // namespace

json parse(std::string_view text) {
    const std::uint64_t max_values = memory_budget() / kBytesPerValue;
    std::uint64_t values = 0;
    const json::parser_callback_t limit = [&](int depth, json::parse_event_t event, json&) {
        if (depth >= kMaxDepth && (event == json::parse_event_t::object_start ||
                                   event == json::parse_event_t::array_start))
            throw JsonError("nested deeper than " + std::to_string(kMaxDepth) +
                            " levels (no ConvScope file needs more)");
        if (event == json::parse_event_t::value && ++values > max_values)
            throw MemoryError(values * kBytesPerValue, memory_budget(),
                              "holds more than " + std::to_string(max_values) +
                                  " values: reading them needs more than the memory budget of " +
                                  format_bytes(memory_budget()));
        return true;
    };
    try {
        return json::parse(text.begin(), text.end(), limit);
    } catch (const json::out_of_range& e) {
        // nlohmann rejects numbers like 1e999 while parsing: they are not finite.
        throw JsonError("a number is not finite: " + short_message(e.what()));
    } catch (const json::exception& e) {
        throw JsonError("not valid JSON: " + short_message(e.what()));
    }
}

std::string describe(const json& value) {
    std::string text;
    append_bounded(value, text, 0);
    if (text.size() > kDescribedChars)
        text = utf8_prefix(text, kDescribedChars - 3) + "...";
    return std::string(value.type_name()) + " " + text;
}

bool is_utf8(const std::string& text) {
    try {
        (void)json(text).dump();
        return true;
    } catch (const json::type_error&) {
        return false;
    }
}

std::string shortened(const std::string& text) {
    return text.size() > kDescribedChars ? utf8_prefix(text, kDescribedChars - 3) + "..." : text;
}

std::string quoted(const std::string& text) {
    return json(shortened(text)).dump(-1, ' ', false, json::error_handler_t::replace);
}

} // namespace convscope::json_reading
