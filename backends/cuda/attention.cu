// Causal GQA attention over packed variable-length sequences with a cached prefix (see kernels.h).
// Two kernels, both flash-attention style (online softmax, keys streamed in tiles, no L×L matrix):
//  - wmma: bf16 tensor cores, 64 queries × 64 keys per step, head_dim 64 or 128 (prefill / scoring);
//  - simt: one warp per (query, head), fp32 math, any head_dim ≤ 256 (fp32 option, decoding, fallback).
#include <mma.h>

#include <cmath>

#include "backends/cuda/cuda_check.h"
#include "backends/cuda/kernels.h"
#include "backends/cuda/type_util.cuh"

namespace evalrun::cuda {
namespace {

constexpr float kLog2e = 1.4426950408889634f;

struct Seq {
  int q_start, q_len, prefix_slot, prefix_len, own_slot, own_len;
};

__device__ __forceinline__ Seq load_seq(const int32_t* seqs, int s) {
  const int32_t* p = seqs + 6 * s;
  return Seq{p[0], p[1], p[2], p[3], p[4], p[5]};
}

// Cache row holding key position j of a sequence.
__device__ __forceinline__ int64_t key_slot(const Seq& s, int j) {
  return j < s.prefix_len ? int64_t(s.prefix_slot) + j : int64_t(s.own_slot) + (j - s.prefix_len);
}

// First key position query position p may see.
__device__ __forceinline__ int first_key(int p, int window) { return window > 0 ? max(0, p - window + 1) : 0; }

// ---------------------------------------------------------------------------------------------------
// wmma kernel. Block: 4 warps, 64 query rows of one (sequence, head); warp w owns rows 16w..16w+15.
// Shared memory (row pads keep wmma pointers 32-byte aligned and spread banks):
//   Qs [64][D+8] bf16, Ks/Vs [64][D+8] bf16, S [64][68] f32, P [64][72] bf16, O [64][D+4] f32.
constexpr int kBM = 64, kBN = 64, kWarps = 4;

template <int D>
struct WmmaLayout {
  static constexpr int kQld = D + 8, kSld = kBN + 4, kPld = kBN + 8, kOld = D + 4;
  static constexpr size_t kQ = size_t(kBM) * kQld * 2, kKV = size_t(kBN) * kQld * 2;
  static constexpr size_t kS = size_t(kBM) * kSld * 4, kP = size_t(kBM) * kPld * 2, kO = size_t(kBM) * kOld * 4;
  static constexpr size_t kBytes = kQ + 2 * kKV + kS + kP + kO;
};

template <int D>
__global__ void __launch_bounds__(kWarps * 32) attention_wmma_kernel(AttentionArgs a, int tiles_per_seq) {
  using namespace nvcuda;
  using L = WmmaLayout<D>;
  extern __shared__ __align__(128) unsigned char smem[];
  bf16* Qs = reinterpret_cast<bf16*>(smem);
  bf16* Ks = reinterpret_cast<bf16*>(smem + L::kQ);
  bf16* Vs = reinterpret_cast<bf16*>(smem + L::kQ + L::kKV);
  float* S = reinterpret_cast<float*>(smem + L::kQ + 2 * L::kKV);
  bf16* P = reinterpret_cast<bf16*>(smem + L::kQ + 2 * L::kKV + L::kS);
  float* O = reinterpret_cast<float*>(smem + L::kQ + 2 * L::kKV + L::kS + L::kP);

  const int s_idx = blockIdx.x / tiles_per_seq, tile = blockIdx.x % tiles_per_seq, h = blockIdx.y;
  const Seq seq = load_seq(a.seqs, s_idx);
  const int q0 = tile * kBM;
  if (q0 >= seq.q_len) return;
  const int rows = min(kBM, seq.q_len - q0);
  const int kvh = h / (a.n_heads / a.n_kv_heads);
  const int pos0 = seq.prefix_len + seq.own_len - seq.q_len + q0;  // position of this tile's first query
  const int key_end = pos0 + rows;                                  // exclusive
  const int key_begin = (first_key(pos0, a.window) / kBN) * kBN;
  const int tid = threadIdx.x, warp = tid / 32, lane = tid % 32;
  constexpr int kVec = D / 8;  // uint4 (8 bf16) per row

  const bf16* q = static_cast<const bf16*>(a.q);
  for (int e = tid; e < kBM * kVec; e += blockDim.x) {
    const int r = e / kVec, c = (e % kVec) * 8;
    uint4 v = make_uint4(0, 0, 0, 0);
    if (r < rows) v = *reinterpret_cast<const uint4*>(q + int64_t(seq.q_start + q0 + r) * a.q_stride + h * D + c);
    *reinterpret_cast<uint4*>(Qs + r * L::kQld + c) = v;
  }
  for (int e = tid; e < kBM * L::kOld; e += blockDim.x) O[e] = 0.f;

  // Softmax state: lanes 2r and 2r+1 both hold row r of this warp (identical values).
  const int my_row = warp * 16 + lane / 2;  // row within the tile
  const int half = lane % 2;
  const int my_pos = pos0 + my_row;
  const bool row_valid = my_row < rows;
  const int my_first = first_key(my_pos, a.window);
  float m = -INFINITY, l = 0.f;
  const float scale = a.scale * kLog2e;
  const bool warp_active = warp * 16 < rows;

  const bf16* kc = static_cast<const bf16*>(a.k_cache);
  const bf16* vc = static_cast<const bf16*>(a.v_cache);
  for (int j0 = key_begin; j0 < key_end; j0 += kBN) {
    __syncthreads();  // the previous tile's Ks/Vs are no longer read
    for (int e = tid; e < kBN * kVec; e += blockDim.x) {
      const int r = e / kVec, c = (e % kVec) * 8, j = j0 + r;
      uint4 kv = make_uint4(0, 0, 0, 0), vv = make_uint4(0, 0, 0, 0);
      if (j < key_end) {
        const int64_t off = key_slot(seq, j) * a.kv_stride + kvh * D + c;
        kv = *reinterpret_cast<const uint4*>(kc + off);
        vv = *reinterpret_cast<const uint4*>(vc + off);
      }
      *reinterpret_cast<uint4*>(Ks + r * L::kQld + c) = kv;
      *reinterpret_cast<uint4*>(Vs + r * L::kQld + c) = vv;
    }
    __syncthreads();
    if (!warp_active) continue;

    // S[16w.., 0..63] = Q_w · Kᵀ
    for (int n = 0; n < kBN / 16; ++n) {
      wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc;
      wmma::fill_fragment(acc, 0.f);
      for (int k = 0; k < D / 16; ++k) {
        wmma::fragment<wmma::matrix_a, 16, 16, 16, bf16, wmma::row_major> fa;
        wmma::fragment<wmma::matrix_b, 16, 16, 16, bf16, wmma::col_major> fb;
        wmma::load_matrix_sync(fa, Qs + warp * 16 * L::kQld + k * 16, L::kQld);
        wmma::load_matrix_sync(fb, Ks + n * 16 * L::kQld + k * 16, L::kQld);
        wmma::mma_sync(acc, fa, fb, acc);
      }
      wmma::store_matrix_sync(S + warp * 16 * L::kSld + n * 16, acc, L::kSld, wmma::mem_row_major);
    }
    __syncwarp();

    // Online softmax on this lane's 32 columns of its row.
    float* srow = S + my_row * L::kSld + half * 32;
    float tile_max = -INFINITY;
    float sv[32];
#pragma unroll
    for (int c = 0; c < 32; ++c) {
      const int j = j0 + half * 32 + c;
      const bool ok = row_valid && j <= my_pos && j >= my_first;
      sv[c] = ok ? srow[c] * scale : -INFINITY;
      tile_max = fmaxf(tile_max, sv[c]);
    }
    tile_max = fmaxf(tile_max, __shfl_xor_sync(0xffffffffu, tile_max, 1));
    const float m_new = fmaxf(m, tile_max);
    const float m_use = m_new == -INFINITY ? 0.f : m_new;
    const float alpha = exp2f(m - m_use);
    float sum = 0.f;
    bf16* prow = P + my_row * L::kPld + half * 32;
#pragma unroll
    for (int c = 0; c < 32; ++c) {
      const float p = exp2f(sv[c] - m_use);
      sum += p;
      prow[c] = __float2bfloat16_rn(p);
    }
    sum += __shfl_xor_sync(0xffffffffu, sum, 1);
    l = l * alpha + sum;
    m = m_new;
    float* orow = O + my_row * L::kOld + half * (D / 2);
#pragma unroll 8
    for (int c = 0; c < D / 2; ++c) orow[c] *= alpha;
    __syncwarp();

    // O[16w.., :] += P_w · V
    for (int n = 0; n < D / 16; ++n) {
      wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc;
      wmma::load_matrix_sync(acc, O + warp * 16 * L::kOld + n * 16, L::kOld, wmma::mem_row_major);
      for (int k = 0; k < kBN / 16; ++k) {
        wmma::fragment<wmma::matrix_a, 16, 16, 16, bf16, wmma::row_major> fa;
        wmma::fragment<wmma::matrix_b, 16, 16, 16, bf16, wmma::row_major> fb;
        wmma::load_matrix_sync(fa, P + warp * 16 * L::kPld + k * 16, L::kPld);
        wmma::load_matrix_sync(fb, Vs + k * 16 * L::kQld + n * 16, L::kQld);
        wmma::mma_sync(acc, fa, fb, acc);
      }
      wmma::store_matrix_sync(O + warp * 16 * L::kOld + n * 16, acc, L::kOld, wmma::mem_row_major);
    }
    __syncwarp();
  }

  if (!row_valid) return;
  const float inv_l = l > 0.f ? 1.f / l : 0.f;
  const float* orow = O + my_row * L::kOld + half * (D / 2);
  bf16* out = static_cast<bf16*>(a.out) + int64_t(seq.q_start + q0 + my_row) * a.out_stride + h * D + half * (D / 2);
  for (int c = 0; c < D / 2; ++c) out[c] = __float2bfloat16_rn(orow[c] * inv_l);
}

// ---------------------------------------------------------------------------------------------------
// SIMT kernel. Block: 4 warps = 4 consecutive heads of one query row; lanes take 32 keys at a time for
// the scores, then dims (lane + 32·i) for the weighted sum of values.
constexpr int kSimtWarps = 4, kMaxDim = 256;

// q·k with four independent accumulators (instruction-level parallelism; fixed order, deterministic).
template <typename T>
__device__ __forceinline__ float dot_row(const float* q, const T* k, int D) {
  float a0 = 0.f, a1 = 0.f, a2 = 0.f, a3 = 0.f;
  int d = 0;
  for (; d + 4 <= D; d += 4) {
    a0 += q[d] * to_f32(k[d]);
    a1 += q[d + 1] * to_f32(k[d + 1]);
    a2 += q[d + 2] * to_f32(k[d + 2]);
    a3 += q[d + 3] * to_f32(k[d + 3]);
  }
  for (; d < D; ++d) a0 += q[d] * to_f32(k[d]);
  return (a0 + a1) + (a2 + a3);
}

template <typename T>
__global__ void __launch_bounds__(kSimtWarps * 32) attention_simt_kernel(AttentionArgs a) {
  __shared__ float q_sh[kSimtWarps][kMaxDim];
  const int s_idx = blockIdx.x / a.max_q_len, i = blockIdx.x % a.max_q_len;
  const Seq seq = load_seq(a.seqs, s_idx);
  if (i >= seq.q_len) return;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int h = blockIdx.y * kSimtWarps + warp;
  if (h >= a.n_heads) return;
  const int D = a.head_dim, kvh = h / (a.n_heads / a.n_kv_heads);
  const int row = seq.q_start + i;
  const int pos = seq.prefix_len + seq.own_len - seq.q_len + i;
  const T* q = static_cast<const T*>(a.q) + int64_t(row) * a.q_stride + h * D;
  for (int d = lane; d < D; d += 32) q_sh[warp][d] = to_f32(q[d]) * a.scale * kLog2e;
  __syncwarp();

  const T* kc = static_cast<const T*>(a.k_cache) + kvh * D;
  const T* vc = static_cast<const T*>(a.v_cache) + kvh * D;
  float acc[kMaxDim / 32];
#pragma unroll
  for (int r = 0; r < kMaxDim / 32; ++r) acc[r] = 0.f;
  float m = -INFINITY, l = 0.f;
  for (int j0 = first_key(pos, a.window); j0 <= pos; j0 += 32) {
    const int j = j0 + lane;
    float s = -INFINITY;
    int64_t slot = 0;
    if (j <= pos) {
      slot = key_slot(seq, j);
      s = dot_row(q_sh[warp], kc + slot * a.kv_stride, D);
    }
    float tmax = s;
    for (int o = 16; o > 0; o >>= 1) tmax = fmaxf(tmax, __shfl_xor_sync(0xffffffffu, tmax, o));
    const float m_new = fmaxf(m, tmax);  // finite: key j0 <= pos is always valid
    const float alpha = exp2f(m - m_new);
    const float p = exp2f(s - m_new);
    float psum = p;
    for (int o = 16; o > 0; o >>= 1) psum += __shfl_xor_sync(0xffffffffu, psum, o);
    l = l * alpha + psum;
    m = m_new;
#pragma unroll
    for (int r = 0; r < kMaxDim / 32; ++r) acc[r] *= alpha;
    const int n_keys = min(32, pos - j0 + 1);
    for (int t = 0; t < n_keys; ++t) {
      const float pt = __shfl_sync(0xffffffffu, p, t);
      const int64_t st = __shfl_sync(0xffffffffu, slot, t);
      const T* v = vc + st * a.kv_stride;
#pragma unroll
      for (int r = 0; r < kMaxDim / 32; ++r) {
        const int d = lane + 32 * r;
        if (d < D) acc[r] += pt * to_f32(v[d]);
      }
    }
  }
  T* out = static_cast<T*>(a.out) + int64_t(row) * a.out_stride + h * D;
  const float inv_l = 1.f / l;
#pragma unroll
  for (int r = 0; r < kMaxDim / 32; ++r) {
    const int d = lane + 32 * r;
    if (d < D) out[d] = from_f32<T>(acc[r] * inv_l);
  }
}

void check_args(const AttentionArgs& a) {
  if (a.n_heads <= 0 || a.n_kv_heads <= 0 || a.n_heads % a.n_kv_heads != 0)
    throw std::invalid_argument("cuda attention: n_heads must be a positive multiple of n_kv_heads");
  if (a.head_dim <= 0 || a.head_dim > kMaxDim || a.head_dim % 2 != 0)
    throw std::invalid_argument("cuda attention: head_dim must be even and at most 256");
}

template <int D>
void launch_wmma(const AttentionArgs& a, cudaStream_t stream) {
  const int tiles = (a.max_q_len + kBM - 1) / kBM;
  constexpr size_t bytes = WmmaLayout<D>::kBytes;
  static bool configured = false;  // per-device attribute; one device per process in practice
  if (!configured) {
    EVALRUN_CUDA_CHECK(cudaFuncSetAttribute(attention_wmma_kernel<D>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                            int(bytes)));
    configured = true;
  }
  dim3 grid(unsigned(a.n_seqs) * unsigned(tiles), unsigned(a.n_heads));
  attention_wmma_kernel<D><<<grid, kWarps * 32, bytes, stream>>>(a, tiles);
  EVALRUN_CUDA_LAUNCH_CHECK();
}

bool wmma_alignment_ok(const AttentionArgs& a) {
  auto aligned16 = [](const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; };
  return aligned16(a.q) && aligned16(a.k_cache) && aligned16(a.v_cache) && a.q_stride % 8 == 0 &&
         a.kv_stride % 8 == 0;
}

}  // namespace

template <typename T>
void attention_simt(const AttentionArgs& a, cudaStream_t stream) {
  check_args(a);
  if (a.n_seqs == 0 || a.max_q_len == 0) return;
  dim3 grid(unsigned(a.n_seqs) * unsigned(a.max_q_len), unsigned((a.n_heads + kSimtWarps - 1) / kSimtWarps));
  attention_simt_kernel<T><<<grid, kSimtWarps * 32, 0, stream>>>(a);
  EVALRUN_CUDA_LAUNCH_CHECK();
}

bool attention_wmma(const AttentionArgs& a, cudaStream_t stream) {
  check_args(a);
  if (!wmma_alignment_ok(a)) return false;
  if (a.n_seqs == 0 || a.max_q_len == 0) return true;
  if (a.head_dim == 64) return launch_wmma<64>(a, stream), true;
  if (a.head_dim == 128) return launch_wmma<128>(a, stream), true;
  return false;
}

template <>
void attention<float>(const AttentionArgs& a, cudaStream_t stream) {
  attention_simt<float>(a, stream);
}

template <>
void attention<bf16>(const AttentionArgs& a, cudaStream_t stream) {
  // Decoding (a few queries per sequence) is bandwidth-bound: the SIMT kernel wastes no tensor-core tile.
  if (a.max_q_len > 4 && attention_wmma(a, stream)) return;
  attention_simt<bf16>(a, stream);
}

template void attention_simt<float>(const AttentionArgs&, cudaStream_t);
template void attention_simt<bf16>(const AttentionArgs&, cudaStream_t);

}  // namespace evalrun::cuda
