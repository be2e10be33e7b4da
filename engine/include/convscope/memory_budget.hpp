#pragma once
// The memory budget: how much memory ConvScope lets one file, one image or one run take. Every
// size a file declares, and every run's estimate, is held against it *before* anything is
// allocated, so a hostile or oversized input is refused with the figure and what to do instead
// of ending in std::bad_alloc or the kernel's OOM killer.
//
// The default is three quarters of the memory the system reports available (MemAvailable) when
// the budget is first asked for; `convscope-cli --max-memory` and the app's setting change it.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace convscope {

// A refused allocation. The message says what needed how much and what the budget is; callers
// add the file it concerns and how to change the budget in their own terms.
class MemoryError : public std::runtime_error {
public:
    MemoryError(std::uint64_t needed, std::uint64_t budget, const std::string& message);
    std::uint64_t needed() const { return needed_; }
    std::uint64_t budget() const { return budget_; }

private:
    std::uint64_t needed_;
    std::uint64_t budget_;
};

// The budget in bytes.
std::uint64_t memory_budget();
// Sets the budget (0: back to the default).
void set_memory_budget(std::uint64_t bytes);
// What the default budget is taken from: the system's available memory now, in bytes
// (MemAvailable on Linux; half the physical memory where that is unknown).
std::uint64_t available_memory();

// Throws MemoryError "<what> needs 4.8 GB, more than the memory budget of 3.0 GB" when `bytes`
// exceeds the budget.
void require_memory(std::uint64_t bytes, const std::string& what);

// Sizes for people: "512 bytes", "12.3 KB", "4.8 GB" (powers of 1000, like file managers).
std::string format_bytes(std::uint64_t bytes);
// "8G", "512M", "1.5GB", "2048MiB", "100000000": a size with an optional unit (K, M, G, T, with or
// without B; KiB, MiB, GiB, TiB are powers of 1024). False for anything else, 0, or an overflow.
bool parse_byte_size(std::string_view text, std::uint64_t& bytes);

// Arithmetic on sizes that saturates instead of wrapping: a size that would overflow becomes
// UINT64_MAX, which every budget refuses.
inline std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}
inline std::uint64_t saturating_mul(std::uint64_t a, std::uint64_t b) {
    return b != 0 && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

} // namespace convscope
