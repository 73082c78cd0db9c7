// Every MERA v1.2 task (and its _gen twin) against prompts, shots and requests computed by CPython
// following MERA's harness (tools/make_mera_prompt_fixtures.py -> expected_all_prompts.json).
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <functional>

#include <gtest/gtest.h>

#include "common/errors.h"
#include "tasks/rutie.h"
#include "tasks/task.h"
#include "tests/tasks/test_util.h"

namespace evalrun::tasks {
namespace {

using nlohmann::json;

using testing::messages_json;
RegistryOptions fixture_options() { return testing::mera_fixture_options(); }

const json& expected() {
  static const json e = testing::read_json(testing::fixtures() / "mera" / "expected_all_prompts.json");
  return e;
}

TEST(MeraAllTasksTest, PromptsShotsAndRequestsMatchMerasHarness) {
  TaskRegistry registry(fixture_options());
  const std::string system = expected()["system"];
  size_t compared = 0;
  for (const auto& [name, spec] : expected()["tasks"].items()) {
    std::vector<std::string> variants{name};
    if (spec["gen_twin"].is_string()) variants.push_back(spec["gen_twin"]);
    for (const std::string& variant : variants) {
      auto task = registry.get(variant);
      for (const auto& [k, items] : spec["modes"].items()) {
        PromptOptions plain;
        plain.num_fewshot = std::stoi(k);
        PromptOptions chat = plain;
        chat.chat = true;
        chat.system_prompt = system;
        PromptOptions multi = chat;
        multi.fewshot_as_multiturn = true;
        for (size_t d = 0; d < items.size(); ++d) {
          SCOPED_TRACE(variant + " k=" + k + " doc " + std::to_string(d));
          const auto& want = items[d];
          const Instance inst = task->build(d, plain);
          EXPECT_EQ(inst.context, want["context"].get<std::string>());
          EXPECT_EQ(json(task->fewshot_indices(d, plain)), want["shots"]);
          EXPECT_EQ(json(task->fewshot_indices(d, chat)), want["chat_shots"]);
          EXPECT_EQ(messages_json(task->build(d, chat).messages), want["chat"]);
          EXPECT_EQ(messages_json(task->build(d, multi).messages), want["multiturn"]);
          if (want.contains("continuations") && variant == name) {
            EXPECT_EQ(json(inst.continuations), want["continuations"]);
          } else {
            EXPECT_EQ(inst.generation.prompt, want["context"].get<std::string>());
            if (want.contains("until")) {
              EXPECT_EQ(json(inst.generation.until), want["until"]);
              EXPECT_EQ(inst.target, want["target"]);
            } else {
              EXPECT_EQ(inst.generation.until, (std::vector<std::string>{"\n"}));
            }
          }
          ++compared;
        }
      }
    }
  }
  EXPECT_GT(compared, 500u);
}

TEST(MeraAllTasksTest, RutieDialogueContextAndOwnAnswers) {
  TaskRegistry registry(fixture_options());
  const json& rutie = expected()["rutie"];
  std::vector<std::string> answers = rutie["answers"];
  for (const std::string variant : {"rutie", "rutie_gen"}) {
    auto task = registry.get(variant);
    // Documents come in (dialog_id, question_id) order whatever the file order.
    const auto& docs = task->eval_docs();
    for (const auto& [k, items] : rutie["modes"].items()) {
      ASSERT_EQ(docs.size(), items.size());
      for (size_t d = 0; d < items.size(); ++d) {
        SCOPED_TRACE(variant + " k=" + k + " doc " + std::to_string(d));
        const auto& want = items[d];
        EXPECT_EQ(docs[d]["meta"]["dialog_id"], want["dialog_id"]);
        EXPECT_EQ(docs[d]["meta"]["question_id"], want["question_id"]);
        PromptOptions plain;
        plain.num_fewshot = std::stoi(k);
        PromptOptions chat = plain;
        chat.chat = true;
        chat.system_prompt = expected()["system"];
        PromptOptions multi = chat;
        multi.fewshot_as_multiturn = true;
        EXPECT_EQ(task->build(d, plain).context, want["context"].get<std::string>());
        EXPECT_EQ(json(task->fewshot_indices(d, plain)), want["shots"]);
        EXPECT_EQ(messages_json(task->build(d, chat).messages), want["chat"]);
        EXPECT_EQ(messages_json(task->build(d, multi).messages), want["multiturn"]);
        // The model's own earlier answers replace the placeholders.
        const size_t q = want["question_id"].get<size_t>();
        plain.dialogue_answers.assign(answers.begin(), answers.begin() + long(q));
        multi.dialogue_answers = plain.dialogue_answers;
        const Instance filled = task->build(d, plain);
        EXPECT_EQ(filled.context, want["context_filled"].get<std::string>());
        if (variant == "rutie_gen") {
          EXPECT_EQ(filled.generation.prompt, want["context_filled"].get<std::string>());
        }
        EXPECT_EQ(messages_json(task->build(d, multi).messages), want["multiturn_filled"]);
        if (q >= 2) {
          // Fewer answers than earlier questions: an error naming the document, never a silent gap.
          PromptOptions short_answers = plain;
          short_answers.dialogue_answers.pop_back();
          EXPECT_THROW(task->build(d, short_answers), UserError);
        }
      }
    }
  }
}

TEST(MeraAllTasksTest, TagsShotsAndGenerationSettingsFollowMerasRunScripts) {
  TaskRegistry registry(fixture_options());
  const std::vector<std::string> mera = registry.resolve("mera");
  const std::vector<std::string> gen = registry.resolve("mera_gen");
  const std::vector<std::string> all = registry.resolve("mera_all");
  EXPECT_EQ(mera.size(), 23u);
  EXPECT_EQ(gen.size(), 23u);
  EXPECT_EQ(all.size(), 23u + 14u);
  for (const char* t : {"simplear", "chegeka", "rudetox", "rumultiar", "use", "multiq", "rumodar", "ruhumaneval",
                        "rucodeeval"}) {
    EXPECT_NE(std::find(mera.begin(), mera.end(), t), mera.end()) << t;
    EXPECT_NE(std::find(gen.begin(), gen.end(), t), gen.end()) << t;
  }
  const std::map<std::string, int> shots = {
      {"simplear", 2},  {"multiq", 0}, {"rumodar", 0}, {"ruethics", 0}, {"ruhhh", 0}, {"ruhumaneval", 0},
      {"rucodeeval", 0}, {"rutie", 1}, {"bps", 1},     {"lcs", 1},      {"use", 1},   {"ruhatespeech", 1},
      {"ruethics_gen", 0}, {"ruhhh_gen", 0}, {"rutie_gen", 1}, {"mamuramu_gen", 1}};
  for (const auto& [t, k] : shots) EXPECT_EQ(registry.config(t).num_fewshot, k) << t;
  for (const auto& t : all) EXPECT_NE(registry.config(t).fewshot.sampler, "first_n") << t;
  EXPECT_EQ(registry.config("lcs").training_split, "public_test");
  EXPECT_EQ(registry.config("lcs_gen").training_split, "public_test");
  EXPECT_EQ(registry.config("rumodar").training_split, "public_test");
  EXPECT_EQ(registry.config("ruhatespeech").training_split, "");
  EXPECT_EQ(registry.config("rutie").fewshot.sampler, "rutie");
  for (const char* t : {"ruhumaneval", "rucodeeval"}) {
    const TaskConfig& c = registry.config(t);
    EXPECT_EQ(c.repeats, 10);
    EXPECT_TRUE(c.generation_kwargs.do_sample);
    EXPECT_DOUBLE_EQ(c.generation_kwargs.temperature, 0.6);
    EXPECT_EQ(c.generation_kwargs.until, (std::vector<std::string>{"\nclass", "\ndef", "\n#", "\nif", "\nprint"}));
    auto task = registry.get(t);
    const Instance inst = task->build(0, PromptOptions{});
    EXPECT_EQ(inst.generation.n, 10);
    EXPECT_DOUBLE_EQ(inst.generation.temperature, 0.6);
  }
  EXPECT_EQ(registry.config("use").generation_kwargs.until, (std::vector<std::string>{"\n", "."}));
}

TEST(MeraAllTasksTest, EveryTaskBuildsEveryDocumentInEveryMode) {
  TaskRegistry registry(fixture_options());
  for (const auto& name : registry.resolve("mera_all")) {
    auto task = registry.get(name);
    PromptOptions plain, chat, multi;
    chat.chat = true;
    multi.chat = true;
    multi.fewshot_as_multiturn = true;
    for (const PromptOptions* o : {&plain, &chat, &multi}) {
      SCOPED_TRACE(name);
      EXPECT_NO_THROW(task->validate(*o));
    }
  }
}


std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(MeraBadInputTest, MissingDataNamesTaskAndPath) {
  testing::TempDir dir;
  RegistryOptions o;
  o.data_dir = dir.path();
  TaskRegistry registry(o);
  const std::string e = error_of([&] { registry.get("rummlu")->eval_docs(); });
  EXPECT_NE(e.find("rummlu"), std::string::npos) << e;
  EXPECT_NE(e.find("'test'"), std::string::npos) << e;
  EXPECT_NE(e.find((dir.path() / "rummlu").string()), std::string::npos) << e;
  // The test split exists but the few-shot split (public_test) does not.
  dir.write("lcs/test.jsonl", R"({"instruction": "{inputs}", "inputs": "AB BA", "outputs": "1", "meta": {"id": 5}})" "\n");
  const std::string p = error_of([&] { registry.get("lcs")->build(0, PromptOptions{}); });
  EXPECT_NE(p.find("lcs"), std::string::npos) << p;
  EXPECT_NE(p.find("public_test"), std::string::npos) << p;
}

TEST(MeraBadInputTest, MissingTemplateFieldNamesDocumentAndField) {
  testing::TempDir dir;
  dir.write("parus/train.jsonl",
            R"({"instruction": "{premise} {choice1} {choice2}", "inputs": {"premise": "a", "choice1": "b", "choice2": "c"}, "outputs": "1", "meta": {"id": 1}})" "\n");
  dir.write("parus/test.jsonl",
            R"({"instruction": "{premise} {choice1} {choice2}", "inputs": {"premise": "a", "choice1": "b"}, "outputs": "1", "meta": {"id": 77}})" "\n");
  RegistryOptions o;
  o.data_dir = dir.path();
  TaskRegistry registry(o);
  PromptOptions zero;
  zero.num_fewshot = 0;
  for (const PromptOptions& opt : {zero, PromptOptions{}}) {
    const std::string e = error_of([&] { registry.get("parus")->build(0, opt); });
    EXPECT_NE(e.find("meta.id 77"), std::string::npos) << e;
    EXPECT_NE(e.find("choice2"), std::string::npos) << e;
  }
  // ruTiE: an instruction without its {context} tag, and a document without meta.question_id.
  dir.write("rutie/test.jsonl",
            R"({"instruction": "{question} {choice1} {choice2}", "inputs": {"question": "q", "choice1": "a", "choice2": "b"}, "outputs": "", "meta": {"id": 3, "dialog_id": 0, "question_id": 0}})" "\n"
            R"({"instruction": "{question} {choice1} {choice2}", "inputs": {"question": "q", "choice1": "a", "choice2": "b"}, "outputs": "", "meta": {"id": 4, "dialog_id": 0, "question_id": 1}})" "\n");
  TaskRegistry rutie_registry(o);
  const std::string r = error_of([&] { rutie_registry.get("rutie")->build(1, PromptOptions{}); });
  EXPECT_NE(r.find("meta.id 4"), std::string::npos) << r;
  EXPECT_NE(r.find("{context}"), std::string::npos) << r;
  dir.write("rutie/test.jsonl",
            R"({"instruction": "{context}{question} {choice1} {choice2}", "inputs": {"question": "q", "choice1": "a", "choice2": "b"}, "outputs": "", "meta": {"id": 9, "dialog_id": 0}})" "\n");
  TaskRegistry rutie_registry2(o);
  const std::string m = error_of([&] { rutie_registry2.get("rutie")->eval_docs(); });
  EXPECT_NE(m.find("meta.question_id"), std::string::npos) << m;
}

TEST(MeraBadInputTest, PendingMeraMetricsAreAcceptedByName) {
  EXPECT_TRUE(is_pending_mera_metric("use_grade_norm"));
  EXPECT_TRUE(is_pending_mera_metric("ruethics_mcc"));
  EXPECT_FALSE(is_pending_mera_metric("acc"));
  TaskRegistry registry(fixture_options());
  EXPECT_EQ(registry.config("use").metric_list.at(0).metric, "use_grade_norm");
  EXPECT_EQ(registry.config("ruethics").metric_list.at(0).metric, "ruethics_mcc");
}


// MERA's replace_targets, restated: for idx in range(q-1, -1, -1): s = s.replace(f"RUTIE_TARGET_{idx}", a[idx]).
std::string python_replace_targets(std::string s, size_t q, const std::vector<std::string>& a) {
  for (size_t i = q; i-- > 0;) {
    const std::string tag = "RUTIE_TARGET_" + std::to_string(i);
    std::string out;
    size_t pos = 0;
    for (size_t p = s.find(tag); p != std::string::npos; p = s.find(tag, pos)) {
      out += s.substr(pos, p - pos) + a[i];
      pos = p + tag.size();
    }
    s = out + s.substr(pos);
  }
  return s;
}

TEST(MeraRutieFillTest, SinglePassEqualsDescendingReplace) {
  std::vector<std::string> answers;
  for (int i = 0; i < 130; ++i) answers.push_back(i % 3 ? "1" : (i % 2 ? "-1" : "2"));
  const std::string text =
      "A RUTIE_TARGET_0 B RUTIE_TARGET_1 RUTIE_TARGET_12 RUTIE_TARGET_123 RUTIE_TARGET_05 RUTIE_TARGET_ "
      "RUTIE_TARGET_99RUTIE_TARGET_100 RUTIE_TARGET_129 RUTIE_TARGET_7x";
  for (size_t q : {0, 1, 2, 12, 13, 99, 100, 101, 124, 130}) {
    EXPECT_EQ(rutie_fill(text, q, answers), python_replace_targets(text, q, answers)) << q;
  }
}


TEST(MeraBadInputTest, UnknownUseTypeIsAnErrorNamingTheDocument) {
  testing::TempDir dir;
  const std::string doc =
      R"({"instruction": "{task} {text}", "inputs": {"task": "t", "text": "x", "choices": "", "additional_text": ""}, "outputs": "a", "meta": {"id_task": "5", "variant": 1, "score": 1, "type": "essay", "id": 42}})";
  dir.write("use/train.jsonl", doc + "\n");
  dir.write("use/test.jsonl", doc + "\n");
  RegistryOptions o;
  o.data_dir = dir.path();
  TaskRegistry registry(o);
  try {
    registry.get("use")->build(0, PromptOptions{});
    FAIL() << "no error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("meta.id 42"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("unknown USE meta.type: essay"), std::string::npos) << e.what();
  }
}


int run_command(const std::string& cmd, std::string* out) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out->append(buf, n);
  const int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(MeraCliTest, ValidateMeraAllOnTheFixtures) {
  std::string out;
  const std::string data = (testing::fixtures() / "mera").string();
  ASSERT_EQ(run_command(std::string(EVALRUN_EXE) + " validate --tasks mera_all --data-dir " + data, &out), 0) << out;
  EXPECT_NE(out.find("OK: 37 tasks"), std::string::npos) << out;
  out.clear();
  EXPECT_EQ(run_command(std::string(EVALRUN_EXE) + " validate --tasks rutie --data-dir /nonexistent/mera", &out), 2);
  EXPECT_NE(out.find("task 'rutie': no data for split 'test'"), std::string::npos) << out;
  EXPECT_NE(out.find("/nonexistent/mera/rutie/test.jsonl"), std::string::npos) << out;
}

}  // namespace
}  // namespace evalrun::tasks
