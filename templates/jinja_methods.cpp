// Python methods callable from templates: str (startswith, split, ...), dict (items, get, ...) and the
// read-only list methods. Mutating methods are refused as transformers' ImmutableSandboxedEnvironment does.
#include <algorithm>
#include <unordered_set>

#include <unicode/uchar.h>

#include "templates/jinja_render.h"
#include "templates/jinja_unicode.h"

namespace evalrun::templates::jinja {

namespace {

const std::unordered_set<std::string> kStrMethods = {
    "startswith", "endswith", "strip", "lstrip", "rstrip", "split", "rsplit", "replace", "upper", "lower",
    "title", "capitalize", "swapcase", "casefold", "find", "rfind", "index", "rindex", "count", "join",
    "isdigit", "isdecimal", "isnumeric", "isalpha", "isalnum", "isspace", "islower", "isupper", "istitle",
    "splitlines", "format", "zfill", "ljust", "rjust", "center", "partition", "rpartition", "removeprefix",
    "removesuffix"};
const std::unordered_set<std::string> kDictMethods = {"items", "keys", "values", "get", "copy"};
const std::unordered_set<std::string> kDictUnsafe = {"pop", "popitem", "setdefault", "update", "clear"};
const std::unordered_set<std::string> kListMethods = {"index", "count", "copy"};
const std::unordered_set<std::string> kListUnsafe = {"append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear"};

[[noreturn]] void unsafe(const Value& self, const std::string& name) {
  throw RenderError("access to attribute '" + name + "' of '" + type_name(self) + "' object is unsafe.");
}

std::string str_arg(const CallArgs& a, std::size_t i, std::string_view name, const std::string& method) {
  const Value* v = a.get(i, name);
  if (!v || !v->is_string()) throw RenderError(method + "() argument must be str");
  return v->s;
}

std::optional<std::string> opt_chars(const CallArgs& a, const std::string& method) {
  const Value* v = a.get(0, "chars");
  if (!v || v->is_none()) return std::nullopt;
  if (!v->is_string()) throw RenderError(method + " arg must be None or str");
  return v->s;
}

std::int64_t maxsplit_arg(const CallArgs& a) {
  const Value* v = a.get(1, "maxsplit");
  return v && v->is_integral() ? v->as_int() : -1;
}

// str.split / str.rsplit.
Value do_split(const std::string& s, const CallArgs& a, bool from_right) {
  const Value* sep_v = a.get(0, "sep");
  std::int64_t maxsplit = maxsplit_arg(a);
  std::vector<Value> out;
  if (!sep_v || sep_v->is_none()) {
    std::u32string u = decode_utf8(s);
    std::vector<std::u32string> parts;
    if (!from_right) {
      std::size_t k = 0, n = u.size();
      while (true) {
        while (k < n && is_py_space(u[k])) ++k;
        if (k >= n) break;
        if (maxsplit >= 0 && static_cast<std::int64_t>(parts.size()) == maxsplit) {
          parts.push_back(u.substr(k));
          break;
        }
        std::size_t e = k;
        while (e < n && !is_py_space(u[e])) ++e;
        parts.push_back(u.substr(k, e - k));
        k = e;
      }
    } else {
      std::int64_t k = static_cast<std::int64_t>(u.size()) - 1;
      while (true) {
        while (k >= 0 && is_py_space(u[static_cast<std::size_t>(k)])) --k;
        if (k < 0) break;
        if (maxsplit >= 0 && static_cast<std::int64_t>(parts.size()) == maxsplit) {
          parts.push_back(u.substr(0, static_cast<std::size_t>(k + 1)));
          break;
        }
        std::int64_t b = k;
        while (b >= 0 && !is_py_space(u[static_cast<std::size_t>(b)])) --b;
        parts.push_back(u.substr(static_cast<std::size_t>(b + 1), static_cast<std::size_t>(k - b)));
        k = b;
      }
      std::reverse(parts.begin(), parts.end());
    }
    for (const auto& p : parts) out.push_back(Value::string(encode_utf8(p)));
    return Value::list(std::move(out));
  }
  if (!sep_v->is_string()) throw RenderError("must be str or None, not " + type_name(*sep_v));
  const std::string& sep = sep_v->s;
  if (sep.empty()) throw RenderError("empty separator");
  std::vector<std::string> parts;
  if (!from_right) {
    std::size_t pos = 0;
    while (true) {
      std::size_t hit = s.find(sep, pos);
      if (hit == std::string::npos || (maxsplit >= 0 && static_cast<std::int64_t>(parts.size()) == maxsplit)) {
        parts.push_back(s.substr(pos));
        break;
      }
      parts.push_back(s.substr(pos, hit - pos));
      pos = hit + sep.size();
    }
  } else {
    std::size_t end = s.size();
    while (true) {
      std::size_t hit = end >= sep.size() ? s.rfind(sep, end - sep.size()) : std::string::npos;
      if (hit == std::string::npos || (maxsplit >= 0 && static_cast<std::int64_t>(parts.size()) == maxsplit)) {
        parts.push_back(s.substr(0, end));
        break;
      }
      parts.push_back(s.substr(hit + sep.size(), end - hit - sep.size()));
      end = hit;
    }
    std::reverse(parts.begin(), parts.end());
  }
  for (auto& p : parts) out.push_back(Value::string(std::move(p)));
  return Value::list(std::move(out));
}

bool affix_match(const std::string& s, const Value& affix, bool prefix) {
  auto one = [&](const Value& v) {
    if (!v.is_string()) throw RenderError(std::string(prefix ? "startswith" : "endswith") + " first arg must be str or a tuple of str");
    if (v.s.size() > s.size()) return false;
    return prefix ? s.compare(0, v.s.size(), v.s) == 0 : s.compare(s.size() - v.s.size(), v.s.size(), v.s) == 0;
  };
  if (affix.is_list()) {
    for (const auto& v : affix.as_list().items)
      if (one(v)) return true;
    return false;
  }
  return one(affix);
}

// Code-point index of `sub` in s[start:end] (Python find semantics), -1 when absent.
std::int64_t find_cp(const std::string& s, const CallArgs& a, bool from_right, const std::string& method) {
  std::u32string u = decode_utf8(s);
  std::u32string sub = decode_utf8(str_arg(a, 0, "sub", method));
  std::int64_t n = static_cast<std::int64_t>(u.size());
  auto idx = [&](std::size_t i, std::int64_t def) {
    const Value* v = a.get(i, i == 1 ? "start" : "end");
    if (!v || v->is_none()) return def;
    std::int64_t x = v->as_int();
    if (x < 0) x = std::max<std::int64_t>(0, x + n);
    return std::min(x, n);
  };
  std::int64_t start = idx(1, 0), end = idx(2, n);
  if (end - start < static_cast<std::int64_t>(sub.size())) return -1;
  std::u32string_view window = std::u32string_view(u).substr(static_cast<std::size_t>(start), static_cast<std::size_t>(end - start));
  std::size_t hit = from_right ? window.rfind(sub) : window.find(sub);
  return hit == std::u32string_view::npos ? -1 : static_cast<std::int64_t>(hit) + start;
}

template <class Pred>
bool all_chars(const std::string& s, Pred pred) {
  if (s.empty()) return false;
  for (char32_t c : decode_utf8(s))
    if (!pred(static_cast<UChar32>(c))) return false;
  return true;
}

std::string pad(const std::string& s, std::int64_t width, const std::string& fill, int align) {
  std::int64_t len = static_cast<std::int64_t>(utf8_length(s));
  if (width <= len) return s;
  std::int64_t total = width - len;
  std::int64_t left = align < 0 ? 0 : align > 0 ? total : total / 2 + (total & width & 1);
  std::string out;
  for (std::int64_t k = 0; k < left; ++k) out += fill;
  out += s;
  for (std::int64_t k = 0; k < total - left; ++k) out += fill;
  return out;
}

// str.format with positional/keyword fields, !r/!s conversions and simple width/alignment specs.
Value do_format(Renderer& r, const std::string& fmt, const CallArgs& a) {
  std::string out;
  std::size_t auto_index = 0;
  for (std::size_t k = 0; k < fmt.size(); ++k) {
    char c = fmt[k];
    if (c == '}' ) {
      if (k + 1 < fmt.size() && fmt[k + 1] == '}') ++k;
      out.push_back('}');
      continue;
    }
    if (c != '{') {
      out.push_back(c);
      continue;
    }
    if (k + 1 < fmt.size() && fmt[k + 1] == '{') {
      out.push_back('{');
      ++k;
      continue;
    }
    std::size_t e = fmt.find('}', k);
    if (e == std::string::npos) throw RenderError("Single '{' encountered in format string");
    std::string field = fmt.substr(k + 1, e - k - 1);
    k = e;
    std::string spec, conv;
    if (auto colon = field.find(':'); colon != std::string::npos) {
      spec = field.substr(colon + 1);
      field = field.substr(0, colon);
    }
    if (auto bang = field.find('!'); bang != std::string::npos) {
      conv = field.substr(bang + 1);
      field = field.substr(0, bang);
    }
    std::string head = field.substr(0, field.find_first_of(".["));
    std::string rest = field.substr(head.size());
    Value v;
    if (head.empty()) {
      if (auto_index >= a.pos.size()) throw RenderError("Replacement index out of range for positional args tuple");
      v = a.pos[auto_index++];
    } else if (std::all_of(head.begin(), head.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
      std::size_t idx = std::stoul(head);
      if (idx >= a.pos.size()) throw RenderError("Replacement index out of range for positional args tuple");
      v = a.pos[idx];
    } else {
      const Value* kw = a.kwarg(head);
      if (!kw) throw RenderError("KeyError: '" + head + "'");
      v = *kw;
    }
    while (!rest.empty()) {
      if (rest[0] == '.') {
        std::size_t end = rest.find_first_of(".[", 1);
        v = r.getattr(v, rest.substr(1, end == std::string::npos ? std::string::npos : end - 1));
        rest = end == std::string::npos ? "" : rest.substr(end);
      } else {
        std::size_t end = rest.find(']');
        std::string key = rest.substr(1, end - 1);
        bool num = !key.empty() && std::all_of(key.begin(), key.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
        v = r.getitem(v, num ? Value::integer(std::stoll(key)) : Value::string(key));
        rest = rest.substr(end + 1);
      }
    }
    std::string text;
    if (conv == "r")
      append_repr(v, text);
    else
      append_str(v, text);
    if (!spec.empty()) {
      std::string fill = " ";
      int align = v.is_number() ? 1 : -1;
      std::size_t p = 0;
      auto is_align = [](char ch) { return ch == '<' || ch == '>' || ch == '^'; };
      if (spec.size() >= 2 && is_align(spec[1])) {
        fill = spec.substr(0, 1);
        p = 1;
      }
      if (p < spec.size() && is_align(spec[p])) {
        align = spec[p] == '<' ? -1 : spec[p] == '>' ? 1 : 0;
        ++p;
      }
      std::string width = spec.substr(p);
      if (!std::all_of(width.begin(), width.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
        throw RenderError("unsupported format spec '" + spec + "'");
      if (!width.empty()) text = pad(text, std::stoll(width), fill, align);
    }
    out += text;
  }
  return Value::string(std::move(out));
}

Value str_method(Renderer& r, const std::string& s, const std::string& name, CallArgs& a) {
  if (name == "startswith" || name == "endswith") {
    const Value* affix = a.get(0, "prefix");
    if (!affix) throw RenderError(name + "() takes at least 1 argument (0 given)");
    return Value::boolean(affix_match(s, *affix, name == "startswith"));
  }
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    auto chars = opt_chars(a, name);
    return Value::string(py_strip(s, chars ? &*chars : nullptr, name != "rstrip", name != "lstrip"));
  }
  if (name == "split") return do_split(s, a, false);
  if (name == "rsplit") return do_split(s, a, true);
  if (name == "replace") {
    const Value* count = a.get(2, "count");
    std::string old = str_arg(a, 0, "old", name), repl = str_arg(a, 1, "new", name);
    CallArgs fa;
    fa.pos = {Value::string(old), Value::string(repl)};
    if (count) fa.pos.push_back(*count);
    return apply_filter(r, "replace", Value::string(s), fa);
  }
  if (name == "upper") return Value::string(py_upper(s));
  if (name == "lower" || name == "casefold") return Value::string(py_lower(s));
  if (name == "title") return Value::string(py_title(s));
  if (name == "capitalize") return Value::string(py_capitalize(s));
  if (name == "swapcase") return Value::string(py_swapcase(s));
  if (name == "find" || name == "rfind" || name == "index" || name == "rindex") {
    std::int64_t k = find_cp(s, a, name[0] == 'r', name);
    if (k < 0 && (name == "index" || name == "rindex")) throw RenderError("substring not found");
    return Value::integer(k);
  }
  if (name == "count") {
    std::string sub = str_arg(a, 0, "sub", name);
    if (sub.empty()) return Value::integer(static_cast<std::int64_t>(utf8_length(s)) + 1);
    std::int64_t n = 0;
    for (std::size_t pos = s.find(sub); pos != std::string::npos; pos = s.find(sub, pos + sub.size())) ++n;
    return Value::integer(n);
  }
  if (name == "join") {
    const Value* seq = a.get(0, "iterable");
    if (!seq) throw RenderError("join() takes exactly one argument");
    std::string out;
    bool first = true;
    for (const Value& v : iterate(*seq)) {
      if (!v.is_string()) throw RenderError("sequence item: expected str instance, " + type_name(v) + " found");
      if (!first) out += s;
      first = false;
      out += v.s;
    }
    return Value::string(std::move(out));
  }
  if (name == "isdigit" || name == "isdecimal" || name == "isnumeric")
    return Value::boolean(all_chars(s, [&](UChar32 c) {
      if (name == "isdecimal") return u_charType(c) == U_DECIMAL_DIGIT_NUMBER;
      if (name == "isdigit") return u_charType(c) == U_DECIMAL_DIGIT_NUMBER || u_getIntPropertyValue(c, UCHAR_NUMERIC_TYPE) == U_NT_DIGIT;
      return u_getIntPropertyValue(c, UCHAR_NUMERIC_TYPE) != U_NT_NONE;
    }));
  if (name == "isalpha") return Value::boolean(all_chars(s, [](UChar32 c) { return u_isalpha(c) != 0; }));
  if (name == "isalnum") return Value::boolean(all_chars(s, [](UChar32 c) { return u_isalnum(c) != 0; }));
  if (name == "isspace") return Value::boolean(all_chars(s, [](UChar32 c) { return is_py_space(static_cast<char32_t>(c)); }));
  if (name == "islower") return Value::boolean(py_islower(s));
  if (name == "isupper") return Value::boolean(py_isupper(s));
  if (name == "istitle") return Value::boolean(!s.empty() && py_title(s) == s && (py_isupper(s) || py_title(s) != py_lower(s)));
  if (name == "splitlines") {
    std::vector<Value> out;
    std::u32string u = decode_utf8(s), cur;
    bool keep = a.get(0, "keepends") && truthy(*a.get(0, "keepends"));
    for (std::size_t k = 0; k < u.size(); ++k) {
      char32_t c = u[k];
      bool br = c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x1C || c == 0x1D || c == 0x1E || c == 0x85 ||
                c == 0x2028 || c == 0x2029;
      if (!br) {
        cur.push_back(c);
        continue;
      }
      if (keep) cur.push_back(c);
      if (c == '\r' && k + 1 < u.size() && u[k + 1] == '\n') {
        ++k;
        if (keep) cur.push_back('\n');
      }
      out.push_back(Value::string(encode_utf8(cur)));
      cur.clear();
    }
    if (!cur.empty()) out.push_back(Value::string(encode_utf8(cur)));
    return Value::list(std::move(out));
  }
  if (name == "format") return do_format(r, s, a);
  if (name == "zfill") {
    std::int64_t width = a.get(0, "width") ? a.get(0, "width")->as_int() : 0;
    std::int64_t len = static_cast<std::int64_t>(utf8_length(s));
    if (width <= len) return Value::string(s);
    std::string zeros(static_cast<std::size_t>(width - len), '0');
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) return Value::string(s.substr(0, 1) + zeros + s.substr(1));
    return Value::string(zeros + s);
  }
  if (name == "ljust" || name == "rjust" || name == "center") {
    std::int64_t width = a.get(0, "width") ? a.get(0, "width")->as_int() : 0;
    const Value* fill = a.get(1, "fillchar");
    return Value::string(pad(s, width, fill ? to_str(*fill) : " ", name == "ljust" ? -1 : name == "rjust" ? 1 : 0));
  }
  if (name == "partition" || name == "rpartition") {
    std::string sep = str_arg(a, 0, "sep", name);
    if (sep.empty()) throw RenderError("empty separator");
    std::size_t hit = name == "partition" ? s.find(sep) : s.rfind(sep);
    if (hit == std::string::npos)
      return name == "partition" ? Value::list({Value::string(s), Value::string(""), Value::string("")}, true)
                                 : Value::list({Value::string(""), Value::string(""), Value::string(s)}, true);
    return Value::list({Value::string(s.substr(0, hit)), Value::string(sep), Value::string(s.substr(hit + sep.size()))}, true);
  }
  if (name == "removeprefix" || name == "removesuffix") {
    std::string affix = str_arg(a, 0, name == "removeprefix" ? "prefix" : "suffix", name);
    if (affix.empty() || affix.size() > s.size()) return Value::string(s);
    if (name == "removeprefix") return Value::string(s.compare(0, affix.size(), affix) == 0 ? s.substr(affix.size()) : s);
    return Value::string(s.compare(s.size() - affix.size(), affix.size(), affix) == 0 ? s.substr(0, s.size() - affix.size()) : s);
  }
  throw RenderError("'str' object has no attribute '" + name + "'");
}

}  // namespace

bool has_method(const Value& self, const std::string& name) {
  switch (self.type) {
    case Type::String: return kStrMethods.count(name) > 0;
    case Type::Dict: return !self.is_namespace() && (kDictMethods.count(name) > 0 || kDictUnsafe.count(name) > 0);
    case Type::List: return kListMethods.count(name) > 0 || kListUnsafe.count(name) > 0;
    default: return false;
  }
}

Value call_method(Renderer& r, const Value& self, const std::string& name, CallArgs& a) {
  if (self.is_string()) return str_method(r, self.s, name, a);
  if (self.is_dict() && !self.is_namespace()) {
    const DictData& d = self.as_dict();
    if (name == "items") {
      std::vector<Value> out;
      for (const auto& [k, v] : d.items) out.push_back(Value::list({k, v}, true));
      return Value::list(std::move(out));
    }
    if (name == "keys" || name == "values") {
      std::vector<Value> out;
      for (const auto& [k, v] : d.items) out.push_back(name == "keys" ? k : v);
      return Value::list(std::move(out));
    }
    if (name == "get") {
      const Value* key = a.get(0, "key");
      if (!key) throw RenderError("get expected at least 1 argument, got 0");
      if (const Value* v = d.find(*key)) return *v;
      const Value* def = a.get(1, "default");
      return def ? *def : Value::none();
    }
    if (name == "copy") {
      Value out = Value::dict();
      out.as_dict().items = d.items;
      return out;
    }
    unsafe(self, name);
  }
  if (self.is_list()) {
    const auto& items = self.as_list().items;
    if (name == "index" || name == "count") {
      const Value* x = a.get(0, "value");
      if (!x) throw RenderError(name + "() takes at least 1 argument");
      std::int64_t n = 0;
      for (std::size_t k = 0; k < items.size(); ++k) {
        if (!equals(items[k], *x)) continue;
        if (name == "index") return Value::integer(static_cast<std::int64_t>(k));
        ++n;
      }
      if (name == "index") throw RenderError("value is not in list");
      return Value::integer(n);
    }
    if (name == "copy") return Value::list(items, self.is_tuple());
    unsafe(self, name);
  }
  throw RenderError(std::string("'").append(type_name(self)) + "' object has no attribute '" + name + "'");
}

}  // namespace evalrun::templates::jinja
