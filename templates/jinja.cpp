#include "templates/jinja.h"

#include "common/errors.h"
#include "templates/jinja_parser.h"
#include "templates/jinja_render.h"

namespace evalrun::templates {

namespace {

using namespace jinja;

class ParsedTemplate : public Template {
 public:
  ParsedTemplate(Body body, std::string origin, bool strict)
      : body_(std::move(body)), origin_(std::move(origin)), strict_(strict) {}

  std::string render(const nlohmann::json& context) const override { return render_value(from_json(context), {}); }
  std::string render(const nlohmann::ordered_json& context, const RenderOptions& options) const override {
    return render_value(from_json(context), options);
  }
  std::string render(const nlohmann::json& context, const RenderOptions& options) const override {
    return render_value(from_json(context), options);
  }

 private:
  Body body_;
  std::string origin_;
  bool strict_;

  std::string render_value(const Value& context, const RenderOptions& options) const {
    if (!context.is_dict() && !context.is_none())
      throw UserError(origin_ + ": the template context must be a JSON object");
    auto root = std::make_shared<Scope>();
    if (context.is_dict())
      for (const auto& [k, v] : context.as_dict().items) root->set(to_str(k), v);
    EngineOptions engine;
    engine.fixed_now = options.now;
    engine.strict_undefined = strict_;
    Renderer renderer(engine, std::make_shared<Scope>(root));
    std::string out;
    try {
      renderer.render(body_, out);
    } catch (const RenderError& e) {
      throw UserError(origin_ + ":" + std::to_string(renderer.line()) + ": " + e.what());
    }
    return out;
  }
};

}  // namespace

ParseOptions chat_template_options() { return ParseOptions{}; }

ParseOptions lm_eval_options() {
  ParseOptions o;
  o.trim_blocks = false;
  o.lstrip_blocks = false;
  o.keep_trailing_newline = true;
  o.strict_undefined = true;
  return o;
}

std::shared_ptr<const Template> Template::parse(std::string_view source, const std::string& origin, bool trim_blocks,
                                                bool lstrip_blocks) {
  ParseOptions o;
  o.trim_blocks = trim_blocks;
  o.lstrip_blocks = lstrip_blocks;
  return parse(source, origin, o);
}

std::shared_ptr<const Template> Template::parse(std::string_view source, const std::string& origin,
                                                const ParseOptions& options) {
  LexOptions lex;
  lex.trim_blocks = options.trim_blocks;
  lex.lstrip_blocks = options.lstrip_blocks;
  lex.keep_trailing_newline = options.keep_trailing_newline;
  try {
    return std::make_shared<ParsedTemplate>(jinja::parse(source, lex), origin, options.strict_undefined);
  } catch (const SyntaxError& e) {
    throw UserError(origin + ":" + std::to_string(e.line) + ":" + std::to_string(e.col) + ": " + e.message);
  }
}

std::string render_template(std::string_view source, const nlohmann::json& context, const std::string& origin) {
  return render_template(source, context, origin, lm_eval_options());
}

std::string render_template(std::string_view source, const nlohmann::json& context, const std::string& origin,
                            const ParseOptions& options) {
  return Template::parse(source, origin, options)->render(context);
}

}  // namespace evalrun::templates
