// Filters: Python-compatible regex (Unicode \b on Cyrillic) against CPython fixtures, and the others.
#include <gtest/gtest.h>

#include "common/errors.h"
#include "tasks/filters.h"
#include "tests/tasks/test_util.h"

namespace evalrun::tasks {
namespace {

using nlohmann::json;

TEST(UnicodeRegexTest, FindallMatchesPythonRe) {
  const auto data = testing::read_json(testing::fixtures() / "regex_cases.json");
  ASSERT_GT(data["cases"].size(), 100u);
  for (const auto& c : data["cases"]) {
    const std::string pattern = c["pattern"], text = c["text"];
    SCOPED_TRACE(pattern + " on '" + text + "'");
    UnicodeRegex re(pattern, "test");
    EXPECT_EQ(json(re.findall(text)), c["findall"]);
  }
}

TEST(RegexFilterTest, MatchesLmEvalRegexFilter) {
  const auto data = testing::read_json(testing::fixtures() / "regex_cases.json");
  for (const auto& c : data["cases"]) {
    if (c["filter"].is_null()) continue;  // Python raises IndexError there
    const std::string pattern = c["pattern"], text = c["text"];
    SCOPED_TRACE(pattern + " on '" + text + "'");
    FilterPipelineSpec spec{"x", {{"regex", {{"regex_pattern", pattern}, {"fallback", "-1"}}}, {"take_first", {}}}};
    const auto out = FilterPipeline::compile(spec, "test")->apply({text}, json());
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0], c["filter"].get<std::string>());
  }
}

TEST(RegexFilterTest, CyrillicWordBoundaries) {
  FilterPipelineSpec spec{"x", {{"regex", {{"regex_pattern", "(\\b(Да|Нет)\\b)"}, {"fallback", "-1"}}}}};
  const auto p = FilterPipeline::compile(spec, "test");
  EXPECT_EQ(p->apply({"Думаю, что Нет.", "Данет", "ДаНет Да", "нет"}, json()),
            (std::vector<std::string>{"Нет", "-1", "Да", "-1"}));
}

std::vector<std::string> run(const std::string& function, const json& args, std::vector<std::string> in) {
  FilterPipelineSpec spec{"x", {{function, args}}};
  return FilterPipeline::compile(spec, "test")->apply(std::move(in), json());
}

TEST(FiltersTest, Selection) {
  EXPECT_EQ(run("take_first", json::object(), {"a", "b"}), (std::vector<std::string>{"a"}));
  EXPECT_EQ(run("take_first_k", {{"k", 2}}, {"a", "b", "c"}), (std::vector<std::string>{"a", "b"}));
  EXPECT_THROW(run("take_first_k", {{"k", 4}}, {"a"}), UserError);
  // Counter.most_common(1): ties go to the first seen.
  EXPECT_EQ(run("majority_vote", json::object(), {"b", "a", "a", "b", "c"}), (std::vector<std::string>{"b"}));
  EXPECT_EQ(run("majority_vote", json::object(), {"c", "a", "a"}), (std::vector<std::string>{"a"}));
}

TEST(FiltersTest, Transformations) {
  EXPECT_EQ(run("lowercase", json::object(), {"ОТВЕТ: Да"}), (std::vector<std::string>{"ответ: да"}));
  EXPECT_EQ(run("uppercase", json::object(), {"ёж straße"}), (std::vector<std::string>{"ЁЖ STRASSE"}));
  EXPECT_EQ(run("remove_whitespace", json::object(), {" \u00a0 x y \n"}), (std::vector<std::string>{"x y \n"}));
  EXPECT_EQ(run("strip", json::object(), {"\t x \n"}), (std::vector<std::string>{"x"}));
  EXPECT_EQ(run("strip", {{"side", "left"}}, {" x "}), (std::vector<std::string>{"x "}));
  EXPECT_EQ(run("strip", {{"side", "right"}}, {" x "}), (std::vector<std::string>{" x"}));
  EXPECT_EQ(run("map", {{"mapping_dict", {{"Да", "1"}, {"Нет", "0"}}}, {"default_value", "-1"}}, {"Да", "Нет", "?"}),
            (std::vector<std::string>{"1", "0", "-1"}));
}

TEST(FiltersTest, BadSpecsAreUserErrors) {
  EXPECT_THROW(run("regexp", json::object(), {}), UserError);
  EXPECT_THROW(run("regex", {{"regex_pattern", "(?<=a)b"}}, {}), UserError);
  EXPECT_THROW(run("regex", {{"pattern", "a"}}, {}), UserError);
  EXPECT_THROW(run("strip", {{"side", "middle"}}, {}), UserError);
  EXPECT_THROW(run("map", json::object(), {}), UserError);
}

}  // namespace
}  // namespace evalrun::tasks
