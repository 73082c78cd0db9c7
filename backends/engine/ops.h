#pragma once
// The device dispatch interface: everything the device-independent forward pass (backends/engine) needs
// from a device. backends/cpu implements it with OpenBLAS, backends/cuda with CUDA kernels; the engine
// owns model structure, batching, KV-cache slot management, tokenization and sampling, never kernels.
//
// Layouts and invariants (every implementation must honour them):
//  - A Tensor is a non-owning 2-D row-major view [rows, cols] of device memory; row stride `ld` elements
//    (ld == cols for a contiguous tensor). Ops require contiguous tensors unless stated otherwise.
//  - Weights use the Hugging Face layout: a Linear weight is [out_features, in_features] and the op
//    computes y = x · Wᵀ (+ bias). Embedding tables are [vocab, hidden]. Weights may be stored in
//    F32/BF16/F16 (whatever upload_weight returned); activations and the KV cache are in the dtypes the
//    device reports (CPU: F32 everywhere). Logits passed to logprobs() are always F32.
//  - Packed batches: the tokens of all sequences of one forward are concatenated into n rows. Per-row
//    device metadata (token ids, cache slots, rope cos/sin) is uploaded by the engine before the ops run.
//  - Heads: q is [n, n_heads*head_dim], head h in columns [h*head_dim, (h+1)*head_dim); k/v and the
//    cache rows are [*, n_kv_heads*head_dim]; query head h reads kv head h / (n_heads / n_kv_heads)
//    (HF repeat_kv / repeat_interleave semantics).
//  - Rotary: HF "rotate_half" convention on each head's first and second halves:
//      out[j] = x[j]*cos[j] - x[j+d/2]*sin[j],  out[j+d/2] = x[j+d/2]*cos[j] + x[j]*sin[j],  j < d/2.
//    cos/sin are per row [n, head_dim/2] F32, computed by the engine (rope theta, llama3/linear scaling
//    and any attention scaling factor already folded in), so devices never see rope configuration.
//  - KV cache: one K and one V tensor per layer, [n_slots, n_kv_heads*head_dim] in cache_dtype().
//    A sequence's keys live in at most two contiguous slot ranges: a shared, already cached prefix
//    (absolute positions 0..prefix_len-1) and its own range (positions prefix_len..). See AttnSeq.
//  - Ops are issued in order on one stream; they may run asynchronously. upload() copies before it
//    returns (the host buffer may be reused at once); download()/logprobs() wait for completion.
//  - Determinism: each op's result for a row must not depend on the number of rows in the batch, the
//    row's position in it, or the thread count (fixed reduction orders; no atomics-based reductions).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace evalrun::engine {

enum class DType : uint8_t { kF32, kBF16, kF16, kI32 };

constexpr size_t dtype_size(DType t) { return t == DType::kBF16 || t == DType::kF16 ? 2 : 4; }
const char* dtype_name(DType t);

struct Tensor {
  void* data = nullptr;  // device pointer (host pointer on the CPU device)
  DType dtype = DType::kF32;
  int64_t rows = 0;
  int64_t cols = 0;
  int64_t ld = 0;  // row stride in elements; 0 is normalised to cols by the helpers below

  int64_t stride() const { return ld ? ld : cols; }
  bool contiguous() const { return ld == 0 || ld == cols; }
  size_t bytes() const { return static_cast<size_t>(rows) * static_cast<size_t>(cols) * dtype_size(dtype); }
  // Rows [start, start+count) of this tensor (keeps the stride).
  Tensor row_range(int64_t start, int64_t count) const {
    Tensor t = *this;
    t.data = static_cast<char*>(data) + static_cast<size_t>(start * stride()) * dtype_size(dtype);
    t.rows = count;
    return t;
  }
  // The same contiguous memory seen as [rows, cols] (rows*cols must be unchanged).
  Tensor reshaped(int64_t new_rows, int64_t new_cols) const {
    Tensor t = *this;
    t.rows = new_rows;
    t.cols = new_cols;
    t.ld = 0;
    return t;
  }
};

// A host-resident tensor (e.g. a region of a memory-mapped safetensors file).
struct HostTensor {
  const void* data = nullptr;
  DType dtype = DType::kF32;
  int64_t rows = 0;  // 1-D tensors (norm weights, biases) are [1, n]
  int64_t cols = 0;
};

// Owns one device allocation (freed on destruction); `tensor` views all of it.
class Buffer {
 public:
  virtual ~Buffer() = default;
  Tensor tensor;
};
using BufferPtr = std::unique_ptr<Buffer>;

// One sequence of a packed attention batch (all fields are counts/indices, never bytes).
// Query i (0 <= i < q_len) sits in packed row q_start + i and has absolute position
//   p = prefix_len + own_len - q_len + i
// It attends to every key position j <= p (and p - j < window when window > 0), where key position j
// is cache slot prefix_slot + j when j < prefix_len, else own_slot + (j - prefix_len).
// The engine writes this batch's keys/values (kv_write) before calling attention().
struct AttnSeq {
  int32_t q_start = 0;      // first packed row of this sequence's queries
  int32_t q_len = 0;        // query rows in this batch (>= 1)
  int32_t prefix_slot = 0;  // first cache slot of the shared cached prefix (unused when prefix_len == 0)
  int32_t prefix_len = 0;   // cached prefix tokens (a context shared by several continuations)
  int32_t own_slot = 0;     // first cache slot of this sequence's own tokens
  int32_t own_len = 0;      // own tokens in the cache including this batch's q_len
};
static_assert(sizeof(AttnSeq) == 6 * sizeof(int32_t), "AttnSeq is uploaded as a flat int32 array");

struct AttentionParams {
  int n_heads = 0;
  int n_kv_heads = 0;
  int head_dim = 0;
  float scale = 0.f;     // softmax scale, normally 1/sqrt(head_dim)
  int window = 0;        // sliding window in tokens (0 = full causal attention)
  int max_q_len = 0;     // max over seqs of q_len (launch sizing)
  int max_kv_len = 0;    // max over seqs of prefix_len + own_len
};

class Device {
 public:
  virtual ~Device() = default;

  virtual std::string name() const = 0;  // e.g. "cpu (2 threads)", "cuda:0 NVIDIA H100"
  virtual DType activation_dtype() const = 0;  // hidden states, q/k/v, MLP intermediates
  virtual DType cache_dtype() const = 0;       // KV cache
  // Bytes the engine may use for KV cache + activations (nullopt: no fixed limit, e.g. host RAM).
  virtual std::optional<size_t> memory_budget() const { return std::nullopt; }

  // ---- memory -------------------------------------------------------------------------------
  // Uninitialised [rows, cols] tensor. Throws UserError with the size needed when memory runs out.
  virtual BufferPtr alloc(DType dtype, int64_t rows, int64_t cols) = 0;
  // A weight for matmul/embedding/rmsnorm. The device may keep pointing at `src` (the CPU does: zero
  // copy of the mmap; the engine keeps the mapping alive longer than the device) or convert it.
  virtual BufferPtr upload_weight(const HostTensor& src) = 0;
  // Host → device, host bytes laid out as dst (dtype, rows*cols, contiguous).
  virtual void upload(const void* host, const Tensor& dst) = 0;
  // Device → host (contiguous host copy of src in src.dtype); waits for pending ops.
  virtual void download(const Tensor& src, void* host) = 0;
  virtual void synchronize() {}

  // ---- ops (shapes in comments; n = packed rows) ------------------------------------------------
  // out[i] = table[ids[i]]  ids: I32 [n,1], table [vocab, hidden], out [n, hidden] activation dtype.
  virtual void embedding(const Tensor& table, const Tensor& ids, const Tensor& out) = 0;
  // y = x · wᵀ (+ bias)  x [n,k], w [m,k] (any weight dtype), bias [1,m] or nullptr, y [n,m]
  // (y's dtype: activation dtype or F32 — the engine uses F32 for logits).
  virtual void matmul(const Tensor& x, const Tensor& w, const Tensor* bias, const Tensor& y) = 0;
  // y = x / sqrt(mean(x²) + eps) * w   per row; x,y [r,d], w [1,d]. y may alias x. Used per head for
  // Qwen3 q/k norm via reshaped() views ([n*heads, head_dim]).
  virtual void rmsnorm(const Tensor& x, const Tensor& w, float eps, const Tensor& y) = 0;
  // residual += delta; y = rmsnorm(residual) * w   (the residual stream update + next norm, fused).
  virtual void add_rmsnorm(const Tensor& residual, const Tensor& delta, const Tensor& w, float eps,
                           const Tensor& y) = 0;
  // In-place rotary embedding of x [n, heads*head_dim] with cos/sin F32 [n, head_dim/2].
  virtual void rope(const Tensor& x, int heads, int head_dim, const Tensor& cos, const Tensor& sin) = 0;
  // cache_k[slots[i]] = k[i], cache_v[slots[i]] = v[i]   slots: I32 [n,1], k/v [n, kv_heads*head_dim].
  virtual void kv_write(const Tensor& cache_k, const Tensor& cache_v, const Tensor& k, const Tensor& v,
                        const Tensor& slots) = 0;
  // Causal GQA attention of q [n, heads*head_dim] over the cache for the sequences in `seqs`
  // (device I32 [n_seqs, 6] holding AttnSeq; `host_seqs` is the same data on the host). out like q.
  // Rows of q not covered by any sequence are left untouched.
  virtual void attention(const Tensor& q, const Tensor& cache_k, const Tensor& cache_v, const Tensor& seqs,
                         std::span<const AttnSeq> host_seqs, const AttentionParams& params,
                         const Tensor& out) = 0;
  // out = silu(gate) * up, elementwise; out may alias gate.
  virtual void swiglu(const Tensor& gate, const Tensor& up, const Tensor& out) = 0;
  // dst[i] = src[idx[i]]   idx: I32 [r,1], src [n,c], dst [r,c] (same dtype).
  virtual void gather_rows(const Tensor& src, const Tensor& idx, const Tensor& dst) = 0;
  // For each row r of logits (F32 [r, vocab]): logprob[r] = log_softmax(logits[r])[targets[r]] and
  // argmax[r] = the first index of the maximum logit. targets: I32 [r,1]; results land in host arrays
  // (waits for completion). Targets < 0 give logprob 0 (argmax still computed).
  virtual void logprobs(const Tensor& logits, const Tensor& targets, float* host_logprob,
                        int32_t* host_argmax) = 0;
};

// Implemented in backends/cpu (threads = 0: all cores). f32_weights: convert BF16/F16 weights to F32 at
// load (2x memory, faster small-batch decoding) instead of converting tiles on the fly; results are
// identical either way (the conversion is exact).
std::unique_ptr<Device> make_cpu_device(int threads);
std::unique_ptr<Device> make_cpu_device(int threads, bool f32_weights);
// Implemented in backends/cuda; only linked when built with EVALRUN_HAVE_CUDA.
std::unique_ptr<Device> make_cuda_device(int ordinal);
bool cuda_device_available();

}  // namespace evalrun::engine
