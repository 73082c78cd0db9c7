#pragma once
#include <string>

namespace evalrun {

// Appends the UTF-8 encoding of code point `cp` (callers pass valid scalar values).
void append_utf8(std::string& out, char32_t cp);

}  // namespace evalrun
