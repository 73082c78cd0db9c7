// mcc / f1 / f1_macro against scikit-learn (tests/fixtures/metrics/sklearn.json).
#include <gtest/gtest.h>

#include "common/errors.h"
#include "metrics/classification.h"
#include "metrics/metric.h"
#include "tests/metrics/fixture.h"

namespace evalrun::metrics {
namespace {

using testing::load_fixture;

TEST(Classification, MatchesSklearn) {
  for (const auto& c : load_fixture("sklearn.json")["cases"]) {
    const auto y_true = c["y_true"].get<std::vector<std::string>>();
    const auto y_pred = c["y_pred"].get<std::vector<std::string>>();
    EXPECT_NEAR(matthews_corrcoef(y_true, y_pred), c["mcc"].get<double>(), 1e-12) << c["name"];
    EXPECT_NEAR(f1_macro(y_true, y_pred), c["f1_macro"].get<double>(), 1e-12) << c["name"];
    if (c.contains("f1"))
      EXPECT_NEAR(f1_binary(y_true, y_pred, c["pos_label"]), c["f1"].get<double>(), 1e-12) << c["name"];
    else
      EXPECT_THROW(f1_binary(y_true, y_pred, "1"), UserError) << c["name"];
  }
}

TEST(Classification, MetricsAggregateItemsWithBootstrap) {
  const auto c = load_fixture("sklearn.json")["cases"][0];
  std::vector<nlohmann::json> items;
  for (size_t i = 0; i < c["y_true"].size(); ++i) items.push_back(nlohmann::json::array({c["y_pred"][i], c["y_true"][i]}));
  StderrOptions so;
  so.bootstrap_iters = 100;
  const auto mcc = make_metric("mcc")->aggregate(items, so);
  EXPECT_NEAR(mcc.value, c["mcc"].get<double>(), 1e-12);
  ASSERT_TRUE(mcc.stderr_value);
  EXPECT_GT(*mcc.stderr_value, 0.0);
  EXPECT_NEAR(make_metric("f1")->aggregate(items, so).value, c["f1"].get<double>(), 1e-12);
  EXPECT_NEAR(make_metric("f1_macro")->aggregate(items, so).value, c["f1_macro"].get<double>(), 1e-12);
  // Integer labels (multiple-choice indices) are the same labels as their decimal strings.
  SampleInput s;
  s.choice_logprobs = {-3.0, -1.0};
  s.gold_indices = {1};
  EXPECT_EQ(make_metric("mcc")->per_sample(s), nlohmann::json::array({1, 1}));
  EXPECT_THROW(make_metric("f1", {{"pos_label", "yes"}})->aggregate(items, so), UserError);
}

}  // namespace
}  // namespace evalrun::metrics
