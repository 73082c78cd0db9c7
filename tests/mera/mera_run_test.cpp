// MERA mechanics end to end through the evalrun binary: ruTiE feeds back the model's own answers, code
// tasks run their samples in the sandbox (a sample that does not parse is a failed sample), the whole
// suite runs with --limit 3 on the mock backend and on the CPU engine with a small random test model.
#include <gtest/gtest.h>

#include <map>

#include "tasks/task.h"
#include "tests/evaluator/run_helpers.h"

using namespace evaltest;

namespace {

const std::string kMeraData = std::string(EVALRUN_SOURCE_DIR) + "/tests/fixtures/tasks/mera";

std::vector<nlohmann::json> sorted_samples(const fs::path& file) {
  auto samples = read_jsonl(file);
  std::sort(samples.begin(), samples.end(),
            [](const auto& a, const auto& b) { return a["doc_id"].template get<size_t>() < b["doc_id"].template get<size_t>(); });
  return samples;
}

// The model's answer as MERA's request updater stores it, computed here from the logged responses:
// LL: "1"/"2" by the higher log-likelihood; generative: the digit the mock's "Ответ: X." holds, else -1.
std::string own_answer(const nlohmann::json& sample, bool generative) {
  if (!generative) {
    const double a = sample["resps"][0][0][0].get<double>(), b = sample["resps"][1][0][0].get<double>();
    return b > a ? "2" : "1";
  }
  const std::string text = sample["resps"][0][0].get<std::string>();
  for (const char* d : {"1", "2"})
    if (text.find(std::string(" ") + d) != std::string::npos) return d;
  return "-1";
}

void check_rutie(const std::string& task, bool generative) {
  const fs::path dir = fresh_dir("rutie_" + task);
  const auto o = run("--model mock:default --tasks " + task + " --log-samples --no-progress --no-cache --data-dir " +
                     quote(kMeraData) + " --output-dir " + quote(dir.string()));
  ASSERT_EQ(o.rc, 0) << o.err;
  const auto samples = sorted_samples(dir / ("samples_" + task + ".jsonl"));
  ASSERT_EQ(samples.size(), 11u);
  evalrun::tasks::RegistryOptions options;
  options.data_dir = kMeraData;
  evalrun::tasks::TaskRegistry registry(options);
  auto t = registry.get(task);
  std::map<int, std::vector<std::string>> answers;  // dialog -> the model's answers so far
  size_t with_history = 0;
  for (const auto& s : samples) {
    const int dialog = s["doc"]["meta"]["dialog_id"].get<int>();
    const size_t q = s["doc"]["meta"]["question_id"].get<size_t>();
    auto& given = answers[dialog];
    ASSERT_EQ(given.size(), q) << "documents must come in (dialog_id, question_id) order";
    const std::string context = s["arguments"][0][0].get<std::string>();
    EXPECT_EQ(context.find("RUTIE_TARGET_"), std::string::npos) << context;
    // The prompt equals the task's prompt built with exactly these earlier answers.
    evalrun::tasks::PromptOptions po;
    po.dialogue_answers = given;
    EXPECT_EQ(context, t->build(s["doc_id"].get<size_t>(), po).context) << "question " << q;
    // MERA slices the history out of the pool as [dialog_id * 500, dialog_id * 500 + question_id): in the
    // small fixture only dialogue 0 has one; there every earlier answer must show in the prompt.
    const bool has_history =
        t->build(s["doc_id"].get<size_t>(), evalrun::tasks::PromptOptions{}).context.find("RUTIE_TARGET_") != std::string::npos;
    if (q > 0 && has_history) {
      // ...and differs from the prompt with any earlier answer flipped (the answers are really used).
      po.dialogue_answers.back() = given.back() == "1" ? "2" : "1";
      EXPECT_NE(context, t->build(s["doc_id"].get<size_t>(), po).context);
      ++with_history;
    }
    given.push_back(own_answer(s, generative));
  }
  EXPECT_GE(with_history, 7u);
  fs::remove_all(dir);
}

}  // namespace

TEST(MeraRutie, LoglikelihoodPromptsHoldTheModelsOwnEarlierAnswers) { check_rutie("rutie", false); }

TEST(MeraRutie, GenerativePromptsHoldTheExtractedDigits) { check_rutie("rutie_gen", true); }

TEST(MeraCode, UnparsableSamplesAreFailedSamplesWithPerTestResults) {
  const fs::path dir = fresh_dir("code");
  // The mock answers " Ответ: X." to everything: appended to a function, that is a syntax error.
  const auto o = run("--model mock:default --tasks ruhumaneval --log-samples --no-progress --no-cache --exec-workers 2"
                     " --data-dir " + quote(kMeraData) + " --output-dir " + quote(dir.string()));
  ASSERT_EQ(o.rc, 0) << o.err;
  EXPECT_NE(o.err.find("code sandbox:"), std::string::npos) << o.err;
  const auto r = read_json(dir / "results.json");
  for (const char* m : {"pass@1,scoring", "pass@5,scoring", "pass@10,scoring"})
    EXPECT_DOUBLE_EQ(r["results"]["ruhumaneval"][m].get<double>(), 0.0) << m;
  const auto samples = sorted_samples(dir / "samples_ruhumaneval.jsonl");
  ASSERT_EQ(samples.size(), 4u);
  for (const auto& s : samples) {
    ASSERT_EQ(s["code_results"].size(), 10u) << s.dump();
    const size_t tests = s["doc"]["outputs"].size();
    for (const auto& per_sample : s["code_results"]) {
      ASSERT_EQ(per_sample.size(), tests);  // MERA: exec failed -> [None] * len(tests)
      for (const auto& v : per_sample) EXPECT_TRUE(v.is_null());
    }
    EXPECT_EQ(s["code_passed"], nlohmann::json(std::vector<bool>(10, false)));
  }
  fs::remove_all(dir);
}

TEST(MeraSuite, EveryTaskRunsWithLimit3OnTheMockBackend) {
  const fs::path dir = fresh_dir("suite_mock");
  const auto o = run("--model mock:default --tasks mera_all --limit 3 --no-progress --no-cache --log-samples --data-dir " +
                     quote(kMeraData) + " --output-dir " + quote(dir.string()));
  ASSERT_EQ(o.rc, 0) << o.err;
  const auto r = read_json(dir / "results.json");
  EXPECT_GE(r["results"].size(), 23u);
  for (const auto& [task, values] : r["results"].items()) {
    EXPECT_GE(r["n-samples"][task]["effective"].get<size_t>(), 1u) << task;
    size_t numbers = 0;
    for (const auto& [k, v] : values.items()) numbers += v.is_number();
    // Hidden test answers: no score, said in the notes instead.
    const bool no_gold = r.contains("notes") && r["notes"].contains(task) && r["notes"][task].contains("gold");
    EXPECT_TRUE(numbers >= 1 || no_gold) << task << ": " << values.dump();
  }
  // MERA's shot counts come from the tasks (--fewshot-from-task is the default).
  EXPECT_EQ(r["n-shot"]["simplear"], 2);
  EXPECT_EQ(r["n-shot"]["multiq"], 0);
  EXPECT_EQ(r["n-shot"]["parus"], 1);
  EXPECT_TRUE(r["notes"]["rudetox"].contains("J")) << r.dump(1).substr(0, 400);
  fs::remove_all(dir);
}

TEST(MeraSuite, EveryTaskRunsWithLimit3OnTheCpuEngine) {
  const fs::path dir = fresh_dir("suite_engine");
  const auto made = run("make-test-model --arch llama --out " + quote((dir / "model").string()));
  ASSERT_EQ(made.rc, 0) << made.err;
  const auto o = run("--model " + quote((dir / "model").string()) + " --tasks mera --limit 3 --no-progress --no-cache"
                     " --gen-kwargs max_gen_toks=8 --data-dir " + quote(kMeraData) + " --output-dir " + quote((dir / "out").string()));
  ASSERT_EQ(o.rc, 0) << o.err;
  const auto r = read_json(dir / "out" / "results.json");
  EXPECT_GE(r["results"].size(), 23u);
  fs::remove_all(dir);
}
