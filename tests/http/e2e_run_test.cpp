// End to end: `evalrun run --model api:... --tasks parus_gen` against fake_openai_server, through every
// kind of fault; predictions identical to a fault-free run, no request answered twice, the API key in
// no file the run writes, `always 429` ending with a clear error.
// Runs the evalrun binary (EVALRUN_EXE, via tests/http/support/evalrun_cli.h).
#include <gtest/gtest.h>

#include <chrono>

#include "tests/http/support/evalrun_cli.h"
#include "tests/http/support/fake_server.h"

namespace evalrun::http {
namespace {

using namespace testing;

constexpr size_t kParusDocs = 12;  // tests/fixtures/tasks/mera/parus/test.jsonl

// Runs parus_gen fault-free once for the whole suite (the reference predictions).
class HttpEndToEnd : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    FakeServer server;
    reference_dir_ = new fs::path(fresh_dir("reference"));
    reference_ = new CliOutcome(run_evalrun(parus_gen_args(server.base_url(), *reference_dir_)));
  }
  static void TearDownTestSuite() {
    fs::remove_all(*reference_dir_);
    delete reference_dir_;
    delete reference_;
  }
  void SetUp() override {
    if (task_unknown(*reference_)) GTEST_SKIP() << "evalrun does not know parus_gen yet: " << reference_->err;
    ASSERT_EQ(reference_->rc, 0) << reference_->err;
  }
  static std::vector<std::string> reference_predictions() {
    return predictions(*reference_dir_ / "samples_parus_gen.jsonl");
  }
  static fs::path* reference_dir_;
  static CliOutcome* reference_;
};
fs::path* HttpEndToEnd::reference_dir_ = nullptr;
CliOutcome* HttpEndToEnd::reference_ = nullptr;

TEST_F(HttpEndToEnd, ReferenceRunHasAllPredictions) {
  EXPECT_EQ(reference_predictions().size(), kParusDocs);
  EXPECT_TRUE(fs::exists(*reference_dir_ / "results.json"));
}

TEST_F(HttpEndToEnd, EachFaultKindGivesIdenticalPredictionsAndNoDuplicateAnswers) {
  for (const std::string fault : {"429", "500", "502", "503", "stall", "reset", "truncated", "invalid-json",
                                  "empty-choices", "slow"}) {
    SCOPED_TRACE(fault);
    FakeServer server({"--faults", fault, "--slow-ms", "100"});
    const fs::path dir = fresh_dir("fault");
    const auto o = run_evalrun(parus_gen_args(server.base_url(), dir) +
                               " --concurrency 12 --request-timeout 3 --max-retries 3");
    ASSERT_EQ(o.rc, 0) << o.err;
    EXPECT_EQ(predictions(dir / "samples_parus_gen.jsonl"), reference_predictions());
    const auto stats = server.stats();
    EXPECT_EQ(stats["duplicates"], 0) << stats.dump();
    EXPECT_EQ(stats["successes"], kParusDocs) << stats.dump();
    fs::remove_all(dir);
  }
}

TEST_F(HttpEndToEnd, Always429EndsWithClearErrorInBoundedTime) {
  FakeServer server({"--faults", "always:429"});
  const fs::path dir = fresh_dir("always429");
  const auto start = std::chrono::steady_clock::now();
  const auto o = run_evalrun(parus_gen_args(server.base_url(), dir) + " --max-retries 2");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  EXPECT_EQ(o.rc, 2) << o.err;
  EXPECT_NE(o.err.find("HTTP 429"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("fake-model"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("request #"), std::string::npos) << o.err;
  fs::remove_all(dir);
}

TEST_F(HttpEndToEnd, ApiKeyAppearsInNoFileTheRunWrites) {
  const std::string key = "sk-e2e-secret-value-9137";
  FakeServer server({"--require-key", key});
  const fs::path dir = fresh_dir("key");
  const auto o = run_evalrun(parus_gen_args(server.base_url(), dir) + " --api-key-env EVALRUN_E2E_API_KEY",
                             "EVALRUN_E2E_API_KEY=" + shell_quote(key));
  ASSERT_EQ(o.rc, 0) << o.err;
  EXPECT_EQ(server.stats()["auth_seen"], kParusDocs);
  EXPECT_EQ(o.out.find(key), std::string::npos);
  EXPECT_EQ(o.err.find(key), std::string::npos);
  size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    files++;
    EXPECT_EQ(slurp(entry.path()).find(key), std::string::npos) << entry.path();
  }
  EXPECT_GE(files, 2u);  // results.json, samples, cache
  EXPECT_EQ(predictions(dir / "samples_parus_gen.jsonl"), reference_predictions());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace evalrun::http
