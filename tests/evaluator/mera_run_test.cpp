// The shipped MERA tasks (parus, rummlu and their _gen twins, fixture data from tests/fixtures/tasks/mera)
// through the whole pipeline on the mock backend.
#include <gtest/gtest.h>

#include "tests/evaluator/run_helpers.h"

using namespace evaltest;

namespace {

const std::string kMeraData = std::string(EVALRUN_SOURCE_DIR) + "/tests/fixtures/tasks/mera";

// Fraction of fixture documents whose gold answer is `answer` (read from the data, the reference).
double share_of(const std::string& task, const std::string& answer) {
  const auto docs = read_jsonl(fs::path(kMeraData) / task / "test.jsonl");
  size_t hits = 0;
  for (const auto& d : docs) hits += d["outputs"] == answer;
  return double(hits) / docs.size();
}

}  // namespace

TEST(EvaluatorMera, MockFixedScoresEqualTheFirstChoiceShare) {
  const fs::path dir = fresh_dir("mera");
  // mock:fixed: every choice scores -1.0 (argmax = the first choice) and every generation is "1".
  const auto o = run("--model mock:fixed --tasks parus,parus_gen,rummlu --log-samples --no-progress --no-cache --data-dir " +
                     quote(kMeraData) + " --output-dir " + quote(dir.string()));
  ASSERT_EQ(o.rc, 0) << o.err;
  const auto r = read_json(dir / "results.json");
  EXPECT_DOUBLE_EQ(r["results"]["parus"]["acc,none"].get<double>(), share_of("parus", "1"));
  EXPECT_DOUBLE_EQ(r["results"]["rummlu"]["acc,none"].get<double>(), share_of("rummlu", "A"));
  bool found_gen = false;
  for (const auto& [key, value] : r["results"]["parus_gen"].items())
    if (key.rfind("exact_match,", 0) == 0) {
      EXPECT_DOUBLE_EQ(value.get<double>(), share_of("parus", "1")) << key;
      found_gen = true;
    }
  EXPECT_TRUE(found_gen);
  EXPECT_EQ(r["n-shot"]["parus"], 1);
  EXPECT_EQ(r["n-samples"]["parus"]["original"], read_jsonl(fs::path(kMeraData) / "parus" / "test.jsonl").size());
  // MERA's instruction pool: a per-prompt breakdown whose counts add up to the documents.
  ASSERT_TRUE(r.contains("per_prompt")) << r.dump(1);
  size_t n = 0;
  for (const auto& [prompt, values] : r["per_prompt"]["parus"].items()) n += values["n"].get<size_t>();
  EXPECT_EQ(n, r["n-samples"]["parus"]["effective"].get<size_t>());
  const auto samples = read_jsonl(dir / "samples_parus.jsonl");
  ASSERT_FALSE(samples.empty());
  EXPECT_TRUE(samples[0].contains("prompt_id"));
  fs::remove_all(dir);
}

TEST(EvaluatorMera, ShardsMergeToTheUnshardedResult) {
  const fs::path dir = fresh_dir("mera_shard");
  const std::string base = "--model mock:default --tasks parus,rummlu,rummlu_gen --no-progress --no-cache --log-samples"
                           " --data-dir " + quote(kMeraData);
  ASSERT_EQ(run(base + " --output-dir " + quote((dir / "full").string())).rc, 0);
  ASSERT_EQ(run(base + " --shard 0/2 --output-dir " + quote((dir / "s0").string())).rc, 0);
  ASSERT_EQ(run(base + " --shard 1/2 --output-dir " + quote((dir / "s1").string())).rc, 0);
  const auto o = run("merge --out " + quote((dir / "m").string()) + " " + quote((dir / "s0").string()) + " " +
                     quote((dir / "s1").string()));
  ASSERT_EQ(o.rc, 0) << o.err;
  const auto full = read_json(dir / "full" / "results.json"), merged = read_json(dir / "m" / "results.json");
  EXPECT_EQ(full["results"], merged["results"]);  // incl. per-domain breakdowns and bootstrap stderr
  EXPECT_EQ(full["per_prompt"], merged["per_prompt"]);
  EXPECT_EQ(full["n-samples"], merged["n-samples"]);
  for (const char* task : {"parus", "rummlu", "rummlu_gen"})
    EXPECT_EQ(slurp(dir / "full" / ("samples_" + std::string(task) + ".jsonl")),
              slurp(dir / "m" / ("samples_" + std::string(task) + ".jsonl")));
  fs::remove_all(dir);
}
