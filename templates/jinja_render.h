#pragma once
// Tree-walking interpreter over the parsed template (no re-parsing per render).
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "templates/jinja_ast.h"

namespace evalrun::templates::jinja {

struct Scope {
  std::vector<std::pair<std::string, Value>> vars;
  std::shared_ptr<Scope> parent;
  explicit Scope(std::shared_ptr<Scope> p = nullptr) : parent(std::move(p)) {}
  Value* find_local(std::string_view name) {
    for (auto& [k, v] : vars)
      if (k == name) return &v;
    return nullptr;
  }
  void set(const std::string& name, Value v) {
    if (Value* slot = find_local(name))
      *slot = std::move(v);
    else
      vars.emplace_back(name, std::move(v));
  }
};

struct LoopData {
  std::int64_t index0 = 0;
  std::int64_t length = 0;
  int depth = 1;
  std::vector<Value> items;
  const Stmt* stmt = nullptr;          // for `recursive` loops
  std::shared_ptr<Scope> outer;        // scope the loop runs in
};

struct EngineOptions {
  std::optional<std::tm> fixed_now;    // strftime_now's clock (tests pin it); local time otherwise
  bool strict_undefined = false;       // jinja2.StrictUndefined: using an undefined value is an error
};

enum class Flow { Normal, Break, Continue };

[[noreturn]] void fail_undefined(const Value& v);

class Renderer {
 public:
  Renderer(const EngineOptions& options, std::shared_ptr<Scope> root) : options_(options), scope_(std::move(root)) {}

  // Renders `body`; RenderError escapes with line() naming the failing statement's line.
  void render(const Body& body, std::string& out);
  int line() const { return line_; }
  // With StrictUndefined, printing/testing/iterating/comparing an undefined value fails.
  const Value& strict(const Value& v) const {
    if (options_.strict_undefined && v.is_undefined()) fail_undefined(v);
    return v;
  }
  const EngineOptions& options() const { return options_; }

  Value eval(const Expr& e);
  Value call(const Value& fn, CallArgs& args);
  Value getattr(const Value& obj, const std::string& name);
  Value getitem(const Value& obj, const Value& key);
  // Renders a macro / caller body in a new scope and returns its output.
  Value call_macro(const Stmt& def, const std::shared_ptr<Scope>& closure, CallArgs& args, const Value& caller);
  Value render_loop(const Stmt& s, std::vector<Value> items, int depth, std::shared_ptr<Scope> outer);

 private:
  const EngineOptions& options_;
  std::shared_ptr<Scope> scope_;
  std::string* out_ = nullptr;
  int line_ = 0;
  int call_depth_ = 0;

  Flow exec(const Body& body);
  Flow exec_stmt(const Stmt& s);
  void exec_for(const Stmt& s);
  void assign(const Target& t, const Value& v, Scope& scope);
  std::string capture(const Body& body);
  Value lookup(const std::string& name);
  void eval_args(const Expr& e, CallArgs& args);
  Value eval_call(const Expr& e);
  Value apply_filter_chain(const Expr& e, Value base);
  std::vector<Value> filter_items(const Stmt& s, std::vector<Value> items, std::shared_ptr<Scope> outer);
};

// Python binary operators and helpers shared by filters.
Value binary_op(BinOp op, const Value& a, const Value& b);
bool contains(const Value& container, const Value& item);
Value slice_value(const Value& obj, const Value& start, const Value& stop, const Value& step);
[[noreturn]] void fail_undefined(const Value& v);

// Filters, tests and methods (jinja_filters.cpp, jinja_methods.cpp).
bool has_filter(const std::string& name);
Value apply_filter(Renderer& r, const std::string& name, const Value& input, CallArgs& args);
bool has_test(const std::string& name);
bool apply_test(Renderer& r, const std::string& name, const Value& input, CallArgs& args);
bool has_method(const Value& self, const std::string& name);
Value call_method(Renderer& r, const Value& self, const std::string& name, CallArgs& args);
// jinja2's environment.getattr with dotted paths ("a.b.0"), as selectattr/map(attribute=) use.
Value get_attribute_path(Renderer& r, const Value& obj, const std::string& path);
// The global functions (range, namespace, dict, raise_exception, strftime_now, joiner).
const Value* find_global(const std::string& name);

}  // namespace evalrun::templates::jinja
