// Perplexities (lm-eval definitions, CPython-computed references) and pass@k vs the exact binomial.
#include <gtest/gtest.h>

#include <cmath>

#include "common/errors.h"
#include "metrics/metric.h"
#include "metrics/pass_at_k.h"
#include "metrics/perplexity.h"
#include "tests/metrics/fixture.h"

namespace evalrun::metrics {
namespace {

using testing::load_fixture;

TEST(Perplexity, WordCountMatchesLmEval) {
  for (const auto& c : load_fixture("python_text.json")["count_words"])
    EXPECT_EQ(lm_eval_word_count(c["text"].get<std::string>()), c["words"].get<size_t>()) << c["text"];
}

TEST(Perplexity, AllFourDefinitions) {
  const auto f = load_fixture("python_text.json")["weighted_perplexity"];
  StderrOptions so;
  so.bootstrap_iters = 50;
  for (const char* name : {"perplexity", "word_perplexity", "byte_perplexity", "bits_per_byte"}) {
    auto m = make_metric(name);
    EXPECT_FALSE(m->higher_is_better());
    std::vector<nlohmann::json> items;
    for (const auto& it : f["items"]) {
      SampleInput s;
      s.logprob = it["logprob"];
      s.text = it["text"];
      items.push_back(m->per_sample(s));
    }
    const auto agg = m->aggregate(items, so);
    EXPECT_NEAR(agg.value, f[name].get<double>(), 1e-12) << name;
    EXPECT_TRUE(agg.stderr_value.has_value()) << name;
  }
}

TEST(PassAtK, MatchesExactBinomial) {
  for (const auto& c : load_fixture("pass_at_k.json")["cases"]) {
    const int n = c["n"], cc = c["c"], k = c["k"];
    EXPECT_NEAR(pass_at_k(n, cc, k), c["value"].get<double>(), 1e-12) << "n=" << n << " c=" << cc << " k=" << k;
  }
}

TEST(PassAtK, MetricFamilyAndErrors) {
  auto m = make_metric("pass@10");
  SampleInput s;
  s.prediction_passed = std::vector<bool>(20, false);
  s.prediction_passed[3] = true;
  const auto item = m->per_sample(s);
  EXPECT_EQ(item["n"], 20);
  EXPECT_EQ(item["c"], 1);
  EXPECT_NEAR(m->aggregate({item}, {}).value, 0.5, 1e-12);  // 1 - C(19,10)/C(20,10) = 10/20
  EXPECT_THROW(m->aggregate({nlohmann::json{{"n", 5}, {"c", 1}}}, {}), UserError);  // n < k
  EXPECT_THROW(m->per_sample(SampleInput{}), UserError);
  EXPECT_NEAR(make_metric("pass@k", {{"k", 1}})->aggregate({item}, {}).value, 0.05, 1e-12);
}

}  // namespace
}  // namespace evalrun::metrics
