#pragma once
// Output files: written under a temporary name in the same folder and renamed when complete, so a
// failed or killed run never leaves a file that looks finished.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace evalrun::evaluator {

void write_file_atomic(const std::filesystem::path& path, const std::string& content);
void write_json_atomic(const std::filesystem::path& path, const nlohmann::json& value);
// samples_<task>.jsonl: one record per line.
void write_samples(const std::filesystem::path& dir, const std::string& task, const std::vector<nlohmann::json>& records);
std::vector<nlohmann::json> read_samples(const std::filesystem::path& dir, const std::string& task);
std::filesystem::path samples_path(const std::filesystem::path& dir, const std::string& task);
nlohmann::json read_json_file(const std::filesystem::path& path);

// lm-eval style markdown table of results.json's "results" (Tasks|Version|Filter|n-shot|Metric|Value|Stderr).
std::string summary_table(const nlohmann::json& results_json);

}  // namespace evalrun::evaluator
