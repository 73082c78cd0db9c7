// Perplexities as lm-eval defines them: perplexity = exp(-mean(loglikelihood)) over documents;
// word_perplexity / byte_perplexity = exp(-sum(ll) / sum(words|bytes)) (weighted_perplexity);
// bits_per_byte = -sum(ll) / sum(bytes) / ln 2. Stderr: bootstrap (lm-eval bootstraps perplexity and
// reports N/A for the weighted ones; here all four get a bootstrap stderr).
#include "metrics/perplexity.h"

#include <cmath>

#include "common/errors.h"
#include "metrics/bootstrap.h"
#include "metrics/metric_base.h"
#include "metrics/text_utils.h"

namespace evalrun::metrics {

size_t lm_eval_word_count(std::string_view text) {
  const std::u32string u = utf8_to_u32(text);
  size_t runs = 0;
  for (size_t i = 0; i < u.size(); ++i)
    if (py_isspace(u[i]) && (i == 0 || !py_isspace(u[i - 1]))) ++runs;
  return runs + 1;
}

namespace {

enum class PplKind { kPerplexity, kWord, kByte, kBitsPerByte };

class PerplexityMetric : public MetricBase {
 public:
  PerplexityMetric(const std::string& name, PplKind kind) : MetricBase(name, false), kind_(kind) {}

  nlohmann::json per_sample(const SampleInput& s) const override {
    if (!std::isfinite(s.logprob)) throw UserError("metric '" + name_ + "': log-likelihood is not finite");
    if (kind_ == PplKind::kPerplexity) return s.logprob;
    const double weight = kind_ == PplKind::kWord ? static_cast<double>(lm_eval_word_count(s.text))
                                                  : static_cast<double>(s.text.size());
    return nlohmann::json::array({s.logprob, weight});
  }

  Aggregate aggregate(const std::vector<nlohmann::json>& items, const StderrOptions& options) const override {
    require_items(name_, items);
    std::vector<double> ll(items.size()), weight(items.size(), 1.0);
    for (size_t i = 0; i < items.size(); ++i) {
      if (kind_ == PplKind::kPerplexity) {
        ll[i] = item_number(name_, items[i], i);
        continue;
      }
      const auto& it = items[i];
      if (!it.is_array() || it.size() != 2)
        throw UserError("metric '" + name_ + "': item " + std::to_string(i) + ": expected [loglikelihood, " +
                        (kind_ == PplKind::kWord ? "words" : "bytes") + "], got " + it.dump());
      ll[i] = item_number(name_, it[0], i);
      weight[i] = item_number(name_, it[1], i);
    }
    auto score = [&](const std::vector<uint32_t>* idx) {
      double sum_ll = 0, sum_w = 0;
      const size_t n = idx ? idx->size() : ll.size();
      for (size_t k = 0; k < n; ++k) {
        const size_t i = idx ? (*idx)[k] : k;
        sum_ll += ll[i];
        sum_w += weight[i];
      }
      if (kind_ == PplKind::kBitsPerByte) return -sum_ll / sum_w / std::log(2.0);
      return std::exp(-sum_ll / sum_w);  // for kPerplexity sum_w is the document count
    };
    Aggregate out;
    out.value = score(nullptr);
    if (!std::isfinite(out.value))
      throw UserError("metric '" + name_ + "': the score is not finite (zero total length or overflow)");
    out.stderr_value = bootstrap_stderr(items.size(), options,
                                        [&](const std::vector<uint32_t>& idx) { return score(&idx); });
    return out;
  }

 private:
  PplKind kind_;
};

MetricFactory factory(PplKind kind, const char* agg) {
  return [kind, agg](const std::string& name, Kwargs&, const std::string& aggregation) -> std::unique_ptr<Metric> {
    check_aggregation(name, aggregation, {agg});
    return std::make_unique<PerplexityMetric>(name, kind);
  };
}

}  // namespace

void register_perplexity(std::vector<MetricEntry>& out) {
  out.push_back({"perplexity", factory(PplKind::kPerplexity, "perplexity")});
  out.push_back({"word_perplexity", factory(PplKind::kWord, "weighted_perplexity")});
  out.push_back({"byte_perplexity", factory(PplKind::kByte, "weighted_perplexity")});
  out.push_back({"bits_per_byte", factory(PplKind::kBitsPerByte, "bits_per_byte")});
}

}  // namespace evalrun::metrics
