#pragma once
// A Jinja engine sufficient for Hugging Face chat templates and task prompt templates, rendering
// exactly as transformers' jinja2 sandbox does (trim_blocks, lstrip_blocks, tojson ensure_ascii=False).
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace evalrun::templates {

// A parsed template; parse once, render many times (thread-safe rendering).
class Template {
 public:
  // Throws UserError "<origin>:<line>:<col>: <what>" on syntax errors.
  static std::shared_ptr<const Template> parse(std::string_view source, const std::string& origin,
                                               bool trim_blocks = true, bool lstrip_blocks = true);
  virtual ~Template() = default;
  // Throws UserError on runtime errors (undefined filter, raise_exception's message, ...).
  virtual std::string render(const nlohmann::json& context) const = 0;
};

// Convenience: parse + render (used by task doc_to_text templates; callers cache Templates when hot).
std::string render_template(std::string_view source, const nlohmann::json& context,
                            const std::string& origin = "<template>");

}  // namespace evalrun::templates
