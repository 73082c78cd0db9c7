#pragma once
// Scoring a JSONL file of samples with one metric (the `score-metric` subcommand's engine).
#include <string>
#include <vector>

#include "metrics/metric.h"

namespace evalrun::metrics {

// Parses one JSONL sample: {"prediction": str|[str], "reference"/"references": str|[str]} or
// {"logprob": num, "text": str} or {"n": int, "c": int} or {"choice_logprobs": [num], "gold": int|[int],
// "choices": [str], "unconditional_logprobs": [num]}. `doc` is pointed at `line_json` (for group_by).
// Throws UserError "file:line: field 'x': expected ...".
SampleInput parse_sample(const nlohmann::json& line_json, const std::string& file, int line);

// Reads FILE.jsonl, scores every sample and aggregates. Result JSON: {"metric", "value", "stderr"
// (null when not computable), "n", and "breakdown" when non-empty}. Non-finite scores are an error.
nlohmann::json score_file(const std::string& metric_name, const nlohmann::json& kwargs, const std::string& path,
                          const StderrOptions& options);

// "k=v" -> kwargs[k] = v parsed as JSON when it parses (true, 3, ["a"]), else the raw string.
void add_param(nlohmann::json& kwargs, const std::string& param);

}  // namespace evalrun::metrics
