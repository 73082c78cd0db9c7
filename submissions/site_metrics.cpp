// Metrics as modules/scoring computes them where metrics/ has a different convention.
#include <unicode/uchar.h>

#include <map>
#include <set>
#include <sstream>

#include "metrics/squad.h"
#include "metrics/text_utils.h"
#include "submissions/checks.h"

namespace evalrun::submissions {
namespace {

std::vector<std::string> split_on(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

std::vector<std::string> squad_tokens(const std::string& s) {
  if (s.empty()) return {};
  return metrics::py_split(metrics::squad_normalize(s));
}

}  // namespace

// transformers.data.metrics.squad_metrics: unlike SQuAD v1.1, an empty side scores 1 when both are empty.
double site_squad_f1(const std::string& prediction, const std::string& gold) {
  const auto g = squad_tokens(gold), p = squad_tokens(prediction);
  if (g.empty() || p.empty()) return g == p ? 1.0 : 0.0;
  std::map<std::string, int> counts;
  for (const auto& t : g) ++counts[t];
  int same = 0;
  for (const auto& t : p)
    if (counts[t] > 0) --counts[t], ++same;
  if (same == 0) return 0.0;
  const double precision = static_cast<double>(same) / p.size(), recall = static_cast<double>(same) / g.size();
  return 2 * precision * recall / (precision + recall);
}

double site_squad_exact(const std::string& prediction, const std::string& gold) {
  return metrics::squad_normalize(gold) == metrics::squad_normalize(prediction) ? 1.0 : 0.0;
}

// src/tasks/use.py get_scores.
int use_score(const std::string& type, const std::string& id_task, const std::string& answer,
              const std::string& prediction) {
  const auto ans = split_on(answer, ',');
  auto pred = split_on(prediction, ',');
  if (type == "matching") {
    if (ans.size() != pred.size()) return 0;
    int score = 0;
    for (size_t i = 0; i < ans.size(); ++i) score += ans[i] == pred[i];
    return score;
  }
  if (type == "text") {
    // re.sub(r"[\d+\W+]", "", prediction).lower(): drop decimal digits, '+' and non-word characters.
    std::u32string kept;
    for (char32_t c : metrics::utf8_to_u32(prediction)) {
      if (c == U'+' || u_charType(static_cast<UChar32>(c)) == U_DECIMAL_DIGIT_NUMBER || !metrics::py_isword(c)) continue;
      kept += c;
    }
    const std::string p = metrics::py_lower(metrics::u32_to_utf8(kept));
    for (const auto& a : ans)
      if (a == p) return 1;
    return 0;
  }
  if (id_task == "16") {
    while (pred.size() < ans.size()) pred.push_back("-1");
    const std::set<std::string> a(ans.begin(), ans.end()), p(pred.begin(), pred.end());
    long common = 0;
    for (const auto& x : a) common += p.count(x);
    const long v = common - static_cast<long>(pred.size()) + static_cast<long>(ans.size());
    return static_cast<int>(v > 0 ? v : 0);
  }
  const std::set<std::string> a(ans.begin(), ans.end()), p(pred.begin(), pred.end());
  long common = 0;
  for (const auto& x : a) common += p.count(x);
  return static_cast<size_t>(common) == a.size() && a.size() == p.size() ? 1 : 0;
}

// compute_pass_k of src/tasks/ruhumaneval.py (1.0 whenever n - c < k, also for n < k).
double site_pass_at_k(long n, long c, long k) {
  if (n - c < k) return 1.0;
  double prod = 1.0;
  for (long i = n - c + 1; i <= n; ++i) prod *= 1.0 - static_cast<double>(k) / static_cast<double>(i);
  return 1.0 - prod;
}

}  // namespace evalrun::submissions
