#pragma once
// Raw CUDA kernel launchers (device pointers, one stream). The ops-interface adapter (cuda_device.cpp)
// calls these; tests call them through that adapter. Every launcher has a CPU twin in backends/cpu.
// T is the activation type: float (the fp32 option) or __nv_bfloat16 (the default on GPUs).
// Arithmetic is fp32 inside every kernel; T only fixes what is stored between ops (as HF does in bf16).
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

namespace evalrun::cuda {

using bf16 = __nv_bfloat16;

// Storage type of a buffer handed to the converters.
enum class StorageType { kF32, kBF16, kF16 };

// dst[i] = (Dst) src[i] for n elements; src may be f32, bf16 or f16 (weights arrive as any of those).
template <typename Dst>
void convert(const void* src, StorageType src_type, Dst* dst, size_t n, cudaStream_t stream);

// RMSNorm over rows of `dim` elements (in and out may alias). With residual != nullptr:
// residual[r] = x[r] + residual[r] (stored as T), out[r] = norm(residual[r]) * w. Matches HF: the sum is
// rounded to T, normalized in fp32, rounded to T, then multiplied by the weight and rounded again.
template <typename T>
void rmsnorm(const T* x, int64_t x_stride, T* residual, int64_t residual_stride, const T* weight, T* out,
             int64_t out_stride, int rows, int dim, float eps, cudaStream_t stream);

// Rotary embedding in place, HF rotate-half convention, on rows [n_tokens, n_heads * head_dim] with row
// stride `stride`; cos/sin are F32 [n_tokens, head_dim/2] (row stride cs_stride) computed by the engine.
// Like HF, cos/sin are rounded to T and every product is rounded to T.
template <typename T>
void rope(T* x, int64_t stride, int n_tokens, int n_heads, int head_dim, const float* cos, const float* sin,
          int64_t cs_stride, cudaStream_t stream);

// out[r, i] = silu(gate[r, i]) * up[r, i] (rows with their own strides).
template <typename T>
void swiglu(const T* gate, int64_t gate_stride, const T* up, int64_t up_stride, T* out, int64_t out_stride,
            int rows, int cols, cudaStream_t stream);

// dst[i, :] = src[idx[i], :] for n rows of `cols` elements (element size `elem` bytes).
void gather_rows(const void* src, int64_t src_stride, const int32_t* idx, void* dst, int64_t dst_stride, int n,
                 int cols, int elem, cudaStream_t stream);

// y[r, :] = bias[:] for rows of y (used before a GEMM with beta = 1 so the bias is added in fp32 like
// torch.addmm). Y and B are float or bf16.
template <typename Y, typename B>
void broadcast_rows(Y* y, int64_t stride, const B* bias, int rows, int cols, cudaStream_t stream);

// Writes K and V rows of n tokens ([t, n_kv_heads * head_dim], token strides k_stride / v_stride) into
// the cache at rows slots[t]; cache layout [slot, n_kv_heads * head_dim].
template <typename T>
void store_kv(const T* k, int64_t k_stride, const T* v, int64_t v_stride, int n, int kv_width,
              const int32_t* slots, T* k_cache, T* v_cache, cudaStream_t stream);

// Causal grouped-query attention over packed variable-length sequences with a cached prefix.
// `seqs` is a device array [n_seqs, 6] in engine::AttnSeq order (q_start, q_len, prefix_slot, prefix_len,
// own_slot, own_len): query i of a sequence sits at key position p = prefix_len + own_len - q_len + i and
// attends keys j <= p (p - j < window when window > 0); key j lives in cache row prefix_slot + j when
// j < prefix_len, else own_slot + (j - prefix_len). Heads: q head h reads kv head h / (n_heads/n_kv_heads).
struct AttentionArgs {
  const void* q = nullptr;
  int64_t q_stride = 0;           // elements between query rows
  const void* k_cache = nullptr;  // [slots, n_kv_heads * head_dim]
  const void* v_cache = nullptr;
  int64_t kv_stride = 0;          // elements between cache rows
  void* out = nullptr;            // [rows, n_heads * head_dim]
  int64_t out_stride = 0;
  const int32_t* seqs = nullptr;  // device, [n_seqs, 6]
  int n_seqs = 0;
  int max_q_len = 0;
  int n_heads = 0;
  int n_kv_heads = 0;
  int head_dim = 0;
  float scale = 0.f;  // softmax scale, usually 1/sqrt(head_dim)
  int window = 0;     // sliding window (0 = none)
};
// Picks the tensor-core (wmma) flash kernel for bf16 with head_dim 64/128 and long query runs, the SIMT
// kernel otherwise (fp32, other head sizes, decoding).
template <typename T>
void attention(const AttentionArgs& args, cudaStream_t stream);
// The SIMT kernel alone (fp32 math throughout; tests compare both paths).
template <typename T>
void attention_simt(const AttentionArgs& args, cudaStream_t stream);
// The wmma kernel alone (bf16 only; head_dim 64 or 128). Returns false when the shape is unsupported.
bool attention_wmma(const AttentionArgs& args, cudaStream_t stream);

// For each row r of fp32 logits [rows, vocab] (row stride ld): logprob[r] = logits[r, targets[r]] -
// logsumexp(logits[r, :]) and argmax[r] (first index of the maximum). targets[r] < 0 → logprob 0.
void logprob_gather(const float* logits, int64_t ld, int rows, int vocab, const int32_t* targets, float* logprob,
                    int32_t* argmax, cudaStream_t stream);

}  // namespace evalrun::cuda
