#pragma once
// The chat template of a model directory (tokenizer_config.json: chat_template as a string or a named
// list; bos/eos tokens as strings or {"content": ...} objects).
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
  // Returns nullptr when the model directory has no chat template; throws UserError on bad files.
  static std::unique_ptr<ChatTemplate> load(const std::filesystem::path& model_dir,
                                            const std::string& name = "default");
  static std::unique_ptr<ChatTemplate> from_source(const std::string& source, const std::string& bos,
                                                   const std::string& eos, const std::string& origin);

  // messages: [{"role":..., "content":...}, ...] exactly as transformers' apply_chat_template.
  std::string render(const nlohmann::json& messages, bool add_generation_prompt,
                     const nlohmann::json& extra_context = nlohmann::json::object()) const;

  const std::string& source() const { return source_; }

 private:
  std::string source_, bos_, eos_;
  std::shared_ptr<const Template> template_;
};

}  // namespace evalrun::templates
