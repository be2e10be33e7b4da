// NumPy's .npy format: magic, version, a Python-dict header padded to 64 bytes, raw data.

#include "convscope/npy.hpp"
#include "convscope/image_io.hpp"
#include "convscope/memory_budget.hpp"

#include "mapped_file.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <optional>
#include <string_view>

namespace convscope {

namespace {

constexpr char kMagic[] = "\x93NUMPY";

std::string shape_tuple(const std::vector<std::size_t>& shape) {
    std::string s = "(";
    for (std::size_t i = 0; i < shape.size(); ++i)
        s += std::to_string(shape[i]) + (shape.size() == 1 || i + 1 < shape.size() ? "," : "");
    return s + ")";
}

// A few characters of the header for a message: printable ASCII only, at most 20 of them.
std::string excerpt(std::string_view text) {
    std::string shown;
    for (char c : text.substr(0, 20))
        shown += (c >= 0x20 && c < 0x7f) ? c : '?';
    return "\"" + shown + (text.size() > 20 ? "...\"" : "\"");
}

// The header dictionary, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }.
// A small scanner over a bounded string: nothing here recurses or backtracks.
class HeaderParser {
public:
    HeaderParser(std::string_view text, const std::string& name) : text_(text), name_(name) {}

    NpyHeader parse() {
        std::optional<std::string> descr;
        std::optional<bool> fortran_order;
        std::optional<std::vector<std::size_t>> shape;
        expect('{');
        while (true) {
            skip_space();
            if (peek() == '}')
                break;
            const std::string key = quoted();
            skip_space();
            expect(':');
            skip_space();
            if (key == "descr" && !descr)
                descr = quoted();
            else if (key == "fortran_order" && !fortran_order)
                fortran_order = boolean();
            else if (key == "shape" && !shape)
                shape = tuple();
            else if (key == "descr" || key == "fortran_order" || key == "shape")
                fail("the header names '" + key + "' twice");
            else
                fail("the header has an unknown key " + excerpt(key) +
                     " (a .npy header holds 'descr', 'fortran_order' and 'shape')");
            skip_space();
            if (peek() == ',') {
                ++pos_;
                continue;
            }
            if (peek() != '}')
                fail("the header dictionary is malformed at " + excerpt(text_.substr(pos_)));
        }
        ++pos_;
        for (; pos_ < text_.size(); ++pos_)
            if (text_[pos_] != ' ' && text_[pos_] != '\n' && text_[pos_] != '\0')
                fail("the header has text after its dictionary: " + excerpt(text_.substr(pos_)));
        if (!descr || !fortran_order || !shape)
            fail(std::string("the header has no '") +
                 (!descr           ? "descr"
                  : !fortran_order ? "fortran_order"
                                   : "shape") +
                 "'");

        NpyHeader header;
        header.shape = *shape;
        const std::string& d = *descr;
        const std::string_view type = d.size() == 3 ? std::string_view(d).substr(1) : d;
        if ((type != "f4" && type != "f8") || (d.size() == 3 && d[0] == '|'))
            fail("holds " + excerpt(d) +
                 " values; only float32 ('<f4') and float64 ('<f8') arrays are read");
        if (d.size() == 3 && d[0] == '>')
            fail("holds big-endian values (" + d + "); only little-endian arrays are read");
        header.item_size = type == "f8" ? 8 : 4;
        if (*fortran_order)
            fail("is in Fortran order; only C-order arrays are read (numpy.ascontiguousarray)");
        return header;
    }

private:
    [[noreturn]] void fail(const std::string& what) const { throw IoError(name_ + ": " + what); }

    char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
    void skip_space() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t'))
            ++pos_;
    }
    void expect(char c) {
        if (peek() != c)
            fail(std::string("the header dictionary is malformed: expected '") + c + "' at " +
                 excerpt(text_.substr(std::min(pos_, text_.size()))));
        ++pos_;
    }
    std::string quoted() {
        const char quote = peek();
        if (quote != '\'' && quote != '"')
            fail("the header dictionary is malformed: expected a quoted string at " +
                 excerpt(text_.substr(pos_)));
        const std::size_t end = text_.find(quote, pos_ + 1);
        if (end == std::string_view::npos)
            fail("the header has an unterminated string");
        std::string s(text_.substr(pos_ + 1, end - pos_ - 1));
        pos_ = end + 1;
        return s;
    }
    bool boolean() {
        if (text_.substr(pos_, 4) == "True") {
            pos_ += 4;
            return true;
        }
        if (text_.substr(pos_, 5) == "False") {
            pos_ += 5;
            return false;
        }
        fail("'fortran_order' must be True or False, got " + excerpt(text_.substr(pos_)));
    }
    std::vector<std::size_t> tuple() {
        expect('(');
        std::vector<std::size_t> dims;
        while (true) {
            skip_space();
            if (peek() == ')')
                break;
            if (peek() == '-')
                fail("the shape has a negative dimension " + excerpt(number_text(pos_ + 1, "-")));
            if (!std::isdigit(static_cast<unsigned char>(peek())))
                fail("the shape must be a tuple of whole numbers, got " +
                     excerpt(text_.substr(pos_)));
            std::size_t value = 0;
            const std::size_t start = pos_;
            while (std::isdigit(static_cast<unsigned char>(peek()))) {
                const std::size_t digit = static_cast<std::size_t>(peek() - '0');
                if (value > (SIZE_MAX - digit) / 10)
                    fail("the shape has a dimension too large to be real " +
                         excerpt(number_text(start, "")));
                value = value * 10 + digit;
                ++pos_;
            }
            if (peek() == 'L') // Python 2 wrote long integers so
                ++pos_;
            dims.push_back(value);
            if (dims.size() > 32)
                fail("the shape has more than 32 dimensions (NumPy's limit)");
            skip_space();
            if (peek() == ',') {
                ++pos_;
                continue;
            }
            if (peek() != ')')
                fail("the shape must be a tuple of whole numbers, got " +
                     excerpt(text_.substr(pos_)));
        }
        ++pos_;
        return dims;
    }
    std::string number_text(std::size_t from, const char* prefix) const {
        std::size_t end = from;
        while (end < text_.size() && std::isdigit(static_cast<unsigned char>(text_[end])))
            ++end;
        return prefix + std::string(text_.substr(from, end - from));
    }

    std::string_view text_;
    const std::string& name_;
    std::size_t pos_ = 0;
};

std::uint32_t little_endian(const std::uint8_t* p, int bytes) {
    std::uint32_t v = 0;
    for (int i = bytes - 1; i >= 0; --i)
        v = (v << 8) | p[i];
    return v;
}

} // namespace

std::size_t NpyHeader::elements() const {
    std::size_t count = 1;
    for (std::size_t d : shape)
        count *= d;
    return count;
}

void write_npy(const std::string& path, const std::vector<std::size_t>& shape,
               const std::vector<float>& values) {
    std::string header =
        "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape_tuple(shape) + ", }";
    // Magic (6) + version (2) + length (2) + header + '\n' must be a multiple of 64.
    const std::size_t unpadded = 10 + header.size() + 1;
    header.append((64 - unpadded % 64) % 64, ' ');
    header.push_back('\n');

    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out)
        throw IoError(path + ": cannot be created for writing");
    out.write(kMagic, 6);
    const char version[2] = {1, 0};
    out.write(version, 2);
    const std::uint16_t length = static_cast<std::uint16_t>(header.size());
    const char length_le[2] = {static_cast<char>(length & 0xff), static_cast<char>(length >> 8)};
    out.write(length_le, 2);
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    out.write(reinterpret_cast<const char*>(values.data()),
              static_cast<std::streamsize>(values.size() * sizeof(float)));
    out.close();
    if (!out)
        throw IoError(path + ": write failed (disk full?)");
}

void write_npy(const std::string& path, const Tensor& tensor) {
    const std::vector<std::size_t> shape{static_cast<std::size_t>(tensor.channels()),
                                         static_cast<std::size_t>(tensor.height()),
                                         static_cast<std::size_t>(tensor.width())};
    // The header as for a dense array, then the rows one by one: no dense copy of a large layer.
    write_npy(path, shape, {});
    std::ofstream out(path, std::ios::binary | std::ios::app);
    for (int c = 0; c < tensor.channels() && out; ++c)
        for (int y = 0; y < tensor.height() && out; ++y)
            out.write(reinterpret_cast<const char*>(tensor.row(c, y)),
                      static_cast<std::streamsize>(tensor.width() * sizeof(float)));
    out.close();
    if (!out)
        throw IoError(path + ": write failed (disk full?)");
}

NpyHeader parse_npy_header(std::span<const std::uint8_t> bytes, const std::string& name) {
    if (bytes.size() < 10 || std::memcmp(bytes.data(), kMagic, 6) != 0)
        throw IoError(name + ": not a NumPy .npy file");
    const int major = bytes[6];
    if (major < 1 || major > 3)
        throw IoError(name + ": unsupported .npy version " + std::to_string(major) + "." +
                      std::to_string(bytes[7]) + " (1.0 to 3.0 are read)");
    const int length_bytes = major == 1 ? 2 : 4;
    const std::size_t preamble = 8 + static_cast<std::size_t>(length_bytes);
    if (bytes.size() < preamble)
        throw IoError(name + ": truncated .npy header");
    const std::size_t header_length = little_endian(bytes.data() + 8, length_bytes);
    if (header_length > kMaxNpyHeaderLength)
        throw IoError(name + ": the .npy header claims " + std::to_string(header_length) +
                      " bytes, more than the " + std::to_string(kMaxNpyHeaderLength) +
                      " NumPy allows (a corrupt file?)");
    if (header_length > bytes.size() - preamble)
        throw IoError(name + ": truncated .npy header (it claims " + std::to_string(header_length) +
                      " bytes, the file holds " + std::to_string(bytes.size() - preamble) +
                      " after the preamble)");
    const std::string_view text(reinterpret_cast<const char*>(bytes.data() + preamble),
                                header_length);
    NpyHeader header = HeaderParser(text, name).parse();
    header.data_offset = preamble + header_length;

    // The data the header declares must be exactly what the file holds.
    std::uint64_t count = 1;
    for (std::size_t d : header.shape)
        count = saturating_mul(count, d);
    const std::uint64_t data_bytes = saturating_mul(count, header.item_size);
    const std::uint64_t held = bytes.size() - header.data_offset;
    const std::string declared =
        "the header declares shape " + shape_tuple(header.shape) + " of " +
        (header.item_size == 8 ? "float64" : "float32") + ", " +
        (data_bytes == UINT64_MAX ? std::string("more bytes than any file holds")
                                  : std::to_string(data_bytes) + " bytes of data");
    if (data_bytes > held)
        throw IoError(name + ": truncated .npy data (" + declared + ", the file holds " +
                      std::to_string(held) + ")");
    if (data_bytes < held)
        throw IoError(name + ": " + std::to_string(held - data_bytes) +
                      " bytes follow the .npy data (" + declared + "): a corrupt file?");
    return header;
}

NpyArray parse_npy(std::span<const std::uint8_t> bytes, const std::string& name) {
    const NpyHeader header = parse_npy_header(bytes, name);
    const std::size_t count = header.elements(); // fits: the file holds this many items
    require_memory(count * sizeof(float), name + ": the array");
    NpyArray array;
    array.shape = header.shape;
    array.values.resize(count);
    const std::uint8_t* data = bytes.data() + header.data_offset;
    if (count == 0) {
        // nothing to copy
    } else if (header.item_size == 4) {
        std::memcpy(array.values.data(), data, count * sizeof(float));
    } else {
        for (std::size_t i = 0; i < count; ++i) {
            double v;
            std::memcpy(&v, data + i * sizeof(double), sizeof v);
            array.values[i] = static_cast<float>(v);
        }
    }
    return array;
}

NpyHeader read_npy_header(const std::string& path) {
    const MappedFile file(path);
    return parse_npy_header(file.bytes(), path);
}

NpyArray read_npy(const std::string& path) {
    const MappedFile file(path);
    return parse_npy(file.bytes(), path);
}

} // namespace convscope
