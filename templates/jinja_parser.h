#pragma once
// Recursive-descent parser following jinja2's grammar and operator precedence (parser.py).
#include <string_view>

#include "templates/jinja_ast.h"
#include "templates/jinja_lexer.h"

namespace evalrun::templates::jinja {

// Throws SyntaxError with the line/column of the offending token.
Body parse(std::string_view source, const LexOptions& options);

}  // namespace evalrun::templates::jinja
