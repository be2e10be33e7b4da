#pragma once
// Where a padded coordinate reads from, for each of PyTorch's padding modes.

#include <string_view>

namespace convscope {

enum class PaddingMode { Zeros, Reflect, Replicate, Circular };
// Every mode, in the order above (for lists people choose from).
inline constexpr PaddingMode kPaddingModes[] = {PaddingMode::Zeros, PaddingMode::Reflect,
                                                PaddingMode::Replicate, PaddingMode::Circular};

std::string_view to_string(PaddingMode mode);
// Returns false for an unknown name.
bool parse_padding_mode(std::string_view name, PaddingMode& mode);

// Padding on each side of a map, after "same"/"valid" and pairs are resolved.
struct PadSides {
    int top = 0;
    int bottom = 0;
    int left = 0;
    int right = 0;

    friend bool operator==(const PadSides&, const PadSides&) = default;
};

// The source index in [0, n) that padded index i (which may lie outside [0, n)) reads, or -1 when
// it reads a zero. Reflect mirrors without repeating the edge (PyTorch's "reflect"), replicate
// repeats the edge, circular wraps around.
inline int source_index(int i, int n, PaddingMode mode) {
    if (i >= 0 && i < n)
        return i;
    switch (mode) {
    case PaddingMode::Zeros:
        return -1;
    case PaddingMode::Replicate:
        return i < 0 ? 0 : n - 1;
    case PaddingMode::Reflect:
        if (n == 1)
            return 0;
        // Mirror repeatedly; validation keeps padding < n so one bounce suffices, but stay safe.
        while (i < 0 || i >= n)
            i = i < 0 ? -i : 2 * (n - 1) - i;
        return i;
    case PaddingMode::Circular:
        return ((i % n) + n) % n;
    }
    return -1;
}

} // namespace convscope
