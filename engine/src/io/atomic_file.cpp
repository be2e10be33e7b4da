#include "atomic_file.hpp"

#include "convscope/image_io.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace convscope {

void write_file_atomically(const std::string& path, const void* data, std::size_t size) {
    const std::string temp = path + ".part";
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        if (!out)
            throw IoError(path + ": cannot be written (folder missing or not writable?)");
        out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
        out.close();
        if (!out) {
            std::remove(temp.c_str());
            throw IoError(path + ": cannot be written (disk full?)");
        }
    }
    std::error_code ec;
    std::filesystem::rename(temp, path, ec);
    if (ec) {
        std::remove(temp.c_str());
        throw IoError(path + ": cannot be written (" + ec.message() + ")");
    }
}

} // namespace convscope
