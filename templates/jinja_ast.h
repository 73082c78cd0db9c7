#pragma once
// The syntax tree produced by the parser and walked by the renderer.
#include <memory>
#include <string>
#include <vector>

#include "templates/jinja_value.h"

namespace evalrun::templates::jinja {

enum class ExprKind {
  Const, Name, Getattr, Getitem, Slice, Call, Filter, Test, Neg, Pos, Not, And, Or, Binary, Compare, Concat,
  CondExpr, List, Tuple, Dict
};

enum class BinOp { Add, Sub, Mul, Div, FloorDiv, Mod, Pow };
enum class CmpOp { Eq, Ne, Lt, Le, Gt, Ge, In, NotIn };

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Keyword {
  std::string name;
  ExprPtr value;
};

struct Expr {
  ExprKind kind;
  int line = 0;
  Value value;                    // Const
  std::string name;               // Name, Getattr attribute, Filter/Test name
  ExprPtr a, b, c;                // operands (Getattr/Getitem object, Slice start/stop/step, CondExpr ...)
  std::vector<ExprPtr> items;     // List/Tuple items, Dict keys, Call/Filter/Test positional args, Concat
  std::vector<ExprPtr> values;    // Dict values
  std::vector<Keyword> kwargs;    // Call/Filter/Test keyword args
  ExprPtr dyn_args, dyn_kwargs;   // *args / **kwargs
  BinOp op = BinOp::Add;
  std::vector<std::pair<CmpOp, ExprPtr>> ops;  // Compare chain
  Expr(ExprKind k, int l) : kind(k), line(l) {}
};

enum class StmtKind { Text, Print, If, For, Set, SetBlock, Macro, CallBlock, FilterBlock, With, Break, Continue, Scope };

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

// Assignment target: a name, a namespace attribute (ns.attr) or a tuple of targets.
struct Target {
  enum Kind { Name, NsAttr, Tuple } kind = Name;
  std::string name, attr;
  std::vector<Target> items;
};

struct MacroParam {
  std::string name;
  ExprPtr default_value;
};

struct Stmt {
  StmtKind kind;
  int line = 0;
  std::string text;               // Text
  ExprPtr expr;                   // Print, If test, For iter, Set value, CallBlock call, filters
  ExprPtr filter;                 // For `if` filter, SetBlock/FilterBlock filter chain (input is null)
  Target target;                  // For, Set, SetBlock
  Body body, else_body;           // If/For/Macro/CallBlock/SetBlock/FilterBlock/With/Scope
  std::string name;               // Macro name
  std::vector<MacroParam> params; // Macro / CallBlock caller parameters
  bool recursive = false;         // For ... recursive
  std::vector<Target> with_targets;
  std::vector<ExprPtr> with_values;
  Stmt(StmtKind k, int l) : kind(k), line(l) {}
};

}  // namespace evalrun::templates::jinja
