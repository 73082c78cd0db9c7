#pragma once
// Seeded, multi-threaded bootstrap standard error for corpus-level metrics.
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "metrics/metric.h"

namespace evalrun::metrics {

// Statistic of one resample: `indices` holds n item indices drawn with replacement.
using BootstrapStatistic = std::function<double(const std::vector<uint32_t>& indices)>;

// Sample standard deviation (ddof=1) of `statistic` over options.bootstrap_iters resamples, as
// lm-eval's bootstrap_stderr. Resample j uses its own generator seeded from (options.seed, j), so the
// result depends on the seed only, never on the thread count. Returns nullopt when iterations < 2,
// n == 0 or any resample gives a non-finite value.
std::optional<double> bootstrap_stderr(size_t n, const StderrOptions& options, const BootstrapStatistic& statistic);

// The generator behind bootstrap_stderr: xoshiro256** seeded by splitmix64 of (seed, stream).
class BootstrapRng {
 public:
  BootstrapRng(uint64_t seed, uint64_t stream);
  uint64_t next();
  // Uniform integer in [0, bound) (Lemire's multiply-shift with rejection, unbiased).
  uint32_t below(uint32_t bound);

 private:
  uint64_t s_[4];
};

}  // namespace evalrun::metrics

namespace evalrun::metrics {

// Runs body(begin, end) over contiguous blocks of [0, n) on up to `threads` threads (0 = hardware
// concurrency); the first exception is rethrown on the caller's thread.
void parallel_for(size_t n, int threads, const std::function<void(size_t begin, size_t end)>& body);

}  // namespace evalrun::metrics
