// Cache and resume: a run killed with SIGKILL and re-run with the same command recomputes nothing that
// was answered; a cache filled by one model never answers for another.
#include <signal.h>
#include <sqlite3.h>

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "tests/evaluator/run_helpers.h"

using namespace evaltest;

namespace {

size_t cached_rows(const fs::path& db_path) {
  if (!fs::exists(db_path)) return 0;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return 0;
  }
  sqlite3_busy_timeout(db, 2000);
  sqlite3_stmt* stmt = nullptr;
  size_t n = 0;
  if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM responses", -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW)
    n = static_cast<size_t>(sqlite3_column_int64(stmt, 0));
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return n;
}

constexpr size_t kDistinct = 60;  // 40 evaltest_mc groups + 20 evaltest_gen generations

}  // namespace

TEST(EvaluatorResume, KillNineThenRerunRecomputesNothingFinished) {
  const fs::path dir = fresh_dir("kill");
  const std::string args = "--model mock:slow --tasks evaltest_mc,evaltest_gen --log-samples --output-dir " +
                           quote(dir.string()) + fixture_flags();
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string cmd = "exec " + command(args, "EVALRUN_MOCK_DELAY_MS=40") + " >/dev/null 2>&1";
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Wait until part of the work is committed, then kill -9 mid-run.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (cached_rows(dir / "cache.sqlite") < 15 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the run finished before it could be killed";
  EXPECT_FALSE(fs::exists(dir / "results.json"));  // nothing that looks complete
  const size_t done_before = cached_rows(dir / "cache.sqlite");
  ASSERT_GE(done_before, 15u);
  ASSERT_LT(done_before, kDistinct);

  const fs::path counter = dir / "counter.txt";
  const auto o = run(args + " --no-progress", "EVALRUN_MOCK_DELAY_MS=0 EVALRUN_MOCK_COUNTER=" + quote(counter.string()));
  ASSERT_EQ(o.rc, 0) << o.err;
  EXPECT_EQ(count_lines(counter), kDistinct - done_before);  // only the unfinished requests
  const auto r = read_json(dir / "results.json");
  EXPECT_EQ(r["requests"]["cached"], done_before);

  // Same answers as an uninterrupted run without any cache.
  const fs::path clean = fresh_dir("kill_clean");
  ASSERT_EQ(run("--model mock:default --tasks evaltest_mc,evaltest_gen --log-samples --no-cache --no-progress --output-dir " +
                quote(clean.string()) + fixture_flags()).rc, 0);
  EXPECT_EQ(read_json(clean / "results.json")["results"], r["results"]);
  EXPECT_EQ(slurp(clean / "samples_evaltest_gen.jsonl"), slurp(dir / "samples_evaltest_gen.jsonl"));

  // A second identical run computes nothing at all.
  fs::remove(counter);
  ASSERT_EQ(run(args + " --no-progress", "EVALRUN_MOCK_DELAY_MS=0 EVALRUN_MOCK_COUNTER=" + quote(counter.string())).rc, 0);
  EXPECT_EQ(count_lines(counter), 0u);
  fs::remove_all(dir);
  fs::remove_all(clean);
}

TEST(EvaluatorResume, CacheReusedWithAnotherFingerprintMisses) {
  const fs::path dir = fresh_dir("fingerprint");
  const fs::path cache = dir / "shared.sqlite", counter = dir / "counter.txt";
  const std::string base = " --tasks evaltest_mc,evaltest_gen --no-progress --log-samples --cache " + quote(cache.string()) + fixture_flags();
  const std::string env = "EVALRUN_MOCK_COUNTER=" + quote(counter.string());
  ASSERT_EQ(run("--model mock:default --output-dir " + quote((dir / "a").string()) + base, env).rc, 0);
  EXPECT_EQ(count_lines(counter), kDistinct);
  fs::remove(counter);
  // Another model fingerprint: every request is a miss and is computed by that model.
  ASSERT_EQ(run("--model mock:other --output-dir " + quote((dir / "b").string()) + base, env).rc, 0);
  EXPECT_EQ(count_lines(counter), kDistinct);
  EXPECT_NE(slurp(dir / "a" / "samples_evaltest_mc.jsonl"), slurp(dir / "b" / "samples_evaltest_mc.jsonl"));
  fs::remove(counter);
  // The first model again: everything from the cache, nothing computed.
  ASSERT_EQ(run("--model mock:default --output-dir " + quote((dir / "c").string()) + base, env).rc, 0);
  EXPECT_EQ(count_lines(counter), 0u);
  EXPECT_EQ(slurp(dir / "a" / "samples_evaltest_mc.jsonl"), slurp(dir / "c" / "samples_evaltest_mc.jsonl"));
  EXPECT_EQ(cached_rows(cache), 2 * kDistinct);
  fs::remove_all(dir);
}
