#pragma once
// Corpus-level classification scores over label strings, as scikit-learn 1.2 computes them.
#include <cstdint>
#include <string>
#include <vector>

namespace evalrun::metrics {

// Integer-coded labels: codes index the sorted union of y_true and y_pred (numpy.unique order).
struct LabelCodes {
  std::vector<std::string> labels;  // sorted
  std::vector<int> y_true, y_pred;
};
LabelCodes encode_labels(const std::vector<std::string>& y_true, const std::vector<std::string>& y_pred);

// sklearn.metrics.matthews_corrcoef; 0.0 when a marginal is degenerate. `indices` selects a resample
// (empty: all items).
double mcc_codes(const LabelCodes& codes, const std::vector<uint32_t>* indices = nullptr);
// sklearn.metrics.f1_score(average='binary', pos_label); `pos` is the code of pos_label or -1 when absent.
double f1_binary_codes(const LabelCodes& codes, int pos, const std::vector<uint32_t>* indices = nullptr);
// sklearn.metrics.f1_score(average='macro') over the labels present in the (re)sample.
double f1_macro_codes(const LabelCodes& codes, const std::vector<uint32_t>* indices = nullptr);

double matthews_corrcoef(const std::vector<std::string>& y_true, const std::vector<std::string>& y_pred);
// Throws UserError when more than two labels occur, or pos_label is absent while two labels occur.
double f1_binary(const std::vector<std::string>& y_true, const std::vector<std::string>& y_pred,
                 const std::string& pos_label = "1");
double f1_macro(const std::vector<std::string>& y_true, const std::vector<std::string>& y_pred);

}  // namespace evalrun::metrics
