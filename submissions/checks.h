#pragma once
// The MERA site's per-task checks (modules/scoring/src/tasks/task.py load_and_validate + evaluate) and
// its per-document scoring (src/tasks/*.py process_results / aggregation).
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "submissions/mera.h"

namespace evalrun::submissions {

// Error objects as the site reports them: {"type": "<code>", ...} with example_number / doc_id / split.
// Without gold (`gold` null) the output types are checked against the type MERA's gold has.
std::vector<nlohmann::json> check_task_file(const MeraTask& task, const nlohmann::json& submission,
                                            const std::vector<nlohmann::json>* gold);

// Scores a submission against gold (after check_task_file found no errors): the site's metrics for the
// task, or errors (no_id, doc_output_type_error, doc_parse_output_error).
struct TaskScore {
  nlohmann::json metrics = nlohmann::json::object();
  std::vector<nlohmann::json> errors;
};
TaskScore score_task(const MeraTask& task, const nlohmann::json& submission, const std::vector<nlohmann::json>& gold);

// The site's zero_results(): every aggregation key at 0 (gold decides the breakdown keys).
nlohmann::json zero_results(const MeraTask& task, const std::vector<nlohmann::json>& gold);
// average_results(): the mean of the metrics whose name has no '.'.
double average_results(const nlohmann::json& metrics);

// Site-metric helpers (exposed for tests).
double site_squad_f1(const std::string& prediction, const std::string& gold);   // transformers squad_metrics
double site_squad_exact(const std::string& prediction, const std::string& gold);
int use_score(const std::string& type, const std::string& id_task, const std::string& answer,
              const std::string& prediction);
double site_pass_at_k(long n, long c, long k);

}  // namespace evalrun::submissions
