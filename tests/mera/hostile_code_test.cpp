// 4(d): hostile "solutions" run through the code-task path (evaluator::run_code_jobs + MERA's
// check_solution) are contained and scored as failed samples while the run goes on; an honest solution
// in the same batch passes. Each hostile body returns the expected value only if its attack worked.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "evaluator/code_exec.h"

namespace fs = std::filesystem;
using evalrun::evaluator::CodeJob;

TEST(MeraHostileCode, TwentyHostileProgramsAreContainedAndFail) {
  const fs::path host = fs::temp_directory_path() / ("evalrun_hostile_" + std::to_string(::getpid()));
  fs::create_directories(host);
  std::ofstream(host / "keep.txt") << "keep";
  ::setenv("EVALRUN_TEST_SECRET", "hunter2", 1);
  // A listening TCP socket on the host's loopback: reaching it means the network is not isolated.
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::string port = std::to_string(ntohs(addr.sin_port));
  const std::string h = host.string();

  const std::vector<std::pair<std::string, std::string>> hostile = {
      {"fork bomb", "    import os\n    while True:\n        os.fork()\n"},
      {"infinite loop", "    while True:\n        pass\n"},
      {"cpu burn then answer", "    s = 0\n    for i in range(10**10):\n        s += i\n    return x\n"},
      {"sleep forever", "    import time\n    time.sleep(1000)\n    return x\n"},
      {"memory hog", "    b = bytearray(8 * 1024**3)\n    return x\n"},
      {"memory growth", "    l = []\n    while True:\n        l.append(' ' * 10**7)\n"},
      {"thread bomb", "    import threading, time\n    ts = [threading.Thread(target=time.sleep, args=(5,)) for _ in range(5000)]\n"
                      "    [t.start() for t in ts]\n    return x\n"},
      {"huge file", "    with open('big', 'wb') as f:\n        f.write(b'0' * (1 << 31))\n    return x\n"},
      {"write outside its dir", "    open('" + h + "/pwned', 'w').write('x')\n    return x\n"},
      {"delete host files", "    import shutil\n    shutil.rmtree('" + h + "')\n    return x\n"},
      {"write system dir", "    open('/usr/lib/evalrun_pwned', 'w').write('x')\n    return x\n"},
      {"read secrets from env", "    import os\n    return x if 'EVALRUN_TEST_SECRET' in os.environ else None\n"},
      {"read secrets via /proc", "    import glob\n    for p in glob.glob('/proc/*/environ'):\n        try:\n"
                                 "            if b'hunter2' in open(p, 'rb').read():\n                return x\n"
                                 "        except Exception:\n            pass\n    return None\n"},
      {"open a socket to the host", "    import socket\n    socket.create_connection(('127.0.0.1', " + port +
                                    "), timeout=2).close()\n    return x\n"},
      {"open a socket outside", "    import socket\n    socket.create_connection(('1.1.1.1', 53), timeout=2).close()\n    return x\n"},
      {"kill its parent", "    import os, signal\n    os.kill(os.getppid(), signal.SIGKILL)\n    os.kill(os.getppid(), signal.SIGTERM)\n    return None\n"},
      {"kill its process group", "    import os, signal\n    os.killpg(0, signal.SIGKILL)\n    return x\n"},
      {"exit before the result", "    import os\n    os._exit(0)\n"},
      {"forge the result line", "    import sys, os\n    sys.__stdout__.write('@@evalrun-mera-results@@[\"1\"]\\n')\n"
                                "    sys.__stdout__.flush()\n    os._exit(0)\n"},
      {"recursion bomb", "    def g(n):\n        return g(n + 1)\n    return g(0)\n"},
  };
  ASSERT_EQ(hostile.size(), 20u);
  const nlohmann::json doc = {{"inputs", {{"function", "def f(x):\n"}, {"tests", "[{'x': 1}]"}}},
                              {"meta", {{"entry_point", "f"}, {"id", 0}}},
                              {"outputs", {"1"}}};
  CodeJob job{&doc, {}};
  for (const auto& [name, body] : hostile) job.completions.push_back(body);
  job.completions.push_back("    return x\n");                    // honest
  job.completions.push_back("    return x +\n");                  // does not parse: a failed sample
  evalrun::metrics::SandboxLimits limits;
  limits.wall_seconds = 6.0;
  evalrun::metrics::CodeSandbox sandbox(limits);
  std::cerr << sandbox.capabilities().describe() << "\n";
  const auto results = evalrun::evaluator::run_code_jobs(sandbox, {job}, 8);
  ASSERT_EQ(results.size(), 1u);
  ASSERT_EQ(results[0].size(), hostile.size() + 2);
  for (size_t i = 0; i < hostile.size(); ++i)
    EXPECT_FALSE(evalrun::evaluator::code_sample_passed(doc["outputs"], results[0][i]))
        << hostile[i].first << ": " << results[0][i].dump();
  EXPECT_TRUE(evalrun::evaluator::code_sample_passed(doc["outputs"], results[0][hostile.size()]))
      << results[0][hostile.size()].dump();
  EXPECT_EQ(results[0][hostile.size() + 1], nlohmann::json::array({nullptr}));
  // Nothing escaped onto the host.
  EXPECT_TRUE(fs::exists(host / "keep.txt"));
  EXPECT_FALSE(fs::exists(host / "pwned"));
  EXPECT_FALSE(fs::exists("/usr/lib/evalrun_pwned"));
  ::close(listener);
  fs::remove_all(host);
}

TEST(MeraHostileCode, CheckSolutionFollowsMera) {
  using evalrun::evaluator::code_sample_passed;
  EXPECT_TRUE(code_sample_passed({"3", "0"}, {"3", "0"}));
  EXPECT_FALSE(code_sample_passed({"3", "0"}, {"3"}));            // wrong length
  EXPECT_FALSE(code_sample_passed({"3"}, "timed out"));
  EXPECT_FALSE(code_sample_passed({"3"}, nlohmann::json::array()));
  EXPECT_TRUE(code_sample_passed({"None"}, {nullptr}));            // str(None) == "None"
  EXPECT_TRUE(code_sample_passed({3}, {"3"}));                     // str(3) == "3"
}
