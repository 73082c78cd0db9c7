// CUDA engine throughput on a Qwen2.5-1.5B-shaped random bf16 model (weights built in memory, no files):
//  (a) 1-shot MMLU-like scoring: ~600-token contexts, 4 single-token choices (one context pass each);
//  (b) HellaSwag-like scoring: ~100-token contexts, 4 endings of 20-40 tokens attending to the cached context;
//  (c) greedy generation at batch 1 and 64.
// Prints tokens/s, requests/s, MFU = 2·params·unique tokens/s ÷ peak, and generation against the
// memory-bandwidth bound; --json writes the figures for tools/cuda_bench_hf_peer.py (the lm-eval HF
// peer, run with torch on the same GPU) to compute the speed-up. Skips without a usable GPU.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backends/engine/ops.h"
#include "backends/engine/transformer.h"
#include "backends/model/model_spec.h"
#include "backends/model/weights.h"
#ifdef EVALRUN_HAVE_CUDA
#include "backends/cuda/cuda_device.h"
#endif

using namespace evalrun;
using engine::SeqWork;
using Clock = std::chrono::steady_clock;

namespace {

struct Args {
  int layers = 28;            // Qwen2.5-1.5B: 28
  int mmlu_docs = 512;
  int hellaswag_docs = 1024;
  int wave_tokens = 65536;    // tokens of contexts per wave (KV cache reused between waves)
  int max_batch_tokens = 16384;
  int max_logit_rows = 1024;
  int gen_steps = 128;
  int gen_prompt = 128;
  double peak_flops = 989e12;  // H100 SXM dense bf16
  double bandwidth = 0;        // bytes/s; 0: from the GPU name
  std::string json_out;
  uint64_t seed = 1;
};

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Random bf16 weights for every tensor of the spec (norm weights near 1), kept alive by the caller.
[[maybe_unused]] std::shared_ptr<model::ModelWeights> random_weights(const model::ModelSpec& spec, std::vector<std::vector<uint16_t>>& store,
                                                    uint64_t seed) {
  auto w = std::make_shared<model::ModelWeights>();
  w->spec = spec;
  w->layers.resize(spec.config.num_layers);
  uint64_t s = seed * 0x9e3779b97f4a7c15ull + 1;
  for (const auto& t : spec.tensors) {
    store.emplace_back(size_t(t.rows * t.cols));
    auto& v = store.back();
    const bool norm = t.role == model::WeightRole::kInputNorm || t.role == model::WeightRole::kPostNorm ||
                      t.role == model::WeightRole::kFinalNorm;
    const float scale = norm ? 0.1f : 1.f / std::sqrt(float(t.cols));
    for (auto& x : v) {
      s ^= s << 13, s ^= s >> 7, s ^= s << 17;  // xorshift64
      const float u = (float(s >> 40) / float(1 << 24)) * 2.f - 1.f;
      float f = (norm ? 1.f : 0.f) + scale * 1.7f * u;
      uint32_t bits;
      std::memcpy(&bits, &f, 4);
      x = uint16_t((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
    }
    model::HostWeight hw{v.data(), model::WeightDType::kBF16, t.rows, t.cols};
    w->bytes += v.size() * 2;
    switch (t.role) {
      case model::WeightRole::kEmbed: w->embed = hw; break;
      case model::WeightRole::kFinalNorm: w->final_norm = hw; break;
      case model::WeightRole::kLmHead: w->lm_head = hw; break;
      default: w->layers[t.layer][size_t(t.role)] = hw;
    }
  }
  if (spec.config.tie_word_embeddings) w->lm_head = w->embed;
  return w;
}

std::vector<int32_t> random_tokens(std::mt19937_64& rng, int n, int vocab) {
  std::uniform_int_distribution<int32_t> d(0, vocab - 1);
  std::vector<int32_t> t(n);
  for (auto& x : t) x = d(rng);
  return t;
}

struct Figures {
  double seconds = 0;
  long unique_tokens = 0;
  long requests = 0;
};

// (a) MMLU-like: each document is one context; the 4 choices are 4 targets at its last row.
[[maybe_unused]] Figures run_mmlu(engine::Transformer& tf, const Args& a, std::mt19937_64& rng, int docs) {
  const int vocab = tf.config().vocab_size;
  std::uniform_int_distribution<int> len(560, 640);
  std::vector<std::vector<int32_t>> ctx(docs);
  for (auto& c : ctx) c = random_tokens(rng, len(rng), vocab);
  Figures f;
  tf.device().synchronize();
  const auto t0 = Clock::now();
  for (int d0 = 0; d0 < docs;) {
    std::vector<SeqWork> wave;
    int slot = 0;
    for (; d0 < docs && (wave.empty() || slot + int(ctx[d0].size()) <= a.wave_tokens); ++d0) {
      SeqWork w;
      w.tokens = ctx[d0];
      w.own_slot = slot;
      slot += int(w.tokens.size());
      for (int c = 0; c < 4; ++c) w.outputs.push_back({int32_t(w.tokens.size() - 1), int32_t((d0 * 4 + c) % vocab)});
      f.unique_tokens += long(w.tokens.size()) + 1;  // + the single-token continuation
      f.requests += 4;
      wave.push_back(std::move(w));
    }
    tf.run(wave);
  }
  tf.device().synchronize();
  f.seconds = seconds_since(t0);
  return f;
}

// (b) HellaSwag-like: contexts first (their last row scores each ending's first token), then the endings
// attend to the cached context.
[[maybe_unused]] Figures run_hellaswag(engine::Transformer& tf, const Args& a, std::mt19937_64& rng, int docs) {
  const int vocab = tf.config().vocab_size;
  std::uniform_int_distribution<int> ctx_len(60, 140), end_len(20, 40);
  struct Doc {
    std::vector<int32_t> ctx;
    std::vector<std::vector<int32_t>> endings;
  };
  std::vector<Doc> all(docs);
  for (auto& d : all) {
    d.ctx = random_tokens(rng, ctx_len(rng), vocab);
    for (int e = 0; e < 4; ++e) d.endings.push_back(random_tokens(rng, end_len(rng), vocab));
  }
  Figures f;
  tf.device().synchronize();
  const auto t0 = Clock::now();
  for (int d0 = 0; d0 < docs;) {
    std::vector<SeqWork> contexts, endings;
    int slot = 0;
    for (; d0 < docs; ++d0) {
      const Doc& d = all[d0];
      int need = int(d.ctx.size());
      for (auto& e : d.endings) need += int(e.size());
      if (slot + need > a.wave_tokens && !contexts.empty()) break;
      SeqWork c;
      c.tokens = d.ctx;
      c.own_slot = slot;
      for (auto& e : d.endings) c.outputs.push_back({int32_t(d.ctx.size() - 1), e[0]});
      const int prefix_slot = slot;
      slot += int(d.ctx.size());
      for (auto& e : d.endings) {
        SeqWork w;
        w.tokens = e;
        w.prefix_slot = prefix_slot;
        w.prefix_len = int32_t(d.ctx.size());
        w.own_slot = slot;
        slot += int(e.size());
        for (int i = 0; i + 1 < int(e.size()); ++i) w.outputs.push_back({i, e[i + 1]});
        endings.push_back(std::move(w));
      }
      f.unique_tokens += need;
      f.requests += 4;
      contexts.push_back(std::move(c));
    }
    tf.run(contexts);
    tf.run(endings);
  }
  tf.device().synchronize();
  f.seconds = seconds_since(t0);
  return f;
}

// (c) Greedy generation: a prompt per sequence, then `steps` one-token forwards for the whole batch.
[[maybe_unused]] double run_generation(engine::Transformer& tf, const Args& a, std::mt19937_64& rng, int batch) {
  const int vocab = tf.config().vocab_size;
  std::vector<SeqWork> seqs(batch);
  const int per_seq = a.gen_prompt + a.gen_steps;
  for (int b = 0; b < batch; ++b) {
    seqs[b].tokens = random_tokens(rng, a.gen_prompt, vocab);
    seqs[b].own_slot = b * per_seq;
    seqs[b].outputs.push_back({int32_t(a.gen_prompt - 1), -1});
  }
  tf.run(seqs);
  std::vector<int32_t> last(batch);
  for (int b = 0; b < batch; ++b) last[b] = seqs[b].argmax[0];
  tf.device().synchronize();
  const auto t0 = Clock::now();
  for (int s = 0; s < a.gen_steps; ++s) {
    std::vector<SeqWork> step(batch);
    for (int b = 0; b < batch; ++b) {
      step[b].tokens = {last[b]};
      step[b].own_slot = b * per_seq;
      step[b].own_cached = a.gen_prompt + s;
      step[b].outputs.push_back({0, -1});
    }
    tf.run(step);
    for (int b = 0; b < batch; ++b) last[b] = step[b].argmax[0];
  }
  return double(batch) * a.gen_steps / seconds_since(t0);
}

[[maybe_unused]] double default_bandwidth(const std::string& name) {
  if (name.find("H200") != std::string::npos) return 4.8e12;
  if (name.find("H100") != std::string::npos) return name.find("PCIe") != std::string::npos ? 2.0e12 : 3.35e12;
  if (name.find("A100") != std::string::npos) return 2.0e12;
  return 0;
}

int parse_args(int argc, char** argv, Args& a) {
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) throw std::runtime_error("missing value for " + k);
      return argv[++i];
    };
    if (k == "--layers") a.layers = std::stoi(next());
    else if (k == "--mmlu-docs") a.mmlu_docs = std::stoi(next());
    else if (k == "--hellaswag-docs") a.hellaswag_docs = std::stoi(next());
    else if (k == "--wave-tokens") a.wave_tokens = std::stoi(next());
    else if (k == "--max-batch-tokens") a.max_batch_tokens = std::stoi(next());
    else if (k == "--max-logit-rows") a.max_logit_rows = std::stoi(next());
    else if (k == "--gen-steps") a.gen_steps = std::stoi(next());
    else if (k == "--peak-flops") a.peak_flops = std::stod(next());
    else if (k == "--bandwidth") a.bandwidth = std::stod(next());
    else if (k == "--json") a.json_out = next();
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  if (int rc = parse_args(argc, argv, a)) return rc;
#ifndef EVALRUN_HAVE_CUDA
  std::printf("cuda_engine_bench: skipped (evalrun built without CUDA)\n");
  return 0;
#else
  std::string why;
  if (!cuda::cuda_device_usable(0, &why)) {
    std::printf("cuda_engine_bench: skipped (%s)\n", why.c_str());
    return 0;
  }
  // Qwen2.5-1.5B: hidden 1536, 28 layers, 12 heads / 2 kv heads (head_dim 128), MLP 8960, vocab 151936,
  // tied embeddings, q/k/v bias.
  const nlohmann::json cfg = {{"architectures", {"Qwen2ForCausalLM"}}, {"model_type", "qwen2"},
                              {"hidden_size", 1536}, {"intermediate_size", 8960}, {"num_hidden_layers", a.layers},
                              {"num_attention_heads", 12}, {"num_key_value_heads", 2}, {"vocab_size", 151936},
                              {"rms_norm_eps", 1e-6}, {"rope_theta", 1000000.0}, {"max_position_embeddings", 32768},
                              {"tie_word_embeddings", true}, {"hidden_act", "silu"}, {"torch_dtype", "bfloat16"},
                              {"use_sliding_window", false}, {"sliding_window", 32768}, {"max_window_layers", 28}};
  const model::ModelSpec spec = model::make_model_spec(model::parse_model_config(cfg, "cuda_engine_bench"));
  std::vector<std::vector<uint16_t>> store;
  auto t0 = Clock::now();
  auto weights = random_weights(spec, store, a.seed);
  double params = 0, embed_params = double(spec.config.vocab_size) * spec.config.hidden_size;
  for (const auto& t : spec.tensors) params += double(t.rows) * double(t.cols);
  std::printf("model: Qwen2.5-1.5B shape, %d layers, %.3f B params (%.3f B without the embedding), bf16 random "
              "weights built in %.1f s\n",
              a.layers, params / 1e9, (params - embed_params) / 1e9, seconds_since(t0));

  engine::TransformerOptions topt;
  topt.max_batch_tokens = a.max_batch_tokens;
  topt.max_logit_rows = a.max_logit_rows;
  t0 = Clock::now();
  auto device = cuda::make_cuda_device(0, engine::DType::kBF16);
  const std::string gpu_name = device->name();
  engine::Transformer tf(weights, std::move(device), topt);
  tf.device().synchronize();
  std::printf("device: %s; weights uploaded in %.2f s; %s\n", gpu_name.c_str(), seconds_since(t0),
              cuda::format_memory_stats(cuda::memory_stats(tf.device())).c_str());
  const int gen_slots = 64 * (a.gen_prompt + a.gen_steps);
  tf.reserve_cache(std::max(a.wave_tokens, gen_slots));
  std::printf("KV cache: %d slots (%.2f GiB)\n", tf.cache_slots(),
              double(tf.cache_slots()) * double(tf.cache_bytes_per_token()) / double(1 << 30));

  std::mt19937_64 rng(a.seed);
  run_mmlu(tf, a, rng, 16);  // warm-up: cuBLAS heuristics, memory pool, scratch buffers
  run_hellaswag(tf, a, rng, 16);

  nlohmann::json out = {{"device", gpu_name}, {"params", params}, {"layers", a.layers},
                        {"peak_flops", a.peak_flops}};
  auto report = [&](const char* name, const Figures& f) {
    const double tps = double(f.unique_tokens) / f.seconds, rps = double(f.requests) / f.seconds;
    const double mfu = 2.0 * params * tps / a.peak_flops, mfu_ne = 2.0 * (params - embed_params) * tps / a.peak_flops;
    std::printf("%-10s %6ld requests %8ld unique tokens in %7.3f s: %10.0f tokens/s %9.1f requests/s  MFU %5.1f%% "
                "(%5.1f%% without embedding params)\n",
                name, f.requests, f.unique_tokens, f.seconds, tps, rps, 100 * mfu, 100 * mfu_ne);
    out[name] = {{"requests", f.requests}, {"unique_tokens", f.unique_tokens}, {"seconds", f.seconds},
                 {"tokens_per_s", tps}, {"requests_per_s", rps}, {"mfu", mfu}};
  };
  report("mmlu", run_mmlu(tf, a, rng, a.mmlu_docs));
  report("hellaswag", run_hellaswag(tf, a, rng, a.hellaswag_docs));

  const double bw = a.bandwidth > 0 ? a.bandwidth : default_bandwidth(gpu_name);
  const double step_bytes = double(weights->bytes);  // every weight is read once per decoding step
  for (const int batch : {1, 64}) {
    const double tps = run_generation(tf, a, rng, batch);
    const double bound = bw > 0 ? batch * bw / step_bytes : 0;
    std::printf("greedy generation batch %2d: %9.1f tokens/s", batch, tps);
    if (bound > 0)
      std::printf("  (weights-bandwidth bound %.0f tokens/s at %.2f TB/s: %.0f%%)", bound, bw / 1e12,
                  100 * tps / bound);
    std::printf("\n");
    out["generation_batch_" + std::to_string(batch)] = {{"tokens_per_s", tps}, {"bandwidth_bound", bound}};
  }
  if (!a.json_out.empty()) std::ofstream(a.json_out) << out.dump(2) << "\n";
  return 0;
#endif
}
