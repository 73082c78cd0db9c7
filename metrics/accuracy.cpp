// Multiple-choice accuracies, as lm-eval's ConfigurableTask.process_results defines them:
// acc (argmax of log-likelihoods), acc_norm (divided by len(choice) in code points), acc_bytes (divided
// by UTF-8 bytes) and acc_mutual_info (minus the unconditional log-likelihood).
#include "metrics/accuracy.h"

#include <cmath>

#include "common/errors.h"
#include "metrics/metric_base.h"
#include "metrics/text_utils.h"

namespace evalrun::metrics {

size_t np_argmax(const std::vector<double>& values) {
  size_t best = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    if (std::isnan(values[i])) return i;
    if (values[i] > values[best]) best = i;
  }
  return best;
}

namespace {

enum class AccKind { kRaw, kNorm, kBytes, kMutualInfo };

class AccuracyMetric : public MetricBase {
 public:
  AccuracyMetric(const std::string& name, AccKind kind) : MetricBase(name, true), kind_(kind) {}

  nlohmann::json per_sample(const SampleInput& s) const override {
    const auto& lls = s.choice_logprobs;
    // output_type loglikelihood (no choices, no gold index): lm-eval's acc is int(is_greedy).
    if (kind_ == AccKind::kRaw && s.choices.empty() && s.gold_indices.empty()) return s.is_greedy ? 1.0 : 0.0;
    if (lls.empty()) throw UserError("metric '" + name_ + "': sample has no choice log-likelihoods");
    if (s.gold_indices.empty()) throw UserError("metric '" + name_ + "': sample has no gold index");
    for (int g : s.gold_indices)
      if (g < 0 || static_cast<size_t>(g) >= lls.size())
        throw UserError("metric '" + name_ + "': gold index " + std::to_string(g) + " out of range for " +
                        std::to_string(lls.size()) + " choices");
    std::vector<double> scores = lls;
    if (kind_ == AccKind::kNorm || kind_ == AccKind::kBytes) {
      if (s.choices.size() != lls.size())
        throw UserError("metric '" + name_ + "': needs the choice texts (" + std::to_string(s.choices.size()) +
                        " texts for " + std::to_string(lls.size()) + " log-likelihoods)");
      for (size_t i = 0; i < scores.size(); ++i) {
        const double len = kind_ == AccKind::kNorm ? static_cast<double>(code_point_count(s.choices[i]))
                                                   : static_cast<double>(s.choices[i].size());
        scores[i] = scores[i] / len;  // numpy semantics: x/0 gives +-inf or nan
      }
    } else if (kind_ == AccKind::kMutualInfo) {
      if (s.unconditional_logprobs.size() != lls.size())
        throw UserError("metric '" + name_ + "': needs one unconditional log-likelihood per choice (" +
                        std::to_string(s.unconditional_logprobs.size()) + " for " + std::to_string(lls.size()) +
                        " choices)");
      for (size_t i = 0; i < scores.size(); ++i) scores[i] -= s.unconditional_logprobs[i];
    }
    const auto pred = static_cast<int>(np_argmax(scores));
    for (int g : s.gold_indices)
      if (g == pred) return 1.0;
    return 0.0;
  }

  Aggregate aggregate(const std::vector<nlohmann::json>& items, const StderrOptions&) const override {
    return mean_aggregate(name_, items);
  }

 private:
  AccKind kind_;
};

MetricFactory factory(AccKind kind) {
  return [kind](const std::string& name, Kwargs&, const std::string& aggregation) -> std::unique_ptr<Metric> {
    check_aggregation(name, aggregation, {"mean"});
    return std::make_unique<AccuracyMetric>(name, kind);
  };
}

}  // namespace

void register_accuracy(std::vector<MetricEntry>& out) {
  out.push_back({"acc", factory(AccKind::kRaw)});
  out.push_back({"acc_norm", factory(AccKind::kNorm)});
  out.push_back({"acc_bytes", factory(AccKind::kBytes)});
  out.push_back({"acc_mutual_info", factory(AccKind::kMutualInfo)});
}

}  // namespace evalrun::metrics
