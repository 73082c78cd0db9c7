#pragma once
// A Jinja engine sufficient for Hugging Face chat templates and task prompt templates, rendering
// exactly as transformers' jinja2 sandbox does (trim_blocks, lstrip_blocks, tojson ensure_ascii=False).
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace evalrun::templates {

// Per-render settings beyond the context.
struct RenderOptions {
  // The clock behind strftime_now(); unset means the current local time (tests pin a date).
  std::optional<std::tm> now;
};

// The jinja2 Environment settings that change output.
struct ParseOptions {
  bool trim_blocks = true;             // transformers' chat-template environment
  bool lstrip_blocks = true;
  bool keep_trailing_newline = false;  // jinja2 default: one trailing newline of the source is dropped
  bool strict_undefined = false;       // jinja2.StrictUndefined: printing/testing an undefined value fails
};

// transformers' chat-template environment (trim_blocks, lstrip_blocks, lenient Undefined).
ParseOptions chat_template_options();
// lm-evaluation-harness's prompt environment for doc_to_text/doc_to_target/doc_to_choice:
// Environment(undefined=StrictUndefined, keep_trailing_newline=True), no trim/lstrip.
ParseOptions lm_eval_options();

// A parsed template; parse once, render many times (thread-safe rendering).
class Template {
 public:
  // Throws UserError "<origin>:<line>:<col>: <what>" on syntax errors.
  static std::shared_ptr<const Template> parse(std::string_view source, const std::string& origin,
                                               bool trim_blocks = true, bool lstrip_blocks = true);
  static std::shared_ptr<const Template> parse(std::string_view source, const std::string& origin,
                                               const ParseOptions& options);
  virtual ~Template() = default;
  // Throws UserError "<origin>:<line>: <what>" on runtime errors (undefined filter, raise_exception's
  // message, ...).
  virtual std::string render(const nlohmann::json& context) const = 0;
  // Same, keeping the context's key order (as Python dicts do: visible through tojson/items()).
  virtual std::string render(const nlohmann::ordered_json& context, const RenderOptions& options) const = 0;
  virtual std::string render(const nlohmann::json& context, const RenderOptions& options) const = 0;
};

// Convenience: parse + render (used by task doc_to_text templates; callers cache Templates when hot).
// Uses lm_eval_options(), so prompts render exactly as lm-evaluation-harness renders them.
std::string render_template(std::string_view source, const nlohmann::json& context,
                            const std::string& origin = "<template>");
std::string render_template(std::string_view source, const nlohmann::json& context, const std::string& origin,
                            const ParseOptions& options);

}  // namespace evalrun::templates
