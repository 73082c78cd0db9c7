// sacrebleu 2.x BLEU and chrF: tokenizers, sufficient statistics and scores.
#include "metrics/sacrebleu.h"

#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "common/errors.h"
#include "metrics/text_utils.h"

namespace evalrun::metrics {
namespace {

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
}

std::string join_split(const std::string& line) {
  std::string out;
  for (const auto& w : py_split(line)) {
    if (!out.empty()) out.push_back(' ');
    out += w;
  }
  return out;
}

}  // namespace

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_period_comma(char c) { return c == '.' || c == ','; }

// mteval-13a's first rule: [\{-\~\[-\` -\&\(-\+\:-\@\/] (all ASCII) gets spaces around it.
bool is_13a_symbol(char c) {
  return (c >= '{' && c <= '~') || (c >= '[' && c <= '`') || (c >= ' ' && c <= '&') || (c >= '(' && c <= '+') ||
         (c >= ':' && c <= '@') || c == '/';
}

}  // namespace

// The four regex substitutions of sacrebleu's TokenizerRegexp, as single left-to-right passes with
// re.sub's leftmost, non-overlapping matching. Working on bytes is exact: every pattern's fixed
// characters are ASCII, and "[^0-9]" only needs to reject ASCII digits (a multi-byte character's bytes
// never are), so consuming one byte of it instead of the whole code point emits the same output.
std::string tokenize_13a(const std::string& input) {
  std::string line = input;
  replace_all(line, "<skipped>", "");
  replace_all(line, "-\n", "");
  replace_all(line, "\n", " ");
  if (line.find('&') != std::string::npos) {
    replace_all(line, "&quot;", "\"");
    replace_all(line, "&amp;", "&");
    replace_all(line, "&lt;", "<");
    replace_all(line, "&gt;", ">");
  }
  // ([\{-\~\[-\` -\&\(-\+\:-\@\/]) -> " \1 "
  std::string a;
  a.reserve(line.size() * 2 + 2);
  a.push_back(' ');
  a.push_back(' ');  // the leading " " of f' {line} ' is itself a symbol: " " -> "   "
  a.push_back(' ');
  for (char c : line) {
    if (is_13a_symbol(c)) {
      a.push_back(' ');
      a.push_back(c);
      a.push_back(' ');
    } else {
      a.push_back(c);
    }
  }
  a.append("   ");
  // ([^0-9])([\.,]) -> "\1 \2 "
  std::string b;
  b.reserve(a.size() * 2);
  for (size_t i = 0; i < a.size();) {
    if (i + 1 < a.size() && !is_digit(a[i]) && is_period_comma(a[i + 1])) {
      b.push_back(a[i]);
      b.push_back(' ');
      b.push_back(a[i + 1]);
      b.push_back(' ');
      i += 2;
    } else {
      b.push_back(a[i++]);
    }
  }
  // ([\.,])([^0-9]) -> " \1 \2"
  std::string c;
  c.reserve(b.size() * 2);
  for (size_t i = 0; i < b.size();) {
    if (i + 1 < b.size() && is_period_comma(b[i]) && !is_digit(b[i + 1])) {
      c.push_back(' ');
      c.push_back(b[i]);
      c.push_back(' ');
      c.push_back(b[i + 1]);
      i += 2;
    } else {
      c.push_back(b[i++]);
    }
  }
  // ([0-9])(-) -> "\1 \2 "
  std::string d;
  d.reserve(c.size() * 2);
  for (size_t i = 0; i < c.size();) {
    if (i + 1 < c.size() && is_digit(c[i]) && c[i + 1] == '-') {
      d.push_back(c[i]);
      d.append(" - ");
      i += 2;
    } else {
      d.push_back(c[i++]);
    }
  }
  return join_split(d);
}

std::string tokenize_intl(const std::string& input) {
  static const RE2 kPunctAfterNonNumber(R"((\P{N})(\p{P}))");
  static const RE2 kPunctBeforeNonNumber(R"((\p{P})(\P{N}))");
  static const RE2 kSymbol(R"((\p{S}))");
  std::string line = input;
  RE2::GlobalReplace(&line, kPunctAfterNonNumber, R"(\1 \2 )");
  RE2::GlobalReplace(&line, kPunctBeforeNonNumber, R"( \1 \2)");
  RE2::GlobalReplace(&line, kSymbol, R"( \1 )");
  return join_split(line);
}

namespace {

std::string bleu_preprocess(const std::string& sent, const BleuOptions& o) {
  std::string s = o.lowercase ? py_lower(sent) : sent;
  s = py_rstrip(s);
  if (o.tokenize == "13a") return tokenize_13a(s);
  if (o.tokenize == "intl") return tokenize_intl(s);
  if (o.tokenize == "none") return s;
  throw UserError("bleu: tokenize '" + o.tokenize + "' is not supported (expected 13a, intl or none)");
}

// N-gram counts keyed by the token ids of the n-gram (4 bytes per id), exact for any order.
using NgramCounts = std::unordered_map<std::string, int>;

struct TokenIds {
  std::unordered_map<std::string, uint32_t> ids;
  std::vector<uint32_t> encode(const std::vector<std::string>& tokens) {
    std::vector<uint32_t> out;
    out.reserve(tokens.size());
    for (const auto& t : tokens) out.push_back(ids.emplace(t, static_cast<uint32_t>(ids.size())).first->second);
    return out;
  }
};

void count_ngrams(const std::vector<uint32_t>& ids, int max_order, NgramCounts& out) {
  for (int n = 1; n <= max_order; ++n) {
    for (size_t i = 0; i + static_cast<size_t>(n) <= ids.size(); ++i)
      ++out[std::string(reinterpret_cast<const char*>(&ids[i]), static_cast<size_t>(n) * sizeof(uint32_t))];
  }
}

double my_log(double x) { return x == 0.0 ? -9999999999.0 : std::log(x); }

}  // namespace

std::vector<double> bleu_segment_stats(const std::string& hypothesis, const std::vector<std::string>& references,
                                       const BleuOptions& o) {
  const int order = o.max_ngram_order;
  TokenIds vocab;
  NgramCounts ref_ngrams;
  std::vector<int64_t> ref_lens;
  for (const auto& ref : references) {
    const auto ids = vocab.encode(py_split(bleu_preprocess(ref, o)));
    ref_lens.push_back(static_cast<int64_t>(ids.size()));
    NgramCounts these;
    count_ngrams(ids, order, these);
    for (const auto& [k, c] : these) {
      int& slot = ref_ngrams[k];
      slot = std::max(slot, c);
    }
  }
  const auto hyp_ids = vocab.encode(py_split(bleu_preprocess(hypothesis, o)));
  const auto hyp_len = static_cast<int64_t>(hyp_ids.size());
  // Closest reference length; ties go to the shorter reference.
  int64_t closest_diff = -1, closest_len = -1;
  for (int64_t len : ref_lens) {
    const int64_t diff = std::llabs(hyp_len - len);
    if (closest_diff == -1 || diff < closest_diff) {
      closest_diff = diff;
      closest_len = len;
    } else if (diff == closest_diff && len < closest_len) {
      closest_len = len;
    }
  }
  NgramCounts hyp_ngrams;
  count_ngrams(hyp_ids, order, hyp_ngrams);
  std::vector<double> stats(2 + 2 * static_cast<size_t>(order), 0.0);
  stats[0] = static_cast<double>(hyp_len);
  stats[1] = static_cast<double>(closest_len);
  for (const auto& [k, c] : hyp_ngrams) {
    const size_t n = k.size() / sizeof(uint32_t) - 1;
    stats[2 + static_cast<size_t>(order) + n] += c;
    auto it = ref_ngrams.find(k);
    if (it != ref_ngrams.end()) stats[2 + n] += std::min(c, it->second);
  }
  return stats;
}

double bleu_from_stats(const std::vector<double>& stats, const BleuOptions& o) {
  const auto order = static_cast<size_t>(o.max_ngram_order);
  const double sys_len = stats[0], ref_len = stats[1];
  std::vector<double> correct(stats.begin() + 2, stats.begin() + 2 + static_cast<long>(order));
  std::vector<double> total(stats.begin() + 2 + static_cast<long>(order), stats.end());
  double smooth_value = 0.0;
  if (o.smooth_method == "floor") smooth_value = o.smooth_value.value_or(0.1);
  if (o.smooth_method == "add-k") smooth_value = o.smooth_value.value_or(1.0);
  double bp = 1.0;
  if (sys_len < ref_len) bp = sys_len > 0 ? std::exp(1.0 - ref_len / sys_len) : 0.0;
  if (std::all_of(correct.begin(), correct.end(), [](double c) { return c == 0; })) return 0.0;
  std::vector<double> precisions(order, 0.0);
  double smooth_mteval = 1.0;
  size_t eff_order = order;
  for (size_t n = 1; n <= order; ++n) {
    if (o.smooth_method == "add-k" && n > 1) {
      correct[n - 1] += smooth_value;
      total[n - 1] += smooth_value;
    }
    if (total[n - 1] == 0) break;
    if (o.effective_order) eff_order = n;
    if (correct[n - 1] == 0) {
      if (o.smooth_method == "exp") {
        smooth_mteval *= 2;
        precisions[n - 1] = 100.0 / (smooth_mteval * total[n - 1]);
      } else if (o.smooth_method == "floor") {
        precisions[n - 1] = 100.0 * smooth_value / total[n - 1];
      }
    } else {
      precisions[n - 1] = 100.0 * correct[n - 1] / total[n - 1];
    }
  }
  double log_sum = 0.0;
  for (size_t i = 0; i < eff_order; ++i) log_sum += my_log(precisions[i]);
  return bp * std::exp(log_sum / static_cast<double>(eff_order));
}

double corpus_bleu(const std::vector<std::string>& hypotheses,
                   const std::vector<std::vector<std::string>>& references, const BleuOptions& o) {
  std::vector<double> sum(2 + 2 * static_cast<size_t>(o.max_ngram_order), 0.0);
  for (size_t i = 0; i < hypotheses.size(); ++i) {
    const auto s = bleu_segment_stats(hypotheses[i], references.at(i), o);
    for (size_t j = 0; j < s.size(); ++j) sum[j] += s[j];
  }
  return bleu_from_stats(sum, o);
}

double sentence_bleu(const std::string& hypothesis, const std::vector<std::string>& references,
                     const BleuOptions& o) {
  return bleu_from_stats(bleu_segment_stats(hypothesis, references, o), o);
}

// ---- chrF ----

namespace {

using U32Counts = std::unordered_map<std::u32string, int>;

bool is_chrf_punct(char32_t c) { return c < 0x80 && is_ascii_punct(c); }

// CHRF._remove_punctuation: split off one leading or trailing ASCII punctuation mark per word.
std::vector<std::u32string> chrf_words(const std::u32string& sent) {
  std::vector<std::u32string> out;
  for (auto& w : py_split(std::u32string_view(sent))) {
    if (w.size() == 1) {
      out.push_back(w);
    } else if (is_chrf_punct(w.back())) {
      out.push_back(w.substr(0, w.size() - 1));
      out.push_back(w.substr(w.size() - 1));
    } else if (is_chrf_punct(w.front())) {
      out.push_back(w.substr(0, 1));
      out.push_back(w.substr(1));
    } else {
      out.push_back(w);
    }
  }
  return out;
}

std::vector<U32Counts> chrf_ngrams(const std::string& sent, const ChrfOptions& o) {
  std::u32string line = utf8_to_u32(o.lowercase ? py_lower(sent) : sent);
  std::vector<U32Counts> out;
  std::u32string chars;
  if (o.whitespace) {
    chars = line;
  } else {
    for (const auto& w : py_split(std::u32string_view(line))) chars += w;
  }
  for (int n = 1; n <= o.char_order; ++n) {
    U32Counts c;
    for (size_t i = 0; i + static_cast<size_t>(n) <= chars.size(); ++i) ++c[chars.substr(i, static_cast<size_t>(n))];
    out.push_back(std::move(c));
  }
  if (o.word_order > 0) {
    const auto words = chrf_words(line);
    for (int n = 1; n <= o.word_order; ++n) {
      U32Counts c;
      for (size_t i = 0; i + static_cast<size_t>(n) <= words.size(); ++i) {
        std::u32string key;
        for (size_t j = i; j < i + static_cast<size_t>(n); ++j) {
          if (j > i) key.push_back(U' ');
          key += words[j];
        }
        ++c[key];
      }
      out.push_back(std::move(c));
    }
  }
  return out;
}

}  // namespace

double chrf_from_stats(const std::vector<double>& stats, const ChrfOptions& o) {
  const double eps = 1e-16;
  const double factor = static_cast<double>(o.beta) * o.beta;
  const size_t order = static_cast<size_t>(o.char_order + o.word_order);
  double score = 0.0, avg_prec = 0.0, avg_rec = 0.0;
  int effective_order = 0;
  for (size_t i = 0; i < order; ++i) {
    const double n_hyp = stats[3 * i], n_ref = stats[3 * i + 1], n_match = stats[3 * i + 2];
    const double prec = n_hyp > 0 ? n_match / n_hyp : eps;
    const double rec = n_ref > 0 ? n_match / n_ref : eps;
    const double denom = factor * prec + rec;
    score += denom > 0 ? (1 + factor) * prec * rec / denom : eps;
    if (n_hyp > 0 && n_ref > 0) {
      avg_prec += prec;
      avg_rec += rec;
      ++effective_order;
    }
  }
  if (o.eps_smoothing) return 100.0 * score / static_cast<double>(order);
  if (effective_order == 0) {
    avg_prec = avg_rec = 0.0;
  } else {
    avg_prec /= effective_order;
    avg_rec /= effective_order;
  }
  if (avg_prec + avg_rec != 0.0) return 100.0 * (1 + factor) * avg_prec * avg_rec / (factor * avg_prec + avg_rec);
  return 0.0;
}

std::vector<double> chrf_segment_stats(const std::string& hypothesis, const std::vector<std::string>& references,
                                       const ChrfOptions& o) {
  const auto hyp = chrf_ngrams(hypothesis, o);
  std::vector<double> best(3 * hyp.size(), 0.0);
  double best_f = -1.0;
  for (const auto& ref_text : references) {
    const auto ref = chrf_ngrams(ref_text, o);
    std::vector<double> stats;
    for (size_t n = 0; n < hyp.size(); ++n) {
      double match = 0, hyp_count = 0, ref_count = 0;
      for (const auto& [g, c] : hyp[n]) {
        hyp_count += c;
        auto it = ref[n].find(g);
        if (it != ref[n].end()) match += std::min(c, it->second);
      }
      for (const auto& [g, c] : ref[n]) ref_count += c;
      stats.push_back(ref[n].empty() ? 0 : hyp_count);
      stats.push_back(ref_count);
      stats.push_back(match);
    }
    const double f = chrf_from_stats(stats, o);
    if (f > best_f) {
      best_f = f;
      best = std::move(stats);
    }
  }
  return best;
}

double corpus_chrf(const std::vector<std::string>& hypotheses,
                   const std::vector<std::vector<std::string>>& references, const ChrfOptions& o) {
  std::vector<double> sum(3 * static_cast<size_t>(o.char_order + o.word_order), 0.0);
  for (size_t i = 0; i < hypotheses.size(); ++i) {
    const auto s = chrf_segment_stats(hypotheses[i], references.at(i), o);
    for (size_t j = 0; j < s.size(); ++j) sum[j] += s[j];
  }
  return chrf_from_stats(sum, o);
}

double sentence_chrf(const std::string& hypothesis, const std::vector<std::string>& references,
                     const ChrfOptions& o) {
  return chrf_from_stats(chrf_segment_stats(hypothesis, references, o), o);
}

}  // namespace evalrun::metrics
