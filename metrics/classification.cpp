// mcc, f1 (binary) and f1_macro: corpus aggregations over [prediction, gold] items with bootstrap stderr.
#include "metrics/classification.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "common/errors.h"
#include "metrics/accuracy.h"
#include "metrics/bootstrap.h"
#include "metrics/metric_base.h"

namespace evalrun::metrics {

LabelCodes encode_labels(const std::vector<std::string>& y_true, const std::vector<std::string>& y_pred) {
  LabelCodes out;
  std::map<std::string, int> index;
  for (const auto& v : y_true) index.emplace(v, 0);
  for (const auto& v : y_pred) index.emplace(v, 0);
  for (auto& [label, code] : index) {
    code = static_cast<int>(out.labels.size());
    out.labels.push_back(label);
  }
  for (const auto& v : y_true) out.y_true.push_back(index.at(v));
  for (const auto& v : y_pred) out.y_pred.push_back(index.at(v));
  return out;
}

namespace {

// Confusion matrix counts C[true][pred] over the selected items.
std::vector<double> confusion(const LabelCodes& codes, const std::vector<uint32_t>* indices) {
  const size_t k = codes.labels.size();
  std::vector<double> c(k * k, 0.0);
  if (indices) {
    for (uint32_t i : *indices) c[static_cast<size_t>(codes.y_true[i]) * k + static_cast<size_t>(codes.y_pred[i])] += 1;
  } else {
    for (size_t i = 0; i < codes.y_true.size(); ++i)
      c[static_cast<size_t>(codes.y_true[i]) * k + static_cast<size_t>(codes.y_pred[i])] += 1;
  }
  return c;
}

double f1_of(double tp, double fp, double fn) {
  const double denom = 2 * tp + fp + fn;
  return denom > 0 ? 2 * tp / denom : 0.0;  // sklearn zero_division="warn" -> 0.0
}

}  // namespace

double mcc_codes(const LabelCodes& codes, const std::vector<uint32_t>* indices) {
  const size_t k = codes.labels.size();
  const auto c = confusion(codes, indices);
  std::vector<double> t_sum(k, 0.0), p_sum(k, 0.0);
  double n_correct = 0.0;
  for (size_t i = 0; i < k; ++i) {
    for (size_t j = 0; j < k; ++j) {
      t_sum[i] += c[i * k + j];
      p_sum[j] += c[i * k + j];
    }
    n_correct += c[i * k + i];
  }
  double n = 0.0, tp = 0.0, pp = 0.0, tt = 0.0;
  for (size_t i = 0; i < k; ++i) {
    n += p_sum[i];
    tp += t_sum[i] * p_sum[i];
    pp += p_sum[i] * p_sum[i];
    tt += t_sum[i] * t_sum[i];
  }
  const double cov_ytyp = n_correct * n - tp;
  const double cov_ypyp = n * n - pp;
  const double cov_ytyt = n * n - tt;
  if (cov_ypyp * cov_ytyt == 0) return 0.0;
  return cov_ytyp / std::sqrt(cov_ytyt * cov_ypyp);
}

double f1_binary_codes(const LabelCodes& codes, int pos, const std::vector<uint32_t>* indices) {
  if (pos < 0) return 0.0;
  double tp = 0, fp = 0, fn = 0;
  auto visit = [&](size_t i) {
    const bool t = codes.y_true[i] == pos, p = codes.y_pred[i] == pos;
    tp += t && p;
    fp += !t && p;
    fn += t && !p;
  };
  if (indices) {
    for (uint32_t i : *indices) visit(i);
  } else {
    for (size_t i = 0; i < codes.y_true.size(); ++i) visit(i);
  }
  return f1_of(tp, fp, fn);
}

double f1_macro_codes(const LabelCodes& codes, const std::vector<uint32_t>* indices) {
  const size_t k = codes.labels.size();
  const auto c = confusion(codes, indices);
  double sum = 0.0;
  int present = 0;
  for (size_t l = 0; l < k; ++l) {
    double tp = c[l * k + l], row = 0, col = 0;
    for (size_t j = 0; j < k; ++j) {
      row += c[l * k + j];
      col += c[j * k + l];
    }
    if (row == 0 && col == 0) continue;  // label absent from this (re)sample: sklearn never sees it
    sum += f1_of(tp, col - tp, row - tp);
    ++present;
  }
  return present ? sum / present : 0.0;
}

namespace {

int positive_code(const LabelCodes& codes, const std::string& pos_label) {
  if (codes.labels.size() > 2)
    throw UserError("metric 'f1': " + std::to_string(codes.labels.size()) +
                    " distinct labels but binary F1 needs at most 2 (use f1_macro for multiclass)");
  for (size_t i = 0; i < codes.labels.size(); ++i)
    if (codes.labels[i] == pos_label) return static_cast<int>(i);
  if (codes.labels.size() == 2)
    throw UserError("metric 'f1': pos_label '" + pos_label + "' is not one of the labels '" + codes.labels[0] +
                    "', '" + codes.labels[1] + "' (set kwarg pos_label)");
  return -1;
}

}  // namespace

double matthews_corrcoef(const std::vector<std::string>& y_true, const std::vector<std::string>& y_pred) {
  return mcc_codes(encode_labels(y_true, y_pred));
}

double f1_binary(const std::vector<std::string>& y_true, const std::vector<std::string>& y_pred,
                 const std::string& pos_label) {
  const auto codes = encode_labels(y_true, y_pred);
  return f1_binary_codes(codes, positive_code(codes, pos_label));
}

double f1_macro(const std::vector<std::string>& y_true, const std::vector<std::string>& y_pred) {
  return f1_macro_codes(encode_labels(y_true, y_pred));
}

namespace {

enum class ClsKind { kMcc, kF1, kF1Macro };

std::string label_of(const std::string& metric, const nlohmann::json& v, size_t index) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer() || v.is_boolean()) return v.dump();
  throw UserError("metric '" + metric + "': item " + std::to_string(index) +
                  ": labels must be strings or integers, got " + v.dump());
}

class ClassificationMetric : public MetricBase {
 public:
  ClassificationMetric(const std::string& name, ClsKind kind, std::string pos_label)
      : MetricBase(name, true), kind_(kind), pos_label_(std::move(pos_label)) {}

  nlohmann::json per_sample(const SampleInput& s) const override {
    if (!s.choice_logprobs.empty()) {
      if (s.gold_indices.empty()) throw UserError("metric '" + name_ + "': sample has no gold index");
      return nlohmann::json::array({static_cast<int>(np_argmax(s.choice_logprobs)), s.gold_indices.front()});
    }
    return nlohmann::json::array({first_prediction(name_, s), sample_references(name_, s).front()});
  }

  Aggregate aggregate(const std::vector<nlohmann::json>& items, const StderrOptions& options) const override {
    require_items(name_, items);
    std::vector<std::string> preds, golds;
    for (size_t i = 0; i < items.size(); ++i) {
      const auto& it = items[i];
      if (!it.is_array() || it.size() != 2)
        throw UserError("metric '" + name_ + "': item " + std::to_string(i) + ": expected [prediction, gold], got " +
                        it.dump());
      preds.push_back(label_of(name_, it[0], i));
      golds.push_back(label_of(name_, it[1], i));
    }
    const LabelCodes codes = encode_labels(golds, preds);
    Aggregate out;
    BootstrapStatistic stat;
    if (kind_ == ClsKind::kMcc) {
      stat = [&codes](const std::vector<uint32_t>& idx) { return mcc_codes(codes, &idx); };
      out.value = mcc_codes(codes);
    } else if (kind_ == ClsKind::kF1) {
      const int pos = positive_code(codes, pos_label_);
      stat = [&codes, pos](const std::vector<uint32_t>& idx) { return f1_binary_codes(codes, pos, &idx); };
      out.value = f1_binary_codes(codes, pos);
    } else {
      stat = [&codes](const std::vector<uint32_t>& idx) { return f1_macro_codes(codes, &idx); };
      out.value = f1_macro_codes(codes);
    }
    out.stderr_value = bootstrap_stderr(items.size(), options, stat);
    return out;
  }

 private:
  ClsKind kind_;
  std::string pos_label_;
};

}  // namespace

void register_classification(std::vector<MetricEntry>& out) {
  const std::pair<const char*, ClsKind> kinds[] = {
      {"mcc", ClsKind::kMcc}, {"f1", ClsKind::kF1}, {"f1_macro", ClsKind::kF1Macro}};
  for (const auto& [n, kind] : kinds) {
    out.push_back({n, [kind](const std::string& name, Kwargs& kw, const std::string& aggregation) {
                     const char* agg = kind == ClsKind::kMcc ? "matthews_corrcoef" : "f1";
                     check_aggregation(name, aggregation, {agg, name});
                     std::string pos = kind == ClsKind::kF1 ? kw.get_string("pos_label", "1") : "";
                     return std::unique_ptr<Metric>(std::make_unique<ClassificationMetric>(name, kind, pos));
                   }});
  }
}

}  // namespace evalrun::metrics
