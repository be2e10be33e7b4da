#pragma once
// JSON from files that may be hostile: parsed with limits, and described in messages without
// ever writing out the value itself (it may be megabytes long or nested thousands deep).

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <string_view>

namespace convscope::json_reading {

using json = nlohmann::ordered_json;

// Deeper than any pipeline or project needs (a project's kernel weights sit 8 levels down), far
// shallower than what overflows the stack of the recursive code that walks a document.
inline constexpr int kMaxDepth = 32;

// Why a text could not be parsed: one line, no longer than a few hundred characters.
class JsonError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Parses `text`, refusing documents nested deeper than kMaxDepth and documents whose values
// would take more memory than the memory budget (checked while parsing, before they are built).
// Throws JsonError ("not valid JSON: ...", "nested deeper than 32 levels", ...) or MemoryError.
json parse(std::string_view text);

// "array of 3 values", "string \"abc\"", "number 1e+30": what a value is, in at most about 60
// characters.
std::string describe(const json& value);

// A name from the file (a layer's name or type, a field's key) as it may appear in a message:
// quoted and escaped, cut to at most 40 characters.
std::string quoted(const std::string& text);
// True when `text` is valid UTF-8 (what a JSON file can hold).
bool is_utf8(const std::string& text);

// The same unquoted: the text itself when short, else its first 37 characters and "...".
std::string shortened(const std::string& text);

} // namespace convscope::json_reading
