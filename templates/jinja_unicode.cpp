#include "templates/jinja_unicode.h"
#include "common/utf8.h"

#include <unicode/locid.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

namespace evalrun::templates::jinja {

bool is_ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

std::u32string decode_utf8(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  std::size_t i = 0, n = s.size();
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out.push_back(c);
      ++i;
      continue;
    }
    int len = c >= 0xF0 && c < 0xF8 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
    if (len == 0 || c >= 0xF8 || i + len > n) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    char32_t cp = c & (0x7F >> len);
    bool ok = true;
    for (int k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) {
        ok = false;
        break;
      }
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (!ok) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    out.push_back(cp);
    i += len;
  }
  return out;
}

void append_utf8(char32_t cp, std::string& out) {
  evalrun::append_utf8(out, cp);
}

std::string encode_utf8(std::u32string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : s) append_utf8(c, out);
  return out;
}

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

bool is_py_space(char32_t c) {
  if (c < 0x80) return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
  return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
         c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

bool is_py_printable(char32_t c) {
  if (c == ' ') return true;
  switch (u_charType(static_cast<UChar32>(c))) {
    case U_CONTROL_CHAR:
    case U_FORMAT_CHAR:
    case U_SURROGATE:
    case U_PRIVATE_USE_CHAR:
    case U_UNASSIGNED:
    case U_LINE_SEPARATOR:
    case U_PARAGRAPH_SEPARATOR:
    case U_SPACE_SEPARATOR:
      return false;
    default:
      return true;
  }
}

namespace {

std::string to_utf8(const icu::UnicodeString& u) {
  std::string out;
  u.toUTF8String(out);
  return out;
}

bool is_cased(char32_t c) { return u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_CASED); }
bool is_case_ignorable(char32_t c) { return u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_CASE_IGNORABLE); }

// Full (multi-character) case mapping of one code point, as CPython's *_ucs4 helpers do.
void append_full(char32_t c, int mode, std::string& out) {  // mode: 0 lower, 1 upper, 2 title
  icu::UnicodeString u(static_cast<UChar32>(c));
  if (mode == 0)
    u.toLower(icu::Locale::getRoot());
  else if (mode == 1)
    u.toUpper(icu::Locale::getRoot());
  else
    u.toTitle(nullptr, icu::Locale::getRoot(), U_TITLECASE_NO_LOWERCASE | U_TITLECASE_NO_BREAK_ADJUSTMENT);
  out += to_utf8(u);
}

// Lowercase of u[i] including CPython's Final_Sigma rule for U+03A3.
void append_lower_at(const std::u32string& u, std::size_t i, std::string& out) {
  if (u[i] != 0x3A3) {
    append_full(u[i], 0, out);
    return;
  }
  std::ptrdiff_t j = static_cast<std::ptrdiff_t>(i) - 1;
  while (j >= 0 && is_case_ignorable(u[static_cast<std::size_t>(j)])) --j;
  bool final_sigma = j >= 0 && is_cased(u[static_cast<std::size_t>(j)]);
  if (final_sigma && i + 1 < u.size()) {
    std::size_t k = i + 1;
    while (k < u.size() && is_case_ignorable(u[k])) ++k;
    final_sigma = k == u.size() || !is_cased(u[k]);
  }
  append_utf8(final_sigma ? 0x3C2 : 0x3C3, out);
}

}  // namespace

std::string py_upper(std::string_view s) {
  if (is_ascii(s)) {
    std::string out(s);
    for (char& c : out)
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    return out;
  }
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
  u.toUpper(icu::Locale::getRoot());
  return to_utf8(u);
}

std::string py_lower(std::string_view s) {
  if (is_ascii(s)) {
    std::string out(s);
    for (char& c : out)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    return out;
  }
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
  u.toLower(icu::Locale::getRoot());
  return to_utf8(u);
}

std::string py_title(std::string_view s) {
  std::string out;
  bool previous_is_cased = false;
  std::u32string u = decode_utf8(s);
  for (std::size_t i = 0; i < u.size(); ++i) {
    if (previous_is_cased)
      append_lower_at(u, i, out);
    else
      append_full(u[i], 2, out);
    previous_is_cased = is_cased(u[i]);
  }
  return out;
}

std::string py_capitalize(std::string_view s) {
  std::string out;
  std::u32string u = decode_utf8(s);
  for (std::size_t i = 0; i < u.size(); ++i) {
    if (i == 0)
      append_full(u[i], 2, out);
    else
      append_lower_at(u, i, out);
  }
  return out;
}

std::string py_swapcase(std::string_view s) {
  std::string out;
  std::u32string u = decode_utf8(s);
  for (std::size_t i = 0; i < u.size(); ++i) {
    UChar32 c = static_cast<UChar32>(u[i]);
    if (u_isUUppercase(c))
      append_lower_at(u, i, out);
    else if (u_isULowercase(c))
      append_full(u[i], 1, out);
    else
      append_utf8(u[i], out);
  }
  return out;
}

bool py_isupper(std::string_view s) {
  bool cased = false;
  for (char32_t c : decode_utf8(s)) {
    UChar32 u = static_cast<UChar32>(c);
    if (u_isULowercase(u) || u_istitle(u)) return false;
    if (u_isUUppercase(u)) cased = true;
  }
  return cased;
}

bool py_islower(std::string_view s) {
  bool cased = false;
  for (char32_t c : decode_utf8(s)) {
    UChar32 u = static_cast<UChar32>(c);
    if (u_isUUppercase(u) || u_istitle(u)) return false;
    if (u_isULowercase(u)) cased = true;
  }
  return cased;
}

std::string py_strip(std::string_view s, const std::string* chars, bool left, bool right) {
  if (!chars && is_ascii(s)) {
    std::size_t b = 0, e = s.size();
    if (left)
      while (b < e && is_py_space(static_cast<unsigned char>(s[b]))) ++b;
    if (right)
      while (e > b && is_py_space(static_cast<unsigned char>(s[e - 1]))) --e;
    return std::string(s.substr(b, e - b));
  }
  std::u32string u = decode_utf8(s);
  std::u32string set = chars ? decode_utf8(*chars) : std::u32string();
  auto strip_it = [&](char32_t c) { return chars ? set.find(c) != std::u32string::npos : is_py_space(c); };
  std::size_t b = 0, e = u.size();
  if (left)
    while (b < e && strip_it(u[b])) ++b;
  if (right)
    while (e > b && strip_it(u[e - 1])) --e;
  return encode_utf8(std::u32string_view(u).substr(b, e - b));
}

}  // namespace evalrun::templates::jinja
