// NumPy's .npy format, version 1.0: magic, a Python-dict header padded to 64 bytes, raw data.

#include "convscope/npy.hpp"
#include "convscope/image_io.hpp"

#include <cstdint>
#include <cstring>
#include <fstream>
#include <regex>

namespace convscope {

namespace {

constexpr char kMagic[] = "\x93NUMPY";

std::string shape_tuple(const std::vector<std::size_t>& shape) {
    std::string s = "(";
    for (std::size_t i = 0; i < shape.size(); ++i)
        s += std::to_string(shape[i]) + (shape.size() == 1 || i + 1 < shape.size() ? "," : "");
    return s + ")";
}

} // namespace

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
    write_npy(path,
              {static_cast<std::size_t>(tensor.channels()),
               static_cast<std::size_t>(tensor.height()), static_cast<std::size_t>(tensor.width())},
              tensor.to_dense());
}

NpyArray read_npy(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw IoError(path + ": cannot be opened for reading");
    char magic[6] = {};
    unsigned char version[2] = {};
    in.read(magic, 6);
    in.read(reinterpret_cast<char*>(version), 2);
    if (!in || std::memcmp(magic, kMagic, 6) != 0)
        throw IoError(path + ": not a NumPy .npy file");
    std::size_t header_len = 0;
    if (version[0] == 1) {
        unsigned char len[2] = {};
        in.read(reinterpret_cast<char*>(len), 2);
        header_len = len[0] | (len[1] << 8);
    } else if (version[0] == 2 || version[0] == 3) {
        unsigned char len[4] = {};
        in.read(reinterpret_cast<char*>(len), 4);
        header_len =
            len[0] | (len[1] << 8) | (len[2] << 16) | (static_cast<std::size_t>(len[3]) << 24);
    } else {
        throw IoError(path + ": unsupported .npy version " + std::to_string(version[0]));
    }
    std::string header(header_len, '\0');
    in.read(header.data(), static_cast<std::streamsize>(header_len));
    if (!in)
        throw IoError(path + ": truncated .npy header");

    std::smatch m;
    if (!std::regex_search(header, m, std::regex("'descr':\\s*'([<>|=]?)(f4|f8)'")))
        throw IoError(path + ": only float32 and float64 arrays are supported");
    if (m[1] == ">")
        throw IoError(path + ": big-endian arrays are not supported");
    const bool is_double = m[2] == "f8";
    if (std::regex_search(header, std::regex("'fortran_order':\\s*True")))
        throw IoError(path + ": Fortran-order arrays are not supported");
    if (!std::regex_search(header, m, std::regex("'shape':\\s*\\(([^)]*)\\)")))
        throw IoError(path + ": .npy header has no shape");

    NpyArray array;
    const std::string dims = m[1];
    const std::regex number("[0-9]+");
    std::size_t count = 1;
    for (auto it = std::sregex_iterator(dims.begin(), dims.end(), number);
         it != std::sregex_iterator(); ++it) {
        array.shape.push_back(std::stoull(it->str()));
        count *= array.shape.back();
    }
    array.values.resize(count);
    if (is_double) {
        std::vector<double> raw(count);
        in.read(reinterpret_cast<char*>(raw.data()),
                static_cast<std::streamsize>(count * sizeof(double)));
        std::copy(raw.begin(), raw.end(), array.values.begin());
    } else {
        in.read(reinterpret_cast<char*>(array.values.data()),
                static_cast<std::streamsize>(count * sizeof(float)));
    }
    if (!in)
        throw IoError(path + ": truncated .npy data");
    return array;
}

} // namespace convscope
