// End to end through the evalrun binary on the mock backend: outputs, reference scores, dedup,
// limits, predict-only, tasks/validate listings.
#include <cmath>
#include <regex>

#include <gtest/gtest.h>

#include "tests/evaluator/run_helpers.h"

using namespace evaltest;

namespace {

// Reference values come from the fixture data itself (tests/fixtures/evaluator/README.md): with
// mock:fixed every choice scores -1.0, so the argmax is choice 0, and every generation is "1".
constexpr int kMcDocs = 40;
constexpr int kMcLabelZero = 22;   // documents of evaltest_mc whose label is 0
constexpr int kGenDocs = 20;
constexpr int kGenAnswerOne = 10;  // documents of evaltest_gen whose answer is "1"

}  // namespace

TEST(EvaluatorRun, WritesResultsSamplesAndTable) {
  const fs::path dir = fresh_dir("run");
  const auto o = run("--model mock:fixed --tasks evaltest_mc,evaltest_gen --log-samples --no-progress --output-dir " +
                     quote(dir.string()) + fixture_flags());
  ASSERT_EQ(o.rc, 0) << o.err;
  const auto r = read_json(dir / "results.json");
  EXPECT_DOUBLE_EQ(r["results"]["evaltest_mc"]["acc,none"].get<double>(), double(kMcLabelZero) / kMcDocs);
  EXPECT_TRUE(r["results"]["evaltest_mc"]["acc_stderr,none"].is_number());
  EXPECT_DOUBLE_EQ(r["results"]["evaltest_gen"]["exact_match,get-answer"].get<double>(),
                   double(kGenAnswerOne) / kGenDocs);
  EXPECT_EQ(r["n-samples"]["evaltest_mc"]["original"], kMcDocs);
  EXPECT_EQ(r["n-samples"]["evaltest_mc"]["effective"], kMcDocs);
  for (const char* key : {"group_subtasks", "configs", "versions", "n-shot", "higher_is_better", "config",
                          "git_hash", "date", "total_evaluation_time_seconds"})
    EXPECT_TRUE(r.contains(key)) << key;
  EXPECT_EQ(r["config"]["model"], "mock:fixed");
  EXPECT_FALSE(r["config"]["fingerprint"].get<std::string>().empty());
  EXPECT_EQ(r["higher_is_better"]["evaltest_mc"]["acc"], true);

  const auto samples = read_jsonl(dir / "samples_evaltest_mc.jsonl");
  ASSERT_EQ(samples.size(), size_t(kMcDocs));
  const std::regex hex64("[0-9a-f]{64}");
  for (size_t i = 0; i < samples.size(); ++i) {
    const auto& s = samples[i];
    EXPECT_EQ(s["doc_id"], i);  // document order restored after length-sorted batching
    for (const char* key : {"doc", "target", "arguments", "resps", "filtered_resps", "filter", "acc"})
      EXPECT_TRUE(s.contains(key)) << key;
    EXPECT_EQ(s["arguments"].size(), 2u);  // one request per choice, one group per document
    EXPECT_TRUE(std::regex_match(s["doc_hash"].get<std::string>(), hex64));
    EXPECT_TRUE(std::regex_match(s["prompt_hash"].get<std::string>(), hex64));
    EXPECT_TRUE(std::regex_match(s["target_hash"].get<std::string>(), hex64));
  }
  const auto gen = read_jsonl(dir / "samples_evaltest_gen.jsonl");
  ASSERT_EQ(gen.size(), size_t(kGenDocs));
  EXPECT_EQ(gen[0]["resps"], nlohmann::json::parse(R"([["1"]])"));
  EXPECT_EQ(gen[0]["filter"], "get-answer");
  // Summary table on stdout, no temp files left behind.
  EXPECT_NE(o.out.find("|evaltest_mc"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("exact_match"), std::string::npos);
  for (const auto& e : fs::directory_iterator(dir))
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
  fs::remove_all(dir);
}

TEST(EvaluatorRun, DeterministicAcrossRunsAndCache) {
  const fs::path a = fresh_dir("det_a"), b = fresh_dir("det_b");
  const std::string args = " --model mock:default --tasks evaltest_mc,evaltest_gen --log-samples --no-progress" + fixture_flags();
  ASSERT_EQ(run(args + " --output-dir " + quote(a.string())).rc, 0);
  ASSERT_EQ(run(args + " --no-cache --batch-size 3 --output-dir " + quote(b.string())).rc, 0);
  EXPECT_EQ(read_json(a / "results.json")["results"], read_json(b / "results.json")["results"]);
  EXPECT_EQ(slurp(a / "samples_evaltest_mc.jsonl"), slurp(b / "samples_evaltest_mc.jsonl"));
  EXPECT_FALSE(fs::exists(b / "cache.sqlite"));
  fs::remove_all(a);
  fs::remove_all(b);
}

TEST(EvaluatorRun, IdenticalRequestsAcrossTasksAreSentOnce) {
  const fs::path dir = fresh_dir("dedup");
  const fs::path counter = dir / "counter.txt";
  // evaltest_mc_twin builds exactly the prompts of evaltest_mc.
  const auto o = run("--model mock:default --tasks evaltest_mc,evaltest_mc_twin --no-progress --no-cache --output-dir " +
                         quote(dir.string()) + fixture_flags(),
                     "EVALRUN_MOCK_COUNTER=" + quote(counter.string()));
  ASSERT_EQ(o.rc, 0) << o.err;
  EXPECT_EQ(count_lines(counter), size_t(kMcDocs));
  const auto r = read_json(dir / "results.json");
  EXPECT_EQ(r["requests"]["deduplicated"], kMcDocs);
  EXPECT_EQ(r["results"]["evaltest_mc"]["acc,none"], r["results"]["evaltest_mc_twin"]["acc,none"]);
  fs::remove_all(dir);
}

TEST(EvaluatorRun, LimitFractionAndSampleSeed) {
  const fs::path dir = fresh_dir("limit");
  const std::string base = "--model mock:default --tasks evaltest_mc --log-samples --no-progress --no-cache" + fixture_flags();
  ASSERT_EQ(run(base + " --limit 5 --output-dir " + quote(dir.string())).rc, 0);
  auto samples = read_jsonl(dir / "samples_evaltest_mc.jsonl");
  ASSERT_EQ(samples.size(), 5u);
  EXPECT_EQ(samples.back()["doc_id"], 4);  // the first N, as lm-eval
  ASSERT_EQ(run(base + " --limit 0.1 --output-dir " + quote(dir.string())).rc, 0);
  EXPECT_EQ(read_json(dir / "results.json")["n-samples"]["evaltest_mc"]["effective"], 4);  // ceil(40 * 0.1)
  ASSERT_EQ(run(base + " --limit 5 --sample-seed 7 --output-dir " + quote(dir.string())).rc, 0);
  samples = read_jsonl(dir / "samples_evaltest_mc.jsonl");
  ASSERT_EQ(samples.size(), 5u);
  std::vector<int> ids;
  for (const auto& s : samples) ids.push_back(s["doc_id"]);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_NE(ids, (std::vector<int>{0, 1, 2, 3, 4}));
  fs::remove_all(dir);
}

TEST(EvaluatorRun, PredictOnlyWritesSamplesWithoutMetrics) {
  const fs::path dir = fresh_dir("predict");
  const auto o = run("--model mock:default --tasks evaltest_gen --predict-only --no-progress --no-cache --output-dir " +
                     quote(dir.string()) + fixture_flags());
  ASSERT_EQ(o.rc, 0) << o.err;
  const auto r = read_json(dir / "results.json");
  EXPECT_FALSE(r["results"]["evaltest_gen"].contains("exact_match,get-answer"));
  const auto samples = read_jsonl(dir / "samples_evaltest_gen.jsonl");
  ASSERT_EQ(samples.size(), size_t(kGenDocs));
  EXPECT_FALSE(samples[0].contains("exact_match"));
  fs::remove_all(dir);
}

TEST(EvaluatorCommands, TasksAndValidate) {
  auto o = run("tasks" + fixture_flags());
  ASSERT_EQ(o.rc, 0) << o.err;
  EXPECT_NE(o.out.find("evaltest_mc"), std::string::npos);
  EXPECT_NE(o.out.find("multiple_choice"), std::string::npos);
  EXPECT_NE(o.out.find("generate_until"), std::string::npos);
  o = run("validate --tasks 'evaltest_*'" + fixture_flags());
  ASSERT_EQ(o.rc, 0) << o.err;
  EXPECT_NE(o.out.find("evaltest_mc: 40 documents"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("evaltest_gen: 20 documents"), std::string::npos) << o.out;
}

TEST(EvaluatorRun, ChatTemplateRendersContexts) {
  const fs::path plain = fresh_dir("chat_plain"), chat = fresh_dir("chat_on"), sys = fresh_dir("chat_sys");
  const std::string base = "--tasks evaltest_mc,evaltest_gen --limit 3 --log-samples --no-progress --no-cache" + fixture_flags();
  // mock:chat has a chat template: chat mode is the default; --no-chat-template turns it off.
  ASSERT_EQ(run("--model mock:chat --no-chat-template --output-dir " + quote(plain.string()) + " " + base).rc, 0);
  ASSERT_EQ(run("--model mock:chat --output-dir " + quote(chat.string()) + " " + base).rc, 0);
  const auto o = run("--model mock:chat --system-prompt 'Ты помощник.' --output-dir " + quote(sys.string()) + " " + base);
  ASSERT_EQ(o.rc, 0) << o.err;
  EXPECT_EQ(read_json(plain / "results.json")["config"]["chat_template"], false);
  EXPECT_EQ(read_json(chat / "results.json")["config"]["chat_template"], true);
  for (const char* task : {"evaltest_mc", "evaltest_gen"}) {
    const auto p = read_jsonl(plain / ("samples_" + std::string(task) + ".jsonl"));
    const auto c = read_jsonl(chat / ("samples_" + std::string(task) + ".jsonl"));
    const auto s = read_jsonl(sys / ("samples_" + std::string(task) + ".jsonl"));
    ASSERT_EQ(p.size(), 3u);
    ASSERT_EQ(c.size(), 3u);
    for (size_t i = 0; i < 3; ++i) {
      const std::string plain_context = p[i]["arguments"][0][0];
      // One user turn holding the plain prompt, rendered with the generation prompt (lm-eval semantics).
      EXPECT_EQ(c[i]["arguments"][0][0], "<s><|user|>" + plain_context + "\n<|assistant|>") << task;
      EXPECT_EQ(s[i]["arguments"][0][0], "<s><|system|>Ты помощник.\n<|user|>" + plain_context + "\n<|assistant|>") << task;
    }
  }
  fs::remove_all(plain);
  fs::remove_all(chat);
  fs::remove_all(sys);
}

TEST(EvaluatorRun, LoglikelihoodRollingAndMutualInfo) {
  const fs::path dir = fresh_dir("kinds");
  const auto o = run("--model mock:fixed --tasks evaltest_mi,evaltest_ll,evaltest_rolling --no-progress --no-cache --output-dir " +
                     quote(dir.string()) + fixture_flags());
  ASSERT_EQ(o.rc, 0) << o.err;
  const auto r = read_json(dir / "results.json");
  const auto& res = r["results"];
  // mock:fixed: every continuation -1.0 (also the context-free ones), every rolling text -1.0 per byte.
  // Choice 1 is the first and the longer choice in every document, so acc, acc_norm and acc_mutual_info
  // all pick it: 22 of 40 labels are 0.
  for (const char* m : {"acc,none", "acc_norm,none", "acc_mutual_info,none"})
    EXPECT_DOUBLE_EQ(res["evaltest_mi"][m].get<double>(), 22.0 / 40) << m;
  EXPECT_NEAR(res["evaltest_ll"]["perplexity,none"].get<double>(), std::exp(1.0), 1e-12);
  EXPECT_NEAR(res["evaltest_rolling"]["byte_perplexity,none"].get<double>(), std::exp(1.0), 1e-12);
  EXPECT_NEAR(res["evaltest_rolling"]["bits_per_byte,none"].get<double>(), 1.0 / std::log(2.0), 1e-12);
  EXPECT_EQ(r["higher_is_better"]["evaltest_ll"]["perplexity"], false);  // the metric's own direction
  // 40 groups + 15 distinct context-free groups (choice pairs repeat) + 40 + 40.
  EXPECT_EQ(r["requests"]["distinct"], 135);
  fs::remove_all(dir);
}
