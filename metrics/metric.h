#pragma once
// Metric registry: per-sample values + aggregation (+ stderr), as lm-eval's process_results and
// aggregation functions define them.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace evalrun::metrics {

// Everything a metric may look at for one document. Fields not relevant to the output type stay empty.
struct SampleInput {
  // generate_until: the filtered answer (first of `predictions`) and all samples (repeats / pass@k).
  std::vector<std::string> predictions;
  std::vector<std::string> references;  // one or more golds
  // pass@k: whether each prediction passed its tests (filled by the code-execution stage).
  std::vector<bool> prediction_passed;
  // multiple_choice
  std::vector<std::string> choices;          // choice texts (without target delimiter)
  std::vector<double> choice_logprobs;       // log p(delimiter + choice | context)
  std::vector<bool> choice_is_greedy;
  std::vector<double> unconditional_logprobs;  // for acc_mutual_info
  std::vector<int> gold_indices;               // one or several gold choices
  // loglikelihood / loglikelihood_rolling
  double logprob = 0.0;
  bool is_greedy = false;
  std::string text;  // the scored text (rolling) for word/byte counts
  // the document (for group breakdowns such as meta.domain); may be null
  const nlohmann::json* doc = nullptr;
};

struct StderrOptions {
  int bootstrap_iters = 1000;  // 0 disables bootstrap stderr
  uint64_t seed = 1234;
  int threads = 0;             // 0 = hardware concurrency
};

struct Aggregate {
  double value = 0.0;
  std::optional<double> stderr_value;          // absent when not computable
  std::map<std::string, double> breakdown;     // e.g. "acc_domain_biology" -> 0.5
};

class Metric {
 public:
  virtual ~Metric() = default;
  virtual const std::string& name() const = 0;
  virtual bool higher_is_better() const = 0;
  // Per-sample item (a number for mean-style metrics; [pred, gold] pairs etc. for corpus metrics).
  virtual nlohmann::json per_sample(const SampleInput& sample) const = 0;
  // Aggregates items (in document order) into the task score with its standard error.
  virtual Aggregate aggregate(const std::vector<nlohmann::json>& items, const StderrOptions& options) const = 0;
};

// Creates a metric by name. `kwargs` are the metric_list kwargs (e.g. ignore_case); `aggregation`
// overrides the default aggregation where the metric allows it. Throws UserError on unknown names or
// bad kwargs, with the closest valid names.
std::unique_ptr<Metric> make_metric(const std::string& name, const nlohmann::json& kwargs = {},
                                    const std::string& aggregation = "");
std::vector<std::string> metric_names();
bool metric_exists(const std::string& name);

}  // namespace evalrun::metrics
