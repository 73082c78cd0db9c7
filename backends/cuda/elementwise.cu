// Element-wise and row-wise kernels: conversion, RMSNorm, rotary, SwiGLU, row gather/broadcast, KV store,
// and the fused log-softmax + gather + argmax over vocabulary rows.
#include <cuda_fp16.h>

#include <cmath>

#include "backends/cuda/cuda_check.h"
#include "backends/cuda/kernels.h"
#include "backends/cuda/type_util.cuh"

namespace evalrun::cuda {
namespace {

constexpr int kThreads = 256;

unsigned grid_for(size_t n) {
  const size_t blocks = (n + kThreads - 1) / kThreads;
  return static_cast<unsigned>(blocks < 65535 * 8 ? (blocks ? blocks : 1) : 65535 * 8);
}

template <typename Src, typename Dst>
__global__ void convert_kernel(const Src* __restrict__ src, Dst* __restrict__ dst, size_t n) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x)
    dst[i] = from_f32<Dst>(to_f32(src[i]));
}

// Block-wide sum with a fixed reduction order (deterministic, independent of the batch).
__device__ __forceinline__ float block_sum(float v, float* shared) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  const int n_warps = (blockDim.x + 31) / 32;
  v = lane < n_warps ? shared[lane] : 0.f;
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  __syncthreads();  // `shared` may be reused by the caller
  return v;
}

// One block per row.
template <typename T>
__global__ void rmsnorm_kernel(const T* x, int64_t x_stride, T* residual, int64_t r_stride,
                               const T* __restrict__ weight, T* out, int64_t out_stride, int dim, float eps) {
  __shared__ float partial[32];
  const int64_t r = blockIdx.x;
  const T* xr = x + r * x_stride;
  T* rr = residual ? residual + r * r_stride : nullptr;
  float ss = 0.f;
  for (int i = threadIdx.x; i < dim; i += blockDim.x) {
    float v = to_f32(xr[i]);
    if (rr) {
      v = round_to<T>(v + to_f32(rr[i]));
      rr[i] = from_f32<T>(v);
    }
    ss += v * v;
  }
  const float inv = rsqrtf(block_sum(ss, partial) / float(dim) + eps);
  const T* src = rr ? rr : xr;
  T* o = out + r * out_stride;
  for (int i = threadIdx.x; i < dim; i += blockDim.x)
    o[i] = from_f32<T>(to_f32(weight[i]) * round_to<T>(to_f32(src[i]) * inv));
}

// One thread per (token, head, i < head_dim/2): rotates the pair (i, i + half).
template <typename T>
__global__ void rope_kernel(T* x, int64_t stride, int n_tokens, int n_heads, int half, const float* cos_t,
                            const float* sin_t, int64_t cs_stride) {
  const int64_t idx = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (idx >= int64_t(n_tokens) * n_heads * half) return;
  const int i = int(idx % half);
  const int h = int((idx / half) % n_heads);
  const int64_t t = idx / (int64_t(half) * n_heads);
  const float c = round_to<T>(cos_t[t * cs_stride + i]);
  const float s = round_to<T>(sin_t[t * cs_stride + i]);
  T* row = x + t * stride + int64_t(h) * 2 * half;
  const float a = to_f32(row[i]), b = to_f32(row[i + half]);
  // HF: q * cos + rotate_half(q) * sin, each product rounded to the activation type.
  row[i] = from_f32<T>(round_to<T>(a * c) + round_to<T>(-b * s));
  row[i + half] = from_f32<T>(round_to<T>(b * c) + round_to<T>(a * s));
}

template <typename T>
__global__ void swiglu_kernel(const T* gate, int64_t gs, const T* up, int64_t us, T* out, int64_t os, int rows,
                              int cols) {
  const int64_t idx = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (idx >= int64_t(rows) * cols) return;
  const int64_t r = idx / cols;
  const int c = int(idx % cols);
  const float g = to_f32(gate[r * gs + c]);
  const float silu = round_to<T>(g / (1.f + expf(-g)));
  out[r * os + c] = from_f32<T>(silu * to_f32(up[r * us + c]));
}

// One block per output row; copies bytes in 4-byte words when aligned, else 2-byte halves.
template <typename W>
__global__ void gather_rows_kernel(const char* src, int64_t src_pitch, const int32_t* idx, char* dst,
                                   int64_t dst_pitch, int words) {
  const W* s = reinterpret_cast<const W*>(src + int64_t(idx[blockIdx.x]) * src_pitch);
  W* d = reinterpret_cast<W*>(dst + int64_t(blockIdx.x) * dst_pitch);
  for (int i = threadIdx.x; i < words; i += blockDim.x) d[i] = s[i];
}

template <typename Y, typename B>
__global__ void broadcast_rows_kernel(Y* y, int64_t stride, const B* bias, int rows, int cols) {
  const int64_t idx = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (idx >= int64_t(rows) * cols) return;
  const int64_t r = idx / cols;
  const int c = int(idx % cols);
  y[r * stride + c] = from_f32<Y>(to_f32(bias[c]));
}

template <typename T>
__global__ void store_kv_kernel(const T* k, int64_t ks, const T* v, int64_t vs, int width, const int32_t* slots,
                                T* k_cache, T* v_cache) {
  const int64_t t = blockIdx.x;
  const int64_t slot = slots[t];
  for (int i = threadIdx.x; i < width; i += blockDim.x) {
    k_cache[slot * width + i] = k[t * ks + i];
    v_cache[slot * width + i] = v[t * vs + i];
  }
}

__device__ __forceinline__ void argmax_merge(float& best, int& best_i, float ov, int oi) {
  if (ov > best || (ov == best && oi < best_i)) best = ov, best_i = oi;
}

// One block per row: max/argmax in one pass, sum of exp in a second (the row is hot in L2 by then).
__global__ void logprob_gather_kernel(const float* logits, int64_t ld, int vocab, const int32_t* targets,
                                      float* logprob, int32_t* argmax) {
  __shared__ float s_val[32];
  __shared__ int s_idx[32];
  __shared__ float partial[32];
  const float* row = logits + blockIdx.x * ld;
  float best = -INFINITY;
  int best_i = 0x7fffffff;
  for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
    const float v = row[i];
    if (v > best) best = v, best_i = i;  // i increases per thread: the first maximum is kept
  }
  for (int o = 16; o > 0; o >>= 1)
    argmax_merge(best, best_i, __shfl_xor_sync(0xffffffffu, best, o), __shfl_xor_sync(0xffffffffu, best_i, o));
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, n_warps = (blockDim.x + 31) / 32;
  if (lane == 0) s_val[warp] = best, s_idx[warp] = best_i;
  __syncthreads();
  best = lane < n_warps ? s_val[lane] : -INFINITY;
  best_i = lane < n_warps ? s_idx[lane] : 0x7fffffff;
  for (int o = 16; o > 0; o >>= 1)
    argmax_merge(best, best_i, __shfl_xor_sync(0xffffffffu, best, o), __shfl_xor_sync(0xffffffffu, best_i, o));
  float sum = 0.f;
  for (int i = threadIdx.x; i < vocab; i += blockDim.x) sum += expf(row[i] - best);
  sum = block_sum(sum, partial);
  if (threadIdx.x == 0) {
    const int target = targets[blockIdx.x];
    logprob[blockIdx.x] = target >= 0 && target < vocab ? (row[target] - best) - logf(sum) : 0.f;
    argmax[blockIdx.x] = best_i;
  }
}

}  // namespace

template <typename Dst>
void convert(const void* src, StorageType src_type, Dst* dst, size_t n, cudaStream_t stream) {
  if (n == 0) return;
  switch (src_type) {
    case StorageType::kF32:
      convert_kernel<<<grid_for(n), kThreads, 0, stream>>>(static_cast<const float*>(src), dst, n);
      break;
    case StorageType::kBF16:
      convert_kernel<<<grid_for(n), kThreads, 0, stream>>>(static_cast<const bf16*>(src), dst, n);
      break;
    case StorageType::kF16:
      convert_kernel<<<grid_for(n), kThreads, 0, stream>>>(static_cast<const __half*>(src), dst, n);
      break;
  }
  EVALRUN_CUDA_LAUNCH_CHECK();
}

template <typename T>
void rmsnorm(const T* x, int64_t x_stride, T* residual, int64_t residual_stride, const T* weight, T* out,
             int64_t out_stride, int rows, int dim, float eps, cudaStream_t stream) {
  if (rows == 0) return;
  const int threads = dim >= 2048 ? 512 : (dim >= 512 ? 256 : (dim >= 128 ? 128 : 32));
  rmsnorm_kernel<<<rows, threads, 0, stream>>>(x, x_stride, residual, residual_stride, weight, out, out_stride,
                                               dim, eps);
  EVALRUN_CUDA_LAUNCH_CHECK();
}

template <typename T>
void rope(T* x, int64_t stride, int n_tokens, int n_heads, int head_dim, const float* cos, const float* sin,
          int64_t cs_stride, cudaStream_t stream) {
  const size_t total = size_t(n_tokens) * n_heads * (head_dim / 2);
  if (total == 0) return;
  rope_kernel<<<ceil_div(total, kThreads), kThreads, 0, stream>>>(x, stride, n_tokens, n_heads, head_dim / 2, cos,
                                                                   sin, cs_stride);
  EVALRUN_CUDA_LAUNCH_CHECK();
}

template <typename T>
void swiglu(const T* gate, int64_t gate_stride, const T* up, int64_t up_stride, T* out, int64_t out_stride,
            int rows, int cols, cudaStream_t stream) {
  const size_t total = size_t(rows) * cols;
  if (total == 0) return;
  swiglu_kernel<<<ceil_div(total, kThreads), kThreads, 0, stream>>>(gate, gate_stride, up, up_stride, out,
                                                                     out_stride, rows, cols);
  EVALRUN_CUDA_LAUNCH_CHECK();
}

void gather_rows(const void* src, int64_t src_stride, const int32_t* idx, void* dst, int64_t dst_stride, int n,
                 int cols, int elem, cudaStream_t stream) {
  if (n == 0 || cols == 0) return;
  const int64_t row_bytes = int64_t(cols) * elem, sp = src_stride * elem, dp = dst_stride * elem;
  const auto* s = static_cast<const char*>(src);
  auto* d = static_cast<char*>(dst);
  const bool aligned4 = row_bytes % 4 == 0 && sp % 4 == 0 && dp % 4 == 0 &&
                        reinterpret_cast<uintptr_t>(src) % 4 == 0 && reinterpret_cast<uintptr_t>(dst) % 4 == 0;
  if (aligned4)
    gather_rows_kernel<uint32_t><<<n, kThreads, 0, stream>>>(s, sp, idx, d, dp, int(row_bytes / 4));
  else
    gather_rows_kernel<uint16_t><<<n, kThreads, 0, stream>>>(s, sp, idx, d, dp, int(row_bytes / 2));
  EVALRUN_CUDA_LAUNCH_CHECK();
}

template <typename Y, typename B>
void broadcast_rows(Y* y, int64_t stride, const B* bias, int rows, int cols, cudaStream_t stream) {
  const size_t total = size_t(rows) * cols;
  if (total == 0) return;
  broadcast_rows_kernel<<<ceil_div(total, kThreads), kThreads, 0, stream>>>(y, stride, bias, rows, cols);
  EVALRUN_CUDA_LAUNCH_CHECK();
}

template <typename T>
void store_kv(const T* k, int64_t k_stride, const T* v, int64_t v_stride, int n, int kv_width, const int32_t* slots,
              T* k_cache, T* v_cache, cudaStream_t stream) {
  if (n == 0) return;
  store_kv_kernel<<<n, 128, 0, stream>>>(k, k_stride, v, v_stride, kv_width, slots, k_cache, v_cache);
  EVALRUN_CUDA_LAUNCH_CHECK();
}

void logprob_gather(const float* logits, int64_t ld, int rows, int vocab, const int32_t* targets, float* logprob,
                    int32_t* argmax, cudaStream_t stream) {
  if (rows == 0) return;
  logprob_gather_kernel<<<rows, 1024, 0, stream>>>(logits, ld, vocab, targets, logprob, argmax);
  EVALRUN_CUDA_LAUNCH_CHECK();
}

#define EVALRUN_INSTANTIATE(T)                                                                                    \
  template void convert<T>(const void*, StorageType, T*, size_t, cudaStream_t);                                  \
  template void rmsnorm<T>(const T*, int64_t, T*, int64_t, const T*, T*, int64_t, int, int, float, cudaStream_t); \
  template void rope<T>(T*, int64_t, int, int, int, const float*, const float*, int64_t, cudaStream_t);           \
  template void swiglu<T>(const T*, int64_t, const T*, int64_t, T*, int64_t, int, int, cudaStream_t);             \
  template void broadcast_rows<T, float>(T*, int64_t, const float*, int, int, cudaStream_t);                      \
  template void broadcast_rows<T, bf16>(T*, int64_t, const bf16*, int, int, cudaStream_t);                        \
  template void store_kv<T>(const T*, int64_t, const T*, int64_t, int, int, const int32_t*, T*, T*, cudaStream_t);
EVALRUN_INSTANTIATE(float)
EVALRUN_INSTANTIATE(bf16)
#undef EVALRUN_INSTANTIATE

}  // namespace evalrun::cuda
