#pragma once
// A file's bytes, mapped read-only: readers look at exactly the bytes they need (a header, a
// declared range) without copying the file into memory first.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace convscope {

class MappedFile {
public:
    // Throws IoError naming `path` when it is missing, a folder, empty or unreadable.
    explicit MappedFile(const std::string& path);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    std::span<const std::uint8_t> bytes() const { return {data_, size_}; }

private:
    const std::uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
};

} // namespace convscope
