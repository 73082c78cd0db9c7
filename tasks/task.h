#pragma once
// Tasks: YAML configs (lm-eval-compatible subset + MERA prompt pools), their documents, and the prompts
// and requests built from them.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backends/backend.h"

namespace evalrun::tasks {

enum class OutputType { kMultipleChoice, kLoglikelihood, kLoglikelihoodRolling, kGenerateUntil };
std::string to_string(OutputType type);

struct MetricSpec {
  std::string metric;
  std::string aggregation;  // empty = metric default
  bool higher_is_better = true;
  nlohmann::json kwargs = nlohmann::json::object();
};

struct FilterStep {
  std::string function;  // regex, take_first, take_first_k, majority_vote, lowercase, ...
  nlohmann::json args = nlohmann::json::object();
};
struct FilterPipelineSpec {
  std::string name;  // e.g. "none", "get-answer"
  std::vector<FilterStep> steps;
};

struct GenerationKwargs {
  std::vector<std::string> until;
  int max_gen_toks = 256;
  bool do_sample = false;
  double temperature = 0.0;
  double top_p = 1.0;
  nlohmann::json extra = nlohmann::json::object();
};

struct FewshotConfig {
  std::string sampler = "first_n";  // first_n | random | same_field | mera
  std::string split;                // pool split; empty = training split
  std::string same_field;           // e.g. "meta.domain" (restricts the pool)
  std::string doc_to_text_without_instruction;  // MERA: template for later shots and the test item
  std::string query;                            // MERA: query template (alias kept for fidelity)
};

struct TaskRules;  // compiled templates, pools and filters (tasks/rules.h, internal)

struct TaskConfig {
  std::string task;
  std::vector<std::string> tags;
  std::filesystem::path source_file;
  // dataset
  std::string dataset_path;   // file or directory (relative to the YAML or --data-dir)
  std::string dataset_name;
  std::string training_split, validation_split, test_split, fewshot_split;
  // prompt
  std::string description;
  std::string doc_to_text, doc_to_target, doc_to_choice;  // field name, template, or YAML list (JSON)
  nlohmann::json doc_to_choice_list;                      // when doc_to_choice is a literal list
  std::vector<std::string> prompts;                       // YAML-style prompt pool
  bool instruction_field = false;                         // MERA: sample["instruction"].format(**inputs)
  std::string target_delimiter = " ";
  std::string fewshot_delimiter = "\n\n";
  int num_fewshot = 0;
  FewshotConfig fewshot;
  OutputType output_type = OutputType::kGenerateUntil;
  GenerationKwargs generation_kwargs;
  int repeats = 1;
  std::vector<FilterPipelineSpec> filter_list;
  std::vector<MetricSpec> metric_list;
  double version = 0.0;
  nlohmann::json raw;  // the merged config (for results.json "configs")
  int source_line = 0;                       // line of the `task:` key in source_file
  std::shared_ptr<const TaskRules> rules;    // set by the loader; shared by copies of the config
};

struct PromptOptions {
  std::optional<int> num_fewshot;     // override
  bool chat = false;                  // build chat messages
  bool fewshot_as_multiturn = false;
  std::string system_prompt;
  uint64_t seed = 1234;               // few-shot sampler seed
  // ruTiE (sampler `rutie`): the model's own answers to the earlier questions of this document's dialogue,
  // indexed by meta.question_id ("1"/"2": LL argmax, or the extracted digit / "-1" in generative mode).
  // They replace the RUTIE_TARGET_<i> placeholders of the prompt, as MERA's request_updater does. Empty:
  // the placeholders stay (MERA's prompt before the update); otherwise at least question_id answers are
  // needed. Documents are ordered by (dialog_id, question_id); see docs/mera.md for the evaluator loop.
  std::vector<std::string> dialogue_answers;
};

// One document turned into what the backend needs. In chat mode (PromptOptions.chat) `messages` holds the
// conversation (the backend renders it with its chat template) and `context` its plain-text equivalent
// (logs, hashes); otherwise `messages` is empty and `context` is the prompt.
struct Instance {
  size_t doc_id = 0;
  std::string prompt_id;  // prompt-pool entry used (YAML `prompts:` index, or MERA instruction index)
  std::string context;                           // plain-text prompt: description + shots + query
  std::vector<backends::ChatMessage> messages;   // chat mode
  std::vector<std::string> continuations;        // MC: delimiter + choice; LL: delimiter + target
  std::vector<std::string> choices;              // MC choice texts
  nlohmann::json target;  // gold: MC index (or list); LL/generate string (or list); null = no gold
  backends::GenerationRequest generation;        // generate_until
  std::string rolling_text;                      // loglikelihood_rolling
};

class Task {
 public:
  virtual ~Task() = default;
  virtual const TaskConfig& config() const = 0;
  // Documents of the evaluation split (test, else validation), loaded lazily; errors name the file.
  virtual const std::vector<nlohmann::json>& eval_docs() const = 0;
  virtual std::string eval_split() const = 0;
  virtual Instance build(size_t doc_id, const PromptOptions& options) const = 0;
  // Applies the named filter pipeline to the raw responses of one document.
  virtual std::vector<std::string> apply_filter(const FilterPipelineSpec& pipeline,
                                                const std::vector<std::string>& responses,
                                                const nlohmann::json& doc) const = 0;
  // Few-shot documents chosen for an eval document (indices into fewshot_docs()), for logs and tests.
  // (Defaults keep simple Task implementations, e.g. test fakes, short.)
  virtual std::vector<size_t> fewshot_indices(size_t /*doc_id*/, const PromptOptions& /*options*/) const {
    return {};
  }
  virtual const std::vector<nlohmann::json>& fewshot_docs() const { return eval_docs(); }
  // Checks every eval document's prompt construction (templates, fields, shots); throws UserError.
  virtual void validate(const PromptOptions& options) const {
    for (size_t i = 0; i < eval_docs().size(); ++i) build(i, options);
  }
};

// Creates a task from a loaded config (used by TaskRegistry; handy for tests).
std::shared_ptr<const Task> make_task(const TaskConfig& config,
                                      std::optional<std::filesystem::path> data_dir = std::nullopt);
// Loads and validates one task YAML file (following `include:`); UserError names file:line and key.
TaskConfig load_task_config(const std::filesystem::path& file);

struct RegistryOptions {
  std::vector<std::filesystem::path> include_paths;  // extra YAML folders (after the built-in tasks/)
  std::optional<std::filesystem::path> data_dir;
};

class TaskRegistry {
 public:
  explicit TaskRegistry(const RegistryOptions& options);
  ~TaskRegistry();
  std::vector<std::string> task_names() const;
  // Resolves a comma list of names, tags (e.g. "mera") and globs; UserError with closest names.
  std::vector<std::string> resolve(const std::string& spec) const;
  std::shared_ptr<const Task> get(const std::string& name) const;
  const TaskConfig& config(const std::string& name) const;
  std::vector<std::string> tags() const;
  std::vector<std::string> tasks_with_tag(const std::string& tag) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// MERA metrics that task YAMLs may name before metrics/ registers them (use_grade_norm, ruethics_mcc,
// pass_at_k_exec: provided by the MERA metrics work). The loader accepts them; callers that build metrics
// should report them as not computed instead of failing (see docs/mera.md).
bool is_pending_mera_metric(const std::string& name);

// Folder holding the built-in task YAMLs (set at build time, overridable with EVALRUN_TASKS_DIR).
std::filesystem::path builtin_tasks_dir();

}  // namespace evalrun::tasks
