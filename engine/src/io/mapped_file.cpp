#include "mapped_file.hpp"

#include "convscope/image_io.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace convscope {

MappedFile::MappedFile(const std::string& path) {
    // Non-blocking: opening a FIFO must not wait for a writer (it is refused below).
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        const int error = errno;
        if (error == ENOENT || error == ENOTDIR)
            throw IoError(path + ": no such file");
        throw IoError(path + ": cannot be opened for reading (" + std::strerror(error) + ")");
    }
    struct stat status {};
    if (::fstat(fd, &status) != 0) {
        ::close(fd);
        throw IoError(path + ": cannot be read (" + std::strerror(errno) + ")");
    }
    if (S_ISDIR(status.st_mode)) {
        ::close(fd);
        throw IoError(path + ": is a folder, not a file");
    }
    if (!S_ISREG(status.st_mode)) {
        ::close(fd);
        throw IoError(path + ": is not a regular file");
    }
    if (status.st_size == 0) {
        ::close(fd);
        throw IoError(path + ": the file is empty");
    }
    size_ = static_cast<std::size_t>(status.st_size);
    void* mapped = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    const int error = errno;
    ::close(fd); // the mapping keeps the file
    if (mapped == MAP_FAILED)
        throw IoError(path + ": cannot be read (" + std::strerror(error) + ")");
    data_ = static_cast<const std::uint8_t*>(mapped);
}

MappedFile::~MappedFile() {
    if (data_)
        ::munmap(const_cast<std::uint8_t*>(data_), size_);
}

} // namespace convscope
