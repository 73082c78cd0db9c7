// ROUGE-N, ROUGE-L and ROUGE-Lsum (summary-level union LCS without double counting), rouge-score semantics.
#include "metrics/rouge.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "common/errors.h"
#include "metrics/metric_base.h"
#include "metrics/text_utils.h"

namespace evalrun::metrics {

std::vector<std::string> rouge_tokenize(const std::string& text, bool unicode_letters) {
  const std::u32string lowered = utf8_to_u32(py_lower(text));
  std::vector<std::string> tokens;
  std::u32string current;
  auto flush = [&] {
    if (!current.empty()) tokens.push_back(u32_to_utf8(current));
    current.clear();
  };
  for (char32_t c : lowered) {
    const bool keep = unicode_letters ? py_isalnum(c) : ((c >= U'a' && c <= U'z') || (c >= U'0' && c <= U'9'));
    if (keep) {
      current.push_back(c);
    } else {
      flush();
    }
  }
  flush();
  return tokens;
}

namespace {

double fmeasure(double p, double r) { return p + r > 0 ? 2 * p * r / (p + r) : 0.0; }

using Ids = std::vector<int>;

struct Interner {
  std::unordered_map<std::string, int> ids;
  Ids encode(const std::vector<std::string>& tokens) {
    Ids out;
    for (const auto& t : tokens) out.push_back(ids.emplace(t, static_cast<int>(ids.size())).first->second);
    return out;
  }
};

std::vector<std::vector<int>> lcs_table(const Ids& ref, const Ids& can) {
  std::vector<std::vector<int>> t(ref.size() + 1, std::vector<int>(can.size() + 1, 0));
  for (size_t i = 1; i <= ref.size(); ++i)
    for (size_t j = 1; j <= can.size(); ++j)
      t[i][j] = ref[i - 1] == can[j - 1] ? t[i - 1][j - 1] + 1 : std::max(t[i - 1][j], t[i][j - 1]);
  return t;
}

int lcs_length(const Ids& ref, const Ids& can) {
  // Two-row DP: same value as the full table's last cell.
  std::vector<int> prev(can.size() + 1, 0), cur(can.size() + 1, 0);
  for (size_t i = 1; i <= ref.size(); ++i) {
    for (size_t j = 1; j <= can.size(); ++j)
      cur[j] = ref[i - 1] == can[j - 1] ? prev[j - 1] + 1 : std::max(prev[j], cur[j - 1]);
    std::swap(prev, cur);
  }
  return prev[can.size()];
}

// Indices into `ref` of one LCS, with rouge-score's backtracking tie-break.
std::vector<size_t> lcs_indices(const Ids& ref, const Ids& can) {
  const auto t = lcs_table(ref, can);
  size_t i = ref.size(), j = can.size();
  std::vector<size_t> out;
  while (i > 0 && j > 0) {
    if (ref[i - 1] == can[j - 1]) {
      out.push_back(i - 1);
      --i;
      --j;
    } else if (t[i][j - 1] > t[i - 1][j]) {
      --j;
    } else {
      --i;
    }
  }
  std::reverse(out.begin(), out.end());
  return out;
}

RougeScore score_ngrams(const Ids& target, const Ids& prediction, size_t n) {
  std::map<Ids, int> t, p;
  for (size_t i = 0; i + n <= target.size(); ++i) ++t[Ids(target.begin() + static_cast<long>(i), target.begin() + static_cast<long>(i + n))];
  for (size_t i = 0; i + n <= prediction.size(); ++i)
    ++p[Ids(prediction.begin() + static_cast<long>(i), prediction.begin() + static_cast<long>(i + n))];
  double inter = 0, tc = 0, pc = 0;
  for (const auto& [g, c] : t) {
    tc += c;
    auto it = p.find(g);
    if (it != p.end()) inter += std::min(c, it->second);
  }
  for (const auto& [g, c] : p) pc += c;
  RougeScore s;
  s.precision = inter / std::max(pc, 1.0);
  s.recall = inter / std::max(tc, 1.0);
  s.fmeasure = fmeasure(s.precision, s.recall);
  return s;
}

RougeScore score_lcs(const Ids& target, const Ids& prediction) {
  RougeScore s;
  if (target.empty() || prediction.empty()) return s;
  const double lcs = lcs_length(target, prediction);
  s.precision = lcs / static_cast<double>(prediction.size());
  s.recall = lcs / static_cast<double>(target.size());
  s.fmeasure = fmeasure(s.precision, s.recall);
  return s;
}

RougeScore summary_level_lcs(const std::vector<Ids>& ref_sents, const std::vector<Ids>& can_sents) {
  RougeScore s;
  if (ref_sents.empty() || can_sents.empty()) return s;
  size_t m = 0, n = 0;
  std::unordered_map<int, int> cnt_r, cnt_c;
  for (const auto& r : ref_sents) {
    m += r.size();
    for (int t : r) ++cnt_r[t];
  }
  for (const auto& c : can_sents) {
    n += c.size();
    for (int t : c) ++cnt_c[t];
  }
  if (m == 0 || n == 0) return s;
  double hits = 0;
  for (const auto& r : ref_sents) {
    std::set<size_t> uni;
    for (const auto& c : can_sents)
      for (size_t i : lcs_indices(r, c)) uni.insert(i);
    for (size_t i : uni) {
      const int t = r[i];
      if (cnt_c[t] > 0 && cnt_r[t] > 0) {
        ++hits;
        --cnt_c[t];
        --cnt_r[t];
      }
    }
  }
  s.recall = hits / static_cast<double>(m);
  s.precision = hits / static_cast<double>(n);
  s.fmeasure = fmeasure(s.precision, s.recall);
  return s;
}

std::vector<std::string> sentences(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t pos = text.find('\n', start);
    if (pos == std::string::npos) pos = text.size();
    if (pos > start) out.push_back(text.substr(start, pos - start));
    start = pos + 1;
  }
  return out;
}

}  // namespace

RougeScore rouge_score(const std::string& rouge_type, const std::string& target, const std::string& prediction,
                       bool unicode_letters) {
  Interner vocab;
  if (rouge_type == "rougeLsum") {
    std::vector<Ids> t, p;
    for (const auto& s : sentences(target)) t.push_back(vocab.encode(rouge_tokenize(s, unicode_letters)));
    for (const auto& s : sentences(prediction)) p.push_back(vocab.encode(rouge_tokenize(s, unicode_letters)));
    return summary_level_lcs(t, p);
  }
  const Ids t = vocab.encode(rouge_tokenize(target, unicode_letters));
  const Ids p = vocab.encode(rouge_tokenize(prediction, unicode_letters));
  if (rouge_type == "rougeL") return score_lcs(t, p);
  if (rouge_type.size() == 6 && rouge_type.rfind("rouge", 0) == 0 && rouge_type[5] >= '1' && rouge_type[5] <= '9')
    return score_ngrams(t, p, static_cast<size_t>(rouge_type[5] - '0'));
  throw UserError("invalid rouge type '" + rouge_type + "' (expected rouge1..rouge9, rougeL or rougeLsum)");
}

namespace {

class RougeMetric : public MetricBase {
 public:
  RougeMetric(const std::string& name, std::string measure, bool unicode)
      : MetricBase(name, true), measure_(std::move(measure)), unicode_(unicode) {}

  // Several references: the score with the best F-measure (rouge-score's score_multi).
  nlohmann::json per_sample(const SampleInput& s) const override {
    const std::string& pred = first_prediction(name_, s);
    RougeScore best;
    bool first = true;
    for (const auto& ref : sample_references(name_, s)) {
      const RougeScore r = rouge_score(name_, ref, pred, unicode_);
      if (first || r.fmeasure > best.fmeasure) best = r;
      first = false;
    }
    if (measure_ == "precision") return best.precision;
    if (measure_ == "recall") return best.recall;
    return best.fmeasure;
  }

  Aggregate aggregate(const std::vector<nlohmann::json>& items, const StderrOptions&) const override {
    return mean_aggregate(name_, items);
  }

 private:
  std::string measure_;
  bool unicode_;
};

}  // namespace

void register_rouge(std::vector<MetricEntry>& out) {
  for (const char* n : {"rouge1", "rouge2", "rougeL", "rougeLsum"}) {
    out.push_back({n, [](const std::string& name, Kwargs& kw, const std::string& aggregation) {
                     check_aggregation(name, aggregation, {"mean"});
                     const std::string measure = kw.get_string("measure", "fmeasure");
                     if (measure != "fmeasure" && measure != "precision" && measure != "recall")
                       throw UserError("metric '" + name + "': kwarg 'measure': expected fmeasure, precision or recall, got '" +
                                       measure + "'");
                     if (kw.get_bool("use_stemmer", false))
                       throw UserError("metric '" + name +
                                       "': use_stemmer=true (Porter stemming) is not supported; remove the kwarg");
                     const bool unicode = kw.get_bool("unicode_tokenizer", false);
                     return std::unique_ptr<Metric>(std::make_unique<RougeMetric>(name, measure, unicode));
                   }});
  }
}

}  // namespace evalrun::metrics
