// The shipped MERA tasks (parus, rummlu and _gen twins) against prompts produced by CPython following
// MERA's harness (tests/fixtures/tasks/mera/expected_prompts.json, tools/make_sampler_fixtures.py).
#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "common/errors.h"
#include "tasks/task.h"
#include "tests/tasks/test_util.h"

namespace evalrun::tasks {
namespace {

using nlohmann::json;

using testing::messages_json;
RegistryOptions fixture_options() { return testing::mera_fixture_options(); }

TEST(MeraTasksTest, RegistryListsShippedTasksAndTags) {
  TaskRegistry registry(fixture_options());
  const auto names = registry.task_names();
  for (const char* t : {"parus", "parus_gen", "rummlu", "rummlu_gen"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), t), names.end()) << t;
  }
  const auto mera = registry.resolve("mera"), gen = registry.resolve("mera_gen");
  for (const char* t : {"parus", "rummlu"}) EXPECT_NE(std::find(mera.begin(), mera.end(), t), mera.end()) << t;
  for (const char* t : {"parus_gen", "rummlu_gen"}) EXPECT_NE(std::find(gen.begin(), gen.end(), t), gen.end()) << t;
  EXPECT_EQ(std::find(mera.begin(), mera.end(), "parus_gen"), mera.end());
  EXPECT_EQ(registry.resolve("parus*, rummlu"), (std::vector<std::string>{"parus", "parus_gen", "rummlu"}));
  try {
    registry.resolve("paruss");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("parus"), std::string::npos);
  }
  const TaskConfig& c = registry.config("rummlu_gen");
  EXPECT_EQ(c.output_type, OutputType::kGenerateUntil);
  EXPECT_EQ(c.num_fewshot, 1);
  EXPECT_EQ(c.fewshot.sampler, "mera");
  EXPECT_EQ(c.generation_kwargs.until, (std::vector<std::string>{"\n"}));
  EXPECT_FALSE(c.generation_kwargs.do_sample);
  ASSERT_EQ(c.metric_list.size(), 1u);
  EXPECT_EQ(c.metric_list[0].metric, "exact_match");
  EXPECT_EQ(c.metric_list[0].kwargs["group_by"], "meta.domain");
}

TEST(MeraTasksTest, PromptsAndShotsMatchMerasHarness) {
  const auto expected = testing::read_json(testing::fixtures() / "mera" / "expected_prompts.json");
  TaskRegistry registry(fixture_options());
  for (const auto& [name, modes] : expected["tasks"].items()) {
    for (const std::string& variant : {name, name + "_gen"}) {
      auto task = registry.get(variant);
      for (const auto& [k, items] : modes.items()) {
        PromptOptions plain;
        plain.num_fewshot = std::stoi(k);
        PromptOptions chat = plain;
        chat.chat = true;
        chat.system_prompt = "Ты — эксперт.";
        PromptOptions multi = chat;
        multi.fewshot_as_multiturn = true;
        ASSERT_EQ(task->eval_docs().size(), items.size());
        for (size_t d = 0; d < items.size(); ++d) {
          SCOPED_TRACE(variant + " k=" + k + " doc " + std::to_string(d));
          const auto& want = items[d];
          const Instance inst = task->build(d, plain);
          EXPECT_EQ(inst.context, want["context"].get<std::string>());
          EXPECT_EQ(json(task->fewshot_indices(d, plain)), want["shots"]);
          EXPECT_EQ(json(task->fewshot_indices(d, chat)), want["chat_shots"]);
          EXPECT_EQ(messages_json(task->build(d, chat).messages), want["chat"]);
          EXPECT_EQ(messages_json(task->build(d, multi).messages), want["multiturn"]);
          if (variant == name) {
            EXPECT_EQ(json(inst.continuations), want["continuations"]);
            EXPECT_TRUE(inst.target.is_number_integer());
          } else {
            EXPECT_EQ(inst.generation.prompt, want["context"].get<std::string>());
            EXPECT_EQ(inst.generation.until, (std::vector<std::string>{"\n"}));
            EXPECT_EQ(inst.generation.temperature, 0.0);
            EXPECT_TRUE(inst.target.is_string());
          }
        }
      }
    }
  }
}

TEST(MeraTasksTest, PromptIdsNameTheInstructionUsed) {
  TaskRegistry registry(fixture_options());
  auto task = registry.get("parus");
  PromptOptions zero;
  zero.num_fewshot = 0;
  std::set<std::string> ids;
  for (size_t d = 0; d < task->eval_docs().size(); ++d) ids.insert(task->build(d, zero).prompt_id);
  EXPECT_GE(ids.size(), 3u);
  // Same instruction text -> same id.
  const auto& docs = task->eval_docs();
  for (size_t a = 0; a < docs.size(); ++a) {
    for (size_t b = 0; b < docs.size(); ++b) {
      if (docs[a]["instruction"] == docs[b]["instruction"]) {
        EXPECT_EQ(task->build(a, zero).prompt_id, task->build(b, zero).prompt_id);
      }
    }
  }
}

TEST(MeraTasksTest, GenerativeTwinsExtractTheAnswer) {
  TaskRegistry registry(fixture_options());
  auto parus = registry.get("parus_gen");
  const auto& spec = parus->config().filter_list.at(0);
  EXPECT_EQ(spec.name, "scoring");
  EXPECT_EQ(parus->apply_filter(spec, {" Ответ: 2, потому что"}, json()), (std::vector<std::string>{"2"}));
  EXPECT_EQ(parus->apply_filter(spec, {"второй вариант"}, json()), (std::vector<std::string>{"-1"}));
  EXPECT_EQ(parus->apply_filter(spec, {"Вариант12 и 1"}, json()), (std::vector<std::string>{"1"}));
  auto rummlu = registry.get("rummlu_gen");
  const auto& rs = rummlu->config().filter_list.at(0);
  EXPECT_EQ(rummlu->apply_filter(rs, {"Правильный ответ — B."}, json()), (std::vector<std::string>{"B"}));
  // Cyrillic "В" is not Latin "B"; "AB" has no boundary inside.
  EXPECT_EQ(rummlu->apply_filter(rs, {"Ответ: В", "AB"}, json()), (std::vector<std::string>{"-1"}));
}

TEST(MeraTasksTest, RummluShotsShareTheDomain) {
  TaskRegistry registry(fixture_options());
  auto task = registry.get("rummlu");
  PromptOptions two;
  two.num_fewshot = 2;
  for (size_t d = 0; d < task->eval_docs().size(); ++d) {
    for (size_t s : task->fewshot_indices(d, two)) {
      EXPECT_EQ(task->fewshot_docs()[s]["meta"]["domain"], task->eval_docs()[d]["meta"]["domain"]);
    }
  }
}

}  // namespace
}  // namespace evalrun::tasks
