#pragma once
// ROUGE as google-research rouge-score (rouge_scorer.py) computes it.
#include <string>
#include <vector>

namespace evalrun::metrics {

struct RougeScore {
  double precision = 0.0;
  double recall = 0.0;
  double fmeasure = 0.0;
};

// rouge-score's tokenize(): Python lower(), every run of characters outside [a-z0-9] becomes a space,
// split. This drops all non-Latin letters (Cyrillic text yields no tokens). With `unicode_letters`,
// letters and digits of any script (Unicode categories L*, N*) are kept instead.
std::vector<std::string> rouge_tokenize(const std::string& text, bool unicode_letters);

// rouge_type: "rouge1".."rouge9", "rougeL" or "rougeLsum" (sentences split on '\n').
RougeScore rouge_score(const std::string& rouge_type, const std::string& target, const std::string& prediction,
                       bool unicode_letters = false);

}  // namespace evalrun::metrics
