#pragma once
// UTF-8 and Unicode helpers for the tokenizer (ICU underneath), with the character classes the Rust
// `tokenizers` library relies on: Oniguruma's \p{L} \p{N} \s \w, Rust's char::is_whitespace /
// is_numeric / to_lowercase, and the punctuation test of the Punctuation pre-tokenizer.
#include <cstdint>
#include <string>
#include <string_view>

namespace evalrun::model::tok {

// Decodes the code point at s[i] (input must be valid UTF-8) and returns its byte length in `len`.
inline char32_t decode_utf8(std::string_view s, size_t i, int& len) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) { len = 1; return c; }
  if (c < 0xE0) { len = 2; return ((c & 0x1F) << 6) | (s[i + 1] & 0x3F); }
  if (c < 0xF0) {
    len = 3;
    return ((c & 0x0F) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
  }
  len = 4;
  return ((c & 0x07) << 18) | ((s[i + 1] & 0x3F) << 12) | ((s[i + 2] & 0x3F) << 6) | (s[i + 3] & 0x3F);
}

inline int utf8_len_of_lead(unsigned char c) { return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4; }

void append_utf8(std::string& out, char32_t cp);

// Byte offset of the first invalid sequence, or npos when `s` is valid UTF-8 (no surrogates/overlongs).
size_t find_invalid_utf8(std::string_view s);

// Rust's String::from_utf8_lossy: each maximal invalid subsequence becomes one U+FFFD.
std::string utf8_lossy(std::string_view bytes);

// Character classes: ASCII inline, the rest from a table of the BMP built with ICU (and ICU beyond).
bool is_letter_slow(char32_t c);
bool is_number_slow(char32_t c);
bool is_whitespace_slow(char32_t c);
// \p{L}
inline bool is_letter(char32_t c) { return c < 0x80 ? ((c | 0x20) - 'a') < 26u : is_letter_slow(c); }
// \p{N} (Nd, Nl, No) == Rust char::is_numeric
inline bool is_number(char32_t c) { return c < 0x80 ? (c - '0') < 10u : is_number_slow(c); }
// White_Space == Oniguruma \s == Rust char::is_whitespace
inline bool is_whitespace(char32_t c) { return c < 0x80 ? (c == ' ' || (c - 9) < 5u) : is_whitespace_slow(c); }
bool is_digit(char32_t c);           // \d in Oniguruma (Nd)
bool is_word(char32_t c);            // \w of Rust's regex crate (Alphabetic, marks, Nd, Pc, Join_Control)
bool is_punctuation(char32_t c);     // ASCII punctuation or general category P*
bool is_combining_mark(char32_t c);  // general category M*

// Appends Rust's char::to_lowercase(c) (full, context-free mapping).
void append_lowercase(std::string& out, char32_t c);

enum class NormalForm { kNFC, kNFD, kNFKC, kNFKD };
// Unicode normalization of valid UTF-8 (in place).
void normalize_unicode(std::string& s, NormalForm form);

}  // namespace evalrun::model::tok
