#pragma once
// The chat template of a model directory (tokenizer_config.json: chat_template as a string or a named
// list; bos/eos tokens as strings or {"content": ...} objects; a chat_template.jinja file wins, as in
// newer transformers).
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "templates/jinja.h"

namespace evalrun::templates {

class ChatTemplate {
 public:
  // Returns nullptr when the model directory has no chat template; throws UserError on bad files or
  // when `name` is not among the named templates.
  static std::unique_ptr<ChatTemplate> load(const std::filesystem::path& model_dir,
                                            const std::string& name = "default");
  static std::unique_ptr<ChatTemplate> from_source(const std::string& source, const std::string& bos,
                                                   const std::string& eos, const std::string& origin);

  // messages: [{"role":..., "content":...}, ...] exactly as transformers' apply_chat_template: the context
  // holds messages, tools=None, documents=None, add_generation_prompt and the special tokens
  // (bos_token, eos_token, unk_token, pad_token, ...), then extra_context's keys override.
  std::string render(const nlohmann::json& messages, bool add_generation_prompt,
                     const nlohmann::json& extra_context = nlohmann::json::object()) const;
  // Same with insertion-ordered JSON (key order shows through tojson and items(), as with Python dicts).
  std::string render_ordered(const nlohmann::ordered_json& messages, bool add_generation_prompt,
                             const nlohmann::ordered_json& extra_context = nlohmann::ordered_json::object()) const;

  const std::string& source() const { return source_; }
  const std::string& bos_token() const { return bos_; }
  const std::string& eos_token() const { return eos_; }
  // Pins strftime_now() (tests) and other per-render settings.
  void set_render_options(const RenderOptions& options) { options_ = options; }

 private:
  std::string source_, bos_, eos_;
  std::shared_ptr<const Template> template_;
  nlohmann::ordered_json special_tokens_ = nlohmann::ordered_json::object();  // name -> content
  RenderOptions options_;
};

}  // namespace evalrun::templates
