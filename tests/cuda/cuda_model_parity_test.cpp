// Whole-model parity: the engine's one Transformer run on the CUDA device against the same Transformer
// on the CPU device, for random-weight models of each architecture (tiny and realistic widths), on a
// multiple-choice workload with a shared cached context. Bounds from the CUDA issue: max |Δ logprob|
// ≤ 1e-3 with fp32 on the GPU, ≤ 0.05 in bf16, and the same multiple-choice answers.
#include <filesystem>
#include <random>

#include "backends/engine/test_model.h"
#include "backends/engine/transformer.h"
#include "backends/model/weights.h"
#include "tests/cuda/cuda_test_util.h"

namespace evalrun::cuda_test {
namespace {

namespace fs = std::filesystem;
using engine::SeqWork;

struct ModelCase {
  std::string name, arch;
  int hidden, layers, heads, kv_heads, head_dim, intermediate, vocab, window;
  std::string rope_scaling;
};

// Workload: one context, then `n_choices` continuations that attend to its cached KV.
struct Workload {
  std::vector<int32_t> context;
  std::vector<std::vector<int32_t>> choices;
};

Workload make_workload(int vocab, int ctx_len, std::vector<int> choice_lens, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int32_t> tok(0, vocab - 1);
  Workload w;
  for (int i = 0; i < ctx_len; ++i) w.context.push_back(tok(rng));
  for (int len : choice_lens) {
    w.choices.emplace_back();
    for (int i = 0; i < len; ++i) w.choices.back().push_back(tok(rng));
  }
  return w;
}

// Per choice: the log-prob of every continuation token (context computed once, KV reused).
std::vector<std::vector<float>> score(engine::Transformer& tf, const Workload& wl) {
  const int ctx = int(wl.context.size());
  int slots = ctx;
  for (auto& c : wl.choices) slots += int(c.size());
  tf.reserve_cache(slots);
  std::vector<SeqWork> first(1);
  first[0].tokens = wl.context;
  for (auto& c : wl.choices) first[0].outputs.push_back({ctx - 1, c[0]});
  tf.run(first);
  std::vector<SeqWork> conts(wl.choices.size());
  int slot = ctx;
  for (size_t c = 0; c < wl.choices.size(); ++c) {
    SeqWork& w = conts[c];
    w.tokens = wl.choices[c];
    w.prefix_slot = 0;
    w.prefix_len = ctx;
    w.own_slot = slot;
    slot += int(w.tokens.size());
    for (int i = 0; i + 1 < int(w.tokens.size()); ++i) w.outputs.push_back({i, w.tokens[i + 1]});
  }
  tf.run(conts);
  std::vector<std::vector<float>> out(wl.choices.size());
  for (size_t c = 0; c < wl.choices.size(); ++c) {
    out[c].push_back(first[0].logprob[c]);
    out[c].insert(out[c].end(), conts[c].logprob.begin(), conts[c].logprob.end());
  }
  return out;
}

// The same continuations scored from scratch (context recomputed per choice, one packed batch).
std::vector<std::vector<float>> score_from_scratch(engine::Transformer& tf, const Workload& wl) {
  std::vector<SeqWork> works(wl.choices.size());
  int slot = 0;
  for (size_t c = 0; c < wl.choices.size(); ++c) {
    SeqWork& w = works[c];
    w.tokens = wl.context;
    w.tokens.insert(w.tokens.end(), wl.choices[c].begin(), wl.choices[c].end());
    w.own_slot = slot;
    slot += int(w.tokens.size());
    const int ctx = int(wl.context.size());
    for (int i = ctx - 1; i + 1 < int(w.tokens.size()); ++i) w.outputs.push_back({i, w.tokens[i + 1]});
  }
  tf.reserve_cache(slot);
  tf.run(works);
  std::vector<std::vector<float>> out;
  for (auto& w : works) out.push_back(w.logprob);
  return out;
}

std::vector<float> flat(const std::vector<std::vector<float>>& v) {
  std::vector<float> f;
  for (auto& x : v) f.insert(f.end(), x.begin(), x.end());
  return f;
}

int best_choice(const std::vector<std::vector<float>>& lp, double* gap) {
  std::vector<double> sums;
  for (auto& c : lp) {
    double s = 0;
    for (float x : c) s += x;
    sums.push_back(s);
  }
  const int best = int(std::max_element(sums.begin(), sums.end()) - sums.begin());
  double second = -1e300;
  for (size_t i = 0; i < sums.size(); ++i)
    if (int(i) != best) second = std::max(second, sums[i]);
  *gap = sums[best] - second;
  return best;
}

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(double(a[i]) - b[i]));
  return m;
}

class CudaModelParity : public ::testing::TestWithParam<ModelCase> {};

TEST_P(CudaModelParity, MatchesCpuEngine) {
  EVALRUN_REQUIRE_GPU();
  const ModelCase& mc = GetParam();
  const fs::path dir = fs::temp_directory_path() / ("evalrun_cuda_parity_" + mc.name);
  engine::TestModelOptions o;
  o.arch = mc.arch;
  o.out = dir;
  o.hidden = mc.hidden;
  o.layers = mc.layers;
  o.heads = mc.heads;
  o.kv_heads = mc.kv_heads;
  o.head_dim = mc.head_dim;
  o.intermediate = mc.intermediate;
  o.vocab = mc.vocab;
  o.sliding_window = mc.window;
  o.rope_scaling = mc.rope_scaling;
  o.seed = 7;
  o.dtype = "bf16";  // identical weights on every device (the CPU widens bf16 exactly)
  engine::make_test_model(o);
  auto weights = std::make_shared<model::ModelWeights>(model::load_model_weights(dir));

  uint64_t seed = 1;
  for (const auto& shape : std::vector<std::pair<int, std::vector<int>>>{{90, {1, 1, 1, 1}}, {150, {5, 12, 3, 20}}}) {
    const Workload wl = make_workload(weights->spec.config.vocab_size, shape.first, shape.second, seed++);
    engine::Transformer cpu(weights, engine::make_cpu_device(0));
    const auto ref = score(cpu, wl);
    for (const DType act : {DType::kF32, DType::kBF16}) {
      SCOPED_TRACE(mc.name + (act == DType::kF32 ? " f32" : " bf16") + " ctx " + std::to_string(shape.first));
      engine::Transformer gpu(weights, make_gpu(act));
      const auto got = score(gpu, wl);
      const double bound = act == DType::kF32 ? 1e-3 : 0.05;
      EXPECT_LE(max_abs_diff(flat(got), flat(ref)), bound);
      double gap_ref = 0, gap_got = 0;
      const int a = best_choice(ref, &gap_ref), b = best_choice(got, &gap_got);
      if (gap_ref > 4 * bound) {
        EXPECT_EQ(a, b) << "choice gap " << gap_ref;
      }
      // Prefix sharing on the GPU equals recomputing the context for every choice.
      const auto scratch = score_from_scratch(gpu, wl);
      EXPECT_LE(max_abs_diff(flat(scratch), flat(got)), act == DType::kF32 ? 1e-4 : 0.05);
    }
  }
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(
    Archs, CudaModelParity,
    ::testing::Values(ModelCase{"llama_tiny", "llama", 64, 2, 4, 2, 0, 128, 0, 0, "none"},
                      ModelCase{"llama3_rope_d128", "llama", 512, 2, 4, 1, 128, 1024, 0, 0, "llama3"},
                      ModelCase{"qwen2_tiny", "qwen2", 64, 2, 4, 2, 0, 160, 0, 0, "none"},
                      // Qwen2.5-0.5B widths (hidden 896, 14 heads, 2 kv heads, head_dim 64), 3 layers.
                      ModelCase{"qwen2_0p5b_width", "qwen2", 896, 3, 14, 2, 64, 4864, 151936, 0, "none"},
                      ModelCase{"qwen3_qknorm", "qwen3", 256, 2, 4, 2, 64, 512, 0, 0, "none"},
                      ModelCase{"mistral_window", "mistral", 128, 2, 4, 2, 32, 256, 0, 48, "none"}),
    [](const ::testing::TestParamInfo<ModelCase>& i) { return i.param.name; });

}  // namespace
}  // namespace evalrun::cuda_test
