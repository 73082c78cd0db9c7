#pragma once
// Code-point level string helpers: Python's str operates on code points, our strings are UTF-8.
#include <string>
#include <string_view>
#include <vector>

namespace evalrun::templates::jinja {

bool is_ascii(std::string_view s);
// Decodes UTF-8 (invalid bytes map to U+FFFD so rendering never throws on odd data).
std::u32string decode_utf8(std::string_view s);
void append_utf8(char32_t cp, std::string& out);
std::string encode_utf8(std::u32string_view s);
std::size_t utf8_length(std::string_view s);

// Python str.isspace() for one code point.
bool is_py_space(char32_t c);
// Python str.isprintable() for one code point (used by repr()).
bool is_py_printable(char32_t c);

std::string py_upper(std::string_view s);
std::string py_lower(std::string_view s);
std::string py_title(std::string_view s);       // str.title()
std::string py_capitalize(std::string_view s);  // str.capitalize()
std::string py_swapcase(std::string_view s);
bool py_isupper(std::string_view s);
bool py_islower(std::string_view s);

// str.strip/lstrip/rstrip; chars == nullptr means whitespace.
std::string py_strip(std::string_view s, const std::string* chars, bool left, bool right);

}  // namespace evalrun::templates::jinja
