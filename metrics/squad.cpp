// SQuAD-style EM and token F1 with several golds (max), as MERA's MultiQ and CheGeKa use them.
#include "metrics/squad.h"

#include <algorithm>
#include <map>

#include "metrics/metric_base.h"
#include "metrics/text_utils.h"

namespace evalrun::metrics {

std::string squad_normalize(const std::string& text) {
  std::u32string lowered = utf8_to_u32(py_lower(text));
  std::u32string no_punct;
  no_punct.reserve(lowered.size());
  for (char32_t c : lowered)
    if (!is_ascii_punct(c)) no_punct.push_back(c);
  // re.sub(r'\b(a|an|the)\b', ' ', text): a maximal run of word characters equal to an article.
  std::u32string no_articles;
  no_articles.reserve(no_punct.size());
  size_t i = 0;
  while (i < no_punct.size()) {
    if (!py_isword(no_punct[i])) {
      no_articles.push_back(no_punct[i++]);
      continue;
    }
    size_t j = i;
    while (j < no_punct.size() && py_isword(no_punct[j])) ++j;
    const std::u32string_view word(no_punct.data() + i, j - i);
    if (word == U"a" || word == U"an" || word == U"the") {
      no_articles.push_back(U' ');
    } else {
      no_articles.append(word);
    }
    i = j;
  }
  std::string out;
  for (const auto& w : py_split(std::u32string_view(no_articles))) {
    if (!out.empty()) out.push_back(' ');
    out += u32_to_utf8(w);
  }
  return out;
}

double squad_exact(const std::string& prediction, const std::string& gold) {
  return squad_normalize(prediction) == squad_normalize(gold) ? 1.0 : 0.0;
}

double squad_f1(const std::string& prediction, const std::string& gold) {
  const auto pred_tokens = py_split(squad_normalize(prediction));
  const auto gold_tokens = py_split(squad_normalize(gold));
  std::map<std::string, int> gold_counts;
  for (const auto& t : gold_tokens) ++gold_counts[t];
  int same = 0;
  for (const auto& t : pred_tokens) {
    auto it = gold_counts.find(t);
    if (it != gold_counts.end() && it->second > 0) {
      --it->second;
      ++same;
    }
  }
  if (same == 0) return 0.0;
  const double precision = static_cast<double>(same) / static_cast<double>(pred_tokens.size());
  const double recall = static_cast<double>(same) / static_cast<double>(gold_tokens.size());
  return 2.0 * precision * recall / (precision + recall);
}

std::vector<std::string> squad_golds(const std::vector<std::string>& references) {
  std::vector<std::string> out;
  for (const auto& ref : references) {
    size_t start = 0;
    while (true) {
      const size_t pos = ref.find(';', start);
      out.push_back(ref.substr(start, pos == std::string::npos ? std::string::npos : pos - start));
      if (pos == std::string::npos) break;
      start = pos + 1;
    }
  }
  return out;
}

namespace {

class SquadMetric : public MetricBase {
 public:
  SquadMetric(const std::string& name, bool f1) : MetricBase(name, true), f1_(f1) {}

  nlohmann::json per_sample(const SampleInput& s) const override {
    const std::string& pred = first_prediction(name_, s);
    double best = 0.0;
    for (const auto& gold : squad_golds(sample_references(name_, s)))
      best = std::max(best, f1_ ? squad_f1(pred, gold) : squad_exact(pred, gold));
    return best;
  }

  Aggregate aggregate(const std::vector<nlohmann::json>& items, const StderrOptions&) const override {
    return mean_aggregate(name_, items);
  }

 private:
  bool f1_;
};

}  // namespace

void register_squad(std::vector<MetricEntry>& out) {
  for (const char* n : {"squad_em", "squad_f1"}) {
    const bool f1 = std::string(n) == "squad_f1";
    out.push_back({n, [f1](const std::string& name, Kwargs&, const std::string& aggregation) {
                     check_aggregation(name, aggregation, {"mean"});
                     return std::unique_ptr<Metric>(std::make_unique<SquadMetric>(name, f1));
                   }});
  }
}

}  // namespace evalrun::metrics
