#include "templates/jinja_lexer.h"

#include <algorithm>
#include <cstring>

#include "templates/jinja_unicode.h"

namespace evalrun::templates::jinja {

namespace {

// Decodes the code point at s[pos] (length in *len); invalid bytes count as one non-space unit.
char32_t cp_at(std::string_view s, std::size_t pos, std::size_t* len) {
  unsigned char c = static_cast<unsigned char>(s[pos]);
  if (c < 0x80) {
    *len = 1;
    return c;
  }
  std::size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
  if (pos + n > s.size() || n == 1) {
    *len = 1;
    return 0xFFFD;
  }
  *len = n;
  return decode_utf8(s.substr(pos, n))[0];
}

std::size_t skip_space(std::string_view s, std::size_t pos) {
  while (pos < s.size()) {
    std::size_t len;
    if (!is_py_space(cp_at(s, pos, &len))) break;
    pos += len;
  }
  return pos;
}

// Length of `text` after Python's str.rstrip().
std::size_t rstrip_len(std::string_view text) {
  std::size_t end = text.size();
  while (end > 0) {
    std::size_t start = end - 1;
    while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
    std::size_t len;
    if (!is_py_space(cp_at(text, start, &len)) || start + len != end) break;
    end = start;
  }
  return end;
}

bool all_space(std::string_view s) {
  if (s.empty()) return false;  // jinja2 3.1.6 uses \s+ fullmatch
  return skip_space(s, 0) == s.size();
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

class Lexer {
 public:
  Lexer(std::string source, const LexOptions& opts) : src_(std::move(source)), opts_(opts) {
    line_starts_.push_back(0);
    for (std::size_t k = 0; k < src_.size(); ++k)
      if (src_[k] == '\n') line_starts_.push_back(k + 1);
  }

  std::vector<Token> run() {
    std::string_view s = src_;
    std::size_t pos = 0;
    bool line_starting = true;
    while (pos < s.size()) {
      std::size_t p = pos;
      char kind = 0;
      while ((p = s.find('{', p)) != std::string_view::npos) {
        if (p + 1 < s.size() && (s[p + 1] == '{' || s[p + 1] == '%' || s[p + 1] == '#')) {
          kind = s[p + 1];
          break;
        }
        ++p;
      }
      if (!kind) {
        emit_data(s.substr(pos), pos);
        break;
      }
      std::size_t after = p + 2;
      char sign = after < s.size() && (s[after] == '-' || s[after] == '+') ? s[after] : 0;
      std::string_view text = s.substr(pos, p - pos);
      text = apply_lstrip(text, sign, kind != '{', line_starting);
      emit_data(text, pos);
      if (sign) ++after;
      if (kind == '#') {
        pos = lex_comment(p, after, &line_starting);
      } else if (kind == '%' && is_raw_begin(after, &pos)) {
        line_starting = pos > 0 && s[pos - 1] == '\n';
        pos = lex_raw(p, pos, &line_starting);
      } else {
        push(kind == '%' ? Tok::BlockBegin : Tok::VarBegin, "", p);
        pos = lex_tag(after, kind == '%', &line_starting);
      }
    }
    push(Tok::Eof, "", s.size());
    return std::move(tokens_);
  }

 private:
  std::string src_;
  LexOptions opts_;
  std::vector<std::size_t> line_starts_;
  std::vector<Token> tokens_;

  std::pair<int, int> position(std::size_t offset) const {
    auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    std::size_t line = static_cast<std::size_t>(it - line_starts_.begin());
    return {static_cast<int>(line), static_cast<int>(offset - line_starts_[line - 1] + 1)};
  }

  [[noreturn]] void fail(std::size_t offset, const std::string& msg) const {
    auto [line, col] = position(offset);
    throw SyntaxError{line, col, msg};
  }

  void push(Tok type, std::string value, std::size_t offset) {
    auto [line, col] = position(offset);
    tokens_.push_back(Token{type, std::move(value), line, col});
  }

  void emit_data(std::string_view text, std::size_t offset) {
    if (!text.empty()) push(Tok::Data, std::string(text), offset);
  }

  // Whitespace before a tag: '-' strips all of it; lstrip_blocks strips spaces back to the line start.
  std::string_view apply_lstrip(std::string_view text, char sign, bool lstrip_kind, bool line_starting) const {
    if (sign == '-') return text.substr(0, rstrip_len(text));
    if (sign != '+' && opts_.lstrip_blocks && lstrip_kind) {
      std::size_t nl = text.rfind('\n');
      std::size_t l_pos = nl == std::string_view::npos ? 0 : nl + 1;
      if ((l_pos > 0 || line_starting) && all_space(text.substr(l_pos))) return text.substr(0, l_pos);
    }
    return text;
  }

  // Consumes an end marker's trailing whitespace per its sign; returns the new position.
  std::size_t after_end(std::size_t pos, char sign, bool trim) const {
    if (sign == '-') return skip_space(src_, pos);
    if (sign == 0 && trim && opts_.trim_blocks && pos < src_.size() && src_[pos] == '\n') return pos + 1;
    return pos;
  }

  std::size_t lex_comment(std::size_t begin, std::size_t content, bool* line_starting) {
    std::size_t q = src_.find("#}", content);
    if (q == std::string::npos) fail(begin, "missing end of comment tag");
    char sign = q > content && (src_[q - 1] == '-' || src_[q - 1] == '+') ? src_[q - 1] : 0;
    std::size_t pos = after_end(q + 2, sign, true);
    *line_starting = src_[pos - 1] == '\n';
    return pos;
  }

  // `{% raw %}` (optionally with -/+ markers); on success *end is just past the tag.
  bool is_raw_begin(std::size_t pos, std::size_t* end) const {
    pos = skip_space(src_, pos);
    if (src_.compare(pos, 3, "raw") != 0) return false;
    pos = skip_space(src_, pos + 3);
    if (src_.compare(pos, 3, "-%}") == 0) {
      *end = skip_space(src_, pos + 3);
      return true;
    }
    if (src_.compare(pos, 2, "%}") == 0) {
      *end = pos + 2;  // jinja2 applies no trim_blocks after raw's opening tag
      return true;
    }
    return false;
  }

  std::size_t lex_raw(std::size_t begin, std::size_t content, bool* line_starting) {
    std::size_t p = content;
    while ((p = src_.find("{%", p)) != std::string::npos) {
      std::size_t q = p + 2;
      char sign = q < src_.size() && (src_[q] == '-' || src_[q] == '+') ? src_[q] : 0;
      if (sign) ++q;
      q = skip_space(src_, q);
      if (src_.compare(q, 6, "endraw") == 0) {
        q = skip_space(src_, q + 6);
        char esign = 0;
        if (q < src_.size() && (src_[q] == '-' || src_[q] == '+')) esign = src_[q++];
        if (src_.compare(q, 2, "%}") == 0) {
          std::string_view text = std::string_view(src_).substr(content, p - content);
          text = apply_lstrip(text, sign, true, *line_starting);
          emit_data(text, content);
          std::size_t pos = after_end(q + 2, esign, true);
          *line_starting = src_[pos - 1] == '\n';
          return pos;
        }
      }
      p += 2;
    }
    fail(begin, "missing end of raw directive");
  }

  std::size_t lex_tag(std::size_t pos, bool block, bool* line_starting) {
    std::string_view s = src_;
    std::vector<char> balance;
    while (true) {
      if (pos >= s.size()) fail(pos, block ? "unexpected end of template, expected '%}'" : "unexpected end of template, expected '}}'");
      if (balance.empty()) {
        char sign = s[pos] == '-' || (block && s[pos] == '+') ? s[pos] : 0;
        std::size_t q = pos + (sign ? 1 : 0);
        if (s.compare(q, 2, block ? "%}" : "}}") == 0) {
          push(block ? Tok::BlockEnd : Tok::VarEnd, "", pos);
          std::size_t end = after_end(q + 2, sign, block);
          *line_starting = s[end - 1] == '\n';
          return end;
        }
      }
      std::size_t len;
      if (is_py_space(cp_at(s, pos, &len))) {
        pos += len;
        continue;
      }
      char c = s[pos];
      if (is_digit(c)) {
        pos = lex_number(pos);
      } else if (is_name_start(c)) {
        std::size_t e = pos;
        while (e < s.size() && is_name_char(s[e])) ++e;
        push(Tok::Name, std::string(s.substr(pos, e - pos)), pos);
        pos = e;
      } else if (c == '\'' || c == '"') {
        pos = lex_string(pos);
      } else {
        static const char* kOps[] = {"//", "**", "==", "!=", "<=", ">=", "+", "-", "/", "*", "%", "~", "[", "]",
                                     "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";"};
        const char* op = nullptr;
        for (const char* o : kOps)
          if (s.compare(pos, std::strlen(o), o) == 0) {
            op = o;
            break;
          }
        if (!op) fail(pos, std::string("unexpected char '") + c + "'");
        std::string o(op);
        if (o == "(" || o == "[" || o == "{") {
          balance.push_back(o == "(" ? ')' : o == "[" ? ']' : '}');
        } else if (o == ")" || o == "]" || o == "}") {
          if (balance.empty()) fail(pos, "unexpected '" + o + "'");
          if (balance.back() != o[0]) fail(pos, "unexpected '" + o + "', expected '" + balance.back() + "'");
          balance.pop_back();
        }
        push(Tok::Op, o, pos);
        pos += o.size();
      }
    }
  }

  std::size_t digits(std::size_t pos, bool (*ok)(char)) const {
    // (\d+_)*\d+ : digits with single underscores between them.
    std::size_t e = pos;
    while (e < src_.size() && ok(src_[e])) {
      ++e;
      if (e + 1 < src_.size() && src_[e] == '_' && ok(src_[e + 1])) ++e;
    }
    return e;
  }

  std::size_t lex_number(std::size_t pos) {
    std::string_view s = src_;
    auto strip = [](std::string_view t) {
      std::string out;
      for (char c : t)
        if (c != '_') out.push_back(c);
      return out;
    };
    bool after_dot = pos > 0 && s[pos - 1] == '.';
    if (s[pos] == '0' && pos + 1 < s.size() && std::strchr("bBoOxX", s[pos + 1])) {
      char base = static_cast<char>(s[pos + 1] | 0x20);
      std::size_t e = pos + 2;
      auto ok = [&](char c) {
        if (base == 'b') return c == '0' || c == '1';
        if (base == 'o') return c >= '0' && c <= '7';
        return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
      };
      while (e < s.size() && (ok(s[e]) || (s[e] == '_' && e + 1 < s.size() && ok(s[e + 1])))) ++e;
      std::string text = strip(s.substr(pos + 2, e - pos - 2));
      long long v = std::stoll(text, nullptr, base == 'b' ? 2 : base == 'o' ? 8 : 16);
      push(Tok::Int, std::to_string(v), pos);
      return e;
    }
    std::size_t e = digits(pos, is_digit);
    if (!after_dot) {
      std::size_t f = e;
      bool is_float = false;
      if (f + 1 < s.size() && s[f] == '.' && is_digit(s[f + 1])) {
        f = digits(f + 1, is_digit);
        is_float = true;
      }
      if (f < s.size() && (s[f] == 'e' || s[f] == 'E')) {
        std::size_t g = f + 1;
        if (g < s.size() && (s[g] == '+' || s[g] == '-')) ++g;
        if (g < s.size() && is_digit(s[g])) {
          f = digits(g, is_digit);
          is_float = true;
        }
      }
      if (is_float) {
        push(Tok::Float, strip(s.substr(pos, f - pos)), pos);
        return f;
      }
    }
    push(Tok::Int, strip(s.substr(pos, e - pos)), pos);
    return e;
  }

  // A quoted literal decoded like Python's "unicode-escape" codec (what jinja2 applies).
  std::size_t lex_string(std::size_t pos) {
    std::string_view s = src_;
    char q = s[pos];
    std::string out;
    std::size_t k = pos + 1;
    while (true) {
      if (k >= s.size()) fail(pos, "unexpected char '" + std::string(1, q) + "'");
      char c = s[k];
      if (c == q) break;
      if (c != '\\') {
        out.push_back(c);
        ++k;
        continue;
      }
      if (k + 1 >= s.size()) fail(pos, "unterminated string");
      char e = s[k + 1];
      k += 2;
      auto hex = [&](int n) {
        if (k + n > s.size()) fail(k, "truncated \\x escape");
        char32_t v = 0;
        for (int m = 0; m < n; ++m) {
          char h = s[k + m];
          int d = is_digit(h) ? h - '0' : ((h | 0x20) >= 'a' && (h | 0x20) <= 'f') ? (h | 0x20) - 'a' + 10 : -1;
          if (d < 0) fail(k, "truncated escape");
          v = v * 16 + static_cast<char32_t>(d);
        }
        k += n;
        append_utf8(v, out);
      };
      switch (e) {
        case '\n': break;
        case '\\': out.push_back('\\'); break;
        case '\'': out.push_back('\''); break;
        case '"': out.push_back('"'); break;
        case 'a': out.push_back('\a'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'v': out.push_back('\v'); break;
        case 'x': hex(2); break;
        case 'u': hex(4); break;
        case 'U': hex(8); break;
        default:
          if (e >= '0' && e <= '7') {
            char32_t v = static_cast<char32_t>(e - '0');
            for (int m = 0; m < 2 && k < s.size() && s[k] >= '0' && s[k] <= '7'; ++m) v = v * 8 + static_cast<char32_t>(s[k++] - '0');
            append_utf8(v, out);
          } else {
            out.push_back('\\');
            out.push_back(e);
          }
      }
    }
    push(Tok::String, std::move(out), pos);
    return k + 1;
  }
};

std::string normalize_newlines(std::string_view source, bool keep_trailing_newline) {
  std::string out;
  out.reserve(source.size());
  for (std::size_t k = 0; k < source.size(); ++k) {
    if (source[k] == '\r') {
      out.push_back('\n');
      if (k + 1 < source.size() && source[k + 1] == '\n') ++k;
    } else {
      out.push_back(source[k]);
    }
  }
  if (!keep_trailing_newline && !out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace

std::vector<Token> tokenize(std::string_view source, const LexOptions& options) {
  return Lexer(normalize_newlines(source, options.keep_trailing_newline), options).run();
}

}  // namespace evalrun::templates::jinja
