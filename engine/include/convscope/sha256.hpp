#pragma once
// SHA-256 of bytes (OpenSSL's), as lowercase hex: how a manifest names the exact model file
// that made its maps, as `sha256sum` prints it.

#include <cstdint>
#include <span>
#include <string>

namespace convscope {

std::string sha256_hex(std::span<const std::uint8_t> bytes);

} // namespace convscope
