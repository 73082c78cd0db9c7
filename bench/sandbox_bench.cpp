// Code-sandbox throughput: programs per second through metrics::CodeSandbox (bubblewrap + python3 per
// program, the ruHumanEval / ruCodeEval path) with 1 worker vs N workers, measured in the same run.
// Usage: bench_sandbox [programs=48] [workers=hardware threads]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "metrics/code_sandbox.h"

namespace {

double programs_per_second(const evalrun::metrics::CodeSandbox& sandbox, const std::vector<std::string>& programs,
                           int workers, size_t* passed) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto results = sandbox.run_many(programs, workers);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  *passed = 0;
  for (const auto& r : results) *passed += r.passed ? 1 : 0;
  return static_cast<double>(programs.size()) / s;
}

}  // namespace

int main(int argc, char** argv) {
  const size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 48;
  const int workers = argc > 2 ? std::atoi(argv[2]) : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  evalrun::metrics::CodeSandbox sandbox;
  std::printf("%s\n", sandbox.capabilities().describe().c_str());
  // A typical HumanEval-sized check: define a function, run a few asserts.
  std::vector<std::string> programs;
  for (size_t i = 0; i < n; ++i)
    programs.push_back("def add(a, b):\n    return a + b\n" + std::string("assert add(") + std::to_string(i) +
                       ", 1) == " + std::to_string(i + 1) + "\nassert add(-1, 1) == 0\n");
  size_t ok1 = 0, okn = 0;
  const double one = programs_per_second(sandbox, programs, 1, &ok1);
  const double many = programs_per_second(sandbox, programs, workers, &okn);
  std::printf("programs: %zu (passed %zu / %zu)\n", n, ok1, okn);
  std::printf("1 worker:   %.2f programs/s\n", one);
  std::printf("%d workers: %.2f programs/s\n", workers, many);
  std::printf("speedup:    %.2fx\n", many / one);
  return ok1 == n && okn == n ? 0 : 1;
}
