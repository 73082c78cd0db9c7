// Malformed command lines: one line on stderr naming the flag (with the closest valid names), exit 2.
#include <gtest/gtest.h>

#include "tests/evaluator/run_helpers.h"

using namespace evaltest;

namespace {

struct BadCase {
  std::string args;
  std::string expected;  // substring of the one-line error
};

}  // namespace

TEST(EvaluatorCli, MalformedInputsGiveOneLineAndExitTwo) {
  const fs::path dir = fresh_dir("cli");
  const std::string ok = " --no-progress --output-dir " + quote(dir.string()) + fixture_flags();
  const std::vector<BadCase> cases = {
      {"--modle mock:default --tasks evaltest_mc" + ok, "did you mean --model"},
      {"--model mock:default --tasks evaltest_mc --log-sample" + ok, "--log-samples"},
      {"--model mock:default --tasks evaltest_mq" + ok, "evaltest_mc"},
      {"--model mock:default --tasks evaltest_mc --limit abc" + ok, "--limit"},
      {"--model mock:default --tasks evaltest_mc --limit 2.5" + ok, "--limit"},
      {"--model mock:default --tasks evaltest_mc --shard 2/2" + ok, "--shard"},
      {"--model mock:default --tasks evaltest_mc --shard 1-2" + ok, "--shard"},
      {"--model mock:default --tasks evaltest_gen --gen-kwargs temperature" + ok, "--gen-kwargs"},
      {"--model mock:default --tasks evaltest_gen --gen-kwargs temperature=hot" + ok, "temperature"},
      {"--model mock:default --tasks evaltest_mc --backend gpu" + ok, "--backend"},
      {"--model mock:default --tasks evaltest_mc --fewshot many" + ok, "--fewshot"},
      {"--model mock:nosuch --tasks evaltest_mc" + ok, "mock variants"},
      {"--model mock:default --tasks evaltest_mc --sample-seed 3" + ok, "--sample-seed"},
      {"--model mock:default --tasks evaltest_mc --cache x.sqlite --no-cache" + ok, "--no-cache"},
      {"tsks", "did you mean tasks"},
      {"--model mock:default" + ok, "--tasks"},
      {"merge --out " + quote(dir.string()) + " /nonexistent/shard", "/nonexistent/shard/results.json"},
  };
  for (const auto& c : cases) {
    const auto o = run(c.args);
    EXPECT_EQ(o.rc, 2) << c.args << "\n" << o.err;
    ASSERT_FALSE(o.err.empty()) << c.args;
    EXPECT_EQ(o.err.find('\n'), o.err.size() - 1) << "not one line: " << o.err;
    EXPECT_NE(o.err.find(c.expected), std::string::npos) << c.args << "\n" << o.err;
  }
  fs::remove_all(dir);
}

TEST(EvaluatorCli, MockBackendNeedsTheTestSwitch) {
  // The later EVALRUN_ENABLE_MOCK_BACKEND=0 overrides the helper's =1.
  const auto o = run("--model mock:default --tasks evaltest_mc --no-progress" + fixture_flags(),
                     "EVALRUN_ENABLE_MOCK_BACKEND=0");
  EXPECT_EQ(o.rc, 2);
  EXPECT_NE(o.err.find("mock models exist only for evalrun's own tests"), std::string::npos) << o.err;
}
