// Split patterns. The Rust library compiles Split regexes with Oniguruma; RE2 has no lookahead, so the
// GPT-2, Llama-3 (cl100k) and Qwen2 patterns — which end in `\s+(?!\S)|\s+` — get hand-written matchers
// that follow the backtracking semantics alternative by alternative. Other patterns go through RE2 after
// translating Oniguruma's Unicode classes (\s \d \w) into RE2 syntax; the tail `\s+(?!\S)|\s+` is
// rewritten to a marked group whose match is shortened by one character when a non-space follows.
#include <re2/re2.h>

#include "backends/model/tokenizer_impl.h"
#include "backends/model/tokenizer_unicode.h"

namespace evalrun::model::tok {

namespace {

// ---- hand-written matchers -------------------------------------------------------------------------

struct KnownPattern {
  bool llama_style;   // false: GPT-2 alternatives; true: cl100k-style alternatives
  int max_digits;     // llama style: \p{N}{1,max_digits}; GPT-2 style ignores it (` ?\p{N}+`)
};

const char* const kGpt2Regex =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
const char* const kLlama3Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char* const kQwen2Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

class KnownMatcher final : public SplitPattern {
 public:
  explicit KnownMatcher(KnownPattern p) : p_(p) {}

  void find_matches(std::string_view text, std::vector<Match>& out) const override {
    out.clear();
    if (text.empty()) {
      out.push_back({0, 0, false});
      return;
    }
    size_t i = 0, prev = 0;
    while (i < text.size()) {
      size_t end = match_at(text, i);
      if (end > i) {
        if (prev < i) out.push_back({uint32_t(prev), uint32_t(i), false});
        out.push_back({uint32_t(i), uint32_t(end), true});
        prev = i = end;
      } else {
        i += static_cast<size_t>(utf8_len_of_lead(static_cast<unsigned char>(text[i])));
      }
    }
    if (prev < text.size()) out.push_back({uint32_t(prev), uint32_t(text.size()), false});
  }

 private:
  struct Cursor {
    std::string_view s;
    // Code point at byte i (0 past the end) and its length.
    char32_t at(size_t i, int& len) const {
      if (i >= s.size()) { len = 0; return 0; }
      return decode_utf8(s, i, len);
    }
  };
  static bool is_other(char32_t c) { return !is_whitespace(c) && !is_letter(c) && !is_number(c); }

  // End of the run of characters satisfying `pred` starting at byte i.
  template <class Pred>
  static size_t run(const Cursor& c, size_t i, Pred pred) {
    int len;
    while (i < c.s.size()) {
      char32_t ch = c.at(i, len);
      if (!pred(ch)) break;
      i += static_cast<size_t>(len);
    }
    return i;
  }

  size_t contraction(const Cursor& c, size_t i) const {
    if (c.s[i] != '\'') return i;
    int l1, l2;
    char32_t a = c.at(i + 1, l1);
    if (l1 == 0) return i;
    char32_t b = c.at(i + 1 + static_cast<size_t>(l1), l2);
    auto fold = [&](char32_t x) -> char32_t {
      if (!p_.llama_style) return x;  // GPT-2's contractions are case sensitive
      if (x >= 'A' && x <= 'Z') return x + 32;
      if (x == 0x17F) return 's';  // LATIN SMALL LETTER LONG S case-folds to 's'
      return x;
    };
    char32_t fa = fold(a);
    if (fa == 's' || fa == 't' || fa == 'm' || fa == 'd') return i + 1 + static_cast<size_t>(l1);
    if (l2 == 0) return i;
    char32_t fb = fold(b);
    if ((fa == 'r' && fb == 'e') || (fa == 'v' && fb == 'e') || (fa == 'l' && fb == 'l'))
      return i + 1 + static_cast<size_t>(l1) + static_cast<size_t>(l2);
    return i;
  }

  // `\s+(?!\S)|\s+` at i (text[i] is whitespace): the run, minus its last char when a non-space follows.
  static size_t space_tail(const Cursor& c, size_t i) {
    int len;
    size_t last = i, j = i;
    while (j < c.s.size()) {
      char32_t ch = c.at(j, len);
      if (!is_whitespace(ch)) break;
      last = j;
      j += static_cast<size_t>(len);
    }
    if (j >= c.s.size()) return j;  // run reaches the end: (?!\S) holds
    return last > i ? last : j;     // give back one char, or fall to plain \s+ for a single char
  }

  size_t match_at(std::string_view s, size_t i) const {
    Cursor c{s};
    int l0, l1;
    char32_t c0 = c.at(i, l0);
    size_t e = contraction(c, i);
    if (e > i) return e;
    size_t i1 = i + static_cast<size_t>(l0);
    char32_t c1 = c.at(i1, l1);
    if (!p_.llama_style) {
      // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`
      bool sp = c0 == ' ' && l1 > 0;
      if (sp && is_letter(c1)) return run(c, i1, is_letter);
      if (is_letter(c0)) return run(c, i, is_letter);
      if (sp && is_number(c1)) return run(c, i1, is_number);
      if (is_number(c0)) return run(c, i, is_number);
      if (sp && is_other(c1)) return run(c, i1, is_other);
      if (is_other(c0)) return run(c, i, is_other);
      return space_tail(c, i);
    }
    // `[^\r\n\p{L}\p{N}]?\p{L}+`
    if (c0 != '\r' && c0 != '\n' && !is_letter(c0) && !is_number(c0) && l1 > 0 && is_letter(c1))
      return run(c, i1, is_letter);
    if (is_letter(c0)) return run(c, i, is_letter);
    // `\p{N}{1,n}`
    if (is_number(c0)) {
      size_t j = i;
      int len;
      for (int k = 0; k < p_.max_digits && j < s.size(); ++k) {
        char32_t ch = c.at(j, len);
        if (!is_number(ch)) break;
        j += static_cast<size_t>(len);
      }
      return j;
    }
    // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
    size_t p = c0 == ' ' && l1 > 0 && is_other(c1) ? i1 : (is_other(c0) ? i : std::string_view::npos);
    if (p != std::string_view::npos) {
      size_t j = run(c, p, is_other);
      while (j < s.size() && (s[j] == '\r' || s[j] == '\n')) ++j;
      return j;
    }
    // `\s*[\r\n]+`: through the last CR/LF of the whitespace run
    size_t j = i, last_nl = std::string_view::npos;
    int len;
    while (j < s.size()) {
      char32_t ch = c.at(j, len);
      if (!is_whitespace(ch)) break;
      if (ch == '\r' || ch == '\n') last_nl = j;
      j += static_cast<size_t>(len);
    }
    if (last_nl != std::string_view::npos) return last_nl + 1;
    return space_tail(c, i);
  }

  KnownPattern p_;
};

// ---- RE2 for other patterns --------------------------------------------------------------------------

const char* const kSpaceClass = R"(\t\n\x0B\f\r \x{85}\p{Z})";
// Oniguruma's Unicode \w: Alphabetic (letters, Nl, Other_Alphabetic such as circled letters), marks,
// decimal digits and connector punctuation — but not the joiners U+200C/U+200D.
const char* const kWordClass =
    R"(\p{L}\p{M}\p{Nd}\p{Nl}\p{Pc}\x{24B6}-\x{24E9}\x{1F130}-\x{1F149}\x{1F150}-\x{1F169}\x{1F170}-\x{1F189})";

// Rewrites Oniguruma syntax whose meaning differs in RE2: Unicode \s \S \d \D \w \W, \uHHHH, and nested
// (union) character classes such as BLOOM's `[^(\s|[.,!?…])]`, which are flattened. Returns false (with
// `why`) for what cannot be expressed.
bool translate(const std::string& in, std::string& out, std::string& why) {
  out.clear();
  int class_depth = 0;  // > 1 inside a nested class being flattened
  for (size_t i = 0; i < in.size(); ++i) {
    char ch = in[i];
    bool in_class = class_depth > 0;
    if (ch == '\\' && i + 1 < in.size()) {
      char n = in[++i];
      const char* cls = nullptr;
      bool negate = false;
      switch (n) {
        case 's': cls = kSpaceClass; break;
        case 'S': cls = kSpaceClass; negate = true; break;
        case 'w': cls = kWordClass; break;
        case 'W': cls = kWordClass; negate = true; break;
        case 'd': out += "\\p{Nd}"; continue;
        case 'D': out += "\\P{Nd}"; continue;
        case 'h': why = "\\h (hex digit) is not supported"; return false;
        case 'u':
          if (i + 4 < in.size()) {
            out += "\\x{" + in.substr(i + 1, 4) + "}";
            i += 4;
            continue;
          }
          why = "bad \\u escape";
          return false;
        default: out += '\\'; out += n; continue;
      }
      if (in_class) {
        if (negate) { why = "a negated class escape inside [...] is not supported"; return false; }
        out += cls;
      } else {
        out += negate ? "[^" : "[";
        out += cls;
        out += "]";
      }
      continue;
    }
    if (ch == '[') {
      if (in_class && i + 1 < in.size() && in[i + 1] == ':') {  // POSIX class such as [:alpha:]
        size_t e = in.find(":]", i + 2);
        if (e == std::string::npos) { why = "unterminated POSIX class"; return false; }
        out.append(in, i, e + 2 - i);
        i = e + 1;
        continue;
      }
      if (in_class) {
        if (i + 1 < in.size() && in[i + 1] == '^') { why = "negated nested classes are not supported"; return false; }
        ++class_depth;  // nested union class: drop its brackets
        if (i + 1 < in.size() && in[i + 1] == ']') out += in[++i];
        continue;
      }
      class_depth = 1;
      out += ch;
      // A ']' right after '[' or '[^' is a literal.
      if (i + 1 < in.size() && in[i + 1] == '^') out += in[++i];
      if (i + 1 < in.size() && in[i + 1] == ']') out += "\\]", ++i;
      continue;
    }
    if (in_class && ch == '&' && i + 1 < in.size() && in[i + 1] == '&') {
      why = "class intersection && is not supported";
      return false;
    }
    if (in_class && ch == ']') {
      if (--class_depth > 0) continue;  // end of a flattened nested class
    }
    out += ch;
  }
  return true;
}

class Re2Pattern final : public SplitPattern {
 public:
  Re2Pattern(const std::string& original, const Where& where) {
    std::string body = original;
    const std::string tail = R"(\s+(?!\S)|\s+)";
    if (body == tail) {
      body = "(" + std::string(R"(\s+)") + ")";
      space_group_ = true;
    } else if (body.size() > tail.size() && body.compare(body.size() - tail.size() - 1, std::string::npos,
                                                         "|" + tail) == 0) {
      body = body.substr(0, body.size() - tail.size()) + "(" + R"(\s+)" + ")";
      space_group_ = true;
    }
    std::string translated, why;
    if (!translate(body, translated, why))
      where.fail("regex " + Json(original).dump() + " is not supported: " + why);
    RE2::Options opts;
    opts.set_log_errors(false);
    re_ = std::make_unique<RE2>("(?m)" + translated, opts);
    if (!re_->ok())
      where.fail("regex " + Json(original).dump() +
                 " is not supported (Oniguruma features such as lookaround have no RE2 equivalent; only the "
                 "GPT-2, Llama-3 and Qwen2 patterns are handled specially): " + re_->error());
    groups_ = re_->NumberOfCapturingGroups();
  }

  void find_matches(std::string_view text, std::vector<Match>& out) const override {
    out.clear();
    if (text.empty()) {
      out.push_back({0, 0, false});
      return;
    }
    re2::StringPiece sp(text.data(), text.size());
    std::vector<re2::StringPiece> sub(static_cast<size_t>(groups_ + 1));
    size_t pos = 0, prev = 0;
    long last_match_end = -1;
    while (pos <= text.size()) {
      if (!re_->Match(sp, pos, text.size(), RE2::UNANCHORED, sub.data(), groups_ + 1)) break;
      size_t s = static_cast<size_t>(sub[0].data() - text.data());
      size_t e = s + sub[0].size();
      if (space_group_ && sub[groups_].data() != nullptr && sub[groups_].size() == sub[0].size() &&
          e < text.size()) {
        // `\s+(?!\S)|\s+` followed by a non-space: keep all but the last whitespace char when >= 2.
        size_t last = s, j = s;
        int len;
        while (j < e) { last = j; decode_utf8(text, j, len); j += static_cast<size_t>(len); }
        if (last > s) e = last;
      }
      if (s == e && last_match_end == static_cast<long>(e)) {
        // Oniguruma's iterator skips an empty match right after the previous match.
        if (pos >= text.size()) break;
        pos += static_cast<size_t>(utf8_len_of_lead(static_cast<unsigned char>(text[pos])));
        continue;
      }
      if (prev != s) out.push_back({uint32_t(prev), uint32_t(s), false});
      out.push_back({uint32_t(s), uint32_t(e), true});
      prev = e;
      pos = e;
      last_match_end = static_cast<long>(e);
    }
    if (prev != text.size()) out.push_back({uint32_t(prev), uint32_t(text.size()), false});
  }

 private:
  std::unique_ptr<RE2> re_;
  int groups_ = 0;
  bool space_group_ = false;
};

class LiteralPattern final : public SplitPattern {
 public:
  explicit LiteralPattern(std::string lit) : lit_(std::move(lit)) {}
  void find_matches(std::string_view text, std::vector<Match>& out) const override {
    out.clear();
    if (text.empty()) {
      out.push_back({0, 0, false});
      return;
    }
    size_t prev = 0;
    if (lit_.empty()) {
      // An empty regex matches at every char boundary after the first (the iterator skips repeats).
      out.push_back({0, 0, true});
      size_t i = 0;
      while (i < text.size()) {
        size_t n = i + static_cast<size_t>(utf8_len_of_lead(static_cast<unsigned char>(text[i])));
        out.push_back({uint32_t(i), uint32_t(n), false});
        out.push_back({uint32_t(n), uint32_t(n), true});
        i = n;
      }
      return;
    }
    size_t pos = 0;
    while (true) {
      size_t s = text.find(lit_, pos);
      if (s == std::string_view::npos) break;
      if (prev != s) out.push_back({uint32_t(prev), uint32_t(s), false});
      out.push_back({uint32_t(s), uint32_t(s + lit_.size()), true});
      prev = pos = s + lit_.size();
    }
    if (prev != text.size()) out.push_back({uint32_t(prev), uint32_t(text.size()), false});
  }

 private:
  std::string lit_;
};

}  // namespace

std::unique_ptr<SplitPattern> make_regex_pattern(const std::string& regex, const Where& where) {
  if (regex == kGpt2Regex) return std::make_unique<KnownMatcher>(KnownPattern{false, 0});
  if (regex == kLlama3Regex) return std::make_unique<KnownMatcher>(KnownPattern{true, 3});
  if (regex == kQwen2Regex) return std::make_unique<KnownMatcher>(KnownPattern{true, 1});
  return std::make_unique<Re2Pattern>(regex, where);
}

std::unique_ptr<SplitPattern> make_literal_pattern(const std::string& literal) {
  return std::make_unique<LiteralPattern>(literal);
}

const SplitPattern& gpt2_pattern() {
  static const KnownMatcher m(KnownPattern{false, 0});
  return m;
}

}  // namespace evalrun::model::tok
