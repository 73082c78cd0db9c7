// jinja2's builtin tests ({{ x is defined }}) and the global functions transformers' sandbox exposes.
#include <chrono>
#include <cmath>
#include <functional>
#include <unordered_map>

#include "templates/jinja_render.h"
#include "templates/jinja_unicode.h"

namespace evalrun::templates::jinja {

namespace {

using TestFn = std::function<bool(Renderer&, const Value&, CallArgs&)>;

const Value& need(CallArgs& a, std::size_t i, const char* name) {
  const Value* v = a.get(i, name);
  if (!v) throw RenderError(std::string("test is missing argument '") + name + "'");
  return *v;
}

const std::unordered_map<std::string, TestFn>& tests() {
  static const std::unordered_map<std::string, TestFn> table = [] {
    std::unordered_map<std::string, TestFn> t;
    t["defined"] = [](Renderer&, const Value& v, CallArgs&) { return !v.is_undefined(); };
    t["undefined"] = [](Renderer&, const Value& v, CallArgs&) { return v.is_undefined(); };
    t["none"] = [](Renderer&, const Value& v, CallArgs&) { return v.is_none(); };
    t["string"] = [](Renderer&, const Value& v, CallArgs&) { return v.is_string(); };
    t["mapping"] = [](Renderer&, const Value& v, CallArgs&) { return v.is_dict() && !v.is_namespace(); };
    t["iterable"] = [](Renderer&, const Value& v, CallArgs&) {
      return v.is_undefined() || v.is_string() || v.is_list() || (v.is_dict() && !v.is_namespace());
    };
    t["sequence"] = [](Renderer&, const Value& v, CallArgs&) {
      return v.is_undefined() || v.is_string() || v.is_list() || (v.is_dict() && !v.is_namespace());
    };
    t["number"] = [](Renderer&, const Value& v, CallArgs&) { return v.is_number(); };
    t["integer"] = [](Renderer&, const Value& v, CallArgs&) { return v.type == Type::Int; };
    t["float"] = [](Renderer&, const Value& v, CallArgs&) { return v.type == Type::Float; };
    t["boolean"] = [](Renderer&, const Value& v, CallArgs&) { return v.type == Type::Bool; };
    t["true"] = [](Renderer&, const Value& v, CallArgs&) { return v.type == Type::Bool && v.b; };
    t["false"] = [](Renderer&, const Value& v, CallArgs&) { return v.type == Type::Bool && !v.b; };
    t["callable"] = [](Renderer&, const Value& v, CallArgs&) { return v.type == Type::Callable || v.type == Type::Loop; };
    t["odd"] = [](Renderer&, const Value& v, CallArgs&) {
      if (!v.is_integral()) throw RenderError("odd: expected an integer");
      return v.as_int() % 2 != 0;
    };
    t["even"] = [](Renderer&, const Value& v, CallArgs&) {
      if (!v.is_integral()) throw RenderError("even: expected an integer");
      return v.as_int() % 2 == 0;
    };
    t["divisibleby"] = [](Renderer&, const Value& v, CallArgs& a) {
      const Value& n = need(a, 0, "num");
      if (!v.is_number() || !n.is_number()) throw RenderError("divisibleby: expected numbers");
      Value m = binary_op(BinOp::Mod, v, n);
      return m.as_double() == 0;
    };
    t["eq"] = [](Renderer&, const Value& v, CallArgs& a) { return equals(v, need(a, 0, "other")); };
    t["equalto"] = t["eq"];
    t["=="] = t["eq"];
    t["ne"] = [](Renderer&, const Value& v, CallArgs& a) { return !equals(v, need(a, 0, "other")); };
    t["!="] = t["ne"];
    t["lt"] = [](Renderer&, const Value& v, CallArgs& a) { return less(v, need(a, 0, "other")); };
    t["lessthan"] = t["lt"];
    t["<"] = t["lt"];
    t["le"] = [](Renderer&, const Value& v, CallArgs& a) {
      const Value& o = need(a, 0, "other");
      return less(v, o) || equals(v, o);
    };
    t["<="] = t["le"];
    t["gt"] = [](Renderer&, const Value& v, CallArgs& a) { return less(need(a, 0, "other"), v); };
    t["greaterthan"] = t["gt"];
    t[">"] = t["gt"];
    t["ge"] = [](Renderer&, const Value& v, CallArgs& a) {
      const Value& o = need(a, 0, "other");
      return less(o, v) || equals(v, o);
    };
    t[">="] = t["ge"];
    t["in"] = [](Renderer&, const Value& v, CallArgs& a) { return contains(need(a, 0, "seq"), v); };
    t["sameas"] = [](Renderer&, const Value& v, CallArgs& a) {
      const Value& o = need(a, 0, "other");
      if (v.type != o.type) return false;
      if (v.is_none() || v.is_undefined()) return true;
      if (v.type == Type::Bool) return v.b == o.b;
      if (v.ptr || o.ptr) return v.ptr == o.ptr;
      return equals(v, o);
    };
    t["lower"] = [](Renderer&, const Value& v, CallArgs&) { return v.is_string() && py_islower(v.s); };
    t["upper"] = [](Renderer&, const Value& v, CallArgs&) { return v.is_string() && py_isupper(v.s); };
    t["escaped"] = [](Renderer&, const Value&, CallArgs&) { return false; };
    t["filter"] = [](Renderer&, const Value& v, CallArgs&) { return v.is_string() && has_filter(v.s); };
    t["test"] = [](Renderer&, const Value& v, CallArgs&) { return v.is_string() && has_test(v.s); };
    return t;
  }();
  return table;
}

// ---- globals ------------------------------------------------------------------------------------

class Builtin : public Callable {
 public:
  using Fn = std::function<Value(Renderer&, CallArgs&)>;
  Builtin(std::string name, Fn fn) : name_(std::move(name)), fn_(std::move(fn)) {}
  Value call(Renderer& r, CallArgs& args) override { return fn_(r, args); }
  std::string repr() const override { return "<function " + name_ + ">"; }

 private:
  std::string name_;
  Fn fn_;
};

void merge_mapping(DictData& into, const Value& src) {
  if (src.is_dict()) {
    for (const auto& [k, v] : src.as_dict().items) into.set(k, v);
    return;
  }
  for (const Value& pair : iterate(src)) {
    std::vector<Value> kv = iterate(pair);
    if (kv.size() != 2) throw RenderError("dictionary update sequence element has wrong length");
    into.set(kv[0], kv[1]);
  }
}

Value range_fn(Renderer&, CallArgs& a) {
  std::int64_t start = 0, stop = 0, step = 1;
  for (const auto& v : a.pos)
    if (!v.is_integral()) throw RenderError(std::string("'").append(type_name(v)) + "' object cannot be interpreted as an integer");
  if (a.pos.size() == 1) {
    stop = a.pos[0].as_int();
  } else if (a.pos.size() == 2 || a.pos.size() == 3) {
    start = a.pos[0].as_int();
    stop = a.pos[1].as_int();
    if (a.pos.size() == 3) step = a.pos[2].as_int();
  } else {
    throw RenderError("range expected 1 to 3 arguments");
  }
  if (step == 0) throw RenderError("range() arg 3 must not be zero");
  std::vector<Value> out;
  for (std::int64_t k = start; step > 0 ? k < stop : k > stop; k += step) {
    if (out.size() >= 100000) throw RenderError("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
    out.push_back(Value::integer(k));
  }
  return Value::list(std::move(out));
}

Value strftime_now_fn(Renderer& r, CallArgs& a) {
  const Value* fmt = a.get(0, "format");
  if (!fmt || !fmt->is_string()) throw RenderError("strftime_now() expects a format string");
  std::tm tm{};
  if (r.options().fixed_now) {
    tm = *r.options().fixed_now;
  } else {
    std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    localtime_r(&now, &tm);
  }
  if (fmt->s.empty()) return Value::string("");
  std::string buf(256 + fmt->s.size() * 8, '\0');
  std::size_t n = std::strftime(buf.data(), buf.size(), fmt->s.c_str(), &tm);
  buf.resize(n);
  return Value::string(std::move(buf));
}

class Joiner : public Callable {
 public:
  explicit Joiner(std::string sep) : sep_(std::move(sep)) {}
  Value call(Renderer&, CallArgs&) override {
    if (first_) {
      first_ = false;
      return Value::string("");
    }
    return Value::string(sep_);
  }
  std::string repr() const override { return "<Joiner>"; }

 private:
  std::string sep_;
  bool first_ = true;
};

const std::unordered_map<std::string, Value>& globals() {
  static const std::unordered_map<std::string, Value> table = [] {
    std::unordered_map<std::string, Value> g;
    auto add = [&](const std::string& name, Builtin::Fn fn) {
      g[name] = Value::callable(std::make_shared<Builtin>(name, std::move(fn)));
    };
    add("range", range_fn);
    add("namespace", [](Renderer&, CallArgs& a) {
      Value ns = Value::dict(true);
      for (const auto& v : a.pos) merge_mapping(ns.as_dict(), v);
      for (const auto& [k, v] : a.kw) ns.as_dict().set(Value::string(k), v);
      return ns;
    });
    add("dict", [](Renderer&, CallArgs& a) {
      Value d = Value::dict();
      for (const auto& v : a.pos) merge_mapping(d.as_dict(), v);
      for (const auto& [k, v] : a.kw) d.as_dict().set(Value::string(k), v);
      return d;
    });
    add("raise_exception", [](Renderer&, CallArgs& a) -> Value {
      throw RenderError(a.pos.empty() ? std::string("raise_exception() called") : to_str(a.pos[0]));
    });
    add("strftime_now", strftime_now_fn);
    add("joiner", [](Renderer&, CallArgs& a) {
      const Value* sep = a.get(0, "sep");
      return Value::callable(std::make_shared<Joiner>(sep ? to_str(*sep) : ", "));
    });
    return g;
  }();
  return table;
}

}  // namespace

bool has_test(const std::string& name) { return tests().count(name) > 0; }

bool apply_test(Renderer& r, const std::string& name, const Value& input, CallArgs& args) {
  auto it = tests().find(name);
  if (it == tests().end()) throw RenderError("no test named '" + name + "'");
  return it->second(r, input, args);
}

const Value* find_global(const std::string& name) {
  auto it = globals().find(name);
  return it == globals().end() ? nullptr : &it->second;
}

}  // namespace evalrun::templates::jinja
