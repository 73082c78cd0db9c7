#pragma once
// SQuAD v1.1 official evaluation (evaluate-v1.1.py) semantics.
#include <string>
#include <vector>

namespace evalrun::metrics {

// normalize_answer: lower (Python str.lower, full Unicode), remove ASCII string.punctuation, replace
// the words a/an/the by a space (word boundaries are Unicode-aware, as Python's re), collapse
// whitespace (Python str.split).
std::string squad_normalize(const std::string& text);
double squad_exact(const std::string& prediction, const std::string& gold);
// Token F1 on normalized whitespace tokens; 0 when no token is shared (v1.1, also when both are empty).
double squad_f1(const std::string& prediction, const std::string& gold);
// Golds: every reference split on ';' (MultiQ/CheGeKa style); the maximum over all pieces.
std::vector<std::string> squad_golds(const std::vector<std::string>& references);

}  // namespace evalrun::metrics
