// `evalrun make-test-model` and `evalrun logprobs` through the real executable.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "backends/engine/scoring.h"
#include "engine_test_util.h"

namespace evalrun::engine {
namespace {

using testing::TempDir;

int run(const std::string& cmd, std::string* out) {
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out->append(buf, n);
  const int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(EngineCli, MakeTestModelAndLogprobs) {
  TempDir dir;
  const std::string exe = EVALRUN_EXE;
  std::string out;
  ASSERT_EQ(run(exe + " make-test-model --arch mistral --sliding-window 4 --seed 3 --out " + dir.path().string(), &out), 0)
      << out;
  const std::vector<int32_t> ids = {1, 15043, 3186, 29892, 445, 338, 263, 1243};
  std::ofstream(dir.path() / "ids.json") << nlohmann::json(ids).dump();
  out.clear();
  ASSERT_EQ(run(exe + " logprobs --model " + dir.path().string() + " --tokens " + (dir.path() / "ids.json").string(), &out),
            0)
      << out;
  auto model = load_transformer(dir.path(), DeviceKind::kCpu, 1);
  const auto want = sequence_logprobs(*model, ids);
  std::istringstream lines(out);
  std::string line;
  size_t i = 0;
  while (std::getline(lines, line)) {
    ASSERT_LT(i, want.size());
    EXPECT_EQ(line.rfind("{\"pos\":", 0), 0u) << line;  // field order pos, token, logprob
    const auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["pos"].get<size_t>(), i + 1);
    EXPECT_EQ(j["token"].get<int32_t>(), ids[i + 1]);
    EXPECT_NEAR(j["logprob"].get<double>(), want[i], 1e-6);
    ++i;
  }
  EXPECT_EQ(i, want.size());
}

TEST(EngineCli, BadInputIsOneLineExitTwo) {
  TempDir dir;
  std::string out;
  EXPECT_EQ(run(std::string(EVALRUN_EXE) + " logprobs --model " + dir.path().string() + " --text hi", &out), 2);
  EXPECT_NE(out.find("config.json"), std::string::npos) << out;
  out.clear();
  EXPECT_EQ(run(std::string(EVALRUN_EXE) + " make-test-model --arch gpt2 --out " + dir.path().string(), &out), 2);
  EXPECT_NE(out.find("--arch"), std::string::npos) << out;
}

}  // namespace
}  // namespace evalrun::engine
