#pragma once
// A message on one line. What ends up in a message can come from a hostile file: a codec's
// complaint, or a name inside a model that may hold any byte, a newline included. A message is
// one line naming the file, so control characters become spaces and a long text is cut.

#include <cstddef>
#include <string>

namespace convscope {

inline std::string one_line(std::string text, std::size_t max_chars = 200) {
    for (char& c : text)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            c = ' ';
    while (!text.empty() && text.back() == ' ')
        text.pop_back();
    return text.size() > max_chars ? text.substr(0, max_chars - 3) + "..." : text;
}

} // namespace convscope
