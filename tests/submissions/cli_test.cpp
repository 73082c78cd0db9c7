// `evalrun submit mera` / `evalrun score-submission` through the binary (EVALRUN_EXE).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

namespace fs = std::filesystem;

namespace {

struct Result {
  int rc = -1;
  std::string output;  // stdout + stderr
};

Result run(const std::string& args) {
  const std::string cmd = std::string("'") + EVALRUN_EXE + "' " + args + " 2>&1";
  Result r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  const int status = ::pclose(p);
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

const std::string kFix = std::string(EVALRUN_SOURCE_DIR) + "/tests/fixtures/submissions";

}  // namespace

TEST(SubmissionCli, SubmitThenScorePrintsTheTables) {
  const fs::path dir = fs::temp_directory_path() / ("evalrun-subm-cli-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string zip = (dir / "sub.zip").string();
  const Result s = run("submit mera --from '" + kFix + "/run' --out '" + zip + "' --data-dir '" + kFix + "/data'");
  EXPECT_EQ(s.rc, 0) << s.output;
  EXPECT_NE(s.output.find("Packed 23 of 23 tasks"), std::string::npos) << s.output;
  EXPECT_NE(s.output.find("|ruCodeEval"), std::string::npos) << s.output;
  const Result c = run("score-submission '" + zip + "' --gold '" + kFix + "/data' --json '" + (dir / "r.json").string() + "'");
  EXPECT_EQ(c.rc, 0) << c.output;
  EXPECT_NE(c.output.find("ready for public"), std::string::npos) << c.output;
  EXPECT_TRUE(fs::exists(dir / "r.json"));

  const Result bad = run("submit mera --from '" + kFix + "/lmeval_logs' --out '" + zip + "'");
  EXPECT_EQ(bad.rc, 2) << bad.output;
  EXPECT_NE(bad.output.find("results.json"), std::string::npos) << bad.output;
  fs::remove_all(dir);
}
