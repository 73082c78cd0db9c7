// exact_match as lm-eval (HF evaluate) defines it. Order of operations: regexes_to_ignore are removed
// from prediction and references first, then ignore_case lowercases (Python str.lower), then
// ignore_punctuation deletes ASCII string.punctuation, then ignore_numbers deletes ASCII digits.
// Several golds: correct when any matches.
#include <re2/re2.h>

#include "common/errors.h"
#include "metrics/metric_base.h"
#include "metrics/text_utils.h"

namespace evalrun::metrics {
namespace {

class ExactMatchMetric : public MetricBase {
 public:
  ExactMatchMetric(const std::string& name, Kwargs& kw) : MetricBase(name, true) {
    ignore_case_ = kw.get_bool("ignore_case", false);
    ignore_punctuation_ = kw.get_bool("ignore_punctuation", false);
    ignore_numbers_ = kw.get_bool("ignore_numbers", false);
    for (const auto& pattern : kw.get_strings("regexes_to_ignore")) {
      auto re = std::make_shared<RE2>(pattern, RE2::Quiet);
      if (!re->ok())
        throw UserError("metric '" + name + "': kwarg 'regexes_to_ignore': invalid regex '" + pattern +
                        "': " + re->error());
      regexes_.push_back(std::move(re));
    }
  }

  std::string normalize(std::string s) const {
    for (const auto& re : regexes_) RE2::GlobalReplace(&s, *re, "");
    if (ignore_case_) s = py_lower(s);
    if (ignore_punctuation_ || ignore_numbers_) {
      std::string out;
      out.reserve(s.size());
      for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);  // ASCII-only sets; UTF-8 bytes pass through
        if (ignore_punctuation_ && is_ascii_punct(c)) continue;
        if (ignore_numbers_ && c >= '0' && c <= '9') continue;
        out.push_back(ch);
      }
      s = std::move(out);
    }
    return s;
  }

  nlohmann::json per_sample(const SampleInput& s) const override {
    const std::string pred = normalize(first_prediction(name_, s));
    for (const auto& ref : sample_references(name_, s))
      if (normalize(ref) == pred) return 1.0;
    return 0.0;
  }

  Aggregate aggregate(const std::vector<nlohmann::json>& items, const StderrOptions&) const override {
    return mean_aggregate(name_, items);
  }

 private:
  bool ignore_case_ = false;
  bool ignore_punctuation_ = false;
  bool ignore_numbers_ = false;
  std::vector<std::shared_ptr<RE2>> regexes_;
};

}  // namespace

void register_exact_match(std::vector<MetricEntry>& out) {
  out.push_back({"exact_match", [](const std::string& name, Kwargs& kw, const std::string& aggregation) {
                   check_aggregation(name, aggregation, {"mean"});
                   return std::unique_ptr<Metric>(std::make_unique<ExactMatchMetric>(name, kw));
                 }});
}

}  // namespace evalrun::metrics
