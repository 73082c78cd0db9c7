#include "metrics/metric_base.h"

#include <cmath>

#include "common/errors.h"

namespace evalrun::metrics {

Kwargs::Kwargs(const std::string& metric, const nlohmann::json& kwargs) : metric_(metric), kwargs_(kwargs) {
  if (!kwargs_.is_null() && !kwargs_.is_object())
    throw UserError("metric '" + metric + "': kwargs must be an object, got " + kwargs_.dump());
}

const nlohmann::json* Kwargs::find(const std::string& key) {
  used_.insert(key);
  if (!kwargs_.is_object()) return nullptr;
  auto it = kwargs_.find(key);
  if (it == kwargs_.end() || it->is_null()) return nullptr;
  return &*it;
}

void Kwargs::fail(const std::string& key, const std::string& expected) const {
  throw UserError("metric '" + metric_ + "': kwarg '" + key + "': expected " + expected + ", got " +
                  kwargs_.at(key).dump());
}

bool Kwargs::get_bool(const std::string& key, bool fallback) {
  const auto* v = find(key);
  if (!v) return fallback;
  if (v->is_boolean()) return v->get<bool>();
  if (v->is_string()) {
    const auto s = v->get<std::string>();
    if (s == "true" || s == "True" || s == "1") return true;
    if (s == "false" || s == "False" || s == "0") return false;
  }
  fail(key, "true or false");
}

int Kwargs::get_int(const std::string& key, int fallback) {
  const auto* v = find(key);
  if (!v) return fallback;
  if (v->is_number_integer()) return v->get<int>();
  if (v->is_string()) {
    const auto s = v->get<std::string>();
    size_t pos = 0;
    try {
      const int out = std::stoi(s, &pos);
      if (pos == s.size()) return out;
    } catch (const std::exception&) {
    }
  }
  fail(key, "an integer");
}

double Kwargs::get_double(const std::string& key, double fallback) {
  const auto* v = find(key);
  if (!v) return fallback;
  if (v->is_number()) return v->get<double>();
  if (v->is_string()) {
    const auto s = v->get<std::string>();
    size_t pos = 0;
    try {
      const double out = std::stod(s, &pos);
      if (pos == s.size() && std::isfinite(out)) return out;
    } catch (const std::exception&) {
    }
  }
  fail(key, "a number");
}

std::string Kwargs::get_string(const std::string& key, const std::string& fallback) {
  const auto* v = find(key);
  if (!v) return fallback;
  if (v->is_string()) return v->get<std::string>();
  if (v->is_number_integer()) return v->dump();
  fail(key, "a string");
}

std::vector<std::string> Kwargs::get_strings(const std::string& key) {
  const auto* v = find(key);
  std::vector<std::string> out;
  if (!v) return out;
  if (v->is_string()) return {v->get<std::string>()};
  if (!v->is_array()) fail(key, "a string or a list of strings");
  for (const auto& e : *v) {
    if (!e.is_string()) fail(key, "a string or a list of strings");
    out.push_back(e.get<std::string>());
  }
  return out;
}

void Kwargs::finish() const {
  if (!kwargs_.is_object()) return;
  for (auto it = kwargs_.begin(); it != kwargs_.end(); ++it) {
    if (!used_.count(it.key())) {
      std::string known;
      for (const auto& k : used_) known += (known.empty() ? "" : ", ") + k;
      throw UserError("metric '" + metric_ + "': unknown kwarg '" + it.key() + "' (accepted: " +
                      (known.empty() ? "none" : known) + ")");
    }
  }
}

double item_number(const std::string& metric, const nlohmann::json& item, size_t index) {
  if (!item.is_number())
    throw UserError("metric '" + metric + "': item " + std::to_string(index) + ": expected a number, got " +
                    item.dump());
  const double v = item.get<double>();
  if (!std::isfinite(v))
    throw UserError("metric '" + metric + "': item " + std::to_string(index) + ": value is not finite");
  return v;
}

void require_items(const std::string& metric, const std::vector<nlohmann::json>& items) {
  if (items.empty()) throw UserError("metric '" + metric + "': no items to aggregate (empty input)");
}

Aggregate mean_aggregate(const std::string& metric, const std::vector<nlohmann::json>& items) {
  require_items(metric, items);
  std::vector<double> values;
  values.reserve(items.size());
  double sum = 0.0;
  for (size_t i = 0; i < items.size(); ++i) {
    values.push_back(item_number(metric, items[i], i));
    sum += values.back();
  }
  Aggregate out;
  const double n = static_cast<double>(values.size());
  out.value = sum / n;
  if (values.size() > 1) {
    double sq = 0.0;
    for (double v : values) sq += (v - out.value) * (v - out.value);
    out.stderr_value = std::sqrt(sq / (n - 1)) / std::sqrt(n);
  }
  return out;
}

void check_aggregation(const std::string& metric, const std::string& aggregation,
                       const std::vector<std::string>& allowed) {
  if (aggregation.empty()) return;
  for (const auto& a : allowed)
    if (a == aggregation) return;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  throw UserError("metric '" + metric + "': aggregation '" + aggregation + "' is not supported (expected: " +
                  list + ")");
}

const std::string& first_prediction(const std::string& metric, const SampleInput& sample) {
  if (sample.predictions.empty()) throw UserError("metric '" + metric + "': sample has no prediction");
  return sample.predictions.front();
}

const std::vector<std::string>& sample_references(const std::string& metric, const SampleInput& sample) {
  if (sample.references.empty()) throw UserError("metric '" + metric + "': sample has no reference");
  return sample.references;
}

nlohmann::json text_pair_item(const std::string& metric, const SampleInput& sample) {
  return nlohmann::json::array({first_prediction(metric, sample), sample_references(metric, sample)});
}

std::vector<TextPair> text_pairs(const std::string& metric, const std::vector<nlohmann::json>& items) {
  require_items(metric, items);
  std::vector<TextPair> out;
  out.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    const auto& it = items[i];
    auto bad = [&](const std::string& what) {
      return UserError("metric '" + metric + "': item " + std::to_string(i) + ": " + what);
    };
    if (!it.is_array() || it.size() != 2) throw bad("expected [prediction, references], got " + it.dump());
    if (!it[0].is_string()) throw bad("prediction must be a string, got " + it[0].dump());
    TextPair pair;
    pair.prediction = it[0].get<std::string>();
    if (it[1].is_string()) {
      pair.references.push_back(it[1].get<std::string>());
    } else if (it[1].is_array() && !it[1].empty()) {
      for (const auto& r : it[1]) {
        if (!r.is_string()) throw bad("references must be strings, got " + r.dump());
        pair.references.push_back(r.get<std::string>());
      }
    } else {
      throw bad("references must be a string or a non-empty list of strings, got " + it[1].dump());
    }
    out.push_back(std::move(pair));
  }
  return out;
}

}  // namespace evalrun::metrics
