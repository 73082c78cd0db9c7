// ROUGE against rouge-score's published test figures (incl. ROUGE-1.5.5 values) and its tokenizer.
#include <gtest/gtest.h>

#include <cmath>

#include "common/errors.h"
#include "metrics/metric.h"
#include "metrics/rouge.h"
#include "tests/metrics/fixture.h"

namespace evalrun::metrics {
namespace {

using testing::load_fixture;

TEST(Rouge, PublishedUnitCases) {
  for (const auto& c : load_fixture("published.json")["rouge"]) {
    const auto s = rouge_score(c["type"], c["target"], c["prediction"]);
    const double tol = 0.5 * std::pow(10.0, -c["places"].get<int>());
    EXPECT_NEAR(s.precision, c["p"].get<double>(), tol) << c["source"];
    EXPECT_NEAR(s.recall, c["r"].get<double>(), tol) << c["source"];
    EXPECT_NEAR(s.fmeasure, c["f"].get<double>(), tol) << c["source"];
  }
}

TEST(Rouge, AgainstRouge155) {
  const auto f = load_fixture("published.json");
  for (const auto& c : f["rouge_155"]) {
    const size_t line = c["line"];
    const auto s = rouge_score(c["type"], f["rouge_targets"][line], f["rouge_predictions"][line]);
    EXPECT_NEAR(s.recall, c["r"].get<double>(), 5e-6) << c;
    EXPECT_NEAR(s.precision, c["p"].get<double>(), 5e-6) << c;
    EXPECT_NEAR(s.fmeasure, c["f"].get<double>(), 5e-6) << c;
  }
}

TEST(Rouge, TokenizerMatchesRougeScore) {
  for (const auto& c : load_fixture("python_text.json")["rouge_tokens"])
    EXPECT_EQ(rouge_tokenize(c["text"], false), c["tokens"].get<std::vector<std::string>>()) << c["text"];
}

TEST(Rouge, CyrillicDroppedByReferenceTokenizerKeptWithUnicodeOption) {
  // Reference behaviour: rouge-score keeps only [a-z0-9], so Cyrillic text has no tokens -> 0.
  EXPECT_EQ(rouge_score("rouge1", "Привет мир", "привет мир").fmeasure, 0.0);
  EXPECT_EQ(rouge_tokenize("Привет, Мир! ok", true), (std::vector<std::string>{"привет", "мир", "ok"}));
  EXPECT_DOUBLE_EQ(rouge_score("rouge1", "Привет мир", "ПРИВЕТ, мир!", true).fmeasure, 1.0);
  const auto l = rouge_score("rougeL", "кот сидит на ковре", "кот на ковре", true);
  EXPECT_DOUBLE_EQ(l.precision, 1.0);
  EXPECT_DOUBLE_EQ(l.recall, 0.75);
}

TEST(Rouge, MetricKwargsAndMultipleReferences) {
  auto m = make_metric("rouge1", {{"measure", "recall"}});
  SampleInput s;
  s.predictions = {"testing"};
  s.references = {"testing one two", "testing one"};  // best F-measure: the second reference
  EXPECT_DOUBLE_EQ(m->per_sample(s).get<double>(), 0.5);
  EXPECT_THROW(make_metric("rougeL", {{"use_stemmer", true}}), UserError);
  EXPECT_THROW(make_metric("rougeL", {{"measure", "f2"}}), UserError);
}

}  // namespace
}  // namespace evalrun::metrics
