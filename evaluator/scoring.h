#pragma once
// From responses to scores: each filter pipeline of the task applied to the responses, per-sample
// metric items (stored in the sample records), and aggregation with stderr. Aggregation reads only the
// records, so `evalrun merge` recomputes exactly what an unsharded run computes.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "evaluator/requests.h"
#include "metrics/code_sandbox.h"
#include "metrics/metric.h"
#include "tasks/task.h"

namespace evalrun::evaluator {

// What to compute for a task, serialisable so merge needs no task registry.
struct ScoringPlan {
  std::string task;
  tasks::OutputType output_type = tasks::OutputType::kGenerateUntil;
  std::vector<tasks::MetricSpec> metrics;
  std::vector<tasks::FilterPipelineSpec> filters;  // generate_until only; "none" otherwise
};
ScoringPlan make_plan(const tasks::TaskConfig& config);
nlohmann::json plan_to_json(const ScoringPlan& plan);
ScoringPlan plan_from_json(const nlohmann::json& json);
bool needs_unconditional(const ScoringPlan& plan);

// One record per (document, filter), in lm-eval's samples schema plus the per-sample metric items.
std::vector<nlohmann::json> score_documents(const tasks::Task& task, const ScoringPlan& plan,
                                            const std::vector<DocWork>& docs, const RequestTable& table,
                                            bool predict_only, const metrics::CodeSandbox* sandbox = nullptr,
                                            int exec_workers = 0);
// Whether scoring this plan runs generated code (pass@ metrics).
bool needs_execution(const ScoringPlan& plan);

struct TaskScores {
  nlohmann::json results = nlohmann::json::object();           // "metric,filter" -> value, stderr
  nlohmann::json higher_is_better = nlohmann::json::object();  // metric -> bool
  nlohmann::json per_prompt = nlohmann::json::object();        // prompt_id -> {"metric,filter": value, "n"}
  bool missing_gold = false;  // some documents had no gold answer (no metric item)
};
// records must be sorted by doc_id (document order), as the bootstrap depends on order.
TaskScores aggregate_records(const ScoringPlan& plan, const std::vector<nlohmann::json>& records,
                             const metrics::StderrOptions& stderr_options, bool predict_only);

}  // namespace evalrun::evaluator
