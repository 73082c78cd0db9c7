// Python str semantics, SQuAD EM/F1 and exact_match against CPython-produced references (python_text.json).
#include <gtest/gtest.h>

#include "common/errors.h"
#include "metrics/metric.h"
#include "metrics/squad.h"
#include "metrics/text_utils.h"
#include "tests/metrics/fixture.h"

namespace evalrun::metrics {
namespace {

using testing::load_fixture;

TEST(TextUtils, LowerMatchesPython) {
  for (const auto& c : load_fixture("python_text.json")["lower"])
    EXPECT_EQ(py_lower(c["text"].get<std::string>()), c["lower"].get<std::string>()) << c["text"];
}

TEST(TextUtils, SplitAndCodePoints) {
  EXPECT_EQ(py_split("  a\u00a0b\u2003c \n"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(code_point_count("ёж"), 2u);
  EXPECT_EQ(py_rstrip("abc \u3000\n"), "abc");
}

TEST(Squad, NormalizationAndScoresMatchOfficialDefinition) {
  for (const auto& c : load_fixture("python_text.json")["squad"]) {
    EXPECT_EQ(squad_normalize(c["prediction"]), c["normalized_prediction"].get<std::string>()) << c["prediction"];
    EXPECT_EQ(squad_exact(c["prediction"], c["gold"]), c["em"].get<double>()) << c["prediction"];
    EXPECT_NEAR(squad_f1(c["prediction"], c["gold"]), c["f1"].get<double>(), 1e-12) << c["prediction"];
  }
}

TEST(Squad, GoldsSplitOnSemicolonTakeMax) {
  auto f1 = make_metric("squad_f1");
  auto em = make_metric("squad_em");
  SampleInput s;
  s.predictions = {"Лев Толстой"};
  s.references = {"Толстой;лев толстой", "Пушкин"};
  EXPECT_EQ(em->per_sample(s).get<double>(), 1.0);
  s.predictions = {"граф Толстой"};
  EXPECT_NEAR(f1->per_sample(s).get<double>(), 2.0 / 3.0, 1e-12);  // vs "Толстой": p=1/2, r=1
}

TEST(ExactMatch, LmEvalOrderOfOperations) {
  for (const auto& c : load_fixture("python_text.json")["exact_match"]) {
    auto m = make_metric("exact_match", c["kwargs"]);
    SampleInput s;
    s.predictions = {c["prediction"].get<std::string>()};
    s.references = c["references"].get<std::vector<std::string>>();
    EXPECT_EQ(m->per_sample(s).get<double>(), c["value"].get<double>()) << c;
  }
  EXPECT_THROW(make_metric("exact_match", {{"regexes_to_ignore", "("}}), UserError);
  EXPECT_THROW(make_metric("exact_match", {{"ignore_kase", true}}), UserError);
}

}  // namespace
}  // namespace evalrun::metrics
