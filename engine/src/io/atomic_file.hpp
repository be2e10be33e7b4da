#pragma once
// Writing a whole file at once: the bytes go to PATH.part beside it, which is then renamed over
// PATH, so a failed write (a full disk, a read-only folder) never leaves half a file. The file
// is created like any other the user's programs write (0666 less the umask: 0644 usually).

#include <cstddef>
#include <string>

namespace convscope {

// Throws IoError naming `path`.
void write_file_atomically(const std::string& path, const void* data, std::size_t size);

} // namespace convscope
