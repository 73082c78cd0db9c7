// Metrics benchmark: corpus BLEU, ROUGE-L and bootstrap stderr on 100k synthetic pairs.
// Peers measured in the same run: the same work single-threaded (threads=1) vs all cores, and the
// bootstrap with the statistic recomputed from text (naive) vs from cached segment statistics.
#include <chrono>
#include <ctime>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "metrics/bootstrap.h"
#include "metrics/metric.h"
#include "metrics/sacrebleu.h"

using namespace evalrun::metrics;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Process CPU seconds (all threads): wall time is meaningless on a shared, overloaded machine.
double cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

std::vector<nlohmann::json> make_pairs(size_t n) {
  static const char* words[] = {"the", "cat", "sat", "on", "mat", "dog", "ran", "far", "away", "from", "home",
                                "кот", "сидит", "на", "ковре", "собака", "бежит", "домой", "и", "мы", "видим",
                                "model", "eval", "score", "metric", "fast", "slow", "green", "red", "blue"};
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> word(0, 29), len(8, 30), coin(0, 3);
  std::vector<nlohmann::json> items;
  items.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    std::string ref, hyp;
    const int l = len(rng);
    for (int w = 0; w < l; ++w) {
      const std::string t = words[word(rng)];
      ref += (w ? " " : "") + t;
      hyp += (w ? " " : "") + (coin(rng) == 0 ? std::string(words[word(rng)]) : t);
    }
    ref += ".";
    hyp += coin(rng) ? "." : " !";
    items.push_back(nlohmann::json::array({hyp, nlohmann::json::array({ref})}));
  }
  return items;
}

}  // namespace

int main(int argc, char** argv) {
  const size_t n = argc > 1 ? std::stoul(argv[1]) : 100000;
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  std::printf("metrics_bench: %zu synthetic pairs (8-30 words, mixed Latin/Cyrillic), %u hardware threads\n", n, cores);
  const auto items = make_pairs(n);

  StderrOptions no_boot;
  no_boot.bootstrap_iters = 0;
  auto bleu = make_metric("bleu");
  for (int threads : {1, 0}) {
    no_boot.threads = threads;
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = cpu_seconds();
    const auto agg = bleu->aggregate(items, no_boot);
    std::printf("corpus BLEU (13a), threads=%-3s: wall %.3f s, cpu %.3f s  BLEU=%.4f\n", threads ? "1" : "all",
                seconds_since(t0), cpu_seconds() - c0, agg.value);
  }

  auto rouge = make_metric("rougeL");
  {
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = cpu_seconds();
    std::vector<nlohmann::json> scores;
    scores.reserve(n);
    for (const auto& it : items) {
      SampleInput s;
      s.predictions = {it[0].get<std::string>()};
      s.references = it[1].get<std::vector<std::string>>();
      scores.push_back(rouge->per_sample(s));
    }
    const auto agg = rouge->aggregate(scores, {});
    std::printf("ROUGE-L per sample + mean: wall %.3f s, cpu %.3f s  ROUGE-L F=%.4f (stderr %.5f)\n", seconds_since(t0),
                cpu_seconds() - c0, agg.value, *agg.stderr_value);
  }

  // Bootstrap on corpus BLEU: 1000 resamples of 100k segments from cached statistics.
  for (int threads : {1, 0}) {
    StderrOptions o;
    o.bootstrap_iters = 1000;
    o.threads = threads;
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = cpu_seconds();
    const auto agg = bleu->aggregate(items, o);
    std::printf("corpus BLEU + bootstrap 1000, threads=%-3s: wall %.3f s, cpu %.3f s  stderr=%.5f\n",
                threads ? "1" : "all", seconds_since(t0), cpu_seconds() - c0, *agg.stderr_value);
  }

  // Naive peer: what a bootstrap that re-tokenizes every resample (sacrebleu-style recompute from text)
  // would cost, measured on 2 iterations and extrapolated to 1000.
  {
    BleuOptions bo;
    std::vector<std::string> hyps;
    std::vector<std::vector<std::string>> refs;
    for (const auto& it : items) {
      hyps.push_back(it[0]);
      refs.push_back(it[1]);
    }
    const int iters = 2;
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = cpu_seconds();
    for (int j = 0; j < iters; ++j) {
      BootstrapRng rng(1234, static_cast<uint64_t>(j));
      std::vector<std::string> h;
      std::vector<std::vector<std::string>> r;
      h.reserve(n);
      r.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        const uint32_t k = rng.below(static_cast<uint32_t>(n));
        h.push_back(hyps[k]);
        r.push_back(refs[k]);
      }
      (void)corpus_bleu(h, r, bo);
    }
    const double per_iter = seconds_since(t0) / iters, cpu_iter = (cpu_seconds() - c0) / iters;
    std::printf("naive bootstrap (re-tokenize every resample, 1 thread): wall %.3f s/iter, cpu %.3f s/iter -> cpu %.0f s "
                "for 1000 (extrapolated)\n", per_iter, cpu_iter, cpu_iter * 1000);
  }
  return 0;
}
