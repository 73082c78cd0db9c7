#include "templates/jinja_value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "templates/jinja_unicode.h"

namespace evalrun::templates::jinja {

Value Value::undefined(std::string hint) {
  Value v;
  v.s = std::move(hint);
  return v;
}
Value Value::none() {
  Value v;
  v.type = Type::None;
  return v;
}
Value Value::boolean(bool x) {
  Value v;
  v.type = Type::Bool;
  v.b = x;
  return v;
}
Value Value::integer(std::int64_t x) {
  Value v;
  v.type = Type::Int;
  v.i = x;
  return v;
}
Value Value::number(double x) {
  Value v;
  v.type = Type::Float;
  v.f = x;
  return v;
}
Value Value::string(std::string x) {
  Value v;
  v.type = Type::String;
  v.s = std::move(x);
  return v;
}
Value Value::list(std::vector<Value> items, bool tuple) {
  Value v;
  v.type = Type::List;
  auto data = std::make_shared<ListData>();
  data->items = std::move(items);
  data->is_tuple = tuple;
  v.ptr = std::move(data);
  return v;
}
Value Value::dict(bool is_namespace) {
  Value v;
  v.type = Type::Dict;
  auto data = std::make_shared<DictData>();
  data->is_namespace = is_namespace;
  v.ptr = std::move(data);
  return v;
}
Value Value::callable(std::shared_ptr<Callable> fn) {
  Value v;
  v.type = Type::Callable;
  v.ptr = std::move(fn);
  return v;
}

bool Value::is_namespace() const { return type == Type::Dict && as_dict().is_namespace; }
bool Value::is_tuple() const { return type == Type::List && as_list().is_tuple; }

const Value* DictData::find(const Value& key) const {
  if (key.type == Type::String) return find(std::string_view(key.s));
  for (const auto& [k, v] : items)
    if (equals(k, key)) return &v;
  return nullptr;
}

const Value* DictData::find(std::string_view key) const {
  for (const auto& [k, v] : items)
    if (k.type == Type::String && k.s == key) return &v;
  return nullptr;
}

void DictData::set(Value key, Value value) {
  for (auto& [k, v] : items)
    if (equals(k, key)) {
      v = std::move(value);
      return;
    }
  items.emplace_back(std::move(key), std::move(value));
}

const Value* CallArgs::get(std::size_t index, std::string_view name) const {
  if (index < pos.size()) return &pos[index];
  return kwarg(name);
}

const Value* CallArgs::kwarg(std::string_view name) const {
  for (const auto& [k, v] : kw)
    if (k == name) return &v;
  return nullptr;
}

std::string type_name(const Value& v) {
  switch (v.type) {
    case Type::Undefined: return "Undefined";
    case Type::None: return "NoneType";
    case Type::Bool: return "bool";
    case Type::Int: return "int";
    case Type::Float: return "float";
    case Type::String: return "str";
    case Type::List: return v.is_tuple() ? "tuple" : "list";
    case Type::Dict: return v.is_namespace() ? "Namespace" : "dict";
    case Type::Callable: return "function";
    case Type::Loop: return "LoopContext";
  }
  return "object";
}

bool truthy(const Value& v) {
  switch (v.type) {
    case Type::Undefined:
    case Type::None: return false;
    case Type::Bool: return v.b;
    case Type::Int: return v.i != 0;
    case Type::Float: return v.f != 0;
    case Type::String: return !v.s.empty();
    case Type::List: return !v.as_list().items.empty();
    case Type::Dict: return v.is_namespace() || !v.as_dict().items.empty();
    default: return true;
  }
}

bool equals(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.type == Type::Float || b.type == Type::Float) return a.as_double() == b.as_double();
    return a.as_int() == b.as_int();
  }
  if (a.type != b.type) return false;
  switch (a.type) {
    case Type::Undefined:
    case Type::None: return true;
    case Type::String: return a.s == b.s;
    case Type::List: {
      const auto& x = a.as_list();
      const auto& y = b.as_list();
      if (x.is_tuple != y.is_tuple || x.items.size() != y.items.size()) return false;
      for (std::size_t k = 0; k < x.items.size(); ++k)
        if (!equals(x.items[k], y.items[k])) return false;
      return true;
    }
    case Type::Dict: {
      if (a.is_namespace() || b.is_namespace()) return a.ptr == b.ptr;
      const auto& x = a.as_dict();
      const auto& y = b.as_dict();
      if (x.items.size() != y.items.size()) return false;
      for (const auto& [k, v] : x.items) {
        const Value* o = y.find(k);
        if (!o || !equals(v, *o)) return false;
      }
      return true;
    }
    default: return a.ptr == b.ptr;
  }
}

bool less(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.type == Type::Float || b.type == Type::Float) return a.as_double() < b.as_double();
    return a.as_int() < b.as_int();
  }
  if (a.type == Type::String && b.type == Type::String) return a.s < b.s;  // UTF-8 order == code point order
  if (a.type == Type::List && b.type == Type::List && a.is_tuple() == b.is_tuple()) {
    const auto& x = a.as_list().items;
    const auto& y = b.as_list().items;
    for (std::size_t k = 0; k < x.size() && k < y.size(); ++k) {
      if (equals(x[k], y[k])) continue;
      return less(x[k], y[k]);
    }
    return x.size() < y.size();
  }
  throw RenderError("'<' not supported between instances of '" + type_name(a) + "' and '" + type_name(b) + "'");
}

std::string py_float_repr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<std::size_t>(res.ptr - buf));
  std::string out;
  if (sci[0] == '-') {
    out.push_back('-');
    sci.remove_prefix(1);
  }
  std::size_t epos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, epos))
    if (c != '.') digits.push_back(c);
  int exp = std::atoi(std::string(sci.substr(epos + 1)).c_str());
  int decpt = exp + 1;
  int nd = static_cast<int>(digits.size());
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      out += "0.";
      out.append(static_cast<std::size_t>(-decpt), '0');
      out += digits;
    } else if (decpt >= nd) {
      out += digits;
      out.append(static_cast<std::size_t>(decpt - nd), '0');
      out += ".0";
    } else {
      out += digits.substr(0, static_cast<std::size_t>(decpt));
      out.push_back('.');
      out += digits.substr(static_cast<std::size_t>(decpt));
    }
  } else {
    out.push_back(digits[0]);
    if (nd > 1) {
      out.push_back('.');
      out += digits.substr(1);
    }
    char eb[16];
    std::snprintf(eb, sizeof(eb), "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
    out += eb;
  }
  return out;
}

std::string py_str_repr(std::string_view s) {
  bool has_single = s.find('\'') != std::string_view::npos;
  bool has_double = s.find('"') != std::string_view::npos;
  char quote = has_single && !has_double ? '"' : '\'';
  std::string out;
  out.push_back(quote);
  for (char32_t c : decode_utf8(s)) {
    if (c == static_cast<char32_t>(quote) || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F || (c >= 0x80 && !is_py_printable(c))) {
      char buf[16];
      if (c <= 0xFF)
        std::snprintf(buf, sizeof(buf), "\\x%02x", static_cast<unsigned>(c));
      else if (c <= 0xFFFF)
        std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(c));
      else
        std::snprintf(buf, sizeof(buf), "\\U%08x", static_cast<unsigned>(c));
      out += buf;
    } else {
      append_utf8(c, out);
    }
  }
  out.push_back(quote);
  return out;
}

void append_repr(const Value& v, std::string& out) {
  switch (v.type) {
    case Type::String: out += py_str_repr(v.s); return;
    case Type::Undefined: out += "Undefined"; return;
    case Type::List: {
      const auto& l = v.as_list();
      out.push_back(l.is_tuple ? '(' : '[');
      for (std::size_t k = 0; k < l.items.size(); ++k) {
        if (k) out += ", ";
        append_repr(l.items[k], out);
      }
      if (l.is_tuple && l.items.size() == 1) out.push_back(',');
      out.push_back(l.is_tuple ? ')' : ']');
      return;
    }
    case Type::Dict: {
      const auto& d = v.as_dict();
      if (d.is_namespace) out += "<Namespace ";
      out.push_back('{');
      bool first = true;
      for (const auto& [k, x] : d.items) {
        if (!first) out += ", ";
        first = false;
        append_repr(k, out);
        out += ": ";
        append_repr(x, out);
      }
      out.push_back('}');
      if (d.is_namespace) out.push_back('>');
      return;
    }
    default: append_str(v, out);
  }
}

void append_str(const Value& v, std::string& out) {
  switch (v.type) {
    case Type::Undefined: return;
    case Type::None: out += "None"; return;
    case Type::Bool: out += v.b ? "True" : "False"; return;
    case Type::Int: out += std::to_string(v.i); return;
    case Type::Float: out += py_float_repr(v.f); return;
    case Type::String: out += v.s; return;
    case Type::List:
    case Type::Dict: append_repr(v, out); return;
    case Type::Callable: out += v.as_callable().repr(); return;
    case Type::Loop: out += "<LoopContext>"; return;
  }
}

std::string to_str(const Value& v) {
  if (v.type == Type::String) return v.s;
  std::string out;
  append_str(v, out);
  return out;
}

namespace {

void append_json_string(std::string_view s, bool ensure_ascii, std::string& out) {
  out.push_back('"');
  auto escape = [&](char32_t c) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(c));
    out += buf;
  };
  if (!ensure_ascii) {
    for (char ch : s) {
      unsigned char c = static_cast<unsigned char>(ch);
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
          if (c < 0x20)
            escape(c);
          else
            out.push_back(ch);
      }
    }
  } else {
    for (char32_t c : decode_utf8(s)) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
          if (c < 0x20 || (c >= 0x7F && c < 0x10000 && c >= 0x7F)) {
            if (c < 0x7F && c >= 0x20)
              out.push_back(static_cast<char>(c));
            else
              escape(c);
          } else if (c >= 0x10000) {
            char32_t v = c - 0x10000;
            escape(0xD800 + (v >> 10));
            escape(0xDC00 + (v & 0x3FF));
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
    }
  }
  out.push_back('"');
}

void newline_indent(const JsonOptions& o, int depth, std::string& out) {
  out.push_back('\n');
  for (int k = 0; k < depth; ++k) out += o.indent;
}

std::string json_key(const Value& k) {
  switch (k.type) {
    case Type::String: return k.s;
    case Type::Bool: return k.b ? "true" : "false";
    case Type::None: return "null";
    case Type::Int: return std::to_string(k.i);
    case Type::Float: return py_float_repr(k.f);
    default: throw RenderError("keys must be str, int, float, bool or None, not " + type_name(k));
  }
}

}  // namespace

void append_json(const Value& v, const JsonOptions& o, std::string& out, int depth) {
  switch (v.type) {
    case Type::None: out += "null"; return;
    case Type::Bool: out += v.b ? "true" : "false"; return;
    case Type::Int: out += std::to_string(v.i); return;
    case Type::Float:
      if (std::isnan(v.f))
        out += "NaN";
      else if (std::isinf(v.f))
        out += v.f > 0 ? "Infinity" : "-Infinity";
      else
        out += py_float_repr(v.f);
      return;
    case Type::String: append_json_string(v.s, o.ensure_ascii, out); return;
    case Type::List: {
      const auto& items = v.as_list().items;
      if (items.empty()) {
        out += "[]";
        return;
      }
      out.push_back('[');
      for (std::size_t k = 0; k < items.size(); ++k) {
        if (k) out += o.item_sep;
        if (o.indent_set) newline_indent(o, depth + 1, out);
        append_json(items[k], o, out, depth + 1);
      }
      if (o.indent_set) newline_indent(o, depth, out);
      out.push_back(']');
      return;
    }
    case Type::Dict: {
      if (v.is_namespace()) break;
      const auto& d = v.as_dict();
      if (d.items.empty()) {
        out += "{}";
        return;
      }
      std::vector<const std::pair<Value, Value>*> items;
      for (const auto& kv : d.items) items.push_back(&kv);
      if (o.sort_keys)
        std::stable_sort(items.begin(), items.end(),
                         [](const auto* a, const auto* b) { return less(a->first, b->first); });
      out.push_back('{');
      bool first = true;
      for (const auto* kv : items) {
        if (!first) out += o.item_sep;
        first = false;
        if (o.indent_set) newline_indent(o, depth + 1, out);
        append_json_string(json_key(kv->first), o.ensure_ascii, out);
        out += o.key_sep;
        append_json(kv->second, o, out, depth + 1);
      }
      if (o.indent_set) newline_indent(o, depth, out);
      out.push_back('}');
      return;
    }
    default: break;
  }
  throw RenderError("Object of type " + type_name(v) + " is not JSON serializable");
}

namespace {

template <class J>
Value convert(const J& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null: return Value::none();
    case nlohmann::json::value_t::boolean: return Value::boolean(j.template get<bool>());
    case nlohmann::json::value_t::number_integer: return Value::integer(j.template get<std::int64_t>());
    case nlohmann::json::value_t::number_unsigned:
      return Value::integer(static_cast<std::int64_t>(j.template get<std::uint64_t>()));
    case nlohmann::json::value_t::number_float: return Value::number(j.template get<double>());
    case nlohmann::json::value_t::string: return Value::string(j.template get<std::string>());
    case nlohmann::json::value_t::array: {
      std::vector<Value> items;
      items.reserve(j.size());
      for (const auto& x : j) items.push_back(convert(x));
      return Value::list(std::move(items));
    }
    case nlohmann::json::value_t::object: {
      Value d = Value::dict();
      auto& data = d.as_dict();
      data.items.reserve(j.size());
      for (auto it = j.begin(); it != j.end(); ++it) data.items.emplace_back(Value::string(it.key()), convert(it.value()));
      return d;
    }
    default: return Value::none();
  }
}

}  // namespace

Value from_json(const nlohmann::json& j) { return convert(j); }
Value from_json(const nlohmann::ordered_json& j) { return convert(j); }

std::vector<Value> iterate(const Value& v) {
  switch (v.type) {
    case Type::Undefined: return {};
    case Type::List: return v.as_list().items;
    case Type::Dict: {
      if (v.is_namespace()) break;
      std::vector<Value> keys;
      keys.reserve(v.as_dict().items.size());
      for (const auto& kv : v.as_dict().items) keys.push_back(kv.first);
      return keys;
    }
    case Type::String: {
      std::vector<Value> chars;
      std::string cur;
      for (char32_t c : decode_utf8(v.s)) {
        cur.clear();
        append_utf8(c, cur);
        chars.push_back(Value::string(cur));
      }
      return chars;
    }
    default: break;
  }
  throw RenderError(std::string("'").append(type_name(v)) + "' object is not iterable");
}

}  // namespace evalrun::templates::jinja
