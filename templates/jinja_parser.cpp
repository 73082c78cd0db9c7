#include "templates/jinja_parser.h"

#include <cstdlib>
#include <initializer_list>

namespace evalrun::templates::jinja {

namespace {

std::string describe(const Token& t) {
  switch (t.type) {
    case Tok::Data: return "template data";
    case Tok::VarBegin: return "begin of print statement";
    case Tok::VarEnd: return "end of print statement";
    case Tok::BlockBegin: return "begin of statement block";
    case Tok::BlockEnd: return "end of statement block";
    case Tok::Eof: return "end of template";
    case Tok::String: return "string";
    case Tok::Int: return "integer";
    case Tok::Float: return "float";
    default: return t.value;
  }
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : toks_(std::move(tokens)) {}

  Body parse_template() {
    Body body = subparse({});
    if (cur().type != Tok::Eof) fail("unexpected '" + describe(cur()) + "'");
    return body;
  }

 private:
  std::vector<Token> toks_;
  std::size_t pos_ = 0;

  const Token& cur() const { return toks_[pos_]; }
  const Token& look(std::size_t n = 1) const { return toks_[std::min(pos_ + n, toks_.size() - 1)]; }
  const Token& next() {
    const Token& t = toks_[pos_];
    if (pos_ + 1 < toks_.size()) ++pos_;
    return t;
  }
  bool is_op(const char* op) const { return cur().type == Tok::Op && cur().value == op; }
  bool is_name(const char* name) const { return cur().type == Tok::Name && cur().value == name; }
  bool skip_op(const char* op) {
    if (!is_op(op)) return false;
    next();
    return true;
  }
  bool skip_name(const char* name) {
    if (!is_name(name)) return false;
    next();
    return true;
  }

  [[noreturn]] void fail(const std::string& msg) const { throw SyntaxError{cur().line, cur().col, msg}; }
  [[noreturn]] void fail_at(const Token& t, const std::string& msg) const { throw SyntaxError{t.line, t.col, msg}; }

  void expect_op(const char* op) {
    if (!skip_op(op)) fail(std::string("expected '") + op + "', got '" + describe(cur()) + "'");
  }
  std::string expect_name() {
    if (cur().type != Tok::Name) fail("expected name, got '" + describe(cur()) + "'");
    return next().value;
  }
  void expect(Tok type, const char* what) {
    if (cur().type != type) fail(std::string("expected ") + what + ", got '" + describe(cur()) + "'");
    next();
  }

  // ---- statements -------------------------------------------------------------------------------

  bool at_end_tag(std::initializer_list<const char*> ends) const {
    if (cur().type != Tok::Name) return false;
    for (const char* e : ends)
      if (cur().value == e) return true;
    return false;
  }

  // Parses until a block whose first name is one of `ends`; leaves the stream at that name.
  Body subparse(std::initializer_list<const char*> ends) {
    Body body;
    while (cur().type != Tok::Eof) {
      const Token& t = cur();
      if (t.type == Tok::Data) {
        auto s = std::make_unique<Stmt>(StmtKind::Text, t.line);
        s->text = t.value;
        body.push_back(std::move(s));
        next();
      } else if (t.type == Tok::VarBegin) {
        next();
        auto s = std::make_unique<Stmt>(StmtKind::Print, t.line);
        s->expr = parse_tuple(true, {});
        expect(Tok::VarEnd, "end of print statement");
        body.push_back(std::move(s));
      } else if (t.type == Tok::BlockBegin) {
        next();
        if (ends.size() && at_end_tag(ends)) return body;
        body.push_back(parse_statement());
        expect(Tok::BlockEnd, "end of statement block");
      } else {
        fail("unexpected '" + describe(t) + "'");
      }
    }
    if (ends.size()) {
      std::string list;
      for (const char* e : ends) {
        if (!list.empty()) list += " or ";
        list.append("'").append(e).append("'");
      }
      fail("unexpected end of template, expected " + list);
    }
    return body;
  }

  Body parse_statements(std::initializer_list<const char*> ends, bool drop_needle) {
    skip_op(":");
    expect(Tok::BlockEnd, "end of statement block");
    Body body = subparse(ends);
    if (drop_needle) next();
    return body;
  }

  StmtPtr parse_statement() {
    const Token& t = cur();
    if (t.type != Tok::Name) fail("tag name expected");
    const std::string& n = t.value;
    int line = t.line;
    if (n == "if") return parse_if();
    if (n == "for") return parse_for();
    if (n == "set") return parse_set();
    if (n == "macro") return parse_macro();
    if (n == "call") return parse_call_block();
    if (n == "filter") return parse_filter_block();
    if (n == "with") return parse_with();
    if (n == "break" || n == "continue") {
      next();
      return std::make_unique<Stmt>(n == "break" ? StmtKind::Break : StmtKind::Continue, line);
    }
    if (n == "generation") {  // transformers' AssistantTracker extension: renders its body unchanged
      next();
      auto s = std::make_unique<Stmt>(StmtKind::Scope, line);
      s->body = parse_statements({"endgeneration"}, true);
      return s;
    }
    fail("encountered unknown tag '" + n + "'");
  }

  StmtPtr parse_if() {
    int line = next().line;
    auto root = std::make_unique<Stmt>(StmtKind::If, line);
    Stmt* node = root.get();
    while (true) {
      node->expr = parse_tuple(false, {});
      node->body = parse_statements({"elif", "else", "endif"}, false);
      const Token& t = next();
      if (t.value == "elif") {
        auto elif = std::make_unique<Stmt>(StmtKind::If, t.line);
        Stmt* raw = elif.get();
        node->else_body.push_back(std::move(elif));
        node = raw;
        continue;
      }
      if (t.value == "else") node->else_body = parse_statements({"endif"}, true);
      break;
    }
    return root;
  }

  StmtPtr parse_for() {
    int line = next().line;
    auto s = std::make_unique<Stmt>(StmtKind::For, line);
    s->target = parse_assign_target(true, false, {"in"});
    if (!skip_name("in")) fail("expected 'in', got '" + describe(cur()) + "'");
    s->expr = parse_tuple(false, {"recursive"});
    if (skip_name("if")) s->filter = parse_expression(true);
    s->recursive = skip_name("recursive");
    s->body = parse_statements({"endfor", "else"}, false);
    if (next().value == "else") s->else_body = parse_statements({"endfor"}, true);
    return s;
  }

  StmtPtr parse_set() {
    int line = next().line;
    Target target = parse_assign_target(true, true, {});
    if (skip_op("=")) {
      auto s = std::make_unique<Stmt>(StmtKind::Set, line);
      s->target = std::move(target);
      s->expr = parse_tuple(true, {});
      return s;
    }
    auto s = std::make_unique<Stmt>(StmtKind::SetBlock, line);
    s->target = std::move(target);
    if (is_op("|")) s->filter = parse_filter(nullptr, false);
    s->body = parse_statements({"endset"}, true);
    return s;
  }

  void parse_signature(std::vector<MacroParam>& params) {
    expect_op("(");
    while (!is_op(")")) {
      if (!params.empty()) expect_op(",");
      MacroParam p;
      p.name = expect_name();
      if (skip_op("="))
        p.default_value = parse_expression(true);
      else if (!params.empty() && params.back().default_value)
        fail("non-default argument follows default argument");
      params.push_back(std::move(p));
    }
    expect_op(")");
  }

  StmtPtr parse_macro() {
    int line = next().line;
    auto s = std::make_unique<Stmt>(StmtKind::Macro, line);
    s->name = expect_name();
    parse_signature(s->params);
    s->body = parse_statements({"endmacro"}, true);
    return s;
  }

  StmtPtr parse_call_block() {
    int line = next().line;
    auto s = std::make_unique<Stmt>(StmtKind::CallBlock, line);
    if (is_op("(")) parse_signature(s->params);
    s->expr = parse_expression(true);
    if (s->expr->kind != ExprKind::Call) fail_at(toks_[pos_ - 1], "expected call");
    s->body = parse_statements({"endcall"}, true);
    return s;
  }

  StmtPtr parse_filter_block() {
    int line = next().line;
    auto s = std::make_unique<Stmt>(StmtKind::FilterBlock, line);
    s->filter = parse_filter(nullptr, true);
    s->body = parse_statements({"endfilter"}, true);
    return s;
  }

  StmtPtr parse_with() {
    int line = next().line;
    auto s = std::make_unique<Stmt>(StmtKind::With, line);
    while (cur().type != Tok::BlockEnd) {
      if (!s->with_targets.empty()) expect_op(",");
      s->with_targets.push_back(parse_assign_target(true, false, {}));
      expect_op("=");
      s->with_values.push_back(parse_expression(true));
    }
    s->body = parse_statements({"endwith"}, true);
    return s;
  }

  Target parse_assign_target(bool with_tuple, bool with_namespace, std::initializer_list<const char*> extra_end) {
    if (with_namespace && cur().type == Tok::Name && look().type == Tok::Op && look().value == ".") {
      Target t;
      t.kind = Target::NsAttr;
      t.name = next().value;
      next();
      t.attr = expect_name();
      return t;
    }
    if (!with_tuple) {
      Target t;
      t.name = expect_name();
      return t;
    }
    // Simplified tuple: names separated by commas, optionally parenthesised.
    std::vector<Target> items;
    bool is_tuple = false;
    while (true) {
      if (!items.empty()) expect_op(",");
      if (cur().type == Tok::BlockEnd || cur().type == Tok::VarEnd || is_op(")") || at_end_tag(extra_end) ||
          is_op("=")) {
        break;
      }
      if (skip_op("(")) {
        Target inner = parse_assign_target(true, false, {});
        expect_op(")");
        items.push_back(std::move(inner));
      } else {
        Target t;
        t.name = expect_name();
        items.push_back(std::move(t));
      }
      if (is_op(","))
        is_tuple = true;
      else
        break;
    }
    if (items.empty()) fail("can't assign to an empty target");
    if (!is_tuple) return std::move(items[0]);
    Target t;
    t.kind = Target::Tuple;
    t.items = std::move(items);
    return t;
  }

  // ---- expressions ------------------------------------------------------------------------------

  ExprPtr make(ExprKind k) { return std::make_unique<Expr>(k, cur().line); }

  ExprPtr parse_tuple(bool with_condexpr, std::initializer_list<const char*> extra_end, bool explicit_parens = false) {
    int line = cur().line;
    std::vector<ExprPtr> args;
    bool is_tuple = false;
    while (true) {
      if (!args.empty()) expect_op(",");
      if (cur().type == Tok::VarEnd || cur().type == Tok::BlockEnd || is_op(")") || at_end_tag(extra_end)) break;
      args.push_back(parse_expression(with_condexpr));
      if (is_op(","))
        is_tuple = true;
      else
        break;
    }
    if (!is_tuple) {
      if (!args.empty()) return std::move(args[0]);
      if (!explicit_parens) fail("expected an expression, got '" + describe(cur()) + "'");
    }
    auto e = std::make_unique<Expr>(ExprKind::Tuple, line);
    e->items = std::move(args);
    return e;
  }

  ExprPtr parse_expression(bool with_condexpr) { return with_condexpr ? parse_condexpr() : parse_or(); }

  ExprPtr parse_condexpr() {
    ExprPtr expr = parse_or();
    while (is_name("if")) {
      int line = next().line;
      auto e = std::make_unique<Expr>(ExprKind::CondExpr, line);
      e->a = parse_or();  // condition
      e->b = std::move(expr);
      if (skip_name("else")) e->c = parse_condexpr();
      expr = std::move(e);
    }
    return expr;
  }

  ExprPtr parse_or() {
    ExprPtr left = parse_and();
    while (is_name("or")) {
      auto e = make(ExprKind::Or);
      next();
      e->a = std::move(left);
      e->b = parse_and();
      left = std::move(e);
    }
    return left;
  }

  ExprPtr parse_and() {
    ExprPtr left = parse_not();
    while (is_name("and")) {
      auto e = make(ExprKind::And);
      next();
      e->a = std::move(left);
      e->b = parse_not();
      left = std::move(e);
    }
    return left;
  }

  ExprPtr parse_not() {
    if (is_name("not")) {
      auto e = make(ExprKind::Not);
      next();
      e->a = parse_not();
      return e;
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    int line = cur().line;
    ExprPtr expr = parse_math1();
    std::vector<std::pair<CmpOp, ExprPtr>> ops;
    while (true) {
      CmpOp op;
      if (cur().type == Tok::Op && (cur().value == "==" || cur().value == "!=" || cur().value == "<" ||
                                    cur().value == "<=" || cur().value == ">" || cur().value == ">=")) {
        const std::string& v = cur().value;
        op = v == "==" ? CmpOp::Eq : v == "!=" ? CmpOp::Ne : v == "<" ? CmpOp::Lt : v == "<=" ? CmpOp::Le
             : v == ">" ? CmpOp::Gt : CmpOp::Ge;
        next();
      } else if (is_name("in")) {
        next();
        op = CmpOp::In;
      } else if (is_name("not") && look().type == Tok::Name && look().value == "in") {
        next();
        next();
        op = CmpOp::NotIn;
      } else {
        break;
      }
      ops.emplace_back(op, parse_math1());
    }
    if (ops.empty()) return expr;
    auto e = std::make_unique<Expr>(ExprKind::Compare, line);
    e->a = std::move(expr);
    e->ops = std::move(ops);
    return e;
  }

  ExprPtr binary(BinOp op, ExprPtr left, ExprPtr right, int line) {
    auto e = std::make_unique<Expr>(ExprKind::Binary, line);
    e->op = op;
    e->a = std::move(left);
    e->b = std::move(right);
    return e;
  }

  ExprPtr parse_math1() {
    ExprPtr left = parse_concat();
    while (is_op("+") || is_op("-")) {
      int line = cur().line;
      BinOp op = next().value == "+" ? BinOp::Add : BinOp::Sub;
      left = binary(op, std::move(left), parse_concat(), line);
    }
    return left;
  }

  ExprPtr parse_concat() {
    int line = cur().line;
    ExprPtr first = parse_math2();
    if (!is_op("~")) return first;
    auto e = std::make_unique<Expr>(ExprKind::Concat, line);
    e->items.push_back(std::move(first));
    while (skip_op("~")) e->items.push_back(parse_math2());
    return e;
  }

  ExprPtr parse_math2() {
    ExprPtr left = parse_pow();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      int line = cur().line;
      const std::string& v = next().value;
      BinOp op = v == "*" ? BinOp::Mul : v == "/" ? BinOp::Div : v == "//" ? BinOp::FloorDiv : BinOp::Mod;
      left = binary(op, std::move(left), parse_pow(), line);
    }
    return left;
  }

  ExprPtr parse_pow() {
    ExprPtr left = parse_unary(true);
    while (is_op("**")) {
      int line = next().line;
      left = binary(BinOp::Pow, std::move(left), parse_unary(true), line);
    }
    return left;
  }

  ExprPtr parse_unary(bool with_filter) {
    ExprPtr node;
    if (is_op("-") || is_op("+")) {
      auto e = make(next().value == "-" ? ExprKind::Neg : ExprKind::Pos);
      e->a = parse_unary(false);
      node = std::move(e);
    } else {
      node = parse_primary();
    }
    node = parse_postfix(std::move(node));
    if (with_filter) node = parse_filter_expr(std::move(node));
    return node;
  }

  ExprPtr parse_primary() {
    const Token& t = cur();
    if (t.type == Tok::Name) {
      auto e = make(ExprKind::Const);
      if (t.value == "true" || t.value == "True") {
        e->value = Value::boolean(true);
      } else if (t.value == "false" || t.value == "False") {
        e->value = Value::boolean(false);
      } else if (t.value == "none" || t.value == "None") {
        e->value = Value::none();
      } else {
        e->kind = ExprKind::Name;
        e->name = t.value;
      }
      next();
      return e;
    }
    if (t.type == Tok::String) {
      auto e = make(ExprKind::Const);
      std::string buf;
      while (cur().type == Tok::String) buf += next().value;  // adjacent literals concatenate
      e->value = Value::string(std::move(buf));
      return e;
    }
    if (t.type == Tok::Int || t.type == Tok::Float) {
      auto e = make(ExprKind::Const);
      if (t.type == Tok::Int) {
        errno = 0;
        long long v = std::strtoll(t.value.c_str(), nullptr, 10);
        if (errno == ERANGE) fail("integer literal too large");
        e->value = Value::integer(v);
      } else {
        e->value = Value::number(std::strtod(t.value.c_str(), nullptr));
      }
      next();
      return e;
    }
    if (is_op("(")) {
      next();
      ExprPtr e = parse_tuple(true, {}, true);
      expect_op(")");
      return e;
    }
    if (is_op("[")) {
      auto e = make(ExprKind::List);
      next();
      while (!is_op("]")) {
        if (!e->items.empty()) expect_op(",");
        if (is_op("]")) break;
        e->items.push_back(parse_expression(true));
      }
      expect_op("]");
      return e;
    }
    if (is_op("{")) {
      auto e = make(ExprKind::Dict);
      next();
      while (!is_op("}")) {
        if (!e->items.empty()) expect_op(",");
        if (is_op("}")) break;
        e->items.push_back(parse_expression(true));
        expect_op(":");
        e->values.push_back(parse_expression(true));
      }
      expect_op("}");
      return e;
    }
    fail("unexpected '" + describe(t) + "'");
  }

  ExprPtr parse_postfix(ExprPtr node) {
    while (true) {
      if (is_op(".") || is_op("["))
        node = parse_subscript(std::move(node));
      else if (is_op("("))
        node = parse_call(std::move(node));
      else
        return node;
    }
  }

  ExprPtr parse_filter_expr(ExprPtr node) {
    while (true) {
      if (is_op("|"))
        node = parse_filter(std::move(node), false);
      else if (is_name("is"))
        node = parse_test(std::move(node));
      else if (is_op("("))
        node = parse_call(std::move(node));
      else
        return node;
    }
  }

  ExprPtr parse_subscript(ExprPtr node) {
    const Token& t = next();
    if (t.value == ".") {
      const Token& attr = cur();
      if (attr.type == Tok::Name) {
        auto e = std::make_unique<Expr>(ExprKind::Getattr, t.line);
        e->a = std::move(node);
        e->name = next().value;
        return e;
      }
      if (attr.type != Tok::Int) fail("expected name or number");
      auto e = std::make_unique<Expr>(ExprKind::Getitem, t.line);
      e->a = std::move(node);
      e->b = std::make_unique<Expr>(ExprKind::Const, t.line);
      e->b->value = Value::integer(std::strtoll(next().value.c_str(), nullptr, 10));
      return e;
    }
    std::vector<ExprPtr> args;
    while (!is_op("]")) {
      if (!args.empty()) expect_op(",");
      args.push_back(parse_subscribed());
    }
    expect_op("]");
    auto e = std::make_unique<Expr>(ExprKind::Getitem, t.line);
    e->a = std::move(node);
    if (args.size() == 1) {
      e->b = std::move(args[0]);
    } else {
      e->b = std::make_unique<Expr>(ExprKind::Tuple, t.line);
      e->b->items = std::move(args);
    }
    return e;
  }

  ExprPtr parse_subscribed() {
    int line = cur().line;
    ExprPtr start;
    if (!is_op(":")) {
      start = parse_expression(true);
      if (!is_op(":")) return start;
    }
    next();  // ':'
    auto e = std::make_unique<Expr>(ExprKind::Slice, line);
    e->a = std::move(start);
    if (!is_op("]") && !is_op(",") && !is_op(":")) e->b = parse_expression(true);
    if (skip_op(":")) {
      if (!is_op("]") && !is_op(",")) e->c = parse_expression(true);
    }
    return e;
  }

  void parse_call_args(Expr& e) {
    expect_op("(");
    bool require_comma = false;
    while (!is_op(")")) {
      if (require_comma) {
        expect_op(",");
        if (is_op(")")) break;
      }
      if (skip_op("*")) {
        e.dyn_args = parse_expression(true);
      } else if (skip_op("**")) {
        e.dyn_kwargs = parse_expression(true);
      } else if (cur().type == Tok::Name && look().type == Tok::Op && look().value == "=") {
        Keyword kw;
        kw.name = next().value;
        next();
        kw.value = parse_expression(true);
        e.kwargs.push_back(std::move(kw));
      } else {
        if (e.dyn_args || e.dyn_kwargs || !e.kwargs.empty()) fail("invalid syntax for function call expression");
        e.items.push_back(parse_expression(true));
      }
      require_comma = true;
    }
    expect_op(")");
  }

  ExprPtr parse_call(ExprPtr node) {
    auto e = make(ExprKind::Call);
    e->a = std::move(node);
    parse_call_args(*e);
    return e;
  }

  std::string dotted_name() {
    std::string name = expect_name();
    while (skip_op(".")) {
      name.push_back('.');
      name += expect_name();
    }
    return name;
  }

  ExprPtr parse_filter(ExprPtr node, bool start_inline) {
    while (is_op("|") || start_inline) {
      if (!start_inline) next();
      start_inline = false;
      auto e = make(ExprKind::Filter);
      e->name = dotted_name();
      e->a = std::move(node);
      if (is_op("(")) parse_call_args(*e);
      node = std::move(e);
    }
    return node;
  }

  ExprPtr parse_test(ExprPtr node) {
    int line = next().line;  // 'is'
    bool negated = skip_name("not");
    auto e = std::make_unique<Expr>(ExprKind::Test, line);
    e->name = dotted_name();
    e->a = std::move(node);
    if (is_op("(")) {
      parse_call_args(*e);
    } else if ((cur().type == Tok::Name || cur().type == Tok::String || cur().type == Tok::Int ||
                cur().type == Tok::Float || is_op("[") || is_op("{")) &&
               !is_name("else") && !is_name("or") && !is_name("and")) {
      if (is_name("is")) fail("You cannot chain multiple tests with is");
      e->items.push_back(parse_postfix(parse_primary()));
    }
    if (!negated) return e;
    auto n = std::make_unique<Expr>(ExprKind::Not, line);
    n->a = std::move(e);
    return n;
  }
};

}  // namespace

Body parse(std::string_view source, const LexOptions& options) {
  return Parser(tokenize(source, options)).parse_template();
}

}  // namespace evalrun::templates::jinja
