// Python semantics of the operators (+ - * / // % **, `in`, slicing) on template values.
#include <cmath>
#include <cstdio>
#include <optional>

#include "templates/jinja_render.h"
#include "templates/jinja_unicode.h"

namespace evalrun::templates::jinja {

namespace {

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

std::int64_t py_mod(std::int64_t a, std::int64_t b) {
  std::int64_t m = a % b;
  if (m != 0 && ((m < 0) != (b < 0))) m += b;
  return m;
}

// CPython's float divmod (floatobject.c), so // and % round exactly as Python does.
std::pair<double, double> py_divmod(double vx, double wx) {
  double mod = std::fmod(vx, wx);
  double div = (vx - mod) / wx;
  if (mod != 0) {
    if ((wx < 0) != (mod < 0)) {
      mod += wx;
      div -= 1.0;
    }
  } else {
    mod = std::copysign(0.0, wx);
  }
  double floordiv;
  if (div != 0) {
    floordiv = std::floor(div);
    if (div - floordiv > 0.5) floordiv += 1.0;
  } else {
    floordiv = std::copysign(0.0, vx / wx);
  }
  return {floordiv, mod};
}

[[noreturn]] void unsupported(const char* op, const Value& a, const Value& b) {
  throw RenderError(std::string("unsupported operand type(s) for ") + op + ": '" + type_name(a) + "' and '" +
                    type_name(b) + "'");
}

Value repeat(const Value& seq, std::int64_t n) {
  if (seq.is_string()) {
    std::string out;
    for (std::int64_t k = 0; k < n; ++k) out += seq.s;
    return Value::string(std::move(out));
  }
  std::vector<Value> out;
  for (std::int64_t k = 0; k < n; ++k)
    for (const auto& v : seq.as_list().items) out.push_back(v);
  return Value::list(std::move(out), seq.is_tuple());
}

// Python's old-style "%" formatting for the common conversions (%s %r %d %i %f %%).
Value percent_format(const std::string& fmt, const Value& args) {
  std::vector<Value> list;
  const DictData* mapping = nullptr;
  if (args.is_tuple())
    list = args.as_list().items;
  else if (args.is_dict())
    mapping = &args.as_dict();
  else
    list.push_back(args);
  std::size_t next = 0;
  std::string out;
  for (std::size_t k = 0; k < fmt.size(); ++k) {
    if (fmt[k] != '%') {
      out.push_back(fmt[k]);
      continue;
    }
    if (++k >= fmt.size()) throw RenderError("incomplete format");
    const Value* arg = nullptr;
    if (fmt[k] == '(' && mapping) {
      std::size_t e = fmt.find(')', k);
      if (e == std::string::npos) throw RenderError("incomplete format key");
      arg = mapping->find(std::string_view(fmt).substr(k + 1, e - k - 1));
      if (!arg) throw RenderError("KeyError in format");
      k = e + 1;
    }
    std::string spec;
    while (k < fmt.size() && std::string_view("0123456789.-+ #").find(fmt[k]) != std::string_view::npos) spec += fmt[k++];
    if (k >= fmt.size()) throw RenderError("incomplete format");
    char conv = fmt[k];
    if (conv == '%') {
      out.push_back('%');
      continue;
    }
    if (!arg) {
      if (next >= list.size()) throw RenderError("not enough arguments for format string");
      arg = &list[next++];
    }
    char buf[512];
    switch (conv) {
      case 's': out += to_str(*arg); break;
      case 'r': append_repr(*arg, out); break;
      case 'd':
      case 'i':
        if (!arg->is_number()) throw RenderError("%d format: a real number is required, not " + type_name(*arg));
        std::snprintf(buf, sizeof(buf), ("%" + spec + "lld").c_str(),
                      static_cast<long long>(arg->type == Type::Float ? std::trunc(arg->f) : arg->as_int()));
        out += buf;
        break;
      case 'f':
      case 'e':
      case 'g':
        if (!arg->is_number()) throw RenderError("must be real number, not " + type_name(*arg));
        std::snprintf(buf, sizeof(buf), ("%" + spec + conv).c_str(), arg->as_double());
        out += buf;
        break;
      default: throw RenderError(std::string("unsupported format character '") + conv + "'");
    }
  }
  if (!mapping && next < list.size()) throw RenderError("not all arguments converted during string formatting");
  return Value::string(std::move(out));
}

}  // namespace

[[noreturn]] void fail_undefined(const Value& v) {
  throw RenderError(v.s.empty() ? "value is undefined" : v.s);
}

Value binary_op(BinOp op, const Value& a, const Value& b) {
  if (a.is_undefined()) fail_undefined(a);
  if (b.is_undefined()) fail_undefined(b);
  bool nums = a.is_number() && b.is_number();
  bool ints = a.is_integral() && b.is_integral();
  switch (op) {
    case BinOp::Add:
      if (ints) return Value::integer(a.as_int() + b.as_int());
      if (nums) return Value::number(a.as_double() + b.as_double());
      if (a.is_string() && b.is_string()) return Value::string(a.s + b.s);
      if (a.is_list() && b.is_list() && a.is_tuple() == b.is_tuple()) {
        std::vector<Value> items = a.as_list().items;
        items.insert(items.end(), b.as_list().items.begin(), b.as_list().items.end());
        return Value::list(std::move(items), a.is_tuple());
      }
      if (a.is_string() || b.is_string()) {
        if (a.is_string()) throw RenderError("can only concatenate str (not \"" + type_name(b) + "\") to str");
      }
      unsupported("+", a, b);
    case BinOp::Sub:
      if (ints) return Value::integer(a.as_int() - b.as_int());
      if (nums) return Value::number(a.as_double() - b.as_double());
      unsupported("-", a, b);
    case BinOp::Mul:
      if (ints) return Value::integer(a.as_int() * b.as_int());
      if (nums) return Value::number(a.as_double() * b.as_double());
      if ((a.is_string() || a.is_list()) && b.is_integral()) return repeat(a, b.as_int());
      if ((b.is_string() || b.is_list()) && a.is_integral()) return repeat(b, a.as_int());
      unsupported("*", a, b);
    case BinOp::Div:
      if (!nums) unsupported("/", a, b);
      if (b.as_double() == 0) throw RenderError("division by zero");
      return Value::number(a.as_double() / b.as_double());
    case BinOp::FloorDiv:
      if (!nums) unsupported("//", a, b);
      if (b.as_double() == 0) throw RenderError("integer division or modulo by zero");
      if (ints) return Value::integer(floor_div(a.as_int(), b.as_int()));
      return Value::number(py_divmod(a.as_double(), b.as_double()).first);
    case BinOp::Mod:
      if (a.is_string()) return percent_format(a.s, b);
      if (!nums) unsupported("%", a, b);
      if (b.as_double() == 0) throw RenderError("integer division or modulo by zero");
      if (ints) return Value::integer(py_mod(a.as_int(), b.as_int()));
      return Value::number(py_divmod(a.as_double(), b.as_double()).second);
    case BinOp::Pow:
      if (!nums) unsupported("** or pow()", a, b);
      if (ints && b.as_int() >= 0) {
        std::int64_t r = 1, base = a.as_int();
        for (std::int64_t e = b.as_int(); e > 0; --e) r *= base;
        return Value::integer(r);
      }
      return Value::number(std::pow(a.as_double(), b.as_double()));
  }
  unsupported("?", a, b);
}

bool contains(const Value& container, const Value& item) {
  switch (container.type) {
    case Type::Undefined: return false;
    case Type::String:
      if (!item.is_string()) throw RenderError("'in <string>' requires string as left operand, not " + type_name(item));
      return container.s.find(item.s) != std::string::npos;
    case Type::List:
      for (const auto& v : container.as_list().items)
        if (equals(v, item)) return true;
      return false;
    case Type::Dict:
      if (container.is_namespace()) break;
      return container.as_dict().find(item) != nullptr;
    default: break;
  }
  throw RenderError("argument of type '" + type_name(container) + "' is not iterable");
}

Value slice_value(const Value& obj, const Value& start_v, const Value& stop_v, const Value& step_v) {
  if (obj.is_undefined()) fail_undefined(obj);
  auto as_index = [](const Value& v, const char* what) -> std::optional<std::int64_t> {
    if (v.is_none() || v.is_undefined()) return std::nullopt;
    if (!v.is_integral()) throw RenderError(std::string("slice ") + what + " must be an integer or None");
    return v.as_int();
  };
  std::int64_t step = as_index(step_v, "step").value_or(1);
  if (step == 0) throw RenderError("slice step cannot be zero");
  bool is_str = obj.is_string();
  if (!is_str && !obj.is_list()) return Value::undefined(std::string("'").append(type_name(obj)) + "' object is not subscriptable");
  std::u32string chars;
  bool ascii = is_str && is_ascii(obj.s);
  if (is_str && !ascii) chars = decode_utf8(obj.s);
  std::int64_t len = is_str ? static_cast<std::int64_t>(ascii ? obj.s.size() : chars.size())
                            : static_cast<std::int64_t>(obj.as_list().items.size());
  std::int64_t lower = step > 0 ? 0 : -1, upper = step > 0 ? len : len - 1;
  auto clamp = [&](std::optional<std::int64_t> v, std::int64_t def) {
    if (!v) return def;
    std::int64_t x = *v;
    if (x < 0) {
      x += len;
      if (x < lower) x = lower;
    } else if (x > upper) {
      x = upper;
    }
    return x;
  };
  std::int64_t start = clamp(as_index(start_v, "start"), step > 0 ? lower : upper);
  std::int64_t stop = clamp(as_index(stop_v, "stop"), step > 0 ? upper : lower);
  if (is_str) {
    std::string out;
    for (std::int64_t k = start; step > 0 ? k < stop : k > stop; k += step) {
      if (ascii)
        out.push_back(obj.s[static_cast<std::size_t>(k)]);
      else
        append_utf8(chars[static_cast<std::size_t>(k)], out);
    }
    return Value::string(std::move(out));
  }
  std::vector<Value> out;
  const auto& items = obj.as_list().items;
  for (std::int64_t k = start; step > 0 ? k < stop : k > stop; k += step) out.push_back(items[static_cast<std::size_t>(k)]);
  return Value::list(std::move(out), obj.is_tuple());
}

}  // namespace evalrun::templates::jinja
