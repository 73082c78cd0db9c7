#pragma once
// Code tasks (MERA ruHumanEval / ruCodeEval): every generated sample is appended to the problem's
// function and run against every test in the code sandbox; the per-test results (MERA's scoring filter
// output) go into the sample record as "code_results", and pass/fail per sample feeds pass@k.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "metrics/code_sandbox.h"

namespace evalrun::evaluator {

// A task needs execution when it asks for a pass@ metric.
bool needs_code_execution(const std::vector<std::string>& metric_names);

// MERA's check_solution: the sample passes when it produced one result per expected output and every
// str(result) equals str(expected). `results` is a per-test list, or "timed out".
bool code_sample_passed(const nlohmann::json& expected_outputs, const nlohmann::json& results);

struct CodeJob {
  const nlohmann::json* doc = nullptr;
  std::vector<std::string> completions;
};
// Runs every completion of every job (in parallel up to `workers`, 0 = hardware threads); per job a list
// (per completion) of per-test results. A document without inputs.function / inputs.tests /
// meta.entry_point is a UserError naming the field; a completion that does not parse is a failed sample.
std::vector<nlohmann::json> run_code_jobs(const metrics::CodeSandbox& sandbox, const std::vector<CodeJob>& jobs,
                                          int workers);

}  // namespace evalrun::evaluator
