#pragma once
// Progress on stderr: requests done / total, requests/s and ETA. One updating line on a terminal,
// plain periodic lines otherwise (logs, CI).
#include <chrono>
#include <cstddef>
#include <string>

namespace evalrun::evaluator {

class Progress {
 public:
  Progress(size_t total, size_t cached, bool quiet);
  void tick(size_t n = 1);
  void finish();
  // "3/10 requests (30%) 2.5 req/s ETA 0:03" (exposed for tests).
  static std::string format(size_t done, size_t total, double seconds, size_t cached);

 private:
  void print(bool final);
  size_t total_, cached_, done_ = 0;
  bool quiet_, tty_;
  std::chrono::steady_clock::time_point start_, last_print_;
};

}  // namespace evalrun::evaluator
