// Unit tests of the evaluator's parts that need no task or model: flag parsers, edit-distance
// suggestions, the SQLite cache, atomic files, the summary table and the progress line.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "common/errors.h"
#include "evaluator/cache.h"
#include "evaluator/cli.h"
#include "evaluator/evaluator.h"
#include "evaluator/outputs.h"
#include "evaluator/progress.h"

namespace fs = std::filesystem;
using namespace evalrun;
using namespace evalrun::evaluator;

namespace {
fs::path fresh_dir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("evalrun_eval_unit_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}
}  // namespace

TEST(RunConfigParse, Limit) {
  EXPECT_FALSE(parse_limit("10").fraction);
  EXPECT_EQ(parse_limit("10").value, 10);
  EXPECT_TRUE(parse_limit("0.25").fraction);
  EXPECT_THROW(parse_limit("abc"), UserError);
  EXPECT_THROW(parse_limit("-3"), UserError);
  EXPECT_THROW(parse_limit("0"), UserError);
  EXPECT_THROW(parse_limit("2.5"), UserError);
}

TEST(RunConfigParse, Shard) {
  EXPECT_EQ(parse_shard("1/4").index, 1);
  EXPECT_EQ(parse_shard("1/4").count, 4);
  EXPECT_THROW(parse_shard("4/4"), UserError);
  EXPECT_THROW(parse_shard("1"), UserError);
  EXPECT_THROW(parse_shard("a/b"), UserError);
  EXPECT_THROW(parse_shard("-1/2"), UserError);
}

TEST(RunConfigParse, GenKwargs) {
  auto j = parse_gen_kwargs("temperature=0.5,max_gen_toks=32,until=\\n|###,do_sample=true,repetition_penalty=1.1,x=abc");
  EXPECT_DOUBLE_EQ(j["temperature"].get<double>(), 0.5);
  EXPECT_EQ(j["max_gen_toks"].get<int>(), 32);
  EXPECT_EQ(j["until"], nlohmann::json({"\n", "###"}));
  EXPECT_TRUE(j["do_sample"].get<bool>());
  EXPECT_DOUBLE_EQ(j["repetition_penalty"].get<double>(), 1.1);
  EXPECT_EQ(j["x"], "abc");
  EXPECT_THROW(parse_gen_kwargs("temperature"), UserError);
  EXPECT_THROW(parse_gen_kwargs("temperature=hot"), UserError);
  EXPECT_THROW(parse_gen_kwargs("max_gen_toks=-1"), UserError);
  EXPECT_THROW(parse_gen_kwargs("a=1,,b=2"), UserError);
}

TEST(Suggestions, ClosestNames) {
  const std::vector<std::string> names = {"--model", "--tasks", "--limit", "--log-samples", "--no-cache"};
  EXPECT_EQ(closest_names("--modle", names).at(0), "--model");
  EXPECT_EQ(closest_names("--task", names).at(0), "--tasks");
  EXPECT_TRUE(closest_names("--zzzzzzzzzz", names).empty());
}

TEST(Cache, StoresAndSeparatesFingerprints) {
  const fs::path dir = fresh_dir("cache");
  {
    Cache cache(dir / "c.sqlite");
    EXPECT_FALSE(cache.get("fpA", "loglikelihood", "{\"x\":1}"));
    cache.put("fpA", "loglikelihood", "{\"x\":1}", nlohmann::json::array({1, 2}));
    EXPECT_EQ(*cache.get("fpA", "loglikelihood", "{\"x\":1}"), nlohmann::json::array({1, 2}));
    // Another model, another kind, another request: all misses.
    EXPECT_FALSE(cache.get("fpB", "loglikelihood", "{\"x\":1}"));
    EXPECT_FALSE(cache.get("fpA", "generate_until", "{\"x\":1}"));
    EXPECT_FALSE(cache.get("fpA", "loglikelihood", "{\"x\":2}"));
  }
  Cache reopened(dir / "c.sqlite");  // durable across processes / reopen
  EXPECT_EQ(reopened.size(), 1u);
  EXPECT_EQ(*reopened.get("fpA", "loglikelihood", "{\"x\":1}"), nlohmann::json::array({1, 2}));
  fs::remove_all(dir);
}

TEST(Cache, RejectsNonDatabase) {
  const fs::path dir = fresh_dir("cachebad");
  std::ofstream(dir / "bad.sqlite") << "this is not a database, just text that is long enough to matter\n";
  EXPECT_THROW(Cache(dir / "bad.sqlite"), UserError);
  fs::remove_all(dir);
}

TEST(Outputs, AtomicWriteLeavesNoTemp) {
  const fs::path dir = fresh_dir("atomic");
  write_json_atomic(dir / "results.json", {{"a", 1}});
  EXPECT_EQ(read_json_file(dir / "results.json")["a"], 1);
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.is_regular_file();
  EXPECT_EQ(files, 1u);
  fs::remove_all(dir);
}

TEST(Outputs, SummaryTable) {
  nlohmann::json r = {
      {"results", {{"parus", {{"alias", "parus"}, {"acc,none", 0.5}, {"acc_stderr,none", 0.1}, {"f1,none", nullptr}}}}},
      {"versions", {{"parus", 1.0}}},
      {"n-shot", {{"parus", 1}}},
      {"higher_is_better", {{"parus", {{"acc", true}, {"f1", true}}}}}};
  const std::string table = summary_table(r);
  EXPECT_NE(table.find("|Tasks"), std::string::npos);
  EXPECT_NE(table.find("|parus|1      |none  |1     |acc   |↑|0.5000|±|0.1000|"), std::string::npos) << table;
  EXPECT_NE(table.find("N/A"), std::string::npos);  // a missing value is never printed as nan
  EXPECT_EQ(table.find("nan"), std::string::npos);
}

TEST(Progress, Format) {
  EXPECT_EQ(Progress::format(5, 10, 2.0, 0), "5/10 requests (50%) 2.5 req/s ETA 0:02");
  EXPECT_EQ(Progress::format(10, 10, 4.0, 3), "10/10 requests (100%) 2.5 req/s elapsed 0:04 (3 from cache)");
}
