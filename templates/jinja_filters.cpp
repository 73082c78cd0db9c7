// jinja2's builtin filters as used by chat and prompt templates (plus transformers' tojson override).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <unordered_map>

#include <unicode/uchar.h>

#include "templates/jinja_render.h"
#include "templates/jinja_unicode.h"

namespace evalrun::templates::jinja {

namespace {

using FilterFn = std::function<Value(Renderer&, const Value&, CallArgs&)>;


std::string str_arg(CallArgs& a, std::size_t i, std::string_view name, const char* def) {
  const Value* v = a.get(i, name);
  return v ? to_str(*v) : std::string(def);
}

bool bool_arg(CallArgs& a, std::size_t i, std::string_view name, bool def = false) {
  const Value* v = a.get(i, name);
  return v ? truthy(*v) : def;
}

std::string soft_str(const Value& v) { return to_str(v); }

Value do_length(const Value& v) {
  switch (v.type) {
    case Type::Undefined: return Value::integer(0);
    case Type::String: return Value::integer(static_cast<std::int64_t>(utf8_length(v.s)));
    case Type::List: return Value::integer(static_cast<std::int64_t>(v.as_list().items.size()));
    case Type::Dict:
      if (!v.is_namespace()) return Value::integer(static_cast<std::int64_t>(v.as_dict().items.size()));
      break;
    case Type::Loop: return Value::integer(v.as_loop().length);
    default: break;
  }
  throw RenderError("object of type '" + type_name(v) + "' has no len()");
}

Value do_tojson(const Value& v, CallArgs& a) {
  JsonOptions o;
  const Value* ensure_ascii = a.get(0, "ensure_ascii");
  const Value* indent = a.get(1, "indent");
  const Value* separators = a.get(2, "separators");
  const Value* sort_keys = a.get(3, "sort_keys");
  // transformers overrides tojson: tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False).
  if (ensure_ascii) o.ensure_ascii = truthy(*ensure_ascii);
  if (indent && !indent->is_none()) {
    o.indent_set = true;
    o.indent = indent->is_string() ? indent->s : std::string(static_cast<std::size_t>(std::max<std::int64_t>(0, indent->as_int())), ' ');
    o.item_sep = ",";
  }
  if (separators && !separators->is_none()) {
    auto items = iterate(*separators);
    if (items.size() != 2) throw RenderError("tojson: separators must be a pair");
    o.item_sep = to_str(items[0]);
    o.key_sep = to_str(items[1]);
  }
  if (sort_keys) o.sort_keys = truthy(*sort_keys);
  std::string out;
  append_json(v, o, out);
  return Value::string(std::move(out));
}

std::string py_replace(const std::string& s, const std::string& old, const std::string& repl, std::int64_t count) {
  if (count == 0) return s;
  std::string out;
  if (old.empty()) {
    // Python inserts `repl` between every character (and at both ends).
    std::u32string u = decode_utf8(s);
    std::int64_t done = 0;
    for (std::size_t k = 0; k <= u.size(); ++k) {
      if (count < 0 || done < count) {
        out += repl;
        ++done;
      }
      if (k < u.size()) append_utf8(u[k], out);
    }
    return out;
  }
  std::size_t pos = 0;
  std::int64_t done = 0;
  while (count < 0 || done < count) {
    std::size_t hit = s.find(old, pos);
    if (hit == std::string::npos) break;
    out.append(s, pos, hit - pos);
    out += repl;
    pos = hit + old.size();
    ++done;
  }
  out.append(s, pos, std::string::npos);
  return out;
}

Value first_or_last(const Value& v, bool last) {
  if (v.is_undefined()) return Value::undefined(std::string("No ") + (last ? "last" : "first") + " item, sequence was empty.");
  std::vector<Value> items = iterate(v);
  if (items.empty()) return Value::undefined(std::string("No ") + (last ? "last" : "first") + " item, sequence was empty.");
  return last ? items.back() : items.front();
}

// select/reject/selectattr/rejectattr share one implementation (jinja2's select_or_reject).
Value select_or_reject(Renderer& r, const Value& seq, CallArgs& a, bool select, bool by_attr) {
  std::size_t k = 0;
  std::string attr;
  if (by_attr) {
    if (a.pos.empty()) throw RenderError("Missing parameter for attribute name");
    attr = to_str(a.pos[0]);
    k = 1;
  }
  std::string test;
  CallArgs test_args;
  if (a.pos.size() > k) {
    test = to_str(a.pos[k]);
    test_args.pos.assign(a.pos.begin() + static_cast<std::ptrdiff_t>(k + 1), a.pos.end());
    test_args.kw = a.kw;
  }
  std::vector<Value> out;
  for (const Value& item : iterate(seq)) {
    Value probe = by_attr ? get_attribute_path(r, item, attr) : item;
    bool ok = test.empty() ? truthy(probe) : apply_test(r, test, probe, test_args);
    if (ok == select) out.push_back(item);
  }
  return Value::list(std::move(out));
}

Value do_map(Renderer& r, const Value& seq, CallArgs& a) {
  std::vector<Value> out;
  if (a.pos.empty()) {
    const Value* attribute = a.kwarg("attribute");
    if (!attribute) {
      for (const Value& item : iterate(seq)) out.push_back(item);  // map() with no arguments is identity
      return Value::list(std::move(out));
    }
    const Value* def = a.kwarg("default");
    std::string path = to_str(*attribute);
    for (const Value& item : iterate(seq)) {
      Value v = get_attribute_path(r, item, path);
      out.push_back(v.is_undefined() && def ? *def : v);
    }
    return Value::list(std::move(out));
  }
  std::string name = to_str(a.pos[0]);
  CallArgs rest;
  rest.pos.assign(a.pos.begin() + 1, a.pos.end());
  rest.kw = a.kw;
  for (const Value& item : iterate(seq)) {
    CallArgs copy = rest;
    out.push_back(apply_filter(r, name, item, copy));
  }
  return Value::list(std::move(out));
}

// Sort key for sort/dictsort/unique/min/max: strings fold case unless case_sensitive.
Value sort_key(const Value& v, bool case_sensitive) {
  if (!case_sensitive && v.is_string()) return Value::string(py_lower(v.s));
  return v;
}

Value do_sort(Renderer& r, const Value& seq, CallArgs& a) {
  bool reverse = bool_arg(a, 0, "reverse");
  bool cs = bool_arg(a, 1, "case_sensitive");
  const Value* attribute = a.get(2, "attribute");
  std::vector<Value> items = iterate(seq);
  std::vector<std::pair<Value, Value>> keyed;
  for (auto& item : items)
    keyed.emplace_back(sort_key(attribute ? get_attribute_path(r, item, to_str(*attribute)) : item, cs), item);
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
    return reverse ? less(y.first, x.first) : less(x.first, y.first);
  });
  std::vector<Value> out;
  for (auto& kv : keyed) out.push_back(std::move(kv.second));
  return Value::list(std::move(out));
}

Value do_dictsort(const Value& d, CallArgs& a) {
  if (!d.is_dict()) throw RenderError("dictsort: expected a mapping");
  bool cs = bool_arg(a, 0, "case_sensitive");
  std::string by = str_arg(a, 1, "by", "key");
  bool reverse = bool_arg(a, 2, "reverse");
  int pos = by == "key" ? 0 : by == "value" ? 1 : -1;
  if (pos < 0) throw RenderError("You can only sort by either \"key\" or \"value\"");
  auto items = d.as_dict().items;
  std::stable_sort(items.begin(), items.end(), [&](const auto& x, const auto& y) {
    Value kx = sort_key(pos == 0 ? x.first : x.second, cs), ky = sort_key(pos == 0 ? y.first : y.second, cs);
    return reverse ? less(ky, kx) : less(kx, ky);
  });
  std::vector<Value> out;
  for (auto& [k, v] : items) out.push_back(Value::list({k, v}, true));
  return Value::list(std::move(out));
}

Value do_unique(Renderer& r, const Value& seq, CallArgs& a) {
  bool cs = bool_arg(a, 0, "case_sensitive");
  const Value* attribute = a.get(1, "attribute");
  std::vector<Value> seen, out;
  for (const Value& item : iterate(seq)) {
    Value key = sort_key(attribute ? get_attribute_path(r, item, to_str(*attribute)) : item, cs);
    bool dup = false;
    for (const auto& s : seen)
      if (equals(s, key)) dup = true;
    if (dup) continue;
    seen.push_back(key);
    out.push_back(item);
  }
  return Value::list(std::move(out));
}

Value do_min_max(Renderer& r, const Value& seq, CallArgs& a, bool want_max) {
  bool cs = bool_arg(a, 0, "case_sensitive");
  const Value* attribute = a.get(1, "attribute");
  std::vector<Value> items = iterate(seq);
  if (items.empty()) return Value::undefined(std::string("No aggregated item, sequence was empty."));
  std::size_t best = 0;
  auto key = [&](const Value& v) { return sort_key(attribute ? get_attribute_path(r, v, to_str(*attribute)) : v, cs); };
  for (std::size_t k = 1; k < items.size(); ++k) {
    Value kb = key(items[best]), kk = key(items[k]);
    if (want_max ? less(kb, kk) : less(kk, kb)) best = k;
  }
  return items[best];
}

Value do_int(const Value& v, CallArgs& a) {
  const Value* def = a.get(0, "default");
  const Value* base_v = a.get(1, "base");
  int base = base_v ? static_cast<int>(base_v->as_int()) : 10;
  Value fallback = def ? *def : Value::integer(0);
  switch (v.type) {
    case Type::Bool:
    case Type::Int: return Value::integer(v.as_int());
    case Type::Float: return std::isfinite(v.f) ? Value::integer(static_cast<std::int64_t>(std::trunc(v.f))) : fallback;
    case Type::String: {
      std::string s = py_strip(v.s, nullptr, true, true);
      std::string digits;
      for (char c : s)
        if (c != '_') digits.push_back(c);
      if (!digits.empty()) {
        char* end = nullptr;
        errno = 0;
        long long x = std::strtoll(digits.c_str(), &end, base);
        if (*end == 0 && errno == 0) return Value::integer(x);
        end = nullptr;
        double d = std::strtod(s.c_str(), &end);
        if (*end == 0 && std::isfinite(d)) return Value::integer(static_cast<std::int64_t>(std::trunc(d)));
      }
      return fallback;
    }
    default: return fallback;
  }
}

Value do_float(const Value& v, CallArgs& a) {
  const Value* def = a.get(0, "default");
  Value fallback = def ? *def : Value::number(0.0);
  if (v.is_number()) return Value::number(v.as_double());
  if (v.is_string()) {
    std::string s = py_strip(v.s, nullptr, true, true);
    char* end = nullptr;
    if (!s.empty()) {
      double d = std::strtod(s.c_str(), &end);
      if (*end == 0) return Value::number(d);
    }
  }
  return fallback;
}

Value do_round(const Value& v, CallArgs& a) {
  std::int64_t precision = a.get(0, "precision") ? a.get(0, "precision")->as_int() : 0;
  std::string method = str_arg(a, 1, "method", "common");
  if (!v.is_number()) throw RenderError("round: expected a number");
  double x = v.as_double();
  double scale = std::pow(10.0, static_cast<double>(precision));
  if (method == "ceil") return Value::number(std::ceil(x * scale) / scale);
  if (method == "floor") return Value::number(std::floor(x * scale) / scale);
  if (method != "common") throw RenderError("method must be common, ceil or floor");
  if (v.is_integral()) return Value::integer(v.as_int());  // Python round(int, n) stays int
  // Python rounds the exact binary value half-to-even; printf does the same.
  char buf[512];
  std::snprintf(buf, sizeof(buf), "%.*f", static_cast<int>(std::clamp<std::int64_t>(precision, 0, 300)), x);
  return Value::number(std::strtod(buf, nullptr));
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> lines;
  std::u32string u = decode_utf8(s);
  std::u32string cur;
  for (std::size_t k = 0; k < u.size(); ++k) {
    char32_t c = u[k];
    bool br = c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x1C || c == 0x1D || c == 0x1E || c == 0x85 ||
              c == 0x2028 || c == 0x2029;
    if (!br) {
      cur.push_back(c);
      continue;
    }
    if (c == '\r' && k + 1 < u.size() && u[k + 1] == '\n') ++k;
    lines.push_back(encode_utf8(cur));
    cur.clear();
  }
  if (!cur.empty()) lines.push_back(encode_utf8(cur));
  return lines;
}

Value do_indent(const Value& v, CallArgs& a) {
  const Value* width = a.get(0, "width");
  std::string indention = width ? (width->is_string() ? width->s : std::string(static_cast<std::size_t>(width->as_int()), ' '))
                                : std::string(4, ' ');
  bool first = bool_arg(a, 1, "first");
  bool blank = bool_arg(a, 2, "blank");
  std::string s = soft_str(v) + "\n";
  std::vector<std::string> lines = split_lines(s);
  std::string rv;
  if (blank) {
    for (std::size_t k = 0; k < lines.size(); ++k) {
      if (k) rv += "\n" + indention;
      rv += lines[k];
    }
  } else {
    rv = lines.empty() ? "" : lines[0];
    for (std::size_t k = 1; k < lines.size(); ++k) rv += "\n" + (lines[k].empty() ? lines[k] : indention + lines[k]);
  }
  if (first) rv = indention + rv;
  return Value::string(std::move(rv));
}

std::string do_title(const std::string& s) {
  // jinja2 splits on runs of [-\s([{<] and capitalises each piece.
  std::u32string u = decode_utf8(s);
  std::string out;
  auto is_sep = [](char32_t c) { return c == '-' || c == '(' || c == '{' || c == '[' || c == '<' || is_py_space(c); };
  std::size_t k = 0;
  while (k < u.size()) {
    std::size_t e = k;
    bool sep = is_sep(u[k]);
    while (e < u.size() && is_sep(u[e]) == sep) ++e;
    std::string piece = encode_utf8(std::u32string_view(u).substr(k, e - k));
    if (sep) {
      out += piece;
    } else {
      std::string first = encode_utf8(std::u32string_view(u).substr(k, 1));
      out += py_upper(first) + py_lower(encode_utf8(std::u32string_view(u).substr(k + 1, e - k - 1)));
    }
    k = e;
  }
  return out;
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

const std::unordered_map<std::string, FilterFn>& filters() {
  static const std::unordered_map<std::string, FilterFn> table = [] {
    std::unordered_map<std::string, FilterFn> t;
    t["trim"] = [](Renderer&, const Value& v, CallArgs& a) {
      const Value* chars = a.get(0, "chars");
      std::string set = chars && !chars->is_none() ? to_str(*chars) : std::string();
      return Value::string(py_strip(soft_str(v), chars && !chars->is_none() ? &set : nullptr, true, true));
    };
    t["length"] = [](Renderer&, const Value& v, CallArgs&) { return do_length(v); };
    t["count"] = t["length"];
    t["tojson"] = [](Renderer&, const Value& v, CallArgs& a) { return do_tojson(v, a); };
    t["join"] = [](Renderer& r, const Value& v, CallArgs& a) {
      std::string sep = str_arg(a, 0, "d", "");
      const Value* attribute = a.get(1, "attribute");
      std::string out;
      bool first = true;
      for (const Value& item : iterate(v)) {
        if (!first) out += sep;
        first = false;
        append_str(attribute ? get_attribute_path(r, item, to_str(*attribute)) : item, out);
      }
      return Value::string(std::move(out));
    };
    t["upper"] = [](Renderer&, const Value& v, CallArgs&) { return Value::string(py_upper(soft_str(v))); };
    t["lower"] = [](Renderer&, const Value& v, CallArgs&) { return Value::string(py_lower(soft_str(v))); };
    t["capitalize"] = [](Renderer&, const Value& v, CallArgs&) { return Value::string(py_capitalize(soft_str(v))); };
    t["title"] = [](Renderer&, const Value& v, CallArgs&) { return Value::string(do_title(soft_str(v))); };
    t["replace"] = [](Renderer&, const Value& v, CallArgs& a) {
      const Value* count = a.get(2, "count");
      return Value::string(py_replace(soft_str(v), str_arg(a, 0, "old", ""), str_arg(a, 1, "new", ""),
                                      count && !count->is_none() ? count->as_int() : -1));
    };
    t["default"] = [](Renderer&, const Value& v, CallArgs& a) {
      const Value* def = a.get(0, "default_value");
      bool boolean = bool_arg(a, 1, "boolean");
      if (v.is_undefined() || (boolean && !truthy(v))) return def ? *def : Value::string("");
      return v;
    };
    t["d"] = t["default"];
    t["first"] = [](Renderer&, const Value& v, CallArgs&) { return first_or_last(v, false); };
    t["last"] = [](Renderer&, const Value& v, CallArgs&) { return first_or_last(v, true); };
    t["list"] = [](Renderer&, const Value& v, CallArgs&) { return Value::list(iterate(v)); };
    t["items"] = [](Renderer&, const Value& v, CallArgs&) {
      if (v.is_undefined()) return Value::list();
      if (!v.is_dict() || v.is_namespace()) throw RenderError("Can only get item pairs from a mapping.");
      std::vector<Value> out;
      for (const auto& [k, x] : v.as_dict().items) out.push_back(Value::list({k, x}, true));
      return Value::list(std::move(out));
    };
    t["selectattr"] = [](Renderer& r, const Value& v, CallArgs& a) { return select_or_reject(r, v, a, true, true); };
    t["rejectattr"] = [](Renderer& r, const Value& v, CallArgs& a) { return select_or_reject(r, v, a, false, true); };
    t["select"] = [](Renderer& r, const Value& v, CallArgs& a) { return select_or_reject(r, v, a, true, false); };
    t["reject"] = [](Renderer& r, const Value& v, CallArgs& a) { return select_or_reject(r, v, a, false, false); };
    t["map"] = [](Renderer& r, const Value& v, CallArgs& a) { return do_map(r, v, a); };
    t["string"] = [](Renderer&, const Value& v, CallArgs&) { return Value::string(soft_str(v)); };
    t["safe"] = t["string"];
    t["int"] = [](Renderer&, const Value& v, CallArgs& a) { return do_int(v, a); };
    t["float"] = [](Renderer&, const Value& v, CallArgs& a) { return do_float(v, a); };
    t["abs"] = [](Renderer&, const Value& v, CallArgs&) {
      if (v.type == Type::Float) return Value::number(std::fabs(v.f));
      if (v.is_integral()) return Value::integer(std::llabs(v.as_int()));
      throw RenderError("bad operand type for abs(): '" + type_name(v) + "'");
    };
    t["round"] = [](Renderer&, const Value& v, CallArgs& a) { return do_round(v, a); };
    t["unique"] = [](Renderer& r, const Value& v, CallArgs& a) { return do_unique(r, v, a); };
    t["dictsort"] = [](Renderer&, const Value& v, CallArgs& a) { return do_dictsort(v, a); };
    t["sort"] = [](Renderer& r, const Value& v, CallArgs& a) { return do_sort(r, v, a); };
    t["min"] = [](Renderer& r, const Value& v, CallArgs& a) { return do_min_max(r, v, a, false); };
    t["max"] = [](Renderer& r, const Value& v, CallArgs& a) { return do_min_max(r, v, a, true); };
    t["sum"] = [](Renderer& r, const Value& v, CallArgs& a) {
      const Value* attribute = a.get(0, "attribute");
      const Value* start = a.get(1, "start");
      Value total = start ? *start : Value::integer(0);
      for (const Value& item : iterate(v))
        total = binary_op(BinOp::Add, total, attribute ? get_attribute_path(r, item, to_str(*attribute)) : item);
      return total;
    };
    t["reverse"] = [](Renderer&, const Value& v, CallArgs&) {
      if (v.is_string()) {
        std::u32string u = decode_utf8(v.s);
        std::reverse(u.begin(), u.end());
        return Value::string(encode_utf8(u));
      }
      std::vector<Value> items = iterate(v);
      std::reverse(items.begin(), items.end());
      return Value::list(std::move(items));
    };
    t["indent"] = [](Renderer&, const Value& v, CallArgs& a) { return do_indent(v, a); };
    t["center"] = [](Renderer&, const Value& v, CallArgs& a) {
      std::string s = soft_str(v);
      std::int64_t width = a.get(0, "width") ? a.get(0, "width")->as_int() : 80;
      std::int64_t len = static_cast<std::int64_t>(utf8_length(s));
      if (width <= len) return Value::string(s);
      std::int64_t pad = width - len, left = pad / 2 + (pad & width & 1);
      return Value::string(std::string(static_cast<std::size_t>(left), ' ') + s +
                           std::string(static_cast<std::size_t>(pad - left), ' '));
    };
    t["truncate"] = [](Renderer&, const Value& v, CallArgs& a) {
      std::u32string u = decode_utf8(soft_str(v));
      std::int64_t length = a.get(0, "length") ? a.get(0, "length")->as_int() : 255;
      bool killwords = bool_arg(a, 1, "killwords");
      std::u32string end = decode_utf8(str_arg(a, 2, "end", "..."));
      std::int64_t leeway = a.get(3, "leeway") && !a.get(3, "leeway")->is_none() ? a.get(3, "leeway")->as_int() : 5;
      if (length < static_cast<std::int64_t>(end.size())) throw RenderError("expected length >= " + std::to_string(end.size()));
      if (static_cast<std::int64_t>(u.size()) <= length + leeway) return Value::string(encode_utf8(u));
      std::u32string head = u.substr(0, static_cast<std::size_t>(length) - end.size());
      if (!killwords) {
        std::size_t sp = head.rfind(U' ');
        if (sp != std::u32string::npos) head = head.substr(0, sp);
      }
      return Value::string(encode_utf8(head + end));
    };
    t["escape"] = [](Renderer&, const Value& v, CallArgs&) { return Value::string(html_escape(soft_str(v))); };
    t["e"] = t["escape"];
    t["wordcount"] = [](Renderer&, const Value& v, CallArgs&) {
      std::int64_t n = 0;
      bool in_word = false;
      for (char32_t c : decode_utf8(soft_str(v))) {
        bool w = c == '_' || u_isalnum(static_cast<UChar32>(c));
        if (w && !in_word) ++n;
        in_word = w;
      }
      return Value::integer(n);
    };
    t["attr"] = [](Renderer& r, const Value& v, CallArgs& a) {
      // Python getattr only: a dict's keys are not attributes.
      std::string name = str_arg(a, 0, "name", "");
      if (v.is_dict() && !v.is_namespace() && !has_method(v, name))
        return Value::undefined("'dict object' has no attribute '" + name + "'");
      return r.getattr(v, name);
    };
    t["batch"] = [](Renderer&, const Value& v, CallArgs& a) {
      std::int64_t size = a.get(0, "linecount") ? a.get(0, "linecount")->as_int() : 1;
      const Value* fill = a.get(1, "fill_with");
      std::vector<Value> out, cur;
      for (const Value& item : iterate(v)) {
        cur.push_back(item);
        if (static_cast<std::int64_t>(cur.size()) == size) {
          out.push_back(Value::list(std::move(cur)));
          cur.clear();
        }
      }
      if (!cur.empty()) {
        if (fill && !fill->is_none())
          while (static_cast<std::int64_t>(cur.size()) < size) cur.push_back(*fill);
        out.push_back(Value::list(std::move(cur)));
      }
      return Value::list(std::move(out));
    };
    t["format"] = [](Renderer&, const Value& v, CallArgs& a) {
      Value args = a.kw.empty() ? Value::list(a.pos, true) : Value::dict();
      if (!a.kw.empty())
        for (const auto& [k, x] : a.kw) args.as_dict().set(Value::string(k), x);
      return binary_op(BinOp::Mod, Value::string(soft_str(v)), args);
    };
    return t;
  }();
  return table;
}

}  // namespace

bool has_filter(const std::string& name) { return filters().count(name) > 0; }

Value apply_filter(Renderer& r, const std::string& name, const Value& input, CallArgs& args) {
  auto it = filters().find(name);
  if (it == filters().end()) throw RenderError("no filter named '" + name + "'");
  return it->second(r, input, args);
}

Value get_attribute_path(Renderer& r, const Value& obj, const std::string& path) {
  Value cur = obj;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    bool numeric = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
    cur = numeric ? r.getitem(cur, Value::integer(std::stoll(part))) : r.getitem(cur, Value::string(part));
    if (dot == std::string::npos) return cur;
    if (cur.is_undefined()) return cur;
    start = dot + 1;
  }
}

}  // namespace evalrun::templates::jinja
