#pragma once
#include <string>
#include <string_view>

namespace evalrun {

// Lowercase hex SHA-256 of the bytes (OpenSSL); used for sample hashes and cache keys.
std::string sha256_hex(std::string_view data);

}  // namespace evalrun
