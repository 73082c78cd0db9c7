#include "metrics/code_sandbox.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/errors.h"

namespace evalrun::metrics {
namespace {

namespace fs = std::filesystem;
// When started as root, each running program gets its own otherwise unused uid, so RLIMIT_NPROC (which
// counts per uid) confines a fork bomb to its own program instead of starving its neighbours. Each evalrun
// process takes its own block of uids (by pid) so concurrent evalrun processes do not share them either.
constexpr uid_t kSandboxUidBase = 910000;
constexpr int kSandboxUidSlots = 1024;
const uid_t kFirstSandboxUid = kSandboxUidBase + static_cast<uid_t>(::getpid() % 4096) * kSandboxUidSlots;

class UidPool {
 public:
  uid_t acquire() {
    std::unique_lock lock(mutex_);
    for (;;) {
      for (int i = 0; i < kSandboxUidSlots; ++i) {
        const int slot = (next_ + i) % kSandboxUidSlots;
        if (!used_[slot]) {
          used_[slot] = true;
          next_ = slot + 1;
          return kFirstSandboxUid + slot;
        }
      }
      freed_.wait(lock);
    }
  }
  void release(uid_t uid) {
    std::lock_guard lock(mutex_);
    used_[uid - kFirstSandboxUid] = false;
    freed_.notify_one();
  }

 private:
  std::mutex mutex_;
  std::condition_variable freed_;
  bool used_[kSandboxUidSlots] = {};
  int next_ = 0;
};

UidPool& uid_pool() {
  static UidPool pool;
  return pool;
}

bool executable(const char* path) { return ::access(path, X_OK) == 0; }

std::string find_bwrap() {
  for (const char* p : {"/usr/bin/bwrap", "/usr/local/bin/bwrap", "/bin/bwrap"})
    if (executable(p)) return p;
  return "";
}

// Number of tasks (threads count for RLIMIT_NPROC) the current uid owns, so a non-root limit leaves
// room for what already runs under this uid.
long tasks_of_current_uid() {
  long count = 0;
  const uid_t uid = ::getuid();
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename();
    if (name.empty() || name[0] < '0' || name[0] > '9') continue;
    struct stat st {};
    if (::stat(entry.path().c_str(), &st) != 0 || st.st_uid != uid) continue;
    std::error_code ec2;
    for (auto it = fs::directory_iterator(entry.path() / "task", ec2); !ec2 && it != fs::directory_iterator();
         it.increment(ec2))
      ++count;
  }
  return count;
}

struct ChildPlan {
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::string workdir;
  bool drop_privileges = false;
  uid_t uid = 0;
  rlim_t nproc = 0;
};

std::vector<std::string> bwrap_args(const std::string& bwrap, const std::string& python, const std::string& dir,
                                    bool isolate_net) {
  std::vector<std::string> a = {bwrap, isolate_net ? "--unshare-all" : "--unshare-user-try", "--die-with-parent",
                                "--new-session", "--ro-bind", "/usr", "/usr"};
  for (const char* link : {"lib", "lib64", "bin", "sbin"})
    if (fs::is_symlink(std::string("/") + link)) {
      a.insert(a.end(), {"--symlink", std::string("usr/") + link, std::string("/") + link});
    } else if (fs::exists(std::string("/") + link)) {
      a.insert(a.end(), {"--ro-bind", std::string("/") + link, std::string("/") + link});
    }
  if (!isolate_net) a.insert(a.end(), {"--unshare-pid", "--unshare-ipc"});
  a.insert(a.end(), {"--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--bind", dir, "/sandbox",
                     "--chdir", "/sandbox", "--clearenv", "--setenv", "PATH", "/usr/bin:/bin", "--setenv",
                     "HOME", "/sandbox", python, "-I", "-B", "/sandbox/program.py"});
  return a;
}

// Runs the plan in a new session with rlimits; returns the result after exit or timeout.
ExecResult run_child(const ChildPlan& plan, const SandboxLimits& limits) {
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) return {false, false, -1, 0, "sandbox: pipe() failed"};
  std::vector<char*> argv, envp;
  for (const auto& s : plan.args) argv.push_back(const_cast<char*>(s.c_str()));
  argv.push_back(nullptr);
  for (const auto& s : plan.env) envp.push_back(const_cast<char*>(s.c_str()));
  envp.push_back(nullptr);

  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(pipefd[0]);
    ::close(pipefd[1]);
    return {false, false, -1, 0, "sandbox: fork() failed"};
  }
  if (pid == 0) {  // child: async-signal-safe calls only
    ::setsid();
    ::dup2(pipefd[1], 1);
    ::dup2(pipefd[1], 2);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    auto limit = [](int resource, rlim_t value) {
      struct rlimit rl {value, value};
      ::setrlimit(resource, &rl);
    };
    const rlim_t cpu = static_cast<rlim_t>(limits.cpu_seconds + 0.999);
    limit(RLIMIT_CPU, cpu < 1 ? 1 : cpu);
    limit(RLIMIT_AS, limits.address_space);
    limit(RLIMIT_FSIZE, limits.file_size);
    limit(RLIMIT_CORE, 0);
    limit(RLIMIT_NOFILE, 256);
    if (plan.drop_privileges) {
      ::setgroups(0, nullptr);
      if (::setgid(plan.uid) != 0 || ::setuid(plan.uid) != 0) ::_exit(126);
    }
    limit(RLIMIT_NPROC, plan.nproc);
    if (::chdir(plan.workdir.c_str()) != 0) ::_exit(126);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(pipefd[1]);

  ExecResult result;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(limits.wall_seconds);
  char buffer[4096];
  bool open = true;
  while (open) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      break;
    }
    struct pollfd pfd {pipefd[0], POLLIN, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(std::min<long long>(left.count(), 200)));
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    const ssize_t n = ::read(pipefd[0], buffer, sizeof buffer);
    if (n <= 0) {
      open = false;
    } else if (result.output.size() < limits.max_output) {
      result.output.append(buffer, std::min<size_t>(n, limits.max_output - result.output.size()));
    }
  }
  // The pipe may close while the program still runs (it closed its stdout): wait for the rest of the time.
  int status = 0;
  while (!result.timed_out) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      result.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (result.timed_out) {
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  ::close(pipefd[0]);
  if (!result.timed_out) {
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
    result.passed = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  return result;
}

}  // namespace

std::string SandboxCapabilities::describe() const {
  if (bwrap && network_isolated)
    return std::string("code sandbox: bubblewrap with network, pid and ipc namespaces") +
           (drops_privileges ? ", each program under its own unprivileged uid" : "");
  return "code sandbox: WARNING: " + std::string(bwrap ? "no network namespace" : "bubblewrap unavailable") +
         " (" + detail + "); programs run with rlimits and a private directory only, and CAN reach the network";
}

CodeSandbox::CodeSandbox(SandboxLimits limits) : limits_(limits) {
  python_ = executable("/usr/bin/python3") ? "/usr/bin/python3" : "";
  if (python_.empty()) throw UserError("code sandbox: /usr/bin/python3 not found (needed to run code tasks)");
  caps_.drops_privileges = ::getuid() == 0;
  const std::string bwrap = find_bwrap();
  if (bwrap.empty()) {
    caps_.detail = "bwrap not found; install the bubblewrap package";
    return;
  }
  // Probe: can a sandbox with every namespace (network included) start here?
  for (bool isolate_net : {true, false}) {
    const fs::path dir = fs::temp_directory_path() / ("evalrun-probe-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "program.py") << "print('ok')\n";
    const uid_t uid = caps_.drops_privileges ? uid_pool().acquire() : ::getuid();
    if (caps_.drops_privileges) {
      [[maybe_unused]] int rc = ::chown(dir.c_str(), uid, uid);
      rc = ::chown((dir / "program.py").c_str(), uid, uid);
    }
    ChildPlan plan{bwrap_args(bwrap, python_, dir, isolate_net), {}, dir, caps_.drops_privileges, uid,
                   static_cast<rlim_t>(limits_.max_processes + (caps_.drops_privileges ? 0 : tasks_of_current_uid()))};
    const ExecResult probe = run_child(plan, limits_);
    if (caps_.drops_privileges) uid_pool().release(uid);
    fs::remove_all(dir);
    if (probe.passed && probe.output == "ok\n") {
      caps_.bwrap = true;
      caps_.network_isolated = isolate_net;
      if (!isolate_net) caps_.detail = "the kernel refused a network namespace";
      return;
    }
    caps_.detail = "bwrap failed: " + probe.output.substr(0, 200);
  }
}

ExecResult CodeSandbox::run_python(const std::string& program) const {
  std::string pattern = (fs::temp_directory_path() / "evalrun-sbx-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) return {false, false, -1, 0, "sandbox: mkdtemp failed"};
  const fs::path dir = pattern;
  {
    std::ofstream out(dir / "program.py", std::ios::binary);
    out << program;
  }
  ChildPlan plan;
  plan.workdir = dir;
  plan.drop_privileges = caps_.drops_privileges;
  plan.uid = caps_.drops_privileges ? uid_pool().acquire() : ::getuid();
  if (plan.drop_privileges) {
    [[maybe_unused]] int rc = ::chown(dir.c_str(), plan.uid, plan.uid);
    rc = ::chown((dir / "program.py").c_str(), plan.uid, plan.uid);
  }
  plan.nproc = limits_.max_processes + (caps_.drops_privileges ? 0 : tasks_of_current_uid());
  if (caps_.bwrap) {
    plan.args = bwrap_args(find_bwrap(), python_, dir, caps_.network_isolated);
  } else {
    plan.args = {python_, "-I", "-B", (dir / "program.py").string()};
    plan.env = {"PATH=/usr/bin:/bin", "HOME=" + dir.string()};
  }
  ExecResult result = run_child(plan, limits_);
  if (plan.drop_privileges) uid_pool().release(plan.uid);
  std::error_code ec;
  fs::remove_all(dir, ec);
  return result;
}

std::vector<ExecResult> CodeSandbox::run_many(const std::vector<std::string>& programs, int workers) const {
  std::vector<ExecResult> results(programs.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < programs.size(); i = next++) results[i] = run_python(programs[i]);
  };
  const int n = std::max(1, std::min<int>(workers, static_cast<int>(programs.size())));
  std::vector<std::thread> threads;
  for (int t = 1; t < n; ++t) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  return results;
}

}  // namespace evalrun::metrics
