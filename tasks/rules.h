#pragma once
// Internal: a task config's compiled rules (templates parsed once, filters compiled, data file names).
#include <filesystem>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <shared_mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "tasks/filters.h"
#include "tasks/task.h"
#include "templates/jinja.h"
#include "templates/pyformat.h"

namespace evalrun::tasks {

// MERA-style text: a Python str.format template (literal, or read from a document field such as
// `instruction`) formatted with a document field (`inputs`: a dict gives keyword fields, any other value
// is bound to the name `bind`), then stripped and suffixed.
struct FormatRule {
  std::string template_text;   // `template:`
  std::string template_field;  // `template_field:`
  templates::PyFormat literal;  // parsed `template:`
  std::string fields = "inputs";
  std::string bind = "inputs";
  std::vector<std::pair<std::string, std::string>> replace;  // applied to the template before parsing
  nlohmann::json extra = nlohmann::json::object();           // extra keyword fields
  bool strip_left = false, strip_right = false;
  std::string suffix;
  // Parsed templates read from documents, keyed by the field's text (MERA has ~10 per task).
  mutable std::shared_mutex cache_mutex;
  mutable std::unordered_map<std::string, templates::PyFormat> cache;
};

// How one text (doc_to_text, doc_to_target, a prompt, ...) is produced from a document.
struct TextRule {
  enum class Kind {
    kUnset,
    kFieldOrLiteral,  // a document field when the document has it, else the literal text (lm-eval)
    kJinja,           // a Jinja template over the document
    kList,            // a literal list (doc_to_choice)
    kInt,             // a literal integer (doc_to_target)
    kFormat,          // FormatRule
  };
  Kind kind = Kind::kUnset;
  std::string source;
  std::shared_ptr<const templates::Template> jinja;
  nlohmann::json list;
  int int_value = 0;
  std::shared_ptr<const FormatRule> format;
  std::string origin;  // "file:line: key 'doc_to_text'"
  bool set() const { return kind != Kind::kUnset; }
};

struct TaskRules {
  TextRule doc_to_text, doc_to_target, doc_to_choice, description;
  std::vector<TextRule> prompts;  // YAML prompt pool: document i uses prompts[i % n]
  TextRule fewshot_doc_to_text, fewshot_doc_to_target;
  TextRule fewshot_query, fewshot_no_instruction;  // MERA sampler
  TextRule fewshot_no_target;                      // ruTiE chat multi-turn shots (doc_to_text_without_target)
  std::map<std::string, std::shared_ptr<const FilterPipeline>> filters;
  std::map<std::string, std::string> data_files;  // split -> path (relative to yaml_dir)
  std::filesystem::path yaml_dir;
};

// Names a document in error messages: "task parus, test doc 3 (meta.id 17)".
struct DocRef {
  const std::string& task;
  const std::string& split;
  size_t index;
  const nlohmann::json& doc;
  std::string describe() const;
};

// Renders a rule for a document. render_rule_value keeps a field's JSON type (lists, ints);
// render_rule turns non-strings into text with Python's str().
nlohmann::json render_rule_value(const TextRule& rule, const DocRef& ref);
std::string render_rule(const TextRule& rule, const DocRef& ref);
// The template a FormatRule reads from a document field, parsed once (thread-safe cache).
const templates::PyFormat& format_template(const FormatRule& rule, const DocRef& ref);

// Loads one split of a task's data (see docs/tasks.md for the search order); UserError names the paths.
std::vector<nlohmann::json> load_split(const TaskConfig& config, const std::string& split,
                                       const std::optional<std::filesystem::path>& data_dir);
// Reads documents from a JSONL file, a JSON list, or MERA's {"data": {"<split>": [...]}} JSON.
std::vector<nlohmann::json> read_documents(const std::filesystem::path& file, const std::string& split);

}  // namespace evalrun::tasks
