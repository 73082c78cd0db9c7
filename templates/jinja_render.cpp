#include "templates/jinja_render.h"

#include <cmath>

#include "templates/jinja_unicode.h"

namespace evalrun::templates::jinja {

namespace {

constexpr int kMaxCallDepth = 400;

class MacroFn : public Callable {
 public:
  MacroFn(const Stmt* def, std::shared_ptr<Scope> closure, Value caller = {})
      : def_(def), closure_(std::move(closure)), caller_(std::move(caller)) {}
  Value call(Renderer& r, CallArgs& args) override { return r.call_macro(*def_, closure_, args, caller_); }
  std::string repr() const override { return "<Macro '" + def_->name + "'>"; }

 private:
  const Stmt* def_;
  std::shared_ptr<Scope> closure_;
  Value caller_;
};

class BoundMethod : public Callable {
 public:
  BoundMethod(Value self, std::string name) : self_(std::move(self)), name_(std::move(name)) {}
  Value call(Renderer& r, CallArgs& args) override { return call_method(r, self_, name_, args); }
  std::string repr() const override { return "<built-in method " + name_ + " of " + type_name(self_) + " object>"; }

 private:
  Value self_;
  std::string name_;
};

Value loop_attr(const LoopData& l, const std::string& name) {
  if (name == "index") return Value::integer(l.index0 + 1);
  if (name == "index0") return Value::integer(l.index0);
  if (name == "revindex") return Value::integer(l.length - l.index0);
  if (name == "revindex0") return Value::integer(l.length - l.index0 - 1);
  if (name == "first") return Value::boolean(l.index0 == 0);
  if (name == "last") return Value::boolean(l.index0 == l.length - 1);
  if (name == "length") return Value::integer(l.length);
  if (name == "depth") return Value::integer(l.depth);
  if (name == "depth0") return Value::integer(l.depth - 1);
  if (name == "previtem")
    return l.index0 > 0 ? l.items[static_cast<std::size_t>(l.index0 - 1)] : Value::undefined("there is no previous item");
  if (name == "nextitem")
    return l.index0 + 1 < l.length ? l.items[static_cast<std::size_t>(l.index0 + 1)]
                                   : Value::undefined("there is no next item");
  return Value::undefined("'LoopContext object' has no attribute '" + name + "'");
}

}  // namespace

Value Renderer::getattr(const Value& obj, const std::string& name) {
  switch (obj.type) {
    case Type::Undefined: fail_undefined(obj);
    case Type::Dict:
      if (!obj.is_namespace() && has_method(obj, name)) return Value::callable(std::make_shared<BoundMethod>(obj, name));
      if (const Value* v = obj.as_dict().find(std::string_view(name))) return *v;
      return Value::undefined(std::string(obj.is_namespace() ? "'Namespace" : "'dict") + " object' has no attribute '" +
                              name + "'");
    case Type::Loop: return loop_attr(obj.as_loop(), name);
    default:
      if (has_method(obj, name)) return Value::callable(std::make_shared<BoundMethod>(obj, name));
      return Value::undefined(std::string("'").append(type_name(obj)) + " object' has no attribute '" + name + "'");
  }
}

Value Renderer::getitem(const Value& obj, const Value& key) {
  switch (obj.type) {
    case Type::Undefined: fail_undefined(obj);
    case Type::Dict:
      if (!obj.is_namespace()) {
        if (const Value* v = obj.as_dict().find(key)) return *v;
      }
      break;
    case Type::List:
      if (key.is_integral()) {
        const auto& items = obj.as_list().items;
        std::int64_t k = key.as_int(), n = static_cast<std::int64_t>(items.size());
        if (k < 0) k += n;
        if (k >= 0 && k < n) return items[static_cast<std::size_t>(k)];
        return Value::undefined(std::string("'").append(type_name(obj)) + " object' has no element " + to_str(key));
      }
      break;
    case Type::String:
      if (key.is_integral()) {
        std::int64_t k = key.as_int();
        if (is_ascii(obj.s)) {
          std::int64_t n = static_cast<std::int64_t>(obj.s.size());
          if (k < 0) k += n;
          if (k >= 0 && k < n) return Value::string(std::string(1, obj.s[static_cast<std::size_t>(k)]));
        } else {
          std::u32string u = decode_utf8(obj.s);
          std::int64_t n = static_cast<std::int64_t>(u.size());
          if (k < 0) k += n;
          if (k >= 0 && k < n) {
            std::string out;
            append_utf8(u[static_cast<std::size_t>(k)], out);
            return Value::string(std::move(out));
          }
        }
        return Value::undefined("'str object' has no element " + to_str(key));
      }
      break;
    default: break;
  }
  if (key.is_string()) return getattr(obj, key.s);
  std::string k;
  append_repr(key, k);
  return Value::undefined(std::string("'").append(type_name(obj)) + " object' has no element " + k);
}

Value Renderer::lookup(const std::string& name) {
  for (Scope* s = scope_.get(); s; s = s->parent.get())
    if (Value* v = s->find_local(name)) return *v;
  if (const Value* g = find_global(name)) return *g;
  return Value::undefined("'" + name + "' is undefined");
}

void Renderer::eval_args(const Expr& e, CallArgs& args) {
  args.pos.reserve(e.items.size());
  for (const auto& a : e.items) args.pos.push_back(eval(*a));
  for (const auto& kw : e.kwargs) args.kw.emplace_back(kw.name, eval(*kw.value));
  if (e.dyn_args) {
    Value extra = eval(*e.dyn_args);
    for (auto& v : iterate(extra)) args.pos.push_back(std::move(v));
  }
  if (e.dyn_kwargs) {
    Value extra = eval(*e.dyn_kwargs);
    if (!extra.is_dict()) throw RenderError("argument after ** must be a mapping");
    for (const auto& [k, v] : extra.as_dict().items) args.kw.emplace_back(to_str(k), v);
  }
}

Value Renderer::call(const Value& fn, CallArgs& args) {
  if (fn.type == Type::Callable) {
    if (++call_depth_ > kMaxCallDepth) {
      call_depth_ = 0;
      throw RenderError("maximum recursion depth exceeded");
    }
    Value result = fn.as_callable().call(*this, args);
    --call_depth_;
    return result;
  }
  if (fn.type == Type::Loop) {
    LoopData& l = fn.as_loop();
    if (!l.stmt || !l.stmt->recursive)
      throw RenderError("Tried to call non recursive loop.  Maybe you forgot the 'recursive' modifier.");
    if (args.pos.size() != 1) throw RenderError("loop() takes exactly one argument");
    return render_loop(*l.stmt, filter_items(*l.stmt, iterate(args.pos[0]), l.outer), l.depth + 1, l.outer);
  }
  if (fn.is_undefined()) fail_undefined(fn);
  throw RenderError(std::string("'").append(type_name(fn)) + "' object is not callable");
}

Value Renderer::eval_call(const Expr& e) {
  const Expr& callee = *e.a;
  CallArgs args;
  if (callee.kind == ExprKind::Getattr) {
    // Method calls dispatch directly without materialising a bound method.
    Value obj = eval(*callee.a);
    line_ = e.line;
    if (obj.type == Type::Loop && callee.name == "cycle") {
      eval_args(e, args);
      if (args.pos.empty()) throw RenderError("no items for cycling given");
      const LoopData& l = obj.as_loop();
      return args.pos[static_cast<std::size_t>(l.index0) % args.pos.size()];
    }
    if (!obj.is_undefined() && !obj.is_namespace() && obj.type != Type::Loop && has_method(obj, callee.name)) {
      eval_args(e, args);
      line_ = e.line;
      return call_method(*this, obj, callee.name, args);
    }
    Value fn = getattr(obj, callee.name);
    eval_args(e, args);
    line_ = e.line;
    return call(fn, args);
  }
  Value fn = eval(callee);
  eval_args(e, args);
  line_ = e.line;
  return call(fn, args);
}

Value Renderer::apply_filter_chain(const Expr& e, Value base) {
  Value input = e.a ? apply_filter_chain(*e.a, std::move(base)) : std::move(base);
  CallArgs args;
  eval_args(e, args);
  line_ = e.line;
  if (e.name != "default" && e.name != "d") strict(input);
  return apply_filter(*this, e.name, input, args);
}

Value Renderer::eval(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Const: return e.value;
    case ExprKind::Name: return lookup(e.name);
    case ExprKind::Getattr: {
      Value obj = eval(*e.a);
      line_ = e.line;
      return getattr(obj, e.name);
    }
    case ExprKind::Getitem: {
      Value obj = eval(*e.a);
      if (e.b->kind == ExprKind::Slice) {
        const Expr& s = *e.b;
        Value start = s.a ? eval(*s.a) : Value::none();
        Value stop = s.b ? eval(*s.b) : Value::none();
        Value step = s.c ? eval(*s.c) : Value::none();
        line_ = e.line;
        return slice_value(obj, start, stop, step);
      }
      Value key = eval(*e.b);
      line_ = e.line;
      return getitem(obj, key);
    }
    case ExprKind::Slice: throw RenderError("slice outside of subscript");
    case ExprKind::Call: return eval_call(e);
    case ExprKind::Filter: {
      Value input = eval(*e.a);
      CallArgs args;
      eval_args(e, args);
      line_ = e.line;
      if (e.name != "default" && e.name != "d") strict(input);
      return apply_filter(*this, e.name, input, args);
    }
    case ExprKind::Test: {
      Value input = eval(*e.a);
      CallArgs args;
      eval_args(e, args);
      line_ = e.line;
      return Value::boolean(apply_test(*this, e.name, input, args));
    }
    case ExprKind::Neg:
    case ExprKind::Pos: {
      Value v = eval(*e.a);
      line_ = e.line;
      if (v.is_undefined()) fail_undefined(v);
      if (!v.is_number()) throw RenderError("bad operand type for unary " + std::string(e.kind == ExprKind::Neg ? "-" : "+") + ": '" + type_name(v) + "'");
      if (e.kind == ExprKind::Pos) return v.type == Type::Bool ? Value::integer(v.as_int()) : v;
      return v.type == Type::Float ? Value::number(-v.f) : Value::integer(-v.as_int());
    }
    case ExprKind::Not: return Value::boolean(!truthy(strict(eval(*e.a))));
    case ExprKind::And: {
      Value a = strict(eval(*e.a));
      return truthy(a) ? eval(*e.b) : a;
    }
    case ExprKind::Or: {
      Value a = strict(eval(*e.a));
      return truthy(a) ? a : eval(*e.b);
    }
    case ExprKind::Binary: {
      Value a = eval(*e.a);
      Value b = eval(*e.b);
      line_ = e.line;
      return binary_op(e.op, a, b);
    }
    case ExprKind::Compare: {
      Value left = eval(*e.a);
      for (const auto& [op, rhs] : e.ops) {
        Value right = eval(*rhs);
        line_ = e.line;
        strict(left);
        strict(right);
        bool ok;
        switch (op) {
          case CmpOp::Eq: ok = equals(left, right); break;
          case CmpOp::Ne: ok = !equals(left, right); break;
          case CmpOp::Lt: ok = less(left, right); break;
          case CmpOp::Le: ok = less(left, right) || equals(left, right); break;
          case CmpOp::Gt: ok = less(right, left); break;
          case CmpOp::Ge: ok = less(right, left) || equals(left, right); break;
          case CmpOp::In: ok = contains(right, left); break;
          default: ok = !contains(right, left); break;
        }
        if (!ok) return Value::boolean(false);
        left = std::move(right);
      }
      return Value::boolean(true);
    }
    case ExprKind::Concat: {
      std::string out;
      for (const auto& item : e.items) append_str(strict(eval(*item)), out);
      return Value::string(std::move(out));
    }
    case ExprKind::CondExpr:
      if (truthy(strict(eval(*e.a)))) return eval(*e.b);
      if (e.c) return eval(*e.c);
      return Value::undefined("the inline if-expression on line " + std::to_string(e.line) +
                              " evaluated to false and no else section was defined.");
    case ExprKind::List:
    case ExprKind::Tuple: {
      std::vector<Value> items;
      items.reserve(e.items.size());
      for (const auto& item : e.items) items.push_back(eval(*item));
      return Value::list(std::move(items), e.kind == ExprKind::Tuple);
    }
    case ExprKind::Dict: {
      Value d = Value::dict();
      for (std::size_t k = 0; k < e.items.size(); ++k) d.as_dict().set(eval(*e.items[k]), eval(*e.values[k]));
      return d;
    }
  }
  throw RenderError("unknown expression");
}

// ---- statements ---------------------------------------------------------------------------------

void Renderer::render(const Body& body, std::string& out) {
  out_ = &out;
  exec(body);
}

Flow Renderer::exec(const Body& body) {
  for (const auto& s : body) {
    Flow f = exec_stmt(*s);
    if (f != Flow::Normal) return f;
  }
  return Flow::Normal;
}

std::string Renderer::capture(const Body& body) {
  std::string buf;
  std::string* saved = out_;
  out_ = &buf;
  try {
    exec(body);
  } catch (...) {
    out_ = saved;
    throw;
  }
  out_ = saved;
  return buf;
}

void Renderer::assign(const Target& t, const Value& v, Scope& scope) {
  switch (t.kind) {
    case Target::Name: scope.set(t.name, v); return;
    case Target::NsAttr: {
      Value ns = lookup(t.name);
      if (!ns.is_namespace()) throw RenderError("cannot assign attribute on non-namespace object");
      ns.as_dict().set(Value::string(t.attr), v);
      return;
    }
    case Target::Tuple: {
      std::vector<Value> items = iterate(v);
      if (items.size() != t.items.size())
        throw RenderError(items.size() > t.items.size() ? "too many values to unpack (expected " + std::to_string(t.items.size()) + ")"
                                                        : "not enough values to unpack (expected " + std::to_string(t.items.size()) +
                                                              ", got " + std::to_string(items.size()) + ")");
      for (std::size_t k = 0; k < items.size(); ++k) assign(t.items[k], items[k], scope);
      return;
    }
  }
}

Value Renderer::call_macro(const Stmt& def, const std::shared_ptr<Scope>& closure, CallArgs& args, const Value& caller) {
  auto scope = std::make_shared<Scope>(closure);
  std::size_t npos = args.pos.size();
  std::vector<bool> used_kw(args.kw.size(), false);
  Value caller_value = caller;
  std::shared_ptr<Scope> saved = scope_;
  scope_ = scope;
  try {
    for (std::size_t k = 0; k < def.params.size(); ++k) {
      const MacroParam& p = def.params[k];
      const Value* v = nullptr;
      if (k < npos) {
        v = &args.pos[k];
      } else {
        for (std::size_t j = 0; j < args.kw.size(); ++j)
          if (args.kw[j].first == p.name) {
            v = &args.kw[j].second;
            used_kw[j] = true;
          }
      }
      if (v)
        scope->set(p.name, *v);
      else if (p.default_value)
        scope->set(p.name, eval(*p.default_value));  // defaults may refer to earlier parameters
      else
        scope->set(p.name, Value::undefined("parameter '" + p.name + "' was not provided"));
    }
    std::vector<Value> varargs;
    for (std::size_t k = def.params.size(); k < npos; ++k) varargs.push_back(args.pos[k]);
    Value kwargs = Value::dict();
    for (std::size_t j = 0; j < args.kw.size(); ++j) {
      if (used_kw[j]) continue;
      if (args.kw[j].first == "caller")
        caller_value = args.kw[j].second;
      else
        kwargs.as_dict().set(Value::string(args.kw[j].first), args.kw[j].second);
    }
    scope->set("varargs", Value::list(std::move(varargs), true));
    scope->set("kwargs", kwargs);
    if (!caller_value.is_undefined()) scope->set("caller", caller_value);
    std::string out = capture(def.body);
    scope_ = saved;
    return Value::string(std::move(out));
  } catch (...) {
    scope_ = saved;
    throw;
  }
}

// `outer` is taken by value: callers pass scope_, which the loop reassigns.
std::vector<Value> Renderer::filter_items(const Stmt& s, std::vector<Value> items, std::shared_ptr<Scope> outer) {
  if (!s.filter) return items;
  std::vector<Value> kept;
  std::shared_ptr<Scope> saved = scope_;
  try {
    for (auto& item : items) {
      scope_ = std::make_shared<Scope>(outer);
      assign(s.target, item, *scope_);
      if (truthy(strict(eval(*s.filter)))) kept.push_back(std::move(item));
    }
  } catch (...) {
    scope_ = saved;
    throw;
  }
  scope_ = saved;
  return kept;
}

Value Renderer::render_loop(const Stmt& s, std::vector<Value> items, int depth, std::shared_ptr<Scope> outer) {
  std::string buf;
  std::string* saved_out = out_;
  std::shared_ptr<Scope> saved_scope = scope_;
  out_ = &buf;
  try {
    if (items.empty()) {
      scope_ = std::make_shared<Scope>(outer);
      exec(s.else_body);
    } else {
      auto data = std::make_shared<LoopData>();
      data->length = static_cast<std::int64_t>(items.size());
      data->items = std::move(items);
      data->depth = depth;
      data->stmt = &s;
      data->outer = outer;
      Value loop;
      loop.type = Type::Loop;
      loop.ptr = data;
      for (std::size_t k = 0; k < data->items.size(); ++k) {
        data->index0 = static_cast<std::int64_t>(k);
        scope_ = std::make_shared<Scope>(outer);  // jinja2: assignments do not survive the iteration
        assign(s.target, data->items[k], *scope_);
        scope_->set("loop", loop);
        if (exec(s.body) == Flow::Break) break;
      }
    }
  } catch (...) {
    out_ = saved_out;
    scope_ = saved_scope;
    throw;
  }
  out_ = saved_out;
  scope_ = saved_scope;
  return Value::string(std::move(buf));
}

void Renderer::exec_for(const Stmt& s) {
  Value seq = eval(*s.expr);
  line_ = s.line;
  std::vector<Value> items = filter_items(s, iterate(strict(seq)), scope_);
  Value out = render_loop(s, std::move(items), 1, scope_);
  *out_ += out.s;
}

Flow Renderer::exec_stmt(const Stmt& s) {
  line_ = s.line;
  switch (s.kind) {
    case StmtKind::Text: *out_ += s.text; return Flow::Normal;
    case StmtKind::Print: append_str(strict(eval(*s.expr)), *out_); return Flow::Normal;
    case StmtKind::If: return truthy(strict(eval(*s.expr))) ? exec(s.body) : exec(s.else_body);
    case StmtKind::For: exec_for(s); return Flow::Normal;
    case StmtKind::Set: {
      Value v = eval(*s.expr);
      line_ = s.line;
      assign(s.target, v, *scope_);
      return Flow::Normal;
    }
    case StmtKind::SetBlock: {
      Value v = Value::string(capture(s.body));
      if (s.filter) v = apply_filter_chain(*s.filter, std::move(v));
      assign(s.target, v, *scope_);
      return Flow::Normal;
    }
    case StmtKind::FilterBlock: {
      Value v = apply_filter_chain(*s.filter, Value::string(capture(s.body)));
      append_str(v, *out_);
      return Flow::Normal;
    }
    case StmtKind::Macro:
      scope_->set(s.name, Value::callable(std::make_shared<MacroFn>(&s, scope_)));
      return Flow::Normal;
    case StmtKind::CallBlock: {
      Value caller = Value::callable(std::make_shared<MacroFn>(&s, scope_));
      const Expr& call_expr = *s.expr;
      Value fn = eval(*call_expr.a);
      CallArgs args;
      eval_args(call_expr, args);
      args.kw.emplace_back("caller", caller);
      line_ = s.line;
      append_str(call(fn, args), *out_);
      return Flow::Normal;
    }
    case StmtKind::With: {
      std::vector<Value> values;
      for (const auto& v : s.with_values) values.push_back(eval(*v));
      auto scope = std::make_shared<Scope>(scope_);
      for (std::size_t k = 0; k < values.size(); ++k) assign(s.with_targets[k], values[k], *scope);
      std::shared_ptr<Scope> saved = scope_;
      scope_ = scope;
      Flow f;
      try {
        f = exec(s.body);
      } catch (...) {
        scope_ = saved;
        throw;
      }
      scope_ = saved;
      return f;
    }
    case StmtKind::Scope: {  // rendered like a call block: assignments stay inside
      std::shared_ptr<Scope> saved = scope_;
      scope_ = std::make_shared<Scope>(saved);
      Flow f;
      try {
        f = exec(s.body);
      } catch (...) {
        scope_ = saved;
        throw;
      }
      scope_ = saved;
      return f;
    }
    case StmtKind::Break: return Flow::Break;
    case StmtKind::Continue: return Flow::Continue;
  }
  return Flow::Normal;
}

}  // namespace evalrun::templates::jinja
