#include "convscope/memory_budget.hpp"

#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>

namespace convscope {

namespace {

// 0 until set or first asked for.
std::atomic<std::uint64_t> budget_bytes{0};

std::uint64_t default_budget() {
    return available_memory() / 4 * 3;
}

} // namespace

MemoryError::MemoryError(std::uint64_t needed, std::uint64_t budget, const std::string& message)
    : std::runtime_error(message), needed_(needed), budget_(budget) {}

std::uint64_t available_memory() {
    std::ifstream meminfo("/proc/meminfo");
    std::string key;
    std::uint64_t kilobytes = 0;
    std::string unit;
    while (meminfo >> key >> kilobytes >> unit)
        if (key == "MemAvailable:")
            return saturating_mul(kilobytes, 1024);
    const long pages = ::sysconf(_SC_PHYS_PAGES);
    const long page_size = ::sysconf(_SC_PAGESIZE);
    if (pages > 0 && page_size > 0)
        return saturating_mul(static_cast<std::uint64_t>(pages),
                              static_cast<std::uint64_t>(page_size)) /
               2;
    return std::uint64_t{4} << 30; // nothing known: assume a small machine
}

std::uint64_t memory_budget() {
    std::uint64_t budget = budget_bytes.load(std::memory_order_relaxed);
    if (budget == 0) {
        std::uint64_t expected = 0;
        budget = default_budget();
        if (!budget_bytes.compare_exchange_strong(expected, budget))
            budget = expected; // another thread set it first
    }
    return budget;
}

void set_memory_budget(std::uint64_t bytes) {
    budget_bytes.store(bytes == 0 ? default_budget() : bytes, std::memory_order_relaxed);
}

void require_memory(std::uint64_t bytes, const std::string& what) {
    const std::uint64_t budget = memory_budget();
    if (bytes > budget)
        throw MemoryError(bytes, budget,
                          what + " needs " + format_bytes(bytes) +
                              ", more than the memory budget of " + format_bytes(budget));
}

std::string format_bytes(std::uint64_t bytes) {
    if (bytes == UINT64_MAX)
        return "more than 18 EB";
    if (bytes < 1000)
        return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
    const char* units[] = {"KB", "MB", "GB", "TB", "PB", "EB"};
    double value = static_cast<double>(bytes) / 1000.0;
    int unit = 0;
    while (value >= 999.95 && unit < 5) {
        value /= 1000.0;
        ++unit;
    }
    char text[32];
    std::snprintf(text, sizeof text, value < 99.95 ? "%.1f %s" : "%.0f %s", value, units[unit]);
    return text;
}

bool parse_byte_size(std::string_view text, std::uint64_t& bytes) {
    std::size_t i = 0;
    double number = 0;
    bool digits = false;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
        number = number * 10 + (text[i++] - '0');
        digits = true;
    }
    if (i < text.size() && text[i] == '.') {
        double scale = 0.1;
        for (++i; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
            number += (text[i] - '0') * scale;
            scale /= 10;
            digits = true;
        }
    }
    if (!digits)
        return false;
    std::string unit;
    for (; i < text.size(); ++i)
        unit.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(text[i]))));
    double factor = 0;
    if (unit.empty() || unit == "B")
        factor = 1;
    else if (unit == "K" || unit == "KB")
        factor = 1e3;
    else if (unit == "M" || unit == "MB")
        factor = 1e6;
    else if (unit == "G" || unit == "GB")
        factor = 1e9;
    else if (unit == "T" || unit == "TB")
        factor = 1e12;
    else if (unit == "KIB")
        factor = 1024.0;
    else if (unit == "MIB")
        factor = 1024.0 * 1024;
    else if (unit == "GIB")
        factor = 1024.0 * 1024 * 1024;
    else if (unit == "TIB")
        factor = 1024.0 * 1024 * 1024 * 1024;
    else
        return false;
    const double value = std::round(number * factor);
    if (!(value >= 1) || value >= 1.8e19)
        return false;
    bytes = static_cast<std::uint64_t>(value);
    return true;
}

} // namespace convscope
