#include "backends/model/tokenizer_unicode.h"
#include "common/utf8.h"

#include <memory>
#include <vector>

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/ustring.h>

namespace evalrun::model::tok {

namespace {

enum : uint8_t { kL = 1, kN = 2, kWS = 4, kD = 8, kW = 16, kP = 32, kM = 64 };

uint8_t compute_flags(char32_t c) {
  UChar32 u = static_cast<UChar32>(c);
  uint32_t mask = U_GET_GC_MASK(u);
  uint8_t f = 0;
  if (mask & U_GC_L_MASK) f |= kL;
  if (mask & U_GC_N_MASK) f |= kN;
  if (u_hasBinaryProperty(u, UCHAR_WHITE_SPACE)) f |= kWS;
  if (mask & U_GC_ND_MASK) f |= kD;
  if (mask & U_GC_M_MASK) f |= kM;
  if (u_hasBinaryProperty(u, UCHAR_ALPHABETIC) || (mask & (U_GC_M_MASK | U_GC_ND_MASK | U_GC_PC_MASK)) ||
      u_hasBinaryProperty(u, UCHAR_JOIN_CONTROL))
    f |= kW;
  if ((mask & U_GC_P_MASK) || (c < 0x80 && ((c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) ||
                                             (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E))))
    f |= kP;
  return f;
}

// Flags of the Basic Multilingual Plane, computed once; the astral planes ask ICU directly.
const uint8_t* bmp_flags() {
  static const std::unique_ptr<uint8_t[]> table = [] {
    std::unique_ptr<uint8_t[]> t(new uint8_t[0x10000]);
    for (char32_t c = 0; c < 0x10000; ++c) t[c] = compute_flags(c);
    return t;
  }();
  return table.get();
}

inline uint8_t flags(char32_t c) { return c < 0x10000 ? bmp_flags()[c] : compute_flags(c); }

// Length of the valid UTF-8 sequence at s[i], or -k where k >= 1 is the length of the maximal invalid
// subpart to replace (Unicode's "substitution of maximal subparts", which Rust follows).
int check_sequence(std::string_view s, size_t i) {
  auto b = [&](size_t k) -> int { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : -1; };
  int c = b(0);
  if (c < 0x80) return 1;
  int need;
  int lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) need = 1;
  else if (c == 0xE0) { need = 2; lo = 0xA0; }
  else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) need = 2;
  else if (c == 0xED) { need = 2; hi = 0x9F; }
  else if (c == 0xF0) { need = 3; lo = 0x90; }
  else if (c >= 0xF1 && c <= 0xF3) need = 3;
  else if (c == 0xF4) { need = 3; hi = 0x8F; }
  else return -1;
  for (int k = 1; k <= need; ++k) {
    int x = b(k);
    int l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
    if (x < l || x > h) return -k;
  }
  return need + 1;
}

}  // namespace

void append_utf8(std::string& out, char32_t cp) {
  evalrun::append_utf8(out, cp);
}

size_t find_invalid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) { ++i; continue; }
    int n = check_sequence(s, i);
    if (n < 0) return i;
    i += static_cast<size_t>(n);
  }
  return std::string_view::npos;
}

std::string utf8_lossy(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    int n = check_sequence(s, i);
    if (n > 0) {
      out.append(s.substr(i, static_cast<size_t>(n)));
      i += static_cast<size_t>(n);
    } else {
      out.append("\xEF\xBF\xBD");
      i += static_cast<size_t>(-n);
    }
  }
  return out;
}

bool is_letter_slow(char32_t c) { return flags(c) & kL; }
bool is_number_slow(char32_t c) { return flags(c) & kN; }
bool is_whitespace_slow(char32_t c) { return flags(c) & kWS; }
bool is_digit(char32_t c) { return flags(c) & kD; }
bool is_word(char32_t c) { return flags(c) & kW; }
bool is_punctuation(char32_t c) { return flags(c) & kP; }
bool is_combining_mark(char32_t c) { return flags(c) & kM; }

void append_lowercase(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
    return;
  }
  // One code point at a time, so no context (final sigma) applies — like Rust's char::to_lowercase.
  UChar src[2];
  int32_t src_len = 0;
  U16_APPEND_UNSAFE(src, src_len, static_cast<UChar32>(c));
  UChar dst[8];
  UErrorCode err = U_ZERO_ERROR;
  int32_t n = u_strToLower(dst, 8, src, src_len, "", &err);
  if (U_FAILURE(err)) {
    append_utf8(out, c);
    return;
  }
  for (int32_t i = 0; i < n;) {
    UChar32 cp;
    U16_NEXT(dst, i, n, cp);
    append_utf8(out, static_cast<char32_t>(cp));
  }
}

void normalize_unicode(std::string& s, NormalForm form) {
  bool ascii = true;
  for (unsigned char ch : s)
    if (ch >= 0x80) { ascii = false; break; }
  if (ascii) return;  // ASCII is invariant under every normal form
  UErrorCode err = U_ZERO_ERROR;
  const icu::Normalizer2* n = nullptr;
  switch (form) {
    case NormalForm::kNFC: n = icu::Normalizer2::getNFCInstance(err); break;
    case NormalForm::kNFD: n = icu::Normalizer2::getNFDInstance(err); break;
    case NormalForm::kNFKC: n = icu::Normalizer2::getNFKCInstance(err); break;
    case NormalForm::kNFKD: n = icu::Normalizer2::getNFKDInstance(err); break;
  }
  if (U_FAILURE(err) || n == nullptr) return;
  icu::StringPiece piece(s.data(), static_cast<int32_t>(s.size()));
  if (n->isNormalizedUTF8(piece, err) && U_SUCCESS(err)) return;
  err = U_ZERO_ERROR;
  std::string out;
  out.reserve(s.size() + 8);
  icu::StringByteSink<std::string> sink(&out);
  n->normalizeUTF8(0, piece, sink, nullptr, err);
  if (U_SUCCESS(err)) s.swap(out);
}

}  // namespace evalrun::model::tok
