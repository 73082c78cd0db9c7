// Metric wrappers for sacrebleu BLEU/chrF: corpus scores (bootstrap stderr over segment statistics) and
// sentence-level means (closed-form stderr).
#include <algorithm>

#include "common/errors.h"
#include "metrics/bootstrap.h"
#include "metrics/metric_base.h"
#include "metrics/sacrebleu.h"

namespace evalrun::metrics {
namespace {

BleuOptions read_bleu(const std::string& name, Kwargs& kw, bool sentence) {
  BleuOptions o;
  o.tokenize = kw.get_string("tokenize", "13a");
  o.smooth_method = kw.get_string("smooth_method", "exp");
  const double sv = kw.get_double("smooth_value", -1.0);
  if (sv >= 0) o.smooth_value = sv;
  o.max_ngram_order = kw.get_int("max_ngram_order", 4);
  o.effective_order = kw.get_bool("effective_order", sentence);
  o.lowercase = kw.get_bool("lowercase", false);
  if (o.tokenize != "13a" && o.tokenize != "intl" && o.tokenize != "none")
    throw UserError("metric '" + name + "': kwarg 'tokenize': '" + o.tokenize +
                    "' is not supported (expected 13a, intl or none)");
  if (o.smooth_method != "exp" && o.smooth_method != "none" && o.smooth_method != "floor" &&
      o.smooth_method != "add-k")
    throw UserError("metric '" + name + "': kwarg 'smooth_method': expected exp, none, floor or add-k, got '" +
                    o.smooth_method + "'");
  if (o.max_ngram_order < 1 || o.max_ngram_order > 16)
    throw UserError("metric '" + name + "': kwarg 'max_ngram_order': expected 1..16");
  return o;
}

ChrfOptions read_chrf(const std::string& name, Kwargs& kw) {
  ChrfOptions o;
  o.char_order = kw.get_int("char_order", 6);
  o.word_order = kw.get_int("word_order", 0);
  o.beta = kw.get_int("beta", 2);
  o.lowercase = kw.get_bool("lowercase", false);
  o.whitespace = kw.get_bool("whitespace", false);
  o.eps_smoothing = kw.get_bool("eps_smoothing", false);
  if (o.char_order < 1 || o.word_order < 0 || o.beta < 1)
    throw UserError("metric '" + name + "': char_order >= 1, word_order >= 0 and beta >= 1 are required");
  return o;
}

// Corpus metric over per-segment sufficient statistics.
class CorpusStatsMetric : public MetricBase {
 public:
  using StatsFn = std::function<std::vector<double>(const TextPair&)>;
  using ScoreFn = std::function<double(const std::vector<double>&)>;
  CorpusStatsMetric(const std::string& name, StatsFn stats, ScoreFn score)
      : MetricBase(name, true), stats_(std::move(stats)), score_(std::move(score)) {}

  nlohmann::json per_sample(const SampleInput& s) const override { return text_pair_item(name_, s); }

  Aggregate aggregate(const std::vector<nlohmann::json>& items, const StderrOptions& options) const override {
    const auto pairs = text_pairs(name_, items);
    const size_t width = stats_(TextPair{"", {""}}).size();
    // One flat row of sufficient statistics per segment: resamples only add rows.
    std::vector<double> seg(pairs.size() * width);
    parallel_for(pairs.size(), options.threads, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; ++i) {
        const auto row = stats_(pairs[i]);
        std::copy(row.begin(), row.end(), seg.begin() + static_cast<long>(i * width));
      }
    });
    std::vector<double> sum(width, 0.0);
    for (size_t i = 0; i < pairs.size(); ++i)
      for (size_t j = 0; j < width; ++j) sum[j] += seg[i * width + j];
    Aggregate out;
    out.value = score_(sum);
    out.stderr_value = bootstrap_stderr(pairs.size(), options, [&](const std::vector<uint32_t>& idx) {
      std::vector<double> acc(width, 0.0);
      for (uint32_t i : idx) {
        const double* row = seg.data() + static_cast<size_t>(i) * width;
        for (size_t j = 0; j < width; ++j) acc[j] += row[j];
      }
      return score_(acc);
    });
    return out;
  }

 private:
  StatsFn stats_;
  ScoreFn score_;
};

// Mean of a per-sentence score.
class SentenceMetric : public MetricBase {
 public:
  using Fn = std::function<double(const TextPair&)>;
  SentenceMetric(const std::string& name, Fn fn) : MetricBase(name, true), fn_(std::move(fn)) {}
  nlohmann::json per_sample(const SampleInput& s) const override {
    return fn_(TextPair{first_prediction(name_, s), sample_references(name_, s)});
  }
  Aggregate aggregate(const std::vector<nlohmann::json>& items, const StderrOptions&) const override {
    return mean_aggregate(name_, items);
  }

 private:
  Fn fn_;
};

}  // namespace

void register_sacrebleu(std::vector<MetricEntry>& out) {
  out.push_back({"bleu", [](const std::string& name, Kwargs& kw, const std::string& aggregation) {
                   check_aggregation(name, aggregation, {"bleu"});
                   const auto o = read_bleu(name, kw, false);
                   return std::unique_ptr<Metric>(std::make_unique<CorpusStatsMetric>(
                       name, [o](const TextPair& p) { return bleu_segment_stats(p.prediction, p.references, o); },
                       [o](const std::vector<double>& s) { return bleu_from_stats(s, o); }));
                 }});
  out.push_back({"chrf", [](const std::string& name, Kwargs& kw, const std::string& aggregation) {
                   check_aggregation(name, aggregation, {"chrf"});
                   const auto o = read_chrf(name, kw);
                   return std::unique_ptr<Metric>(std::make_unique<CorpusStatsMetric>(
                       name, [o](const TextPair& p) { return chrf_segment_stats(p.prediction, p.references, o); },
                       [o](const std::vector<double>& s) { return chrf_from_stats(s, o); }));
                 }});
  out.push_back({"sentence_bleu", [](const std::string& name, Kwargs& kw, const std::string& aggregation) {
                   check_aggregation(name, aggregation, {"mean"});
                   const auto o = read_bleu(name, kw, true);
                   return std::unique_ptr<Metric>(std::make_unique<SentenceMetric>(
                       name, [o](const TextPair& p) { return sentence_bleu(p.prediction, p.references, o); }));
                 }});
  out.push_back({"sentence_chrf", [](const std::string& name, Kwargs& kw, const std::string& aggregation) {
                   check_aggregation(name, aggregation, {"mean"});
                   const auto o = read_chrf(name, kw);
                   return std::unique_ptr<Metric>(std::make_unique<SentenceMetric>(
                       name, [o](const TextPair& p) { return sentence_chrf(p.prediction, p.references, o); }));
                 }});
}

}  // namespace evalrun::metrics
