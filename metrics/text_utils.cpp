#include "metrics/text_utils.h"

#include <unicode/uchar.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

#include <stdexcept>

namespace evalrun::metrics {

std::u32string utf8_to_u32(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  int32_t i = 0;
  const auto n = static_cast<int32_t>(text.size());
  while (i < n) {
    UChar32 c;
    U8_NEXT(s, i, n, c);
    out.push_back(c < 0 ? U'\uFFFD' : static_cast<char32_t>(c));
  }
  return out;
}

std::string u32_to_utf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t c : text) {
    uint8_t buf[4];
    int32_t len = 0;
    UBool error = false;
    U8_APPEND(buf, len, 4, static_cast<UChar32>(c), error);
    if (error) {
      out.append("\xEF\xBF\xBD");
    } else {
      out.append(reinterpret_cast<const char*>(buf), static_cast<size_t>(len));
    }
  }
  return out;
}

size_t code_point_count(std::string_view text) {
  size_t count = 0;
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  int32_t i = 0;
  const auto n = static_cast<int32_t>(text.size());
  while (i < n) {
    UChar32 c;
    U8_NEXT(s, i, n, c);
    (void)c;
    ++count;
  }
  return count;
}

bool py_isspace(char32_t c) {
  // CPython's _PyUnicode_IsWhitespace table (bidirectional WS/B/S or category Zs).
  switch (c) {
    case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x1C: case 0x1D: case 0x1E:
    case 0x1F: case 0x20: case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029:
    case 0x202F: case 0x205F: case 0x3000:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

bool py_isalnum(char32_t c) {
  if (c < 0x80) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  const int32_t mask = U_GET_GC_MASK(static_cast<UChar32>(c));
  return (mask & (U_GC_L_MASK | U_GC_N_MASK)) != 0;
}

bool py_isword(char32_t c) { return c == U'_' || py_isalnum(c); }

bool is_ascii_punct(char32_t c) {
  return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
         (c >= 0x7B && c <= 0x7E);
}

std::string py_lower(std::string_view text) {
  bool ascii = true;
  for (char ch : text) ascii = ascii && static_cast<unsigned char>(ch) < 0x80;
  if (ascii) {
    std::string out(text);
    for (char& ch : out)
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    return out;
  }
  // UTF-8 -> UTF-16 -> u_strToLower (full mappings, final sigma) -> UTF-8.
  UErrorCode status = U_ZERO_ERROR;
  int32_t len16 = 0;
  u_strFromUTF8WithSub(nullptr, 0, &len16, text.data(), static_cast<int32_t>(text.size()), 0xFFFD,
                       nullptr, &status);
  status = U_ZERO_ERROR;
  std::u16string src(static_cast<size_t>(len16), u'\0');
  u_strFromUTF8WithSub(src.data(), len16, nullptr, text.data(), static_cast<int32_t>(text.size()),
                       0xFFFD, nullptr, &status);
  if (U_FAILURE(status)) throw std::runtime_error("py_lower: UTF-8 conversion failed");
  std::u16string lower(src.size() * 3 + 4, u'\0');
  status = U_ZERO_ERROR;
  const int32_t n = u_strToLower(lower.data(), static_cast<int32_t>(lower.size()), src.data(),
                                 len16, "", &status);
  if (U_FAILURE(status)) throw std::runtime_error("py_lower: ICU lowercasing failed");
  lower.resize(static_cast<size_t>(n));
  int32_t len8 = 0;
  status = U_ZERO_ERROR;
  u_strToUTF8(nullptr, 0, &len8, lower.data(), n, &status);
  std::string out(static_cast<size_t>(len8), '\0');
  status = U_ZERO_ERROR;
  u_strToUTF8(out.data(), len8, nullptr, lower.data(), n, &status);
  if (U_FAILURE(status)) throw std::runtime_error("py_lower: UTF-8 conversion failed");
  return out;
}

std::u32string py_lower(std::u32string_view text) {
  return utf8_to_u32(py_lower(u32_to_utf8(text)));
}

std::vector<std::u32string> py_split(std::u32string_view text) {
  std::vector<std::u32string> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && py_isspace(text[i])) ++i;
    size_t start = i;
    while (i < text.size() && !py_isspace(text[i])) ++i;
    if (i > start) out.emplace_back(text.substr(start, i - start));
  }
  return out;
}

std::vector<std::string> py_split(std::string_view text) {
  // Walks code points in place (no UTF-32 copy): split points are whitespace code points.
  std::vector<std::string> out;
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const auto n = static_cast<int32_t>(text.size());
  int32_t i = 0, start = -1;
  while (i < n) {
    const int32_t at = i;
    UChar32 c;
    if (s[i] < 0x80) {
      c = s[i++];
    } else {
      U8_NEXT(s, i, n, c);
    }
    const bool space = c >= 0 && py_isspace(static_cast<char32_t>(c));
    if (space) {
      if (start >= 0) out.emplace_back(text.substr(static_cast<size_t>(start), static_cast<size_t>(at - start)));
      start = -1;
    } else if (start < 0) {
      start = at;
    }
  }
  if (start >= 0) out.emplace_back(text.substr(static_cast<size_t>(start)));
  return out;
}

std::string py_rstrip(std::string_view text) {
  std::u32string u = utf8_to_u32(text);
  size_t end = u.size();
  while (end > 0 && py_isspace(u[end - 1])) --end;
  if (end == u.size()) return std::string(text);
  return u32_to_utf8(std::u32string_view(u).substr(0, end));
}

std::string py_strip(std::string_view text) {
  std::u32string u = utf8_to_u32(text);
  size_t end = u.size();
  while (end > 0 && py_isspace(u[end - 1])) --end;
  size_t start = 0;
  while (start < end && py_isspace(u[start])) ++start;
  return u32_to_utf8(std::u32string_view(u).substr(start, end - start));
}

}  // namespace evalrun::metrics
