// pass@k (Codex / HumanEval unbiased estimator), mean over problems with closed-form stderr.
#include "metrics/pass_at_k.h"

#include "common/errors.h"
#include "metrics/metric_base.h"

namespace evalrun::metrics {

double pass_at_k(int n, int c, int k) {
  if (n - c < k) return 1.0;
  double prod = 1.0;
  for (int i = n - c + 1; i <= n; ++i) prod *= 1.0 - static_cast<double>(k) / static_cast<double>(i);
  return 1.0 - prod;
}

namespace {

class PassAtKMetric : public MetricBase {
 public:
  PassAtKMetric(const std::string& name, int k) : MetricBase(name, true), k_(k) {}

  nlohmann::json per_sample(const SampleInput& s) const override {
    if (s.prediction_passed.empty())
      throw UserError("metric '" + name_ + "': sample has no execution results (prediction_passed is empty)");
    int c = 0;
    for (bool p : s.prediction_passed) c += p ? 1 : 0;
    return {{"n", static_cast<int>(s.prediction_passed.size())}, {"c", c}};
  }

  Aggregate aggregate(const std::vector<nlohmann::json>& items, const StderrOptions&) const override {
    require_items(name_, items);
    std::vector<nlohmann::json> values;
    values.reserve(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      const auto& it = items[i];
      auto bad = [&](const std::string& what) {
        return UserError("metric '" + name_ + "': item " + std::to_string(i) + ": " + what);
      };
      if (!it.is_object() || !it.contains("n") || !it.contains("c") || !it["n"].is_number_integer() ||
          !it["c"].is_number_integer())
        throw bad("expected {\"n\": int, \"c\": int}, got " + it.dump());
      const int n = it["n"].get<int>(), c = it["c"].get<int>();
      if (c < 0 || c > n) throw bad("expected 0 <= c <= n, got n=" + std::to_string(n) + " c=" + std::to_string(c));
      if (n < k_)
        throw bad("pass@" + std::to_string(k_) + " needs at least " + std::to_string(k_) + " samples, got n=" +
                  std::to_string(n));
      values.emplace_back(pass_at_k(n, c, k_));
    }
    return mean_aggregate(name_, values);
  }

 private:
  int k_;
};

}  // namespace

void register_pass_at_k(std::vector<MetricEntry>& out) {
  out.push_back({"pass@k", [](const std::string& name, Kwargs& kw, const std::string& aggregation) {
                   check_aggregation(name, aggregation, {"mean"});
                   int k = 0;
                   if (name == "pass@k") {
                     k = kw.get_int("k", 1);
                   } else {
                     try {
                       k = std::stoi(name.substr(5));
                     } catch (const std::exception&) {
                       k = 0;
                     }
                   }
                   if (k < 1) throw UserError("metric '" + name + "': k must be a positive integer");
                   return std::unique_ptr<Metric>(std::make_unique<PassAtKMetric>(name, k));
                 }});
}

}  // namespace evalrun::metrics
