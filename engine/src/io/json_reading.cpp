#include "json_reading.hpp"

#include "convscope/memory_budget.hpp"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

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

// nlohmann's own DOM parsers cost more than linear time on hostile input: with a callback, each
// closed object makes it scan its parent for discarded values (quadratic in an array of objects:
// 100,000 `{}` take half a minute); without one, each key is looked up linearly in the ordered
// object so far (quadratic in its keys); and both copy every finished sibling subtree whenever an
// object's storage grows (its elements cannot be moved). So a document is read in two linear SAX
// passes: the first checks it (syntax, depth, value count) and counts each container's elements,
// the second builds it with every container's storage reserved up front and keys found through
// a hash table.

// Pass one: the limits, and how many elements (or keys) each container holds, in the order the
// containers open.
class Survey {
public:
    explicit Survey(std::uint64_t max_values) : max_values_(max_values) {}

    const std::vector<std::size_t>& sizes() const { return sizes_; }

    bool null() { return value(); }
    bool boolean(bool) { return value(); }
    bool number_integer(json::number_integer_t) { return value(); }
    bool number_unsigned(json::number_unsigned_t) { return value(); }
    bool number_float(json::number_float_t, const json::string_t&) { return value(); }
    bool string(json::string_t&) { return value(); }
    bool binary(json::binary_t&) { return value(); }
    bool start_object(std::size_t) { return open(false); }
    bool key(json::string_t&) {
        ++sizes_[open_.back()];
        return true;
    }
    bool end_object() { return close(); }
    bool start_array(std::size_t) { return open(true); }
    bool end_array() { return close(); }
    template <class Exception>
    bool parse_error(std::size_t, const std::string&, const Exception& e) {
        throw e;
    }

private:
    bool value() {
        if (++values_ > max_values_)
            throw MemoryError(values_ * kBytesPerValue, memory_budget(),
                              "holds more than " + std::to_string(max_values_) +
                                  " values: reading them needs more than the memory budget of " +
                                  format_bytes(memory_budget()));
        // An element of an array (an object's values are counted by their keys).
        if (!open_.empty() && in_array_.back())
            ++sizes_[open_.back()];
        return true;
    }
    bool open(bool array) {
        if (open_.size() >= static_cast<std::size_t>(kMaxDepth))
            throw JsonError("nested deeper than " + std::to_string(kMaxDepth) +
                            " levels (no ConvScope file needs more)");
        value();
        open_.push_back(sizes_.size());
        in_array_.push_back(array);
        sizes_.push_back(0);
        return true;
    }
    bool close() {
        open_.pop_back();
        in_array_.pop_back();
        return true;
    }

    std::uint64_t max_values_;
    std::uint64_t values_ = 0;
    std::vector<std::size_t> sizes_; // per container, in opening order
    std::vector<std::size_t> open_;  // indices into sizes_ of the containers now open
    std::vector<bool> in_array_;     // whether each open container is an array
};

// Pass two: the document, on a text pass one accepted. A key that appears twice in an object
// keeps its first place and takes the last value, as nlohmann's parser (and Python's) does.
class Builder {
public:
    explicit Builder(const std::vector<std::size_t>& sizes) : sizes_(sizes) {}

    json take() { return std::move(root_); }

    bool null() { return put(nullptr); }
    bool boolean(bool v) { return put(v); }
    bool number_integer(json::number_integer_t v) { return put(v); }
    bool number_unsigned(json::number_unsigned_t v) { return put(v); }
    bool number_float(json::number_float_t v, const json::string_t&) { return put(v); }
    bool string(json::string_t& v) { return put(std::move(v)); }
    bool binary(json::binary_t& v) { return put(json::binary(std::move(v))); }
    bool start_object(std::size_t) {
        json* object = place(json::object());
        object->get_ref<json::object_t&>().reserve(sizes_[next_++]);
        open_.push_back(object);
        keys_.emplace_back();
        return true;
    }
    bool key(json::string_t& k) {
        // ordered_map is a vector of (key, value): append to it directly instead of through its
        // linear lookup; the storage was reserved, so nothing moves.
        auto& object =
            static_cast<json::object_t::Container&>(open_.back()->get_ref<json::object_t&>());
        auto [at, fresh] = keys_.back().try_emplace(k, object.size());
        if (fresh)
            object.emplace_back(std::move(k), nullptr);
        slot_ = &object[at->second].second;
        return true;
    }
    bool end_object() {
        open_.pop_back();
        keys_.pop_back();
        return true;
    }
    bool start_array(std::size_t) {
        json* array = place(json::array());
        array->get_ref<json::array_t&>().reserve(sizes_[next_++]);
        open_.push_back(array);
        keys_.emplace_back(); // unused; keeps keys_ in step with open_
        return true;
    }
    bool end_array() { return end_object(); }
    template <class Exception>
    bool parse_error(std::size_t, const std::string&, const Exception& e) {
        throw e;
    }

private:
    bool put(json value) {
        place(std::move(value));
        return true;
    }
    json* place(json value) {
        if (open_.empty()) {
            root_ = std::move(value);
            return &root_;
        }
        if (json* parent = open_.back(); parent->is_array()) {
            auto& array = parent->get_ref<json::array_t&>();
            array.push_back(std::move(value));
            return &array.back();
        }
        *slot_ = std::move(value);
        return slot_;
    }

    const std::vector<std::size_t>& sizes_;
    std::size_t next_ = 0;
    json root_;
    std::vector<json*> open_;
    std::vector<std::unordered_map<std::string, std::size_t>> keys_;
    json* slot_ = nullptr; // where the value after the last key goes
};

} // namespace

json parse(std::string_view text) {
    try {
        Survey survey(memory_budget() / kBytesPerValue);
        json::sax_parse(text.begin(), text.end(), &survey);
        Builder builder(survey.sizes());
        json::sax_parse(text.begin(), text.end(), &builder);
        return builder.take();
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
