#pragma once
// Runtime values of the Jinja engine, modelled on the Python objects jinja2 works with: printing,
// truthiness, equality and ordering follow Python (str(), repr(), ==, <) so renders match byte for byte.
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace evalrun::templates::jinja {

// A runtime error inside the engine (converted to UserError with origin:line by the renderer).
class RenderError : public std::runtime_error {
 public:
  explicit RenderError(const std::string& message) : std::runtime_error(message) {}
};

enum class Type : std::uint8_t { Undefined, None, Bool, Int, Float, String, List, Dict, Callable, Loop };

struct Value;
struct ListData;
struct DictData;
class Callable;
struct LoopData;

struct Value {
  Type type = Type::Undefined;
  bool b = false;
  std::int64_t i = 0;
  double f = 0;
  std::string s;                // String payload; for Undefined the hint used in error messages.
  std::shared_ptr<void> ptr;    // ListData, DictData, Callable or LoopData.

  Value() = default;
  static Value undefined(std::string hint = {});
  static Value none();
  static Value boolean(bool v);
  static Value integer(std::int64_t v);
  static Value number(double v);
  static Value string(std::string v);
  static Value list(std::vector<Value> items = {}, bool tuple = false);
  static Value dict(bool is_namespace = false);
  static Value callable(std::shared_ptr<Callable> fn);

  bool is_undefined() const { return type == Type::Undefined; }
  bool is_none() const { return type == Type::None; }
  bool is_string() const { return type == Type::String; }
  bool is_list() const { return type == Type::List; }
  bool is_dict() const { return type == Type::Dict; }
  bool is_number() const { return type == Type::Bool || type == Type::Int || type == Type::Float; }
  bool is_integral() const { return type == Type::Bool || type == Type::Int; }

  ListData& as_list() const { return *static_cast<ListData*>(ptr.get()); }
  DictData& as_dict() const { return *static_cast<DictData*>(ptr.get()); }
  Callable& as_callable() const { return *static_cast<Callable*>(ptr.get()); }
  LoopData& as_loop() const { return *static_cast<LoopData*>(ptr.get()); }
  bool is_namespace() const;
  bool is_tuple() const;

  std::int64_t as_int() const { return type == Type::Bool ? (b ? 1 : 0) : i; }
  double as_double() const { return type == Type::Float ? f : static_cast<double>(as_int()); }
};

struct ListData {
  std::vector<Value> items;
  bool is_tuple = false;
};

// Insertion-ordered like a Python dict; keys are compared with Python equality (1 == 1.0 == True).
struct DictData {
  std::vector<std::pair<Value, Value>> items;
  bool is_namespace = false;
  const Value* find(const Value& key) const;
  const Value* find(std::string_view key) const;
  void set(Value key, Value value);
};

struct CallArgs {
  std::vector<Value> pos;
  std::vector<std::pair<std::string, Value>> kw;
  // Positional argument `index`, else keyword `name`, else nullptr.
  const Value* get(std::size_t index, std::string_view name) const;
  const Value* kwarg(std::string_view name) const;
};

class Renderer;

class Callable {
 public:
  virtual ~Callable() = default;
  virtual Value call(Renderer& renderer, CallArgs& args) = 0;
  virtual std::string repr() const = 0;
};

// Python's type name of a value (for error messages: "'int' object is not iterable").
std::string type_name(const Value& v);

// Python truthiness.
bool truthy(const Value& v);
// Python ==.
bool equals(const Value& a, const Value& b);
// Python <; throws RenderError for unorderable types.
bool less(const Value& a, const Value& b);

// Python str() and repr().
std::string to_str(const Value& v);
void append_str(const Value& v, std::string& out);
void append_repr(const Value& v, std::string& out);
std::string py_float_repr(double d);
std::string py_str_repr(std::string_view s);

// json.dumps(v, ensure_ascii=False, indent=indent, separators=..., sort_keys=...) as transformers calls it.
struct JsonOptions {
  bool indent_set = false;
  std::string indent;            // indentation unit when indent_set
  std::string item_sep = ", ";
  std::string key_sep = ": ";
  bool sort_keys = false;
  bool ensure_ascii = false;
};
void append_json(const Value& v, const JsonOptions& opts, std::string& out, int depth = 0);

// Conversions from/to nlohmann JSON (ordered_json keeps the input's key order, as Python dicts do).
Value from_json(const nlohmann::json& j);
Value from_json(const nlohmann::ordered_json& j);

// Iterate a value the way Python's iter() does (list items, dict keys, string characters).
std::vector<Value> iterate(const Value& v);

}  // namespace evalrun::templates::jinja
