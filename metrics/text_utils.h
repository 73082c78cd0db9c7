#pragma once
// Text helpers that reproduce Python `str` semantics on UTF-8 (code points, str.lower, str.split,
// str.isspace, string.punctuation), so text metrics match their Python reference implementations.
#include <string>
#include <string_view>
#include <vector>

namespace evalrun::metrics {

// Decodes UTF-8 into code points; invalid bytes become U+FFFD (one per bad byte).
std::u32string utf8_to_u32(std::string_view text);
std::string u32_to_utf8(std::u32string_view text);

// Python len(str): number of code points.
size_t code_point_count(std::string_view text);

// Python str.isspace() for one code point.
bool py_isspace(char32_t c);
// Python `\w` (Unicode): letters, numbers (categories L*, N*) and '_'.
bool py_isword(char32_t c);
// Python str.isalnum() approximation used by tokenizers: categories L*, N*.
bool py_isalnum(char32_t c);
// ASCII string.punctuation.
bool is_ascii_punct(char32_t c);

// Python str.lower(): full Unicode lowercase mapping (ICU, root locale).
std::string py_lower(std::string_view text);
std::u32string py_lower(std::u32string_view text);

// Python str.split() with no argument (runs of Unicode whitespace, empty strings dropped).
std::vector<std::string> py_split(std::string_view text);
std::vector<std::u32string> py_split(std::u32string_view text);
// Python str.rstrip() / str.strip() with no argument.
std::string py_rstrip(std::string_view text);
std::string py_strip(std::string_view text);

}  // namespace evalrun::metrics
