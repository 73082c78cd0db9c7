#include "evaluator/progress.h"

#include <unistd.h>

#include <cstdio>

namespace evalrun::evaluator {
namespace {

std::string clock_text(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

}  // namespace

Progress::Progress(size_t total, size_t cached, bool quiet)
    : total_(total), cached_(cached), quiet_(quiet), tty_(::isatty(2) == 1) {
  start_ = last_print_ = std::chrono::steady_clock::now();
  if (!quiet_ && total_ == 0 && cached_ > 0)
    std::fprintf(stderr, "evalrun: all %zu requests answered from the cache\n", cached_);
}

std::string Progress::format(size_t done, size_t total, double seconds, size_t cached) {
  const double rate = seconds > 0 ? done / seconds : 0.0;
  const int percent = total ? static_cast<int>(100.0 * done / total) : 100;
  char buf[160];
  std::snprintf(buf, sizeof buf, "%zu/%zu requests (%d%%) %.1f req/s", done, total, percent, rate);
  std::string out = buf;
  out += done < total && rate > 0 ? " ETA " + clock_text((total - done) / rate) : " elapsed " + clock_text(seconds);
  if (cached) out += " (" + std::to_string(cached) + " from cache)";
  return out;
}

void Progress::tick(size_t n) {
  done_ += n;
  if (quiet_) return;
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_print_).count();
  // Terminal: redraw at most 10 times a second; logs: a line every 5 s.
  if (since >= (tty_ ? 0.1 : 5.0)) print(false);
}

void Progress::finish() {
  if (quiet_ || total_ == 0) return;
  print(true);
}

void Progress::print(bool final) {
  last_print_ = std::chrono::steady_clock::now();
  const double seconds = std::chrono::duration<double>(last_print_ - start_).count();
  const std::string line = "evalrun: " + format(done_, total_, seconds, cached_);
  if (tty_)
    std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), final ? "\n" : "");
  else
    std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

}  // namespace evalrun::evaluator
