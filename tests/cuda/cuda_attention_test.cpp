// CUDA attention (wmma and SIMT kernels) against the CPU twin: packed variable-length sequences, GQA,
// a shared cached prefix, chunked continuations, sliding windows and decoding, in bf16 and fp32.
#include <algorithm>

#include "tests/cuda/cuda_test_util.h"

namespace evalrun::cuda_test {
namespace {

struct SeqSpec {
  int q_len, prefix_slot, prefix_len, own_slot, own_len;
};

struct Scenario {
  std::string name;
  int heads, kv_heads, head_dim, window, slots;
  std::vector<SeqSpec> seqs;
};

std::vector<Scenario> scenarios() {
  std::vector<Scenario> s;
  // Plain varlen prefill, several 64-query tiles (wmma in bf16).
  s.push_back({"varlen_prefill_d128", 4, 2, 128, 0, 400, {{70, 0, 0, 0, 70}, {5, 0, 0, 70, 5}, {130, 0, 0, 75, 130}}});
  // Four continuations attending to one cached 100-token prefix (slots 0..99).
  s.push_back({"shared_prefix_d64", 6, 2, 64, 0, 300,
               {{1, 0, 100, 100, 1}, {3, 0, 100, 101, 3}, {7, 0, 100, 104, 7}, {20, 0, 100, 111, 20}}});
  // A later chunk of a long sequence (40 own tokens already cached) and an exact 64-row tile; MQA.
  s.push_back({"chunked_continuation_mqa", 8, 1, 128, 0, 400, {{50, 200, 37, 0, 90}, {64, 200, 37, 90, 64}}});
  // Sliding window with an odd head size (SIMT kernel in both modes).
  s.push_back({"window16_d80", 2, 1, 80, 16, 200, {{40, 0, 30, 30, 40}, {9, 0, 30, 70, 9}}});
  // Sliding window through the wmma kernel (window start not on a tile boundary).
  s.push_back({"window50_d64", 4, 4, 64, 50, 400, {{150, 0, 0, 0, 150}, {70, 150, 33, 200, 70}}});
  // Decoding: one query per sequence after a prefix and own cached tokens.
  s.push_back({"decode_d128", 12, 2, 128, 0, 400,
               {{1, 0, 30, 30, 1}, {1, 0, 30, 31, 17}, {1, 0, 30, 48, 50}, {1, 0, 0, 100, 64}, {1, 0, 30, 164, 2}}});
  // Qwen2.5-1.5B shapes: a 600-token context as one sequence.
  s.push_back({"qwen_1p5b_600", 12, 2, 128, 0, 700, {{600, 0, 0, 0, 600}, {4, 0, 600, 600, 4}}});
  return s;
}

class CudaAttention : public ::testing::TestWithParam<DType> {};

TEST_P(CudaAttention, MatchesCpuOnEveryScenario) {
  EVALRUN_REQUIRE_GPU();
  auto cpu = engine::make_cpu_device(2);
  auto gpu = make_gpu(GetParam());
  uint64_t seed = 100;
  for (const Scenario& sc : scenarios()) {
    SCOPED_TRACE(sc.name);
    Arena c(*cpu), g(*gpu);
    const int kvw = sc.kv_heads * sc.head_dim, qw = sc.heads * sc.head_dim;
    // Fill the whole cache through kv_write (slots in reverse order to exercise the scatter).
    const auto kk = random_values(size_t(sc.slots) * kvw, ++seed), vv = random_values(size_t(sc.slots) * kvw, ++seed);
    std::vector<int32_t> slot_ids(sc.slots);
    for (int i = 0; i < sc.slots; ++i) slot_ids[i] = sc.slots - 1 - i;
    Tensor ck = c.empty(DType::kF32, sc.slots, kvw), cv = c.empty(DType::kF32, sc.slots, kvw);
    Tensor gk = g.empty_act(sc.slots, kvw), gv = g.empty_act(sc.slots, kvw);
    cpu->kv_write(ck, cv, c.f32(kk, sc.slots, kvw), c.f32(vv, sc.slots, kvw), c.i32(slot_ids, sc.slots, 1));
    gpu->kv_write(gk, gv, g.act(kk, sc.slots, kvw), g.act(vv, sc.slots, kvw), g.i32(slot_ids, sc.slots, 1));

    std::vector<engine::AttnSeq> seqs;
    int rows = 0, max_q = 0, max_kv = 0;
    for (const SeqSpec& s : sc.seqs) {
      ASSERT_LE(s.own_slot + s.own_len, sc.slots);
      seqs.push_back({rows, s.q_len, s.prefix_slot, s.prefix_len, s.own_slot, s.own_len});
      rows += s.q_len;
      max_q = std::max(max_q, s.q_len);
      max_kv = std::max(max_kv, s.prefix_len + s.own_len);
    }
    std::vector<int32_t> flat(seqs.size() * 6);
    std::memcpy(flat.data(), seqs.data(), flat.size() * 4);
    engine::AttentionParams p;
    p.n_heads = sc.heads;
    p.n_kv_heads = sc.kv_heads;
    p.head_dim = sc.head_dim;
    p.scale = 1.f / std::sqrt(float(sc.head_dim));
    p.window = sc.window;
    p.max_q_len = max_q;
    p.max_kv_len = max_kv;
    const auto q = random_values(size_t(rows) * qw, ++seed, 1.5f);
    Tensor co = c.f32(std::vector<float>(size_t(rows) * qw, 0.f), rows, qw);
    Tensor go = g.act(std::vector<float>(size_t(rows) * qw, 0.f), rows, qw);
    cpu->attention(c.f32(q, rows, qw), ck, cv, c.i32(flat, int64_t(seqs.size()), 6), seqs, p, co);
    gpu->attention(g.act(q, rows, qw), gk, gv, g.i32(flat, int64_t(seqs.size()), 6), seqs, p, go);
    const Tol t = tol_for(GetParam());
    expect_close(g.read(go), c.read(co), t.atol, t.rtol, sc.name);
  }
}

INSTANTIATE_TEST_SUITE_P(Dtypes, CudaAttention, ::testing::Values(DType::kBF16, DType::kF32),
                         [](const ::testing::TestParamInfo<DType>& i) {
                           return std::string(i.param == DType::kBF16 ? "bf16" : "f32");
                         });

}  // namespace
}  // namespace evalrun::cuda_test
