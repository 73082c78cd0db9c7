#pragma once
// ruHumanEval / ruCodeEval submissions carry, per generation, the per-test results of running the
// completed function (MERA's scoring filter): str(result), or null when a test raised.
#include <vector>

#include <nlohmann/json.hpp>

#include "submissions/mera.h"

namespace evalrun::submissions {

// Per record: a list (per generation) of lists (per test). Taken from the record's "code_results" field
// when the run logged it, else computed by running each generation in the sandbox (metrics/code_sandbox).
std::vector<nlohmann::json> code_results(const MeraTask& task, const std::vector<nlohmann::json>& records);

// The Python program that reproduces MERA's execute_function for one generation (exposed for tests).
std::string code_program(const nlohmann::json& doc, const std::string& completion);

}  // namespace evalrun::submissions
