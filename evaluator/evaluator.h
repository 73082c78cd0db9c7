#pragma once
// The evaluator's public face: a RunConfig (what `evalrun run` was asked) and the functions that run an
// evaluation, validate tasks without a model, and merge shard outputs.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backends/backend.h"

namespace evalrun::evaluator {

struct Limit {
  bool fraction = false;  // value < 1: a fraction of the documents (rounded up, as lm-eval does)
  double value = 0.0;     // documents (integer) or fraction
};

struct Shard {
  int index = 0;
  int count = 1;
};

struct RunConfig {
  backends::BackendOptions backend;
  std::string tasks;                       // comma list of names, tags, globs
  std::optional<int> num_fewshot;          // --fewshot override
  std::optional<Limit> limit;
  std::optional<uint64_t> sample_seed;     // seeded random subset instead of the first N
  std::filesystem::path output_dir = "evalrun-results";
  uint64_t seed = 1234;                    // few-shot sampler + generation seed
  std::string system_prompt;
  std::optional<bool> chat_template;       // unset: on when the backend has one (or is an API chat model)
  bool fewshot_as_multiturn = false;
  nlohmann::json gen_kwargs = nlohmann::json::object();  // --gen-kwargs overrides
  bool log_samples = false;
  bool predict_only = false;
  std::optional<std::filesystem::path> cache_path;  // unset: <output-dir>/cache.sqlite
  bool no_cache = false;
  std::optional<std::filesystem::path> data_dir;
  std::vector<std::filesystem::path> include_paths;
  Shard shard;
  int bootstrap_iters = 1000;
  bool quiet_progress = false;             // tests: no progress lines
  int exec_workers = 0;                    // code tasks: sandboxed programs in parallel (0 = all cores)
  std::vector<std::string> command_line;   // recorded in results.json
};

// Parsers for flag values; each throws UserError naming the flag.
Limit parse_limit(const std::string& text);
Shard parse_shard(const std::string& text);
nlohmann::json parse_gen_kwargs(const std::string& text);

// Runs the whole pipeline; returns the results.json object (also written under output_dir).
nlohmann::json run_evaluation(const RunConfig& config);

struct ValidateReport {
  struct Task {
    std::string name;
    size_t documents = 0;
    size_t prompts_built = 0;
    std::string split;
  };
  std::vector<Task> tasks;
};
// Loads configs and data and builds the prompt of every document (plain and chat modes), no model.
ValidateReport validate_tasks(const std::string& tasks, const std::vector<std::filesystem::path>& include_paths,
                              const std::optional<std::filesystem::path>& data_dir);

// Combines the outputs of `evalrun run --shard I/N` (one folder per shard) into one result under out.
nlohmann::json merge_shards(const std::vector<std::filesystem::path>& shard_dirs, const std::filesystem::path& out,
                            int bootstrap_iters_override = -1);

}  // namespace evalrun::evaluator
