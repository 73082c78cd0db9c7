// Hostile programs must be contained (no effect outside the sandbox), scored as failures, and must not
// stop the run: the same batch also holds honest programs that must still pass.
#include "metrics/code_sandbox.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace evalrun::metrics {
namespace {

namespace fs = std::filesystem;

struct Listener {
  int fd = -1;
  int port = 0;
  Listener() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd, 16);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  ~Listener() { ::close(fd); }
};

TEST(CodeSandbox, HonestProgramPassesAndFailingAssertFails) {
  CodeSandbox sandbox;
  EXPECT_TRUE(sandbox.run_python("def f(x):\n    return x + 1\nassert f(1) == 2\n").passed);
  const ExecResult bad = sandbox.run_python("assert 1 == 2\n");
  EXPECT_FALSE(bad.passed);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("AssertionError"), std::string::npos);
  EXPECT_FALSE(sandbox.run_python("def f(:\n").passed);  // a program that cannot be parsed is a failure
}

TEST(CodeSandbox, TwentyHostileProgramsAreContained) {
  SandboxLimits limits;
  limits.wall_seconds = 6;
  CodeSandbox sandbox(limits);
  std::cerr << sandbox.capabilities().describe() << "\n";
  ASSERT_TRUE(sandbox.capabilities().bwrap) << sandbox.capabilities().detail;

  ::setenv("EVALRUN_SANDBOX_TEST_SECRET", "s3cret-value", 1);
  Listener listener;
  const fs::path host_marker = fs::temp_directory_path() / ("evalrun-escape-" + std::to_string(::getpid()));
  fs::remove(host_marker);
  const std::string here = fs::current_path().string();

  const std::vector<std::pair<std::string, std::string>> hostile = {
      {"fork bomb", "import os\nwhile True:\n    os.fork()\n"},
      {"infinite loop", "while True:\n    pass\n"},
      {"sleep forever", "import time\ntime.sleep(1000)\n"},
      {"memory hog", "x = bytearray(8 << 30)\nassert len(x) > 0\n"},
      {"write system dir", "open('/usr/evalrun_evil', 'w').write('x')\n"},
      {"write host tmp", "open('" + host_marker.string() + "', 'w').write('x')\n"
                         "assert open('" + host_marker.string() + "').read() == 'x'\nimport sys\nsys.exit(3)\n"},
      {"read environment secret", "import os\nassert os.environ['EVALRUN_SANDBOX_TEST_SECRET']\n"},
      {"scan /proc environ", "import os\nfound = False\nfor p in os.listdir('/proc'):\n"
                             "    try:\n        found |= b's3cret-value' in open('/proc/%s/environ' % p, 'rb').read()\n"
                             "    except Exception:\n        pass\nassert found\n"},
      {"socket to host listener", "import socket\ns = socket.create_connection(('127.0.0.1', " +
                                      std::to_string(listener.port) + "), timeout=2)\ns.send(b'leak')\n"},
      {"socket to internet", "import socket\nsocket.create_connection(('1.1.1.1', 80), timeout=2)\n"},
      {"kill parent", "import os, time\nparent = os.getppid()\nos.kill(parent, 9)\ntime.sleep(0.5)\n"
                      "os.kill(parent, 0)\nraise SystemExit(2)\n"},
      {"kill everything", "import os\nos.kill(-1, 9)\nraise SystemExit(2)\n"},
      {"fill the disk", "with open('big', 'wb') as f:\n    for _ in range(200):\n        f.write(b'x' * (1 << 20))\n"},
      {"daemon escape", "import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
                        "        time.sleep(3)\n        open('" + host_marker.string() + "', 'w').write('late')\n"
                        "    os._exit(0)\ntime.sleep(0.2)\nraise SystemExit(4)\n"},
      {"read project files", "print(open('" + here + "/CMakeLists.txt').read()[:10])\n"},
      {"read root home", "import os\nprint(os.listdir('/root'))\n"},
      {"thread bomb", "import threading, time\nts = [threading.Thread(target=time.sleep, args=(5,)) for _ in range(5000)]\n"
                      "[t.start() for t in ts]\n"},
      {"endless output", "while True:\n    print('x' * 1000)\n"},
      {"segfault", "import ctypes\nctypes.string_at(0)\n"},
      {"subprocess network tool", "import subprocess\nsubprocess.run(['python3', '-c', "
                                  "'import urllib.request; urllib.request.urlopen(\"http://1.1.1.1\", timeout=2)'], check=True)\n"},
  };
  ASSERT_EQ(hostile.size(), 20u);

  std::vector<std::string> programs;
  for (const auto& [name, code] : hostile) programs.push_back(code);
  // Honest programs interleaved: they must pass despite the hostile neighbours.
  const size_t honest_begin = programs.size();
  for (int i = 0; i < 4; ++i) programs.push_back("import time\ntime.sleep(0.5)\nassert sum(range(10)) == 45\n");

  const auto start = std::chrono::steady_clock::now();
  const std::vector<ExecResult> results = sandbox.run_many(programs, 4);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  for (size_t i = 0; i < hostile.size(); ++i)
    EXPECT_FALSE(results[i].passed) << hostile[i].first << " was not contained: " << results[i].output;
  for (size_t i = honest_begin; i < programs.size(); ++i) EXPECT_TRUE(results[i].passed) << results[i].output;
  EXPECT_LT(seconds, 60.0);

  std::this_thread::sleep_for(std::chrono::seconds(4));  // the daemon would have written by now
  EXPECT_FALSE(fs::exists(host_marker)) << "a sandboxed program wrote to the host's /tmp";
  EXPECT_FALSE(fs::exists("/usr/evalrun_evil"));
  // Nothing connected to the host listener.
  ::fcntl(listener.fd, F_SETFL, O_NONBLOCK);
  EXPECT_LT(::accept(listener.fd, nullptr, nullptr), 0);
}

}  // namespace
}  // namespace evalrun::metrics
