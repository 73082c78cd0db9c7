// HTTP backend throughput: requests/s and peak RSS at concurrency 1, 16 and 128 against the local
// fake_openai_server answering immediately; prints the ratio of each level to concurrency 1.
//
//   bench_http_bench [--server PATH] [--requests N]
//
// Each level runs in a forked child so its peak RSS (wait4's ru_maxrss) is its own.
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "backends/http/http_backend.h"

extern char** environ;

namespace {

std::string default_server_path() {
  // Build tree: <build>/bench/bench_http_bench and <build>/tools/fake_openai_server/fake_openai_server.
  const auto exe = std::filesystem::read_symlink("/proc/self/exe");
  return (exe.parent_path().parent_path() / "tools/fake_openai_server/fake_openai_server").string();
}

pid_t start_server(const std::string& path, int& port) {
  int out[2];
  if (pipe(out) != 0) return -1;
  std::vector<std::string> args = {path, "--port", "0"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  FILE* f = fdopen(out[0], "r");
  if (rc != 0 || std::fscanf(f, "PORT %d", &port) != 1) pid = -1;
  std::fclose(f);
  return pid;
}

// Runs `count` chat requests at the given concurrency; returns requests/s (-1 on error).
double run_level(int port, int concurrency, size_t count) {
  evalrun::backends::BackendOptions o;
  o.model = "api:bench";
  o.base_url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
  o.api_key_env = "";
  o.concurrency = concurrency;
  o.max_retries = 0;
  auto backend = evalrun::http::make_http_backend(o);
  std::vector<evalrun::backends::GenerationRequest> requests(count);
  for (size_t i = 0; i < count; i++) {
    requests[i].messages = {{"user", "Benchmark question number " + std::to_string(i) + ": 1 or 2?"}};
    requests[i].max_tokens = 8;
  }
  size_t received = 0;
  const auto start = std::chrono::steady_clock::now();
  backend->generate(requests, [&](size_t, evalrun::backends::GenerationResult r) { received += r.texts.size(); });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return received == count ? count / seconds : -1;
}

// CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat.
double process_cpu_s(pid_t pid) {
  FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
  if (!f) return 0;
  char buf[1024];
  const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = 0;
  const char* p = std::strrchr(buf, ')');  // skip "pid (comm)"
  unsigned long utime = 0, stime = 0;
  if (!p || std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2) return 0;
  return static_cast<double>(utime + stime) / sysconf(_SC_CLK_TCK);
}

}  // namespace

int main(int argc, char** argv) {
  std::string server = default_server_path();
  size_t count = 20000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--server") server = argv[i + 1];
    if (a == "--requests") count = std::stoul(argv[i + 1]);
  }
  int port = 0;
  const pid_t server_pid = start_server(server, port);
  if (server_pid <= 0) {
    std::fprintf(stderr, "cannot start %s (build the fake_openai_server target, or pass --server)\n", server.c_str());
    return 1;
  }
  std::printf("http_bench: %zu chat requests per level against fake_openai_server on 127.0.0.1:%d\n", count, port);
  // req per client CPU-s is the client's efficiency independent of how busy the machine is.
  std::printf("%12s %12s %14s %13s %13s %16s %10s\n", "concurrency", "req/s", "peak RSS MiB", "client CPU %",
              "server CPU %", "req/client CPU-s", "vs c=1");
  double base = 0;
  int status = 0;
  for (int concurrency : {1, 16, 128}) {
    int fds[2];
    if (pipe(fds) != 0) return 1;
    const double server_cpu_before = process_cpu_s(server_pid);
    const pid_t child = fork();
    if (child == 0) {
      close(fds[0]);
      double rate = -1;
      try {
        rate = run_level(port, concurrency, count);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "c=%d: %s\n", concurrency, e.what());
      }
      if (write(fds[1], &rate, sizeof rate) != sizeof rate) _exit(1);
      _exit(0);
    }
    close(fds[1]);
    double rate = -1;
    if (read(fds[0], &rate, sizeof rate) != sizeof rate) rate = -1;
    close(fds[0]);
    rusage usage{};
    wait4(child, &status, 0, &usage);
    if (concurrency == 1) base = rate;
    const double cpu = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec +
                       usage.ru_stime.tv_usec / 1e6;
    const double wall = rate > 0 ? count / rate : 0;
    const double server_cpu = process_cpu_s(server_pid) - server_cpu_before;
    std::printf("%12d %12.0f %14.1f %13.0f %13.0f %16.0f %9.2fx\n", concurrency, rate, usage.ru_maxrss / 1024.0,
                wall > 0 ? 100.0 * cpu / wall : 0.0, wall > 0 ? 100.0 * server_cpu / wall : 0.0,
                cpu > 0 ? count / cpu : 0.0, base > 0 ? rate / base : 0.0);
    std::fflush(stdout);
    if (rate < 0) status = 1;
  }
  kill(server_pid, SIGKILL);
  waitpid(server_pid, nullptr, 0);
  return status == 0 ? 0 : 1;
}
