#include "evaluator/code_exec.h"

#include <random>
#include <thread>

#include "common/errors.h"
#include "submissions/code_results.h"

namespace evalrun::evaluator {
namespace {

// The marker submissions::code_program writes before its JSON result line.
constexpr const char* kMarker = "@@evalrun-mera-results@@";

std::string py_str(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "None";
  if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
  return v.dump();
}

}  // namespace

bool needs_code_execution(const std::vector<std::string>& metric_names) {
  for (const auto& m : metric_names)
    if (m.rfind("pass@", 0) == 0) return true;
  return false;
}

bool code_sample_passed(const nlohmann::json& expected, const nlohmann::json& results) {
  if (!results.is_array() || results.empty()) return false;
  if (!expected.is_array() || expected.size() != results.size()) return false;
  for (size_t i = 0; i < expected.size(); ++i)
    if (py_str(expected[i]) != py_str(results[i])) return false;
  return true;
}

std::vector<nlohmann::json> run_code_jobs(const metrics::CodeSandbox& sandbox, const std::vector<CodeJob>& jobs,
                                          int workers) {
  // A per-call random marker replaces the public one, so a program cannot forge its own result line.
  std::random_device rd;
  const std::string marker = "@@evalrun-" + std::to_string(rd()) + "-" + std::to_string(rd()) + "@@";
  std::vector<std::string> programs;
  std::vector<std::pair<size_t, size_t>> slots;
  std::vector<nlohmann::json> out(jobs.size(), nlohmann::json::array());
  for (size_t j = 0; j < jobs.size(); ++j) {
    const nlohmann::json& doc = *jobs[j].doc;
    for (const char* field : {"inputs", "meta"})
      if (!doc.contains(field) || !doc[field].is_object())
        throw UserError(std::string("code task document: no object field '") + field + "'");
    for (const auto& [obj, key] : {std::pair{"inputs", "function"}, {"inputs", "tests"}, {"meta", "entry_point"}})
      if (!doc[obj].contains(key) || !doc[obj][key].is_string())
        throw UserError(std::string("code task document (meta.id ") + doc["meta"].value("id", nlohmann::json()).dump() +
                        "): field '" + obj + "." + key + "' missing or not a string");
    for (size_t c = 0; c < jobs[j].completions.size(); ++c) {
      std::string program = submissions::code_program(doc, jobs[j].completions[c]);
      // The driver names its marker once, as a JSON string literal, after the embedded sources.
      const std::string quoted = nlohmann::json(kMarker).dump();
      const size_t at = program.rfind(quoted);
      if (at == std::string::npos) throw std::logic_error("code driver without its result marker");
      program.replace(at, quoted.size(), nlohmann::json(marker).dump());
      programs.push_back(std::move(program));
      slots.emplace_back(j, c);
      out[j].push_back(nullptr);
    }
  }
  if (programs.empty()) return out;
  if (workers <= 0) workers = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const auto results = sandbox.run_many(programs, workers);
  for (size_t k = 0; k < results.size(); ++k) {
    const std::string& text = results[k].output;
    const size_t pos = text.rfind(marker);
    nlohmann::json value = "timed out";  // MERA's value when the child left no result
    if (pos != std::string::npos && results[k].exit_code == 0) {
      const size_t start = pos + marker.size();
      const size_t end = text.find('\n', start);
      try {
        value = nlohmann::json::parse(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
      } catch (const nlohmann::json::exception&) {
        value = "timed out";
      }
    }
    out[slots[k].first][slots[k].second] = value;
  }
  return out;
}

}  // namespace evalrun::evaluator
