// End to end: a parus_gen run over HTTP killed with SIGKILL mid-run, then re-run with the same command,
// sends exactly the requests that were not committed to the cache, and ends with the predictions of an
// uninterrupted run.
// Runs the evalrun binary (EVALRUN_EXE, via tests/http/support/evalrun_cli.h).
#include <signal.h>

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "tests/http/support/evalrun_cli.h"
#include "tests/http/support/fake_server.h"

namespace evalrun::http {
namespace {

using namespace testing;

constexpr size_t kParusDocs = 12;

TEST(HttpEndToEndResume, KillNineThenRerunSendsOnlyUnfinishedRequests) {
  // Every first answer is delayed, and two requests in flight: the run takes about 2 s.
  FakeServer server({"--faults", "slow", "--slow-ms", "300"});
  const fs::path dir = fresh_dir("resume");
  const std::string args = parus_gen_args(server.base_url(), dir) + " --concurrency 2";

  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string cmd = "exec " + evalrun_command(args) + " >/dev/null 2>" + shell_quote((dir / "err.txt").string());
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int status = 0;
  bool exited = false;
  while (cached_rows(dir / "cache.sqlite") < 4 && std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (exited) {
    const std::string err = slurp(dir / "err.txt");
    CliOutcome o{WIFEXITED(status) ? WEXITSTATUS(status) : -1, "", err};
    if (task_unknown(o)) GTEST_SKIP() << "evalrun does not know parus_gen yet: " << err;
    FAIL() << "the run ended before it could be killed (rc " << o.rc << "): " << err;
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_FALSE(fs::exists(dir / "results.json"));
  const size_t committed = cached_rows(dir / "cache.sqlite");
  ASSERT_GE(committed, 4u);
  ASSERT_LT(committed, kParusDocs);
  const auto before = server.stats();

  const auto o = run_evalrun(args);
  ASSERT_EQ(o.rc, 0) << o.err;
  const auto after = server.stats();
  // Exactly the uncommitted requests went out again (each answered once by this run).
  EXPECT_EQ(after["requests"].get<size_t>() - before["requests"].get<size_t>(), kParusDocs - committed)
      << before.dump() << " -> " << after.dump();
  EXPECT_EQ(cached_rows(dir / "cache.sqlite"), kParusDocs);

  // Same predictions as an uninterrupted run.
  FakeServer clean_server;
  const fs::path clean = fresh_dir("resume_clean");
  ASSERT_EQ(run_evalrun(parus_gen_args(clean_server.base_url(), clean)).rc, 0);
  EXPECT_EQ(predictions(dir / "samples_parus_gen.jsonl"), predictions(clean / "samples_parus_gen.jsonl"));

  // A third identical run sends nothing.
  const auto again = run_evalrun(args);
  ASSERT_EQ(again.rc, 0) << again.err;
  EXPECT_EQ(server.stats()["requests"], after["requests"]);
  fs::remove_all(dir);
  fs::remove_all(clean);
}

}  // namespace
}  // namespace evalrun::http
