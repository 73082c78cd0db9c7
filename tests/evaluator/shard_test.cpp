// --shard I/N + evalrun merge gives the unsharded result.
#include <gtest/gtest.h>

#include "tests/evaluator/run_helpers.h"

using namespace evaltest;

TEST(EvaluatorShard, MergedShardsEqualUnshardedRun) {
  const fs::path dir = fresh_dir("shard");
  const std::string base = "--model mock:default --tasks evaltest_mc,evaltest_gen --log-samples --no-progress --no-cache"
                           " --bootstrap-iters 200" + fixture_flags();
  ASSERT_EQ(run(base + " --output-dir " + quote((dir / "full").string())).rc, 0);
  for (int i = 0; i < 3; ++i) {
    const auto o = run(base + " --shard " + std::to_string(i) + "/3 --output-dir " + quote((dir / ("s" + std::to_string(i))).string()));
    ASSERT_EQ(o.rc, 0) << o.err;
  }
  EXPECT_EQ(read_json(dir / "s1" / "results.json")["n-samples"]["evaltest_mc"]["effective"], 13);  // ids 1,4,...,37
  const auto o = run("merge --out " + quote((dir / "merged").string()) + " " + quote((dir / "s2").string()) + " " +
                     quote((dir / "s0").string()) + " " + quote((dir / "s1").string()));
  ASSERT_EQ(o.rc, 0) << o.err;
  const auto full = read_json(dir / "full" / "results.json"), merged = read_json(dir / "merged" / "results.json");
  EXPECT_EQ(full["results"], merged["results"]);
  EXPECT_EQ(full["n-samples"], merged["n-samples"]);
  EXPECT_EQ(full["configs"], merged["configs"]);
  for (const char* task : {"evaltest_mc", "evaltest_gen"})
    EXPECT_EQ(slurp(dir / "full" / ("samples_" + std::string(task) + ".jsonl")),
              slurp(dir / "merged" / ("samples_" + std::string(task) + ".jsonl")));

  // A missing shard is an error, not a partial result.
  const auto bad = run("merge --out " + quote((dir / "bad").string()) + " " + quote((dir / "s0").string()));
  EXPECT_EQ(bad.rc, 2);
  EXPECT_NE(bad.err.find("shard 1/3 is missing"), std::string::npos) << bad.err;
  fs::remove_all(dir);
}
