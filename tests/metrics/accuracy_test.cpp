// acc / acc_norm / acc_bytes / acc_mutual_info as lm-eval computes them (hand-checked cases), and the
// closed-form mean stderr.
#include <gtest/gtest.h>

#include <cmath>

#include "common/errors.h"
#include "metrics/metric.h"

namespace evalrun::metrics {
namespace {

SampleInput mc(std::vector<double> lls, std::vector<std::string> choices, std::vector<int> gold) {
  SampleInput s;
  s.choice_logprobs = std::move(lls);
  s.choices = std::move(choices);
  s.gold_indices = std::move(gold);
  return s;
}

TEST(Accuracy, NormUsesCodePointsBytesUseUtf8) {
  // "да" = 2 code points / 4 bytes; "нет ответа" = 10 code points / 19 bytes.
  auto s = mc({-4.0, -9.0}, {"да", "нет ответа"}, {1});
  EXPECT_EQ(make_metric("acc")->per_sample(s), 0.0);        // argmax raw: 0
  EXPECT_EQ(make_metric("acc_norm")->per_sample(s), 1.0);   // -2.0 vs -0.9
  EXPECT_EQ(make_metric("acc_bytes")->per_sample(s), 1.0);  // -1.0 vs -0.47
  s = mc({-4.0, -9.0}, {"yes", "no answer at all"}, {0});
  EXPECT_EQ(make_metric("acc_norm")->per_sample(s), 0.0);  // -1.333 vs -0.5625
}

TEST(Accuracy, MultipleGoldsAndTiesAndMutualInfo) {
  auto s = mc({-1.0, -1.0, -3.0}, {"a", "b", "c"}, {1, 2});
  EXPECT_EQ(make_metric("acc")->per_sample(s), 0.0);  // numpy argmax takes the first maximum
  s.gold_indices = {2, 0};
  EXPECT_EQ(make_metric("acc")->per_sample(s), 1.0);
  s.unconditional_logprobs = {-0.5, -0.5, -5.0};  // mutual info: -0.5, -0.5, 2.0
  s.gold_indices = {2};
  EXPECT_EQ(make_metric("acc_mutual_info")->per_sample(s), 1.0);
  s.unconditional_logprobs.clear();
  EXPECT_THROW(make_metric("acc_mutual_info")->per_sample(s), UserError);
  s.gold_indices = {5};
  EXPECT_THROW(make_metric("acc")->per_sample(s), UserError);
}

TEST(Accuracy, MeanStderrIsSampleStdOverSqrtN) {
  auto m = make_metric("acc");
  const std::vector<nlohmann::json> items = {1.0, 0.0, 1.0, 1.0};
  const auto agg = m->aggregate(items, {});
  EXPECT_DOUBLE_EQ(agg.value, 0.75);
  // values 1,0,1,1: mean .75, sum of squares .75, ddof=1 -> var .25, std .5, / sqrt(4) -> .25.
  ASSERT_TRUE(agg.stderr_value);
  EXPECT_DOUBLE_EQ(*agg.stderr_value, 0.25);
  EXPECT_FALSE(m->aggregate({1.0}, {}).stderr_value.has_value());
  EXPECT_THROW(m->aggregate({}, {}), UserError);
}

TEST(Accuracy, GroupBreakdownByMetaDomain) {
  auto m = make_metric("acc", {{"group_by", "meta.domain"}});
  std::vector<nlohmann::json> docs = {{{"meta", {{"domain", "biology"}}}},
                                      {{"meta", {{"domain", "biology"}}}},
                                      {{"meta", {{"domain", "физика"}}}}};
  std::vector<nlohmann::json> items;
  const int golds[] = {0, 1, 0};
  for (size_t i = 0; i < docs.size(); ++i) {
    auto s = mc({-1.0, -2.0}, {"a", "b"}, {golds[i]});
    s.doc = &docs[i];
    items.push_back(m->per_sample(s));
  }
  const auto agg = m->aggregate(items, {});
  EXPECT_NEAR(agg.value, 2.0 / 3.0, 1e-12);
  EXPECT_DOUBLE_EQ(agg.breakdown.at("acc_domain_biology"), 0.5);
  EXPECT_DOUBLE_EQ(agg.breakdown.at("acc_domain_физика"), 1.0);
  auto s = mc({-1.0, -2.0}, {"a", "b"}, {0});
  nlohmann::json bad = {{"meta", {}}};
  s.doc = &bad;
  EXPECT_THROW(m->per_sample(s), UserError);
}

}  // namespace
}  // namespace evalrun::metrics
