// MERA metrics against hand-computed values (cross-checked with MERA's benchmark_tasks/use/utils.py and
// sklearn.metrics.matthews_corrcoef 1.2.1): USE grade_norm, ruEthics' 15 MCCs, pass@k, per-domain
// breakdowns, lm-eval's acc on loglikelihood tasks.
#include <gtest/gtest.h>

#include "common/errors.h"
#include "metrics/mera_metrics.h"
#include "metrics/metric.h"

using namespace evalrun::metrics;
using nlohmann::json;

namespace {

Aggregate score(const std::string& metric, const std::vector<json>& docs, const std::vector<SampleInput>& samples,
                const json& kwargs = json::object()) {
  auto m = make_metric(metric, kwargs);
  std::vector<json> items;
  for (size_t i = 0; i < samples.size(); ++i) {
    SampleInput s = samples[i];
    s.doc = &docs[i];
    items.push_back(m->per_sample(s));
  }
  return m->aggregate(items, StderrOptions{0, 1234, 1});
}

SampleInput generated(const std::string& text) {
  SampleInput s;
  s.predictions = {text};
  return s;
}

}  // namespace

TEST(MeraUse, ItemScoresFollowMera) {
  EXPECT_EQ(use_text_score("кот,кошка", "Кот."), 1);
  EXPECT_EQ(use_text_score("дом", "12 дом!"), 1);       // digits and punctuation dropped
  EXPECT_EQ(use_text_score("дом", "до м_"), 0);         // "_" is a word character in Python
  EXPECT_EQ(use_matching_score("1,2,3,4,5", "1,2,3,5,4"), 3);
  EXPECT_EQ(use_matching_score("1,2,3", "1,2"), 0);     // wrong length: no points
  EXPECT_EQ(use_multiple_choice_score("2,4", "4,2,4", false), 1);  // all-or-nothing over sets
  EXPECT_EQ(use_multiple_choice_score("2,4", "2", false), 0);
  EXPECT_EQ(use_multiple_choice_score("1,3,5", "1,3", true), 2);     // task 16: one missing option
  EXPECT_EQ(use_multiple_choice_score("1,3,5", "1,2,3,5", true), 2); // one extra option
  EXPECT_EQ(use_multiple_choice_score("1,3,5", "2", true), 0);       // never below 0
  EXPECT_EQ(use_multiple_choice_score("1,3,5", "1,3,5", true), 3);
}

TEST(MeraUse, GradeNormSumsPerVariantThenAverages) {
  struct Row { const char* variant; const char* type; int max; const char* id; const char* gold; const char* pred; };
  const Row rows[] = {{"1", "text", 1, "1", "кот,кошка", "Кот."},
                      {"1", "matching", 5, "8", "1,2,3,4,5", "1,2,3,5,4"},
                      {"2", "multiple_choice_independent_options", 2, "16", "1,3,5", "1,3"},
                      {"2", "multiple_choice_based_on_text", 1, "4", "2,4", "4,2,4"},
                      {"3", "multiple_choice_independent_options", 2, "16", "1,3,5", "1,2,3,5"},
                      {"3", "text", 1, "1", "дом", "12 дом!"},
                      {"3", "multiple_choice_options_within_text", 1, "3", "2,4", "2"}};
  std::vector<json> docs;
  std::vector<SampleInput> samples;
  for (const auto& r : rows) {
    docs.push_back({{"meta", {{"variant", r.variant}, {"type", r.type}, {"score", r.max}, {"id_task", r.id}}},
                    {"outputs", r.gold}});
    samples.push_back(generated(r.pred));
  }
  const Aggregate a = score("use_grade_norm", docs, samples);
  // variant 1: (1+3)/(1+5); variant 2: (2+1)/(2+1); variant 3: (2+1+0)/(2+1+1).
  EXPECT_NEAR(a.value, (4.0 / 6 + 1.0 + 0.75) / 3, 1e-12);
  EXPECT_NEAR(a.value, 0.8055555555555555, 1e-12);
  EXPECT_DOUBLE_EQ(a.breakdown.at("grade_norm.task1"), 1.0);
  EXPECT_DOUBLE_EQ(a.breakdown.at("grade_norm.task8"), 0.6);
  EXPECT_DOUBLE_EQ(a.breakdown.at("grade_norm.task16"), 1.0);
  EXPECT_DOUBLE_EQ(a.breakdown.at("grade_norm.task3"), 0.0);
  EXPECT_DOUBLE_EQ(a.breakdown.at("grade_norm.task4"), 1.0);
  EXPECT_EQ(a.breakdown.size(), 5u);
}

TEST(MeraUse, EmptyGoldScoresZeroAndBadMaxIsAnError) {
  std::vector<json> docs = {{{"meta", {{"variant", 1}, {"type", "text"}, {"score", 1}, {"id_task", "1"}}}, {"outputs", ""}}};
  EXPECT_DOUBLE_EQ(score("use_grade_norm", docs, {generated("кот")}).value, 0.0);
  docs[0]["meta"]["score"] = 0;
  EXPECT_THROW(score("use_grade_norm", docs, {generated("кот")}), evalrun::UserError);
}

TEST(MeraEthics, FifteenMccsPerQuestionAndLabel) {
  const char* crit[] = {"virtue", "law", "moral", "justice", "utilitarianism"};
  struct Row { const char* q; int labels[5]; const char* pred; };  // pred: text, or "LL1"/"LL0" (log-likelihoods)
  const Row rows[] = {{"correct", {1, 1, 0, 1, 1}, "1"}, {"correct", {0, 0, 0, 1, 0}, " 0\n"},
                      {"correct", {1, 0, 1, 1, 1}, "0"}, {"correct", {0, 1, 0, 0, 0}, "x"},
                      {"good", {1, 1, 1, 1, 1}, "LL1"}, {"good", {0, 0, 1, 0, 0}, "LL1"},
                      {"good", {1, 0, 0, 1, 0}, "LL0"}};
  std::vector<json> docs;
  std::vector<SampleInput> samples;
  for (const auto& r : rows) {
    json outputs;
    for (int i = 0; i < 5; ++i) outputs[crit[i]] = std::to_string(r.labels[i]);
    docs.push_back({{"meta", {{"question", r.q}}}, {"outputs", outputs}});
    const std::string p = r.pred;
    SampleInput s;
    if (p == "LL1") s.choice_logprobs = {-2.0, -1.0};
    else if (p == "LL0") s.choice_logprobs = {-1.0, -2.0};
    else s.predictions = {p};
    samples.push_back(s);
  }
  const Aggregate a = score("ruethics_mcc", docs, samples);
  // sklearn.metrics.matthews_corrcoef over (label, prediction); "x" is MERA's -1 (a third class).
  const std::map<std::string, double> expected = {
      {"mcc_correct_virtue", 0.22360679774997896}, {"mcc_correct_law", 0.6708203932499369},
      {"mcc_correct_moral", -0.3872983346207417},  {"mcc_correct_justice", -0.12909944487358055},
      {"mcc_correct_utilitarianism", 0.22360679774997896},
      {"mcc_good_virtue", -0.5}, {"mcc_good_law", 0.5}, {"mcc_good_moral", 1.0}, {"mcc_good_justice", -0.5},
      {"mcc_good_utilitarianism", 0.5}};
  ASSERT_EQ(a.breakdown.size(), expected.size());
  for (const auto& [k, v] : expected) EXPECT_NEAR(a.breakdown.at(k), v, 1e-12) << k;
  EXPECT_NEAR(a.value, 0.16016362092555725, 1e-12);  // mean of the reported MCCs (summary only)
}

TEST(MeraCode, PassAtKFromExecutionResults) {
  // n=10 samples, c=3 passed: pass@1 = 0.3; pass@5 = 1 - C(7,5)/C(10,5) = 1 - 21/252; pass@10 = 1.
  // Second problem: c=0 -> 0 everywhere.
  std::vector<json> docs(2, json::object());
  SampleInput a, b;
  a.prediction_passed = {true, false, false, true, false, false, false, true, false, false};
  b.prediction_passed = std::vector<bool>(10, false);
  EXPECT_NEAR(score("pass@1", docs, {a, b}).value, 0.15, 1e-12);
  EXPECT_NEAR(score("pass@5", docs, {a, b}).value, (1 - 21.0 / 252) / 2, 1e-12);
  EXPECT_NEAR(score("pass@10", docs, {a, b}).value, 0.5, 1e-12);
}

TEST(MeraBreakdowns, PerDomainAccuracy) {
  // rummlu/mamuramu (meta.domain), ruhhh (meta.criteria), ruhatespeech (meta.target_group) use group_by.
  std::vector<json> docs = {{{"meta", {{"domain", "biology"}}}}, {{"meta", {{"domain", "biology"}}}},
                            {{"meta", {{"domain", "law"}}}},     {{"meta", {{"domain", "biology"}}}}};
  std::vector<SampleInput> samples(4);
  const int gold[] = {0, 1, 1, 0};
  for (int i = 0; i < 4; ++i) {
    samples[i].choice_logprobs = {-1.0, -2.0};  // predicts choice 0
    samples[i].choices = {"A", "B"};
    samples[i].gold_indices = {gold[i]};
  }
  const Aggregate a = score("acc", docs, samples, {{"group_by", "meta.domain"}});
  EXPECT_DOUBLE_EQ(a.value, 0.5);
  EXPECT_DOUBLE_EQ(a.breakdown.at("acc_domain_biology"), 2.0 / 3);
  EXPECT_DOUBLE_EQ(a.breakdown.at("acc_domain_law"), 0.0);
}

TEST(MeraAcc, LoglikelihoodAccIsGreedy) {
  std::vector<json> docs(2, json::object());
  SampleInput a, b;
  a.choice_logprobs = {-3.0};
  a.logprob = -3.0;
  a.is_greedy = true;
  b.choice_logprobs = {-1.0};
  b.logprob = -1.0;
  b.is_greedy = false;
  EXPECT_DOUBLE_EQ(score("acc", docs, {a, b}).value, 0.5);
}
