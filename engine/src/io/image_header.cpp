// Image headers, read from the raw bytes with every offset checked. Each reader finds the
// format's signature and, where the format puts it up front, the width, height and sample
// layout; anything it cannot make sense of is left unknown for the decoder to judge.

#include "image_header.hpp"

#include "convscope/memory_budget.hpp"

#include <algorithm>
#include <cstring>
#include <string_view>
#include <utility>

namespace convscope {

namespace {

// Bounds-checked access to the file's bytes: reads past the end yield nothing.
class Bytes {
public:
    explicit Bytes(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

    std::size_t size() const { return bytes_.size(); }
    bool has(std::uint64_t offset, std::uint64_t count) const {
        return offset <= bytes_.size() && count <= bytes_.size() - offset;
    }
    bool starts_with(std::uint64_t offset, std::string_view text) const {
        return has(offset, text.size()) &&
               std::memcmp(bytes_.data() + offset, text.data(), text.size()) == 0;
    }
    std::uint8_t u8(std::uint64_t offset) const { return has(offset, 1) ? bytes_[offset] : 0; }
    // Unsigned integers of 2, 4 or 8 bytes; 0 when out of range.
    std::uint64_t be(std::uint64_t offset, int n) const {
        if (!has(offset, static_cast<std::uint64_t>(n)))
            return 0;
        std::uint64_t v = 0;
        for (int i = 0; i < n; ++i)
            v = (v << 8) | bytes_[offset + static_cast<std::uint64_t>(i)];
        return v;
    }
    std::uint64_t le(std::uint64_t offset, int n) const {
        if (!has(offset, static_cast<std::uint64_t>(n)))
            return 0;
        std::uint64_t v = 0;
        for (int i = n - 1; i >= 0; --i)
            v = (v << 8) | bytes_[offset + static_cast<std::uint64_t>(i)];
        return v;
    }
    std::uint64_t get(std::uint64_t offset, int n, bool little) const {
        return little ? le(offset, n) : be(offset, n);
    }

private:
    std::span<const std::uint8_t> bytes_;
};

ImageHeader sized(const char* format, std::int64_t width, std::int64_t height, int channels,
                  int bytes_per_sample) {
    ImageHeader h;
    h.format = format;
    h.width = width > 0 ? width : 0;
    h.height = height > 0 ? height : 0;
    h.channels = std::clamp(channels, 0, 4);
    h.bytes_per_sample = std::clamp(bytes_per_sample, 0, 8);
    return h;
}

std::optional<ImageHeader> png(const Bytes& b) {
    if (!b.starts_with(0, "\x89PNG\r\n\x1a\n"))
        return std::nullopt;
    if (!b.starts_with(12, "IHDR"))
        return sized("PNG", 0, 0, 0, 0);
    const int colour_type = b.u8(25);
    const int channels = colour_type == 0 ? 1 : colour_type == 2 ? 3 : 4;
    return sized("PNG", static_cast<std::int64_t>(b.be(16, 4)),
                 static_cast<std::int64_t>(b.be(20, 4)), channels, b.u8(24) == 16 ? 2 : 1);
}

// True when an end-of-image marker follows the first scan. Entropy-coded data cannot hold one
// (a 0xFF byte there is followed by 0x00 or a restart marker), and segments before the scan,
// where an EXIF thumbnail ends with its own, are skipped by their lengths.
bool jpeg_has_end(const Bytes& b, std::uint64_t scan) {
    for (std::uint64_t i = scan; i + 1 < b.size(); ++i)
        if (b.u8(i) == 0xFF && b.u8(i + 1) == 0xD9)
            return true;
    return false;
}

std::optional<ImageHeader> jpeg(const Bytes& b) {
    if (!(b.u8(0) == 0xFF && b.u8(1) == 0xD8 && b.u8(2) == 0xFF))
        return std::nullopt;
    ImageHeader header = sized("JPEG", 0, 0, 0, 0);
    std::uint64_t i = 2;
    while (b.has(i, 4)) {
        if (b.u8(i) != 0xFF)
            return header; // not at a marker: leave the judgement to the decoder
        while (b.u8(i) == 0xFF && b.has(i, 2))
            ++i;
        const int marker = b.u8(i);
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
            ++i;
            continue;
        }
        if (marker == 0xD9)
            return header; // end of image before any scan
        if (marker == 0xDA) {
            header.complete = jpeg_has_end(b, i);
            return header;
        }
        const bool frame =
            marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
        if (frame && !header.has_size()) {
            const int precision = b.u8(i + 3);
            header = sized("JPEG", static_cast<std::int64_t>(b.be(i + 6, 2)),
                           static_cast<std::int64_t>(b.be(i + 4, 2)), b.u8(i + 8) == 1 ? 1 : 3,
                           precision > 8 ? 2 : 1);
        }
        i += 1 + b.be(i + 1, 2);
    }
    header.complete = false; // the file ends before the first scan
    return header;
}

std::optional<ImageHeader> bmp(const Bytes& b) {
    if (!b.starts_with(0, "BM") || !b.has(14, 4))
        return std::nullopt;
    const std::uint64_t dib = b.le(14, 4);
    if (dib == 12)
        return sized("BMP", static_cast<std::int64_t>(b.le(18, 2)),
                     static_cast<std::int64_t>(b.le(20, 2)), 4, 1);
    if (dib < 16)
        return sized("BMP", 0, 0, 0, 0);
    const auto width = static_cast<std::int32_t>(static_cast<std::uint32_t>(b.le(18, 4)));
    const auto height = static_cast<std::int32_t>(static_cast<std::uint32_t>(b.le(22, 4)));
    // A negative height means rows stored top to bottom.
    const std::int64_t rows = height < 0 ? -static_cast<std::int64_t>(height) : height;
    return sized("BMP", width, rows, 4, 1);
}

// Netpbm's header: whitespace-separated decimal numbers, with # comments.
class PnmTokens {
public:
    PnmTokens(const Bytes& b, std::uint64_t start) : b_(b), i_(start) {}
    // The next number, or -1 when there is none or it is absurdly long.
    std::int64_t number() {
        skip();
        std::int64_t v = 0;
        int digits = 0;
        while (b_.has(i_, 1) && b_.u8(i_) >= '0' && b_.u8(i_) <= '9') {
            if (++digits > 12)
                return -1;
            v = v * 10 + (b_.u8(i_++) - '0');
        }
        return digits > 0 ? v : -1;
    }
    // The next word (letters, for PAM's keys), at most 16 characters.
    std::string word() {
        skip();
        std::string w;
        while (b_.has(i_, 1) && w.size() < 16) {
            const std::uint8_t c = b_.u8(i_);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '#')
                break;
            w.push_back(static_cast<char>(c));
            ++i_;
        }
        return w;
    }
    bool at_end() const { return !b_.has(i_, 1); }

private:
    void skip() {
        while (b_.has(i_, 1)) {
            const std::uint8_t c = b_.u8(i_);
            if (c == '#') {
                while (b_.has(i_, 1) && b_.u8(i_) != '\n')
                    ++i_;
            } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                ++i_;
            } else {
                break;
            }
        }
    }
    const Bytes& b_;
    std::uint64_t i_;
};

std::optional<ImageHeader> pnm(const Bytes& b) {
    if (b.u8(0) != 'P')
        return std::nullopt;
    const char kind = static_cast<char>(b.u8(1));
    if (kind >= '1' && kind <= '6') {
        PnmTokens t(b, 2);
        const std::int64_t width = t.number();
        const std::int64_t height = t.number();
        const bool bitmap = kind == '1' || kind == '4';
        const std::int64_t maxval = bitmap ? 1 : t.number();
        const int channels = kind == '3' || kind == '6' ? 3 : 1;
        return sized("PNM", width, height, channels, maxval > 255 ? 2 : 1);
    }
    if (kind == '7') { // PAM
        PnmTokens t(b, 2);
        std::int64_t width = 0, height = 0, depth = 0, maxval = 255;
        for (int fields = 0; fields < 64 && !t.at_end(); ++fields) {
            const std::string key = t.word();
            if (key == "ENDHDR" || key.empty())
                break;
            if (key == "WIDTH")
                width = t.number();
            else if (key == "HEIGHT")
                height = t.number();
            else if (key == "DEPTH")
                depth = t.number();
            else if (key == "MAXVAL")
                maxval = t.number();
            else
                (void)t.word(); // TUPLTYPE and the like
        }
        return sized("PAM", width, height, static_cast<int>(std::clamp<std::int64_t>(depth, 0, 4)),
                     maxval > 255 ? 2 : 1);
    }
    if (kind == 'F' || kind == 'f') { // PFM
        PnmTokens t(b, 2);
        const std::int64_t width = t.number();
        const std::int64_t height = t.number();
        return sized("PFM", width, height, kind == 'F' ? 3 : 1, 4);
    }
    return std::nullopt;
}

std::optional<ImageHeader> tiff(const Bytes& b) {
    const bool little = b.starts_with(0, "II");
    if (!little && !b.starts_with(0, "MM"))
        return std::nullopt;
    const std::uint64_t version = b.get(2, 2, little);
    if (version != 42 && version != 43)
        return std::nullopt;
    const bool big = version == 43;
    const std::uint64_t ifd = big ? b.get(8, 8, little) : b.get(4, 4, little);
    const std::uint64_t count = big ? b.get(ifd, 8, little) : b.get(ifd, 2, little);
    const std::uint64_t entry_size = big ? 20 : 12;
    const std::uint64_t first = ifd + (big ? 8 : 2);
    std::int64_t width = 0, height = 0;
    int samples = 1, bits = 8;
    // libtiff reads the first entry of a tag and ignores later duplicates; so must this, or the
    // size it reports is not the size the decoder produces.
    bool seen_width = false, seen_height = false, seen_bits = false, seen_samples = false;
    for (std::uint64_t k = 0; k < count && k < 1000; ++k) {
        const std::uint64_t e = first + k * entry_size;
        if (!b.has(e, entry_size))
            break;
        const std::uint64_t tag = b.get(e, 2, little);
        const std::uint64_t type = b.get(e + 2, 2, little);
        const std::uint64_t value_at = e + (big ? 12 : 8);
        // SHORT values sit in the first bytes of the value field, LONG ones fill it.
        const std::uint64_t value = type == 3    ? b.get(value_at, 2, little)
                                    : type == 4  ? b.get(value_at, 4, little)
                                    : type == 16 ? b.get(value_at, 8, little)
                                                 : 0;
        auto first_of = [](bool& seen) { return !std::exchange(seen, true); };
        if (tag == 256 && first_of(seen_width))
            width = static_cast<std::int64_t>(std::min<std::uint64_t>(value, INT64_MAX));
        else if (tag == 257 && first_of(seen_height))
            height = static_cast<std::int64_t>(std::min<std::uint64_t>(value, INT64_MAX));
        else if (tag == 258 && first_of(seen_bits))
            bits = static_cast<int>(std::min<std::uint64_t>(value, 64));
        else if (tag == 277 && first_of(seen_samples))
            samples = static_cast<int>(std::min<std::uint64_t>(value, 64));
    }
    return sized("TIFF", width, height, samples, bits > 32 ? 8 : bits > 16 ? 4 : bits > 8 ? 2 : 1);
}

std::optional<ImageHeader> webp(const Bytes& b) {
    if (!b.starts_with(0, "RIFF") || !b.starts_with(8, "WEBP"))
        return std::nullopt;
    if (b.starts_with(12, "VP8 ") && b.u8(23) == 0x9d && b.u8(24) == 0x01 && b.u8(25) == 0x2a)
        return sized("WebP", static_cast<std::int64_t>(b.le(26, 2) & 0x3fff),
                     static_cast<std::int64_t>(b.le(28, 2) & 0x3fff), 4, 1);
    if (b.starts_with(12, "VP8L") && b.u8(20) == 0x2f) {
        const std::uint64_t bits = b.le(21, 4);
        return sized("WebP", static_cast<std::int64_t>((bits & 0x3fff) + 1),
                     static_cast<std::int64_t>(((bits >> 14) & 0x3fff) + 1), 4, 1);
    }
    if (b.starts_with(12, "VP8X"))
        return sized("WebP", static_cast<std::int64_t>(b.le(24, 3) + 1),
                     static_cast<std::int64_t>(b.le(27, 3) + 1), 4, 1);
    return sized("WebP", 0, 0, 0, 0);
}

std::optional<ImageHeader> sun_raster(const Bytes& b) {
    if (b.be(0, 4) != 0x59a66a95)
        return std::nullopt;
    return sized("Sun raster", static_cast<std::int64_t>(b.be(4, 4)),
                 static_cast<std::int64_t>(b.be(8, 4)), 3, 1);
}

std::optional<ImageHeader> radiance(const Bytes& b) {
    if (!b.starts_with(0, "#?RADIANCE") && !b.starts_with(0, "#?RGBE"))
        return std::nullopt;
    // Header lines up to an empty line, then the resolution line: "-Y 480 +X 640".
    std::uint64_t i = 0;
    const std::uint64_t limit = std::min<std::uint64_t>(b.size(), 65536);
    bool blank = false;
    while (i + 1 < limit && !blank) {
        if (b.u8(i) == '\n' && b.u8(i + 1) == '\n')
            blank = true;
        ++i;
    }
    if (!blank)
        return sized("Radiance HDR", 0, 0, 3, 4);
    PnmTokens t(b, i + 1);
    std::int64_t rows = 0, cols = 0;
    for (int k = 0; k < 2; ++k) {
        const std::string axis = t.word();
        const std::int64_t n = t.number();
        if (axis.size() == 2 && (axis[1] == 'Y'))
            rows = n;
        else if (axis.size() == 2 && (axis[1] == 'X'))
            cols = n;
    }
    return sized("Radiance HDR", cols, rows, 3, 4);
}

std::optional<ImageHeader> openexr(const Bytes& b) {
    if (b.le(0, 4) != 20000630)
        return std::nullopt;
    std::uint64_t i = 8;
    for (int attributes = 0; attributes < 1000 && b.has(i, 1); ++attributes) {
        auto text = [&](std::uint64_t& at) {
            std::string s;
            while (b.has(at, 1) && b.u8(at) != 0 && s.size() < 256)
                s.push_back(static_cast<char>(b.u8(at++)));
            ++at;
            return s;
        };
        const std::string name = text(i);
        if (name.empty())
            break;
        const std::string type = text(i);
        const std::uint64_t size = b.le(i, 4);
        i += 4;
        if (name == "dataWindow" && type == "box2i" && size == 16) {
            const auto coord = [&](std::uint64_t at) {
                return static_cast<std::int64_t>(
                    static_cast<std::int32_t>(static_cast<std::uint32_t>(b.le(at, 4))));
            };
            return sized("OpenEXR", coord(i + 8) - coord(i) + 1, coord(i + 12) - coord(i + 4) + 1,
                         4, 4);
        }
        i += size;
    }
    return sized("OpenEXR", 0, 0, 4, 4);
}

std::optional<ImageHeader> jpeg2000(const Bytes& b) {
    if (b.u8(0) == 0xFF && b.u8(1) == 0x4F && b.u8(2) == 0xFF && b.u8(3) == 0x51) {
        // A raw codestream: the SIZ segment follows the start-of-codestream marker.
        const std::int64_t width =
            static_cast<std::int64_t>(b.be(8, 4)) - static_cast<std::int64_t>(b.be(16, 4));
        const std::int64_t height =
            static_cast<std::int64_t>(b.be(12, 4)) - static_cast<std::int64_t>(b.be(20, 4));
        return sized("JPEG 2000", width, height, 4, 2);
    }
    if (!b.starts_with(0, std::string_view("\0\0\0\x0cjP  \r\n\x87\n", 12)))
        return std::nullopt;
    // Boxes: length, type; the image header box "ihdr" sits in the "jp2h" box.
    std::uint64_t i = 12;
    std::uint64_t end = b.size();
    for (int boxes = 0; boxes < 1000 && b.has(i, 8); ++boxes) {
        std::uint64_t length = b.be(i, 4);
        std::uint64_t header = 8;
        if (length == 1) {
            length = b.be(i + 8, 8);
            header = 16;
        } else if (length == 0) {
            length = end - i;
        }
        if (length < header)
            break;
        if (b.starts_with(i + 4, "jp2h")) {
            end = std::min<std::uint64_t>(end, saturating_add(i, length));
            i += header;
            continue;
        }
        if (b.starts_with(i + 4, "ihdr"))
            return sized("JPEG 2000", static_cast<std::int64_t>(b.be(i + header + 4, 4)),
                         static_cast<std::int64_t>(b.be(i + header, 4)),
                         static_cast<int>(b.be(i + header + 8, 2)),
                         (b.u8(i + header + 10) & 0x7f) + 1 > 8 ? 2 : 1);
        i = saturating_add(i, length);
    }
    return sized("JPEG 2000", 0, 0, 4, 2);
}

} // namespace

std::uint64_t ImageHeader::decoded_bytes() const {
    const std::uint64_t per_pixel =
        static_cast<std::uint64_t>(channels > 0 ? channels : 4) *
        static_cast<std::uint64_t>(bytes_per_sample > 0 ? bytes_per_sample : 4);
    return saturating_mul(
        saturating_mul(static_cast<std::uint64_t>(width), static_cast<std::uint64_t>(height)),
        per_pixel);
}

std::optional<ImageHeader> read_image_header(std::span<const std::uint8_t> bytes) {
    const Bytes b(bytes);
    for (auto reader : {png, jpeg, bmp, pnm, tiff, webp, sun_raster, radiance, openexr, jpeg2000})
        if (std::optional<ImageHeader> header = reader(b))
            return header;
    return std::nullopt;
}

} // namespace convscope
