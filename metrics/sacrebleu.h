#pragma once
// BLEU and chrF as sacrebleu 2.x computes them (tokenizers 13a / intl / none; smoothing none, floor,
// add-k, exp; effective order; closest reference length; chrF char/word n-grams with effective-order
// or epsilon smoothing).
#include <optional>
#include <string>
#include <vector>

namespace evalrun::metrics {

// sacrebleu Tokenizer13a (mteval-v13a).
std::string tokenize_13a(const std::string& line);
// sacrebleu TokenizerV14International (mteval-v14 international).
std::string tokenize_intl(const std::string& line);

struct BleuOptions {
  std::string tokenize = "13a";       // 13a, intl, none
  std::string smooth_method = "exp";  // none, floor, add-k, exp
  std::optional<double> smooth_value; // floor: 0.1, add-k: 1 when absent
  int max_ngram_order = 4;
  bool effective_order = false;
  bool lowercase = false;
};

// Segment statistics: [hyp_len, ref_len, correct_1..N, total_1..N].
std::vector<double> bleu_segment_stats(const std::string& hypothesis, const std::vector<std::string>& references,
                                       const BleuOptions& options);
// sacrebleu BLEU.compute_bleu on summed statistics; score in [0, 100].
double bleu_from_stats(const std::vector<double>& stats, const BleuOptions& options);
double corpus_bleu(const std::vector<std::string>& hypotheses,
                   const std::vector<std::vector<std::string>>& references, const BleuOptions& options);
double sentence_bleu(const std::string& hypothesis, const std::vector<std::string>& references,
                     const BleuOptions& options);

struct ChrfOptions {
  int char_order = 6;
  int word_order = 0;
  int beta = 2;
  bool lowercase = false;
  bool whitespace = false;
  bool eps_smoothing = false;
};

// Segment statistics: [hyp, ref, match] per order (char orders then word orders), best reference.
std::vector<double> chrf_segment_stats(const std::string& hypothesis, const std::vector<std::string>& references,
                                       const ChrfOptions& options);
double chrf_from_stats(const std::vector<double>& stats, const ChrfOptions& options);
double corpus_chrf(const std::vector<std::string>& hypotheses,
                   const std::vector<std::vector<std::string>>& references, const ChrfOptions& options);
double sentence_chrf(const std::string& hypothesis, const std::vector<std::string>& references,
                     const ChrfOptions& options);

}  // namespace evalrun::metrics
