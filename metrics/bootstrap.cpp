#include "metrics/bootstrap.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <thread>

namespace evalrun::metrics {
namespace {

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

BootstrapRng::BootstrapRng(uint64_t seed, uint64_t stream) {
  uint64_t x = seed ^ (stream * 0xD1B54A32D192ED03ULL);
  uint64_t mix = splitmix64(x) ^ stream;
  for (auto& s : s_) s = splitmix64(mix);
}

uint64_t BootstrapRng::next() {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

uint32_t BootstrapRng::below(uint32_t bound) {
  uint64_t m = static_cast<uint64_t>(static_cast<uint32_t>(next() >> 32)) * bound;
  auto low = static_cast<uint32_t>(m);
  if (low < bound) {
    const uint32_t threshold = static_cast<uint32_t>(-bound) % bound;
    while (low < threshold) {
      m = static_cast<uint64_t>(static_cast<uint32_t>(next() >> 32)) * bound;
      low = static_cast<uint32_t>(m);
    }
  }
  return static_cast<uint32_t>(m >> 32);
}

std::optional<double> bootstrap_stderr(size_t n, const StderrOptions& options, const BootstrapStatistic& statistic) {
  const int iters = options.bootstrap_iters;
  if (iters < 2 || n == 0) return std::nullopt;
  std::vector<double> values(static_cast<size_t>(iters), 0.0);
  int threads = options.threads > 0 ? options.threads : static_cast<int>(std::thread::hardware_concurrency());
  threads = std::clamp(threads, 1, iters);

  auto work = [&](int begin, int end) {
    std::vector<uint32_t> indices(n);
    for (int j = begin; j < end; ++j) {
      BootstrapRng rng(options.seed, static_cast<uint64_t>(j));
      for (auto& idx : indices) idx = rng.below(static_cast<uint32_t>(n));
      values[static_cast<size_t>(j)] = statistic(indices);
    }
  };
  if (threads == 1) {
    work(0, iters);
  } else {
    std::vector<std::thread> pool;
    const int per = (iters + threads - 1) / threads;
    for (int t = 0; t < threads; ++t) {
      const int begin = t * per;
      const int end = std::min(iters, begin + per);
      if (begin < end) pool.emplace_back(work, begin, end);
    }
    for (auto& th : pool) th.join();
  }
  // Summation in iteration order keeps the figure identical for any thread count.
  double sum = 0.0;
  for (double v : values) {
    if (!std::isfinite(v)) return std::nullopt;
    sum += v;
  }
  const double mean = sum / iters;
  double sq = 0.0;
  for (double v : values) sq += (v - mean) * (v - mean);
  return std::sqrt(sq / (iters - 1));
}

}  // namespace evalrun::metrics

namespace evalrun::metrics {

void parallel_for(size_t n, int threads, const std::function<void(size_t, size_t)>& body) {
  if (n == 0) return;
  size_t t = threads > 0 ? static_cast<size_t>(threads) : std::max(1u, std::thread::hardware_concurrency());
  t = std::min(t, std::max<size_t>(1, n / 64));  // tiny inputs are not worth a thread
  if (t <= 1) {
    body(0, n);
    return;
  }
  std::vector<std::thread> pool;
  std::vector<std::exception_ptr> errors(t);
  const size_t per = (n + t - 1) / t;
  for (size_t i = 0; i < t; ++i) {
    const size_t begin = i * per, end = std::min(n, begin + per);
    if (begin >= end) break;
    pool.emplace_back([&, i, begin, end] {
      try {
        body(begin, end);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    });
  }
  for (auto& th : pool) th.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace evalrun::metrics
