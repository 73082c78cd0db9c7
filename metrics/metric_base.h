#pragma once
// Shared plumbing for metric implementations: kwargs validation, mean aggregation, factories.
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "metrics/metric.h"

namespace evalrun::metrics {

// Reads metric kwargs with type checks; unknown keys are an error (typos must not pass silently).
class Kwargs {
 public:
  Kwargs(const std::string& metric, const nlohmann::json& kwargs);
  bool get_bool(const std::string& key, bool fallback);
  int get_int(const std::string& key, int fallback);
  double get_double(const std::string& key, double fallback);
  std::string get_string(const std::string& key, const std::string& fallback);
  std::vector<std::string> get_strings(const std::string& key);  // string or list of strings
  // Throws UserError naming any key that no getter asked for.
  void finish() const;

 private:
  const nlohmann::json* find(const std::string& key);
  [[noreturn]] void fail(const std::string& key, const std::string& expected) const;
  std::string metric_;
  nlohmann::json kwargs_;
  std::set<std::string> used_;
};

class MetricBase : public Metric {
 public:
  MetricBase(std::string name, bool higher_is_better) : name_(std::move(name)), hib_(higher_is_better) {}
  const std::string& name() const override { return name_; }
  bool higher_is_better() const override { return hib_; }

 protected:
  std::string name_;
  bool hib_;
};

// Mean of numeric items with lm-eval's closed-form stderr (sample std, ddof=1, / sqrt(n)); stderr is
// absent for n < 2, as lm-eval reports "N/A".
Aggregate mean_aggregate(const std::string& metric, const std::vector<nlohmann::json>& items);
// Reads items[i] as a finite number or throws UserError naming the metric and the item index.
double item_number(const std::string& metric, const nlohmann::json& item, size_t index);
// Throws UserError when `items` is empty (no score can be computed).
void require_items(const std::string& metric, const std::vector<nlohmann::json>& items);
// Throws UserError when `aggregation` is set and differs from every allowed name.
void check_aggregation(const std::string& metric, const std::string& aggregation,
                       const std::vector<std::string>& allowed);
// The first prediction of a sample, or UserError.
const std::string& first_prediction(const std::string& metric, const SampleInput& sample);
// The references of a sample (at least one), or UserError.
const std::vector<std::string>& sample_references(const std::string& metric, const SampleInput& sample);

// [prediction, references] items of text metrics (corpus-level and per-sample alike).
struct TextPair {
  std::string prediction;
  std::vector<std::string> references;
};
nlohmann::json text_pair_item(const std::string& metric, const SampleInput& sample);
// Parses items written by text_pair_item (references may be a string or a list of strings).
std::vector<TextPair> text_pairs(const std::string& metric, const std::vector<nlohmann::json>& items);

// Factories registered in registry.cpp, one per implementation file.
using MetricFactory = std::function<std::unique_ptr<Metric>(const std::string& name, Kwargs& kwargs,
                                                            const std::string& aggregation)>;
struct MetricEntry {
  std::string name;
  MetricFactory make;
};
void register_accuracy(std::vector<MetricEntry>& out);
void register_exact_match(std::vector<MetricEntry>& out);
void register_squad(std::vector<MetricEntry>& out);
void register_classification(std::vector<MetricEntry>& out);
void register_sacrebleu(std::vector<MetricEntry>& out);
void register_rouge(std::vector<MetricEntry>& out);
void register_perplexity(std::vector<MetricEntry>& out);
void register_pass_at_k(std::vector<MetricEntry>& out);

// Wraps `inner` so that aggregate() adds per-group scores keyed "<name>_<last path part>_<group>".
std::unique_ptr<Metric> make_group_breakdown(std::unique_ptr<Metric> inner, const std::string& group_by);

}  // namespace evalrun::metrics
