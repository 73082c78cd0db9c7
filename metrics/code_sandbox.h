#pragma once
// Runs untrusted model-written Python programs (ruHumanEval / ruCodeEval pass@k): one python3 child per
// program inside bubblewrap (no network, private temp dir, read-only system, empty environment), with
// rlimits and a wall-clock timeout that kills the whole process group.
#include <cstddef>
#include <string>
#include <vector>

namespace evalrun::metrics {

struct SandboxLimits {
  double cpu_seconds = 3.0;        // RLIMIT_CPU per process
  double wall_seconds = 10.0;      // the process group is killed after this
  size_t address_space = 1ull << 30;  // RLIMIT_AS (bytes)
  size_t file_size = 16ull << 20;     // RLIMIT_FSIZE (bytes)
  int max_processes = 64;             // RLIMIT_NPROC for the sandbox user
  size_t max_output = 64 * 1024;      // bytes of stdout/stderr kept
};

struct ExecResult {
  bool passed = false;      // exited with status 0 within the limits
  bool timed_out = false;
  int exit_code = -1;       // when it exited
  int signal = 0;           // when it was killed by a signal
  std::string output;       // stdout + stderr (truncated to max_output)
};

// What isolation this machine allows; `describe()` says it plainly for the run log.
struct SandboxCapabilities {
  bool bwrap = false;              // bubblewrap found and working
  bool network_isolated = false;   // a network namespace could be created
  bool drops_privileges = false;   // runs programs as an unprivileged uid (when started as root)
  std::string detail;              // why something is unavailable
  std::string describe() const;
};

class CodeSandbox {
 public:
  explicit CodeSandbox(SandboxLimits limits = {});
  const SandboxCapabilities& capabilities() const { return caps_; }
  // Runs `program` with python3; never throws for program failures (they are failed results).
  ExecResult run_python(const std::string& program) const;
  // Runs many programs on up to `workers` parallel children; results in input order.
  std::vector<ExecResult> run_many(const std::vector<std::string>& programs, int workers) const;

 private:
  SandboxLimits limits_;
  SandboxCapabilities caps_;
  std::string python_;
};

}  // namespace evalrun::metrics
