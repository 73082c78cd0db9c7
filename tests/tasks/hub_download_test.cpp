// `evalrun data pull` against a local mock of the Hub (tools/mock_hf_hub.py): resumable, verified,
// token-aware, offline mode honoured.
#include "tasks/hub_download.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/errors.h"

namespace evalrun::tasks {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class MockHub {
 public:
  explicit MockHub(const fs::path& root, std::vector<std::string> extra = {}) {
    port_file_ = root.parent_path() / ("port-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::vector<std::string> args = {"python3", std::string(EVALRUN_SOURCE_DIR) + "/tools/mock_hf_hub.py",
                                     "--root", root.string(), "--port-file", port_file_.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = ::fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execvp("python3", argv.data());
      ::_exit(127);
    }
    for (int i = 0; i < 200 && !fs::exists(port_file_); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
    endpoint_ = "http://127.0.0.1:" + read_file(port_file_);
  }
  ~MockHub() {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
    fs::remove(port_file_);
  }
  const std::string& endpoint() const { return endpoint_; }

 private:
  static inline int counter_ = 0;
  pid_t pid_ = -1;
  fs::path port_file_;
  std::string endpoint_;
};

class HubDownload : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("evalrun-hub-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    repo_ = base_ / "repo";
    fs::create_directories(repo_ / "data" / "parus");
    fs::create_directories(repo_ / "data" / "rwsd");
    std::string big;
    for (int i = 0; i < 3000; ++i) big += R"({"instruction": "Вопрос {premise}", "inputs": {"premise": "текст )" + std::to_string(i) + "\"}}\n";
    std::ofstream(repo_ / "data" / "parus" / "test.jsonl") << big;
    std::ofstream(repo_ / "data" / "parus" / "train.jsonl") << "{\"x\": 1}\n";
    std::ofstream(repo_ / "data" / "rwsd" / "test.jsonl") << "{\"y\": 2}\n";
    std::ofstream(repo_ / "README.md") << "# MERA mock\n";
    ::unsetenv("HF_HUB_OFFLINE");
  }
  void TearDown() override { fs::remove_all(base_); }

  HubPullOptions options(const std::string& endpoint) {
    HubPullOptions o;
    o.endpoint = endpoint;
    o.to = base_ / "out";
    o.token = "none";
    return with_environment_defaults(o);
  }

  fs::path base_, repo_;
};

TEST_F(HubDownload, ResumesInterruptedDownloadsAndVerifies) {
  MockHub hub(repo_, {"--drop-first"});
  const HubPullReport report = pull_dataset(options(hub.endpoint()));
  EXPECT_EQ(report.files.size(), 4u);
  EXPECT_EQ(report.downloaded, 4);
  EXPECT_GE(report.resumed, 1);  // the big file was cut halfway once and continued with Range
  for (const char* rel : {"data/parus/test.jsonl", "data/parus/train.jsonl", "data/rwsd/test.jsonl", "README.md"})
    EXPECT_EQ(read_file(base_ / "out" / rel), read_file(repo_ / rel)) << rel;
  EXPECT_FALSE(fs::exists(base_ / "out" / "data/parus/test.jsonl.incomplete"));

  // A second pull finds everything verified and downloads nothing.
  const HubPullReport again = pull_dataset(options(hub.endpoint()));
  EXPECT_EQ(again.downloaded, 0);
  EXPECT_EQ(again.already_present, 4);
}

TEST_F(HubDownload, OnlySelectedTasks) {
  MockHub hub(repo_);
  HubPullOptions o = options(hub.endpoint());
  o.only_prefixes = {"data/rwsd/"};
  const HubPullReport report = pull_dataset(o);
  ASSERT_EQ(report.files.size(), 1u);
  EXPECT_TRUE(fs::exists(base_ / "out/data/rwsd/test.jsonl"));
  EXPECT_FALSE(fs::exists(base_ / "out/data/parus/test.jsonl"));
}

TEST_F(HubDownload, CorruptContentIsRejected) {
  MockHub hub(repo_, {"--corrupt", "data/parus/train.jsonl"});
  HubPullOptions o = options(hub.endpoint());
  o.max_attempts = 2;
  try {
    pull_dataset(o);
    FAIL() << "expected an error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("data/parus/train.jsonl"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("checksum"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(base_ / "out/data/parus/train.jsonl"));
}

TEST_F(HubDownload, TokenIsSentAndRequired) {
  MockHub hub(repo_, {"--token", "hf_secret"});
  HubPullOptions o = options(hub.endpoint());
  o.token = "wrong";
  try {
    pull_dataset(o);
    FAIL() << "expected an error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("HTTP 401"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("HF_TOKEN"), std::string::npos) << e.what();
  }
  o.token = "hf_secret";
  EXPECT_EQ(pull_dataset(o).downloaded, 4);
}

TEST_F(HubDownload, OfflineModeUsesOnlyVerifiedLocalFiles) {
  {
    MockHub hub(repo_);
    pull_dataset(options(hub.endpoint()));
  }
  ::setenv("HF_HUB_OFFLINE", "1", 1);
  HubPullOptions o = options("http://127.0.0.1:9");  // nothing listens: offline must not try
  EXPECT_TRUE(o.offline);
  EXPECT_EQ(pull_dataset(o).already_present, 4);
  std::ofstream(base_ / "out/data/rwsd/test.jsonl") << "tampered";
  EXPECT_THROW(pull_dataset(o), UserError);
  ::unsetenv("HF_HUB_OFFLINE");
}

TEST_F(HubDownload, OfflineWithoutEarlierPullSaysSo) {
  HubPullOptions o = options("http://127.0.0.1:9");
  o.offline = true;
  try {
    pull_dataset(o);
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("offline"), std::string::npos);
  }
}

}  // namespace
}  // namespace evalrun::tasks
