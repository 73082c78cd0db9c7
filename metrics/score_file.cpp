#include "metrics/score_file.h"

#include <cmath>
#include <fstream>

#include "common/errors.h"

namespace evalrun::metrics {
namespace {

[[noreturn]] void field_error(const std::string& file, int line, const std::string& field, const std::string& expected,
                              const nlohmann::json& got) {
  std::string shown = got.dump();
  if (shown.size() > 60) shown = shown.substr(0, 57) + "...";
  throw UserError(located(file, line, "field '" + field + "': expected " + expected + ", got " + shown));
}

std::vector<std::string> strings_field(const nlohmann::json& j, const std::string& key, const std::string& file,
                                       int line) {
  const auto& v = j.at(key);
  if (v.is_string()) return {v.get<std::string>()};
  if (!v.is_array()) field_error(file, line, key, "a string or a list of strings", v);
  std::vector<std::string> out;
  for (const auto& e : v) {
    if (!e.is_string()) field_error(file, line, key, "a string or a list of strings", v);
    out.push_back(e.get<std::string>());
  }
  return out;
}

std::vector<double> numbers_field(const nlohmann::json& j, const std::string& key, const std::string& file, int line) {
  const auto& v = j.at(key);
  if (!v.is_array() || v.empty()) field_error(file, line, key, "a non-empty list of numbers", v);
  std::vector<double> out;
  for (const auto& e : v) {
    if (!e.is_number() || !std::isfinite(e.get<double>())) field_error(file, line, key, "a list of finite numbers", v);
    out.push_back(e.get<double>());
  }
  return out;
}

int int_field(const nlohmann::json& j, const std::string& key, const std::string& file, int line) {
  const auto& v = j.at(key);
  if (!v.is_number_integer()) field_error(file, line, key, "an integer", v);
  return v.get<int>();
}

}  // namespace

SampleInput parse_sample(const nlohmann::json& j, const std::string& file, int line) {
  if (!j.is_object()) throw UserError(located(file, line, "expected a JSON object per line"));
  SampleInput s;
  s.doc = &j;
  if (j.contains("prediction")) s.predictions = strings_field(j, "prediction", file, line);
  if (j.contains("reference")) s.references = strings_field(j, "reference", file, line);
  if (j.contains("references")) s.references = strings_field(j, "references", file, line);
  if (j.contains("logprob")) {
    const auto& v = j["logprob"];
    if (!v.is_number() || !std::isfinite(v.get<double>())) field_error(file, line, "logprob", "a finite number", v);
    s.logprob = v.get<double>();
  }
  if (j.contains("text")) {
    if (!j["text"].is_string()) field_error(file, line, "text", "a string", j["text"]);
    s.text = j["text"].get<std::string>();
  }
  if (j.contains("n") || j.contains("c")) {
    if (!j.contains("n") || !j.contains("c")) throw UserError(located(file, line, "fields 'n' and 'c' go together"));
    const int n = int_field(j, "n", file, line), c = int_field(j, "c", file, line);
    if (n < 0 || c < 0 || c > n) throw UserError(located(file, line, "fields 'n', 'c': expected 0 <= c <= n"));
    s.prediction_passed.assign(static_cast<size_t>(n), false);
    for (int i = 0; i < c; ++i) s.prediction_passed[static_cast<size_t>(i)] = true;
  }
  if (j.contains("choice_logprobs")) s.choice_logprobs = numbers_field(j, "choice_logprobs", file, line);
  if (j.contains("unconditional_logprobs"))
    s.unconditional_logprobs = numbers_field(j, "unconditional_logprobs", file, line);
  if (j.contains("choices")) s.choices = strings_field(j, "choices", file, line);
  if (j.contains("gold")) {
    const auto& g = j["gold"];
    if (g.is_number_integer()) {
      s.gold_indices.push_back(g.get<int>());
    } else if (g.is_array() && !g.empty()) {
      for (const auto& e : g) {
        if (!e.is_number_integer()) field_error(file, line, "gold", "an integer or a list of integers", g);
        s.gold_indices.push_back(e.get<int>());
      }
    } else {
      field_error(file, line, "gold", "an integer or a list of integers", g);
    }
  }
  return s;
}

nlohmann::json score_file(const std::string& metric_name, const nlohmann::json& kwargs, const std::string& path,
                          const StderrOptions& options) {
  auto metric = make_metric(metric_name, kwargs);
  std::ifstream in(path);
  if (!in) throw UserError(path + ": cannot open input file");
  std::vector<nlohmann::json> items;
  std::string text;
  int line = 0;
  while (std::getline(in, text)) {
    ++line;
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      throw UserError(located(path, line, std::string("invalid JSON: ") + e.what()));
    }
    const SampleInput sample = parse_sample(j, path, line);
    try {
      items.push_back(metric->per_sample(sample));
    } catch (const UserError& e) {
      throw UserError(located(path, line, e.what()));
    }
  }
  if (items.empty()) throw UserError(path + ": no samples (the input is empty)");
  const Aggregate agg = metric->aggregate(items, options);
  if (!std::isfinite(agg.value)) throw UserError(path + ": metric '" + metric_name + "' is not finite on this input");
  nlohmann::json out = {{"metric", metric_name}, {"value", agg.value}, {"n", items.size()}};
  out["stderr"] = agg.stderr_value && std::isfinite(*agg.stderr_value) ? nlohmann::json(*agg.stderr_value)
                                                                       : nlohmann::json(nullptr);
  if (!agg.breakdown.empty()) {
    nlohmann::json b = nlohmann::json::object();
    for (const auto& [k, v] : agg.breakdown) b[k] = std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
    out["breakdown"] = b;
  }
  return out;
}

void add_param(nlohmann::json& kwargs, const std::string& param) {
  const size_t eq = param.find('=');
  if (eq == std::string::npos || eq == 0) throw UserError("--param '" + param + "': expected KEY=VALUE");
  const std::string key = param.substr(0, eq), value = param.substr(eq + 1);
  try {
    kwargs[key] = nlohmann::json::parse(value);
  } catch (const nlohmann::json::parse_error&) {
    kwargs[key] = value;
  }
}

}  // namespace evalrun::metrics
