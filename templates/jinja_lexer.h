#pragma once
// Tokenizer for Jinja source: splits text from {{ }}, {% %} and {# #}, applying jinja2's whitespace
// rules (trim_blocks, lstrip_blocks, '-' and '+' markers, raw blocks, dropped trailing newline).
#include <string>
#include <string_view>
#include <vector>

namespace evalrun::templates::jinja {

enum class Tok { Data, VarBegin, VarEnd, BlockBegin, BlockEnd, Name, String, Int, Float, Op, Eof };

struct Token {
  Tok type;
  std::string value;  // text, name, decoded string literal, number spelling or operator
  int line = 1, col = 1;
};

struct LexOptions {
  bool trim_blocks = true;
  bool lstrip_blocks = true;
  bool keep_trailing_newline = false;
};

// Throws SyntaxError (see jinja_parser.h) with line/column on malformed input.
std::vector<Token> tokenize(std::string_view source, const LexOptions& options);

// A template syntax error at a source position (the caller prefixes the origin).
struct SyntaxError {
  int line, col;
  std::string message;
};

}  // namespace evalrun::templates::jinja
