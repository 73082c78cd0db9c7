// Metric registry: name -> factory, with closest-name suggestions for typos.
#include <algorithm>

#include "common/errors.h"
#include "metrics/mera_metrics.h"
#include "metrics/metric_base.h"

namespace evalrun::metrics {
namespace {

const std::vector<MetricEntry>& registry() {
  static const std::vector<MetricEntry> entries = [] {
    std::vector<MetricEntry> out;
    register_accuracy(out);
    register_exact_match(out);
    register_squad(out);
    register_classification(out);
    register_sacrebleu(out);
    register_rouge(out);
    register_perplexity(out);
    register_pass_at_k(out);
    register_mera(out);
    return out;
  }();
  return entries;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

const MetricEntry* find_entry(const std::string& name) {
  for (const auto& e : registry())
    if (e.name == name) return &e;
  // pass@<k> is a family: every "pass@N" maps onto the pass@k implementation.
  if (name.rfind("pass@", 0) == 0 && name.size() > 5 &&
      std::all_of(name.begin() + 5, name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    for (const auto& e : registry())
      if (e.name == "pass@k") return &e;
  }
  return nullptr;
}

}  // namespace

std::vector<std::string> metric_names() {
  std::vector<std::string> out;
  for (const auto& e : registry()) out.push_back(e.name);
  std::sort(out.begin(), out.end());
  return out;
}

bool metric_exists(const std::string& name) { return find_entry(name) != nullptr; }

std::unique_ptr<Metric> make_metric(const std::string& name, const nlohmann::json& kwargs,
                                    const std::string& aggregation) {
  const MetricEntry* entry = find_entry(name);
  if (!entry) {
    std::vector<std::pair<size_t, std::string>> ranked;
    for (const auto& n : metric_names()) ranked.emplace_back(edit_distance(name, n), n);
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string hint;
    for (size_t i = 0; i < std::min<size_t>(3, ranked.size()); ++i)
      hint += (i ? ", " : "") + ranked[i].second;
    throw UserError("unknown metric '" + name + "' (closest: " + hint + ")");
  }
  Kwargs reader(name, kwargs);
  const std::string group_by = reader.get_string("group_by", "");
  auto metric = entry->make(name, reader, aggregation);
  reader.finish();
  if (!group_by.empty()) return make_group_breakdown(std::move(metric), group_by);
  return metric;
}

}  // namespace evalrun::metrics
