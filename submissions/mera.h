#pragma once
// MERA leaderboard submissions: packing a run's outputs into the zip the site accepts
// (scripts/log_to_submission.py behaviour) and checking/scoring such a zip as the site does
// (modules/scoring). See docs/submission.md.
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace evalrun::submissions {

// How a task's outputs are packed (log_to_submission.py's class hierarchy).
enum class PackKind {
  kClassification,  // LL: argmax choice -> choices[i]; gen: the filtered answer
  kText,            // the filtered answer
  kEthics,          // classification, then the same answer under the 5 labels
  kUse,             // text + meta id_task / variant
  kTie,             // classification; meta dialog_id / question_id, dataset order
  kCode,            // per-generation lists of per-test results
};

struct MeraTask {
  std::string cls;                   // file name stem in the zip, e.g. "ruMMLU"
  std::string src;                   // evalrun/lm-eval task name, e.g. "rummlu"
  PackKind kind;
  std::vector<std::string> choices;  // LL answer strings by choice index
  bool use_in_total;                 // one of the 15 tasks of total_score
  int shots;                         // MERA's standard few-shot count
};

// The 23 tasks in the leaderboard's order.
const std::vector<MeraTask>& mera_tasks();
const MeraTask* find_mera_task(const std::string& cls_or_src);

struct SubmitOptions {
  std::filesystem::path from;                    // run output directory (results.json + samples)
  std::filesystem::path out;                     // NAME.zip
  bool gen = false;                              // generative mode (the _gen tasks' samples)
  bool allow_partial = false;                    // pack even when tasks/ids are missing
  std::optional<std::filesystem::path> data_dir; // expected ids from the test split (else results.json)
};

struct SubmitReport {
  std::vector<std::string> missing;   // "ruMMLU: no samples_rummlu.jsonl", "PARus: 3 of 500 ids missing: ..."
  std::vector<std::string> warnings;  // non-standard settings etc.
  std::vector<std::string> packed;    // class names written
  std::filesystem::path zip;
};

// Builds the submission zip (atomically). Throws UserError for unreadable/foreign run directories and,
// without allow_partial, when anything is missing (the message lists it).
SubmitReport submit_mera(const SubmitOptions& options);

// One task's submission JSON {"data": {"test": [...]}} from the run's sample records (exposed for tests).
// `expected_tie` (ruTiE only): the dataset's docs in order; empty = the samples' own order.
nlohmann::json pack_task(const MeraTask& task, const std::vector<nlohmann::json>& records, bool gen,
                         const std::vector<nlohmann::json>& expected_tie = {});

// ---- the site's checks and scoring ----
struct ScoreOptions {
  std::filesystem::path zip;
  std::optional<std::filesystem::path> gold_dir;  // <dir>/<src>/test.jsonl (or test.json, <Class>/task.json)
};

// The site's response object: {"status", "results": {<Class>: {...}, "total_score"}, "ready_for_public",
// "error_reason": {<Class>: [{"type", ...}]}, "global_error_reason"} plus evalrun's "evalrun" block
// ({"checked_only": [...], "scored": [...], "total_score_complete": bool, "hints": [...]}).
nlohmann::json score_submission(const ScoreOptions& options);

// Test-split documents of one task from a data directory (empty when absent).
std::vector<nlohmann::json> load_test_docs(const std::filesystem::path& dir, const MeraTask& task);
// Reads gold docs of one task from a gold directory (empty when absent or without outputs).
std::vector<nlohmann::json> load_gold(const std::filesystem::path& dir, const MeraTask& task);

// ---- presentation ----
// Leaderboard-order table (markdown) of an evalrun results.json: task, metrics, score, and the total.
std::string leaderboard_table(const nlohmann::json& results_json);
// Same for a score_submission() response.
std::string submission_table(const nlohmann::json& response);
// results.md: the leaderboard table, then every task's metrics; written atomically.
void write_results_markdown(const nlohmann::json& results_json, const std::filesystem::path& path);

}  // namespace evalrun::submissions
