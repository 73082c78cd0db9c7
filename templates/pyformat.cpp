#include "templates/pyformat.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace evalrun::templates {

using nlohmann::json;
using Kind = PyFormatError::Kind;

struct Accessor {
  bool is_index = false;  // [key] (else .attr)
  bool is_int = false;    // [0]: an integer index
  std::string key;
  long long index = 0;
};

struct PyFormat::Piece {
  std::string literal;  // used when !is_field
  bool is_field = false;
  std::string arg_name;
  std::vector<Accessor> accessors;
  char conversion = 0;  // 0, 's', 'r', 'a'
  std::vector<Piece> spec;  // the format spec, itself a format string (nested fields allowed)
};

namespace {

[[noreturn]] void syntax(const std::string& message) { throw PyFormatError(Kind::kSyntax, "", message); }

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

using Piece = PyFormat::Piece;

std::vector<Piece> parse_pieces(std::string_view s, int depth);

// Parses the inside of one replacement field (between the outer braces).
Piece parse_field(std::string_view field, int depth) {
  Piece piece;
  piece.is_field = true;
  size_t i = 0;
  // Field name ends at '!' or ':' (brackets may contain anything but ']').
  size_t name_end = field.size();
  for (size_t p = 0; p < field.size(); ++p) {
    const char c = field[p];
    if (c == '[') {
      while (p < field.size() && field[p] != ']') ++p;
      if (p == field.size()) syntax("Missing ']' in format string");
      continue;
    }
    if (c == '{') syntax("unexpected '{' in field name");
    if (c == '!' || c == ':') {
      name_end = p;
      break;
    }
  }
  std::string_view name = field.substr(0, name_end);
  size_t first = name.find_first_of(".[");
  piece.arg_name = std::string(name.substr(0, first));
  if (piece.arg_name.empty() || all_digits(piece.arg_name)) {
    throw PyFormatError(Kind::kBadValue, "",
                        "positional field '{" + std::string(name) +
                            "}' in format string: only keyword fields are supported "
                            "(Python: Replacement index out of range)");
  }
  i = first == std::string_view::npos ? name.size() : first;
  while (i < name.size()) {
    Accessor acc;
    if (name[i] == '.') {
      size_t end = name.find_first_of(".[", i + 1);
      if (end == std::string_view::npos) end = name.size();
      acc.key = std::string(name.substr(i + 1, end - i - 1));
      if (acc.key.empty()) syntax("Empty attribute in format string");
      i = end;
    } else if (name[i] == '[') {
      size_t end = name.find(']', i);
      acc.is_index = true;
      acc.key = std::string(name.substr(i + 1, end - i - 1));
      if (acc.key.empty()) syntax("Empty attribute in format string");
      if (all_digits(acc.key)) {
        acc.is_int = true;
        acc.index = std::stoll(acc.key);
      }
      i = end + 1;
      if (i < name.size() && name[i] != '.' && name[i] != '[')
        syntax("Only '.' or '[' may follow ']' in format field specifier");
    } else {
      syntax("Only '.' or '[' may follow ']' in format field specifier");
    }
    piece.accessors.push_back(std::move(acc));
  }
  size_t p = name_end;
  if (p < field.size() && field[p] == '!') {
    if (p + 1 >= field.size()) syntax("end of string while looking for conversion specifier");
    piece.conversion = field[p + 1];
    if (piece.conversion != 's' && piece.conversion != 'r' && piece.conversion != 'a') {
      syntax(std::string("Unknown conversion specifier ") + piece.conversion);
    }
    p += 2;
    if (p < field.size() && field[p] != ':') syntax("expected ':' after conversion specifier");
  }
  if (p < field.size() && field[p] == ':') {
    if (depth >= 2) syntax("Max string recursion exceeded");
    piece.spec = parse_pieces(field.substr(p + 1), depth + 1);
  }
  return piece;
}

std::vector<Piece> parse_pieces(std::string_view s, int depth) {
  std::vector<Piece> pieces;
  std::string literal;
  auto flush = [&] {
    if (!literal.empty()) {
      Piece piece;
      piece.literal = std::move(literal);
      pieces.push_back(std::move(piece));
      literal.clear();
    }
  };
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '}') {
      if (i + 1 < s.size() && s[i + 1] == '}') {
        literal += '}';
        i += 2;
        continue;
      }
      syntax("Single '}' encountered in format string");
    }
    if (c != '{') {
      literal += c;
      ++i;
      continue;
    }
    if (i + 1 < s.size() && s[i + 1] == '{') {
      literal += '{';
      i += 2;
      continue;
    }
    // A replacement field: find the matching '}' (nested braces only occur in the format spec).
    size_t j = i + 1;
    int level = 1;
    bool in_brackets = false;
    for (; j < s.size(); ++j) {
      const char d = s[j];
      if (in_brackets) {
        if (d == ']') in_brackets = false;
        continue;
      }
      if (d == '[' && level == 1) in_brackets = true;
      else if (d == '{') ++level;
      else if (d == '}' && --level == 0) break;
    }
    if (j >= s.size()) {
      syntax(level > 1 || j > i + 1 ? "expected '}' before end of string"
                                    : "Single '{' encountered in format string");
    }
    flush();
    pieces.push_back(parse_field(s.substr(i + 1, j - i - 1), depth));
    i = j + 1;
  }
  flush();
  return pieces;
}

// ---- Python str()/repr() ----------------------------------------------------------------------

// Decodes one UTF-8 code point at s[i] (advancing i); invalid bytes decode as themselves.
uint32_t next_cp(std::string_view s, size_t& i) {
  const unsigned char c = s[i];
  int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
  if (i + len > s.size()) len = 1;
  uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f) : (c & 0x07);
  for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
  i += len;
  return cp;
}

size_t cp_count(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size();) {
    next_cp(s, i);
    ++n;
  }
  return n;
}

// Code points Python's str.isprintable() rejects that are likely in text: controls, separators other
// than ' ', format characters and private use (an approximation of the Unicode database).
bool printable(uint32_t cp) {
  if (cp < 0x20 || (cp >= 0x7f && cp <= 0xa0) || cp == 0xad) return false;
  if (cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202f)) return false;
  if ((cp >= 0x205f && cp <= 0x206f) || cp == 0x3000 || cp == 0xfeff) return false;
  if ((cp >= 0xd800 && cp <= 0xf8ff) || (cp >= 0xfff9 && cp <= 0xfffb)) return false;
  return true;
}

void append_hex(std::string& out, char kind, uint32_t cp, int digits) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "\\%c%0*x", kind, digits, cp);
  out += buf;
}

std::string repr_string(std::string_view s, bool ascii_only) {
  const bool has_single = s.find('\'') != std::string_view::npos;
  const bool has_double = s.find('"') != std::string_view::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  std::string out;
  out.reserve(s.size() + 2);
  out += quote;
  for (size_t i = 0; i < s.size();) {
    const size_t start = i;
    const uint32_t cp = next_cp(s, i);
    if (cp == static_cast<uint32_t>(quote) || cp == '\\') {
      out += '\\';
      out += char(cp);
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp < 0x80 ? (cp < 0x20 || cp == 0x7f) : (ascii_only || !printable(cp))) {
      if (cp <= 0xff) append_hex(out, 'x', cp, 2);
      else if (cp <= 0xffff) append_hex(out, 'u', cp, 4);
      else append_hex(out, 'U', cp, 8);
    } else {
      out.append(s.substr(start, i - start));
    }
  }
  out += quote;
  return out;
}

std::string float_repr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
  // Shortest round-trip digits, laid out as Python's float_repr_style 'short'.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  const bool neg = sci[0] == '-';
  if (neg) sci.erase(0, 1);
  const size_t e = sci.find('e');
  std::string digits = sci.substr(0, e);
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  const int exp = std::stoi(sci.substr(e + 1));
  std::string out = neg ? "-" : "";
  if (exp < -4 || exp >= 16) {
    out += digits[0];
    if (digits.size() > 1) out += "." + digits.substr(1);
    char eb[16];
    std::snprintf(eb, sizeof eb, "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
    out += eb;
  } else if (exp < 0) {
    out += "0." + std::string(size_t(-exp - 1), '0') + digits;
  } else {
    const size_t int_len = size_t(exp) + 1;
    if (digits.size() <= int_len) {
      out += digits + std::string(int_len - digits.size(), '0') + ".0";
    } else {
      out += digits.substr(0, int_len) + "." + digits.substr(int_len);
    }
  }
  return out;
}

std::string py_repr(const json& v, bool ascii_only);

std::string container_repr(const json& v, bool ascii_only) {
  std::string out;
  if (v.is_array()) {
    out = "[";
    bool first = true;
    for (const auto& item : v) {
      if (!first) out += ", ";
      first = false;
      out += py_repr(item, ascii_only);
    }
    return out + "]";
  }
  out = "{";
  bool first = true;
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (!first) out += ", ";
    first = false;
    out += repr_string(it.key(), ascii_only) + ": " + py_repr(it.value(), ascii_only);
  }
  return out + "}";
}

std::string py_repr(const json& v, bool ascii_only) {
  switch (v.type()) {
    case json::value_t::string: return repr_string(v.get_ref<const std::string&>(), ascii_only);
    case json::value_t::array:
    case json::value_t::object: return container_repr(v, ascii_only);
    default: return python_str(v);
  }
}

// ---- format specs -----------------------------------------------------------------------------

struct Spec {
  std::string fill = " ";
  char align = 0;
  char sign = 0;
  bool alternate = false;
  bool zero = false;
  size_t width = 0;
  char grouping = 0;
  int precision = -1;
  char type = 0;
};

Spec parse_spec(std::string_view s) {
  Spec spec;
  size_t i = 0;
  auto is_align = [](char c) { return c == '<' || c == '>' || c == '^' || c == '='; };
  if (!s.empty()) {
    size_t j = 0;
    next_cp(s, j);  // a fill character may be any code point
    if (j < s.size() && is_align(s[j])) {
      spec.fill = std::string(s.substr(0, j));
      spec.align = s[j];
      i = j + 1;
    } else if (is_align(s[0])) {
      spec.align = s[0];
      i = 1;
    }
  }
  if (i < s.size() && (s[i] == '+' || s[i] == '-' || s[i] == ' ')) spec.sign = s[i++];
  if (i < s.size() && s[i] == '#') spec.alternate = true, ++i;
  if (i < s.size() && s[i] == '0') {
    spec.zero = true;
    ++i;
  }
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') spec.width = spec.width * 10 + size_t(s[i++] - '0');
  if (i < s.size() && (s[i] == ',' || s[i] == '_')) spec.grouping = s[i++];
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (i >= s.size() || s[i] < '0' || s[i] > '9') syntax("Format specifier missing precision");
    spec.precision = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') spec.precision = spec.precision * 10 + (s[i++] - '0');
  }
  if (i < s.size()) spec.type = s[i++];
  if (i < s.size()) syntax("Invalid format specifier '" + std::string(s) + "'");
  return spec;
}

std::string pad(std::string body, const Spec& spec, char default_align, size_t sign_len = 0) {
  const size_t len = cp_count(body);
  if (spec.width <= len) return body;
  const size_t n = spec.width - len;
  char align = spec.align ? spec.align : default_align;
  std::string fill = spec.fill;
  if (!spec.align && spec.zero && default_align == '>') {
    align = '=';
    fill = "0";
  }
  auto rep = [&](size_t k) {
    std::string out;
    for (size_t t = 0; t < k; ++t) out += fill;
    return out;
  };
  switch (align) {
    case '<': return body + rep(n);
    case '^': return rep(n / 2) + body + rep(n - n / 2);
    case '=': return body.substr(0, sign_len) + rep(n) + body.substr(sign_len);
    default: return rep(n) + body;
  }
}

std::string group_digits(const std::string& digits, char sep, int every) {
  std::string out;
  int count = 0;
  for (size_t i = digits.size(); i-- > 0;) {
    if (count && count % every == 0) out.insert(out.begin(), sep);
    out.insert(out.begin(), digits[i]);
    ++count;
  }
  return out;
}

std::string format_string(const std::string& s, const Spec& spec) {
  if (spec.type && spec.type != 's') {
    throw PyFormatError(Kind::kBadValue, "", std::string("Unknown format code '") + spec.type +
                                                 "' for object of type 'str'");
  }
  if (spec.sign) throw PyFormatError(Kind::kBadValue, "", "Sign not allowed in string format specifier");
  if (spec.align == '=') {
    throw PyFormatError(Kind::kBadValue, "", "'=' alignment not allowed in string format specifier");
  }
  std::string body = s;
  if (spec.precision >= 0) {
    size_t i = 0;
    for (int k = 0; k < spec.precision && i < body.size(); ++k) next_cp(body, i);
    body.resize(i);
  }
  return pad(body, spec, '<');
}

std::string sign_prefix(bool negative, char sign) {
  if (negative) return "-";
  if (sign == '+') return "+";
  if (sign == ' ') return " ";
  return "";
}

std::string format_float(double v, const Spec& spec) {
  char type = spec.type;
  if (type == 0 && spec.precision < 0) {
    std::string body = float_repr(std::fabs(v));
    return pad(sign_prefix(std::signbit(v), spec.sign) + body, spec, '>',
               sign_prefix(std::signbit(v), spec.sign).size());
  }
  if (type == 0) type = 'g';
  const int precision = spec.precision < 0 ? 6 : spec.precision;
  double x = std::fabs(v);
  std::string suffix;
  if (type == '%') {
    x *= 100;
    type = 'f';
    suffix = "%";
  }
  if (type != 'f' && type != 'F' && type != 'e' && type != 'E' && type != 'g' && type != 'G') {
    throw PyFormatError(Kind::kBadValue, "", std::string("Unknown format code '") + type +
                                                 "' for object of type 'float'");
  }
  char fmt[16];
  std::snprintf(fmt, sizeof fmt, "%%%s.%d%c", spec.alternate ? "#" : "", precision, type);
  char buf[512];
  std::snprintf(buf, sizeof buf, fmt, x);
  std::string body = std::string(buf) + suffix;
  if (spec.grouping) {
    const size_t dot = body.find_first_not_of("0123456789");
    body = group_digits(body.substr(0, dot), spec.grouping, 3) +
           (dot == std::string::npos ? "" : body.substr(dot));
  }
  const std::string sign = sign_prefix(std::signbit(v), spec.sign);
  return pad(sign + body, spec, '>', sign.size());
}

std::string format_int(long long v, const Spec& spec) {
  if (spec.type == 'e' || spec.type == 'E' || spec.type == 'f' || spec.type == 'F' || spec.type == 'g' ||
      spec.type == 'G' || spec.type == '%') {
    return format_float(double(v), spec);
  }
  if (spec.precision >= 0) {
    throw PyFormatError(Kind::kBadValue, "", "Precision not allowed in integer format specifier");
  }
  const unsigned long long mag = v < 0 ? 0ULL - static_cast<unsigned long long>(v) : static_cast<unsigned long long>(v);
  std::string digits;
  std::string prefix;
  int base = 10;
  switch (spec.type) {
    case 0:
    case 'd':
    case 'n': base = 10; break;
    case 'b': base = 2, prefix = "0b"; break;
    case 'o': base = 8, prefix = "0o"; break;
    case 'x': base = 16, prefix = "0x"; break;
    case 'X': base = 16, prefix = "0X"; break;
    default:
      throw PyFormatError(Kind::kBadValue, "", std::string("Unknown format code '") + spec.type +
                                                   "' for object of type 'int'");
  }
  const char* alphabet = spec.type == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
  unsigned long long m = mag;
  do {
    digits.insert(digits.begin(), alphabet[m % base]);
    m /= base;
  } while (m);
  if (spec.grouping) digits = group_digits(digits, spec.grouping, base == 10 ? 3 : 4);
  const std::string sign = sign_prefix(v < 0, spec.sign) + (spec.alternate ? prefix : "");
  return pad(sign + digits, spec, '>', sign.size());
}

std::string format_value(const json& v, const std::string& spec_text, bool converted) {
  if (spec_text.empty()) return converted ? v.get<std::string>() : python_str(v);
  const Spec spec = parse_spec(spec_text);
  if (converted || v.is_string()) return format_string(converted ? v.get<std::string>() : v.get<std::string>(), spec);
  if (v.is_boolean()) return format_int(v.get<bool>() ? 1 : 0, spec);
  if (v.is_number_integer()) return format_int(v.get<long long>(), spec);
  if (v.is_number_float()) return format_float(v.get<double>(), spec);
  const char* type = v.is_null() ? "NoneType" : v.is_array() ? "list" : "dict";
  throw PyFormatError(Kind::kBadValue, "",
                      std::string("unsupported format string passed to ") + type + ".__format__");
}

const json* resolve(const Piece& piece, const FieldLookup& lookup) {
  const json* v = lookup(piece.arg_name);
  if (!v) throw PyFormatError(Kind::kMissingField, piece.arg_name, "missing field '" + piece.arg_name + "'");
  std::string path = piece.arg_name;
  for (const Accessor& acc : piece.accessors) {
    if (!acc.is_index) {
      throw PyFormatError(Kind::kBadValue, path,
                          "attribute access '." + acc.key + "' on '" + path + "' is not supported");
    }
    if (v->is_array() && acc.is_int) {
      if (acc.index >= static_cast<long long>(v->size())) {
        throw PyFormatError(Kind::kMissingField, path, "index " + acc.key + " out of range in '" + path + "'");
      }
      v = &(*v)[size_t(acc.index)];
    } else if (v->is_object() && !acc.is_int) {
      auto it = v->find(acc.key);
      if (it == v->end()) {
        throw PyFormatError(Kind::kMissingField, path + "[" + acc.key + "]",
                            "missing field '" + path + "[" + acc.key + "]'");
      }
      v = &*it;
    } else {
      throw PyFormatError(Kind::kBadValue, path, "cannot index '" + path + "' with [" + acc.key + "]");
    }
    path += "[" + acc.key + "]";
  }
  return v;
}

void render(const std::vector<Piece>& pieces, const FieldLookup& lookup, std::string& out) {
  for (const Piece& piece : pieces) {
    if (!piece.is_field) {
      out += piece.literal;
      continue;
    }
    const json* v = resolve(piece, lookup);
    std::string spec;
    if (!piece.spec.empty()) render(piece.spec, lookup, spec);
    if (piece.conversion) {
      const json converted = piece.conversion == 's'   ? python_str(*v)
                             : piece.conversion == 'r' ? py_repr(*v, false)
                                                       : py_repr(*v, true);
      out += format_value(converted, spec, true);
    } else if (spec.empty() && v->is_string()) {
      out += v->get_ref<const std::string&>();
    } else {
      out += format_value(*v, spec, false);
    }
  }
}

void collect_names(const std::vector<Piece>& pieces, std::vector<std::string>& names) {
  for (const Piece& piece : pieces) {
    if (!piece.is_field) continue;
    if (std::find(names.begin(), names.end(), piece.arg_name) == names.end()) names.push_back(piece.arg_name);
    collect_names(piece.spec, names);
  }
}

}  // namespace

PyFormat::PyFormat() : pieces_(std::make_shared<std::vector<Piece>>()) {}
PyFormat::~PyFormat() = default;
PyFormat::PyFormat(const PyFormat&) = default;
PyFormat& PyFormat::operator=(const PyFormat&) = default;
PyFormat::PyFormat(PyFormat&&) noexcept = default;
PyFormat& PyFormat::operator=(PyFormat&&) noexcept = default;

PyFormat PyFormat::parse(std::string_view format) {
  PyFormat f;
  f.pieces_ = std::make_shared<const std::vector<Piece>>(parse_pieces(format, 0));
  return f;
}

std::string PyFormat::format(const FieldLookup& lookup) const {
  std::string out;
  render(*pieces_, lookup, out);
  return out;
}

std::string PyFormat::format(const json& kwargs) const {
  return format([&kwargs](std::string_view name) -> const json* {
    if (!kwargs.is_object()) return nullptr;
    auto it = kwargs.find(std::string(name));
    return it == kwargs.end() ? nullptr : &*it;
  });
}

std::vector<std::string> PyFormat::field_names() const {
  std::vector<std::string> names;
  collect_names(*pieces_, names);
  return names;
}

std::string py_format(std::string_view format, const json& kwargs) { return PyFormat::parse(format).format(kwargs); }

std::string python_str(const json& v) {
  switch (v.type()) {
    case json::value_t::string: return v.get<std::string>();
    case json::value_t::null: return "None";
    case json::value_t::boolean: return v.get<bool>() ? "True" : "False";
    case json::value_t::number_integer: return std::to_string(v.get<long long>());
    case json::value_t::number_unsigned: return std::to_string(v.get<unsigned long long>());
    case json::value_t::number_float: return float_repr(v.get<double>());
    case json::value_t::array:
    case json::value_t::object: return container_repr(v, false);
    default: return v.dump();
  }
}

std::string python_repr(const json& v) { return py_repr(v, false); }
std::string python_ascii(const json& v) { return py_repr(v, true); }

}  // namespace evalrun::templates
