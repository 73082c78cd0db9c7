// engine::Device on CUDA: memory, transfers and the ops of backends/engine/ops.h, each mapped onto a
// kernel in kernels.h or a cuBLAS GEMM.
#include "backends/cuda/cuda_device.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "backends/cuda/cuda_check.h"
#include "backends/cuda/cuda_context.h"
#include "backends/cuda/kernels.h"
#include "common/errors.h"

namespace evalrun::cuda {
namespace {

using engine::DType;
using engine::Tensor;

const char* type_name(DType t) {
  switch (t) {
    case DType::kF32: return "F32";
    case DType::kBF16: return "BF16";
    case DType::kF16: return "F16";
    case DType::kI32: return "I32";
  }
  return "?";
}

[[noreturn]] void bad(const std::string& op, const std::string& what) {
  throw std::invalid_argument("cuda " + op + ": " + what);
}

void expect(bool ok, const char* op, const std::string& what) {
  if (!ok) bad(op, what);
}

std::string shape(const Tensor& t) {
  return std::string(type_name(t.dtype)) + "[" + std::to_string(t.rows) + "," + std::to_string(t.cols) + "]";
}

StorageType storage(DType t) {
  switch (t) {
    case DType::kF32: return StorageType::kF32;
    case DType::kBF16: return StorageType::kBF16;
    case DType::kF16: return StorageType::kF16;
    default: bad("upload_weight", "weights must be F32, BF16 or F16");
  }
}

cudaDataType_t cuda_type(DType t) {
  switch (t) {
    case DType::kF32: return CUDA_R_32F;
    case DType::kBF16: return CUDA_R_16BF;
    case DType::kF16: return CUDA_R_16F;
    default: bad("matmul", "I32 operand");
  }
}

class CudaBuffer : public engine::Buffer {
 public:
  CudaBuffer(std::shared_ptr<Context> ctx, size_t bytes, bool weight) : ctx_(std::move(ctx)), bytes_(bytes),
                                                                         weight_(weight) {}
  ~CudaBuffer() override { ctx_->release(tensor.data, bytes_, weight_); }

 private:
  std::shared_ptr<Context> ctx_;
  size_t bytes_;
  bool weight_;
};

class CudaDevice final : public engine::Device {
 public:
  CudaDevice(int ordinal, DType act) : ctx_(std::make_shared<Context>(ordinal)), act_(act) {}
  ~CudaDevice() override { cudaStreamSynchronize(ctx_->stream); }

  const Context& context() const { return *ctx_; }

  std::string name() const override {
    return "cuda:" + std::to_string(ctx_->ordinal) + " " + ctx_->prop.name + " (sm_" +
           std::to_string(ctx_->prop.major * 10 + ctx_->prop.minor) + ", " +
           (act_ == DType::kBF16 ? "bf16" : "f32") + ")";
  }
  DType activation_dtype() const override { return act_; }
  DType cache_dtype() const override { return act_; }

  std::optional<size_t> memory_budget() const override {
    size_t free_b = 0, total_b = 0;
    EVALRUN_CUDA_CHECK(cudaMemGetInfo(&free_b, &total_b));
    // Memory freed into the stream-ordered pool is reusable but not "free" for the driver.
    cudaMemPool_t pool;
    uint64_t reserved = 0, used = 0;
    EVALRUN_CUDA_CHECK(cudaDeviceGetDefaultMemPool(&pool, ctx_->ordinal));
    EVALRUN_CUDA_CHECK(cudaMemPoolGetAttribute(pool, cudaMemPoolAttrReservedMemCurrent, &reserved));
    EVALRUN_CUDA_CHECK(cudaMemPoolGetAttribute(pool, cudaMemPoolAttrUsedMemCurrent, &used));
    const size_t available = free_b + size_t(reserved - used);
    const size_t reserve = std::max<size_t>(size_t(512) << 20, total_b / 32);  // fragmentation, CUDA context
    return available > reserve ? available - reserve : 0;
  }

  engine::BufferPtr alloc(DType dtype, int64_t rows, int64_t cols) override {
    expect(rows >= 0 && cols >= 0, "alloc", "negative shape");
    const size_t bytes = size_t(rows) * size_t(cols) * engine::dtype_size(dtype);
    auto buf = std::make_unique<CudaBuffer>(ctx_, bytes, false);
    buf->tensor = Tensor{ctx_->allocate(bytes, "a " + std::string(type_name(dtype)) + " [" + std::to_string(rows) +
                                                   ", " + std::to_string(cols) + "] tensor"),
                         dtype, rows, cols, cols};
    ctx_->buffer_bytes += bytes;
    return buf;
  }

  // Weights become the activation dtype on the device (bf16 or f32): the raw bytes are streamed
  // through the pinned ring in chunks and converted on the GPU when the stored dtype differs.
  engine::BufferPtr upload_weight(const engine::HostTensor& src) override {
    const DType dst_type = src.dtype == DType::kI32 ? DType::kI32 : act_;
    const size_t n = size_t(src.rows) * size_t(src.cols);
    const size_t bytes = n * engine::dtype_size(dst_type);
    auto buf = std::make_unique<CudaBuffer>(ctx_, bytes, true);
    buf->tensor = Tensor{ctx_->allocate(bytes, "a weight [" + std::to_string(src.rows) + ", " +
                                                   std::to_string(src.cols) + "]"),
                         dst_type, src.rows, src.cols, src.cols};
    ctx_->weight_bytes += bytes;
    const size_t src_elem = engine::dtype_size(src.dtype);
    const size_t chunk = (ctx_->ring->capacity() / 4) / 16 * 16;  // elements-aligned, 4 chunks in flight
    const auto* host = static_cast<const char*>(src.data);
    if (src.dtype == dst_type) {
      for (size_t off = 0; off < n * src_elem; off += chunk)
        ctx_->ring->copy_to_device(host + off, static_cast<char*>(buf->tensor.data) + off,
                                   std::min(chunk, n * src_elem - off));
      return buf;
    }
    const size_t chunk_elems = chunk / src_elem;
    void* raw = ctx_->scratch(chunk_elems * src_elem);
    for (size_t e = 0; e < n; e += chunk_elems) {
      const size_t count = std::min(chunk_elems, n - e);
      ctx_->ring->copy_to_device(host + e * src_elem, raw, count * src_elem);
      if (act_ == DType::kBF16)
        convert(raw, storage(src.dtype), static_cast<bf16*>(buf->tensor.data) + e, count, ctx_->stream);
      else
        convert(raw, storage(src.dtype), static_cast<float*>(buf->tensor.data) + e, count, ctx_->stream);
    }
    return buf;
  }

  void upload(const void* host, const Tensor& dst) override {
    const size_t elem = engine::dtype_size(dst.dtype), row_bytes = size_t(dst.cols) * elem;
    const size_t rows_per_chunk = std::max<size_t>(1, ctx_->ring->capacity() / 2 / std::max<size_t>(row_bytes, 1));
    expect(row_bytes <= ctx_->ring->capacity() / 2, "upload", "row too large");
    const auto* h = static_cast<const char*>(host);
    for (int64_t r = 0; r < dst.rows; r += int64_t(rows_per_chunk)) {
      const size_t rows = std::min<size_t>(rows_per_chunk, size_t(dst.rows - r));
      ctx_->ring->copy_to_device_2d(h + size_t(r) * row_bytes,
                                    static_cast<char*>(dst.data) + size_t(r) * size_t(dst.stride()) * elem,
                                    size_t(dst.stride()) * elem, row_bytes, rows);
    }
  }

  void download(const Tensor& src, void* host) override {
    const size_t elem = engine::dtype_size(src.dtype), row_bytes = size_t(src.cols) * elem;
    if (src.rows > 0 && row_bytes > 0)
      EVALRUN_CUDA_CHECK(cudaMemcpy2DAsync(host, row_bytes, src.data, size_t(src.stride()) * elem, row_bytes,
                                           size_t(src.rows), cudaMemcpyDeviceToHost, ctx_->stream));
    synchronize();
  }

  void synchronize() override { EVALRUN_CUDA_CHECK(cudaStreamSynchronize(ctx_->stream)); }

  void embedding(const Tensor& table, const Tensor& ids, const Tensor& out) override {
    expect(ids.dtype == DType::kI32 && out.rows == ids.rows && out.cols == table.cols && out.dtype == table.dtype,
           "embedding", shape(table) + " " + shape(ids) + " -> " + shape(out));
    cuda::gather_rows(table.data, table.stride(), static_cast<const int32_t*>(ids.data), out.data, out.stride(),
                int(ids.rows), int(table.cols), int(engine::dtype_size(table.dtype)), ctx_->stream);
  }

  void gather_rows(const Tensor& src, const Tensor& idx, const Tensor& dst) override {
    expect(idx.dtype == DType::kI32 && dst.rows == idx.rows && dst.cols == src.cols && dst.dtype == src.dtype,
           "gather_rows", shape(src) + " " + shape(idx) + " -> " + shape(dst));
    cuda::gather_rows(src.data, src.stride(), static_cast<const int32_t*>(idx.data), dst.data, dst.stride(),
                      int(idx.rows), int(src.cols), int(engine::dtype_size(src.dtype)), ctx_->stream);
  }

  void matmul(const Tensor& x, const Tensor& w, const Tensor* bias, const Tensor& y) override {
    const int64_t m = x.rows, k = x.cols, n = w.rows;
    expect(w.cols == k && y.rows == m && y.cols == n, "matmul", shape(x) + " · " + shape(w) + "ᵀ -> " + shape(y));
    expect(x.dtype == w.dtype && (x.dtype == DType::kBF16 || x.dtype == DType::kF32) &&
               (y.dtype == x.dtype || y.dtype == DType::kF32),
           "matmul", "unsupported dtypes " + shape(x) + " · " + shape(w) + " -> " + shape(y) +
                         " (weights from upload_weight are in the activation dtype)");
    if (m == 0 || n == 0) return;
    float beta = 0.f;
    if (bias) {
      expect(bias->cols == n && (bias->dtype == DType::kBF16 || bias->dtype == DType::kF32), "matmul",
             "bias " + shape(*bias));
      broadcast_bias(y, *bias);
      beta = 1.f;  // the bias joins the fp32 accumulator and is rounded once, as torch.addmm does
    }
    const float alpha = 1.f;
    // Row-major y[m,n] = x[m,k]·w[n,k]ᵀ is column-major yᵀ[n,m] = (wᵀ)ᵀ[n,k]·xᵀ[k,m].
    EVALRUN_CUBLAS_CHECK(cublasGemmEx(ctx_->cublas, CUBLAS_OP_T, CUBLAS_OP_N, int(n), int(m), int(k), &alpha, w.data,
                                      cuda_type(w.dtype), int(w.stride()), x.data, cuda_type(x.dtype),
                                      int(x.stride()), &beta, y.data, cuda_type(y.dtype), int(y.stride()),
                                      CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
  }

  void rmsnorm(const Tensor& x, const Tensor& w, float eps, const Tensor& y) override {
    expect(w.cols == x.cols && y.rows == x.rows && y.cols == x.cols && same_act(x, w, y), "rmsnorm",
           shape(x) + " w " + shape(w) + " -> " + shape(y));
    if (act_ == DType::kBF16)
      cuda::rmsnorm<bf16>(ptr<bf16>(x), x.stride(), nullptr, 0, ptr<bf16>(w), ptr<bf16>(y), y.stride(), int(x.rows),
                          int(x.cols), eps, ctx_->stream);
    else
      cuda::rmsnorm<float>(ptr<float>(x), x.stride(), nullptr, 0, ptr<float>(w), ptr<float>(y), y.stride(),
                           int(x.rows), int(x.cols), eps, ctx_->stream);
  }

  void add_rmsnorm(const Tensor& residual, const Tensor& delta, const Tensor& w, float eps,
                   const Tensor& y) override {
    expect(delta.rows == residual.rows && delta.cols == residual.cols && w.cols == residual.cols &&
               y.rows == residual.rows && y.cols == residual.cols && same_act(residual, delta, y) &&
               w.dtype == act_,
           "add_rmsnorm", shape(residual) + " + " + shape(delta) + " w " + shape(w) + " -> " + shape(y));
    if (act_ == DType::kBF16)
      cuda::rmsnorm<bf16>(ptr<bf16>(delta), delta.stride(), ptr<bf16>(residual), residual.stride(), ptr<bf16>(w),
                          ptr<bf16>(y), y.stride(), int(residual.rows), int(residual.cols), eps, ctx_->stream);
    else
      cuda::rmsnorm<float>(ptr<float>(delta), delta.stride(), ptr<float>(residual), residual.stride(),
                           ptr<float>(w), ptr<float>(y), y.stride(), int(residual.rows), int(residual.cols), eps,
                           ctx_->stream);
  }

  void rope(const Tensor& x, int heads, int head_dim, const Tensor& cos, const Tensor& sin) override {
    expect(x.cols >= int64_t(heads) * head_dim && head_dim % 2 == 0 && cos.dtype == DType::kF32 &&
               sin.dtype == DType::kF32 && cos.rows == x.rows && cos.cols == head_dim / 2 &&
               sin.rows == x.rows && sin.cols == head_dim / 2 && sin.stride() == cos.stride() && x.dtype == act_,
           "rope", shape(x) + " cos " + shape(cos) + " sin " + shape(sin));
    if (act_ == DType::kBF16)
      cuda::rope<bf16>(ptr<bf16>(x), x.stride(), int(x.rows), heads, head_dim, ptr<float>(cos), ptr<float>(sin),
                       cos.stride(), ctx_->stream);
    else
      cuda::rope<float>(ptr<float>(x), x.stride(), int(x.rows), heads, head_dim, ptr<float>(cos), ptr<float>(sin),
                        cos.stride(), ctx_->stream);
  }

  void kv_write(const Tensor& cache_k, const Tensor& cache_v, const Tensor& k, const Tensor& v,
                const Tensor& slots) override {
    expect(cache_k.contiguous() && cache_v.contiguous() && k.cols == cache_k.cols && v.cols == cache_v.cols &&
               cache_k.cols == cache_v.cols && k.rows == v.rows && slots.rows == k.rows &&
               slots.dtype == DType::kI32 && same_act(cache_k, k, v) && cache_v.dtype == act_,
           "kv_write", "cache " + shape(cache_k) + " k " + shape(k) + " v " + shape(v) + " slots " + shape(slots));
    const auto* s = static_cast<const int32_t*>(slots.data);
    if (act_ == DType::kBF16)
      store_kv<bf16>(ptr<bf16>(k), k.stride(), ptr<bf16>(v), v.stride(), int(k.rows), int(k.cols), s,
                     ptr<bf16>(cache_k), ptr<bf16>(cache_v), ctx_->stream);
    else
      store_kv<float>(ptr<float>(k), k.stride(), ptr<float>(v), v.stride(), int(k.rows), int(k.cols), s,
                      ptr<float>(cache_k), ptr<float>(cache_v), ctx_->stream);
  }

  void attention(const Tensor& q, const Tensor& cache_k, const Tensor& cache_v, const Tensor& seqs,
                 std::span<const engine::AttnSeq> host_seqs, const engine::AttentionParams& p,
                 const Tensor& out) override {
    expect(q.cols >= int64_t(p.n_heads) * p.head_dim && out.cols >= int64_t(p.n_heads) * p.head_dim &&
               cache_k.cols >= int64_t(p.n_kv_heads) * p.head_dim && cache_k.stride() == cache_v.stride() &&
               seqs.dtype == DType::kI32 && seqs.rows * seqs.cols == int64_t(host_seqs.size()) * 6 &&
               same_act(q, cache_k, out) && cache_v.dtype == act_,
           "attention", "q " + shape(q) + " cache " + shape(cache_k) + " seqs " + shape(seqs) + " out " + shape(out));
    AttentionArgs a;
    a.q = q.data;
    a.q_stride = q.stride();
    a.k_cache = cache_k.data;
    a.v_cache = cache_v.data;
    a.kv_stride = cache_k.stride();
    a.out = out.data;
    a.out_stride = out.stride();
    a.seqs = static_cast<const int32_t*>(seqs.data);
    a.n_seqs = int(host_seqs.size());
    for (const auto& s : host_seqs) a.max_q_len = std::max(a.max_q_len, int(s.q_len));
    a.n_heads = p.n_heads;
    a.n_kv_heads = p.n_kv_heads;
    a.head_dim = p.head_dim;
    a.scale = p.scale;
    a.window = p.window;
    if (act_ == DType::kBF16)
      cuda::attention<bf16>(a, ctx_->stream);
    else
      cuda::attention<float>(a, ctx_->stream);
  }

  void swiglu(const Tensor& gate, const Tensor& up, const Tensor& out) override {
    expect(gate.rows == up.rows && gate.cols == up.cols && out.rows == gate.rows && out.cols == gate.cols &&
               same_act(gate, up, out),
           "swiglu", shape(gate) + " " + shape(up) + " -> " + shape(out));
    if (act_ == DType::kBF16)
      cuda::swiglu<bf16>(ptr<bf16>(gate), gate.stride(), ptr<bf16>(up), up.stride(), ptr<bf16>(out), out.stride(),
                         int(gate.rows), int(gate.cols), ctx_->stream);
    else
      cuda::swiglu<float>(ptr<float>(gate), gate.stride(), ptr<float>(up), up.stride(), ptr<float>(out),
                          out.stride(), int(gate.rows), int(gate.cols), ctx_->stream);
  }

  void logprobs(const Tensor& logits, const Tensor& targets, float* host_logprob, int32_t* host_argmax) override {
    expect(logits.dtype == DType::kF32 && targets.dtype == DType::kI32 && targets.rows == logits.rows, "logprobs",
           shape(logits) + " targets " + shape(targets));
    const int rows = int(logits.rows);
    if (rows == 0) return;
    auto* out = static_cast<char*>(ctx_->scratch(size_t(rows) * 8));
    auto* lp = reinterpret_cast<float*>(out);
    auto* am = reinterpret_cast<int32_t*>(out + size_t(rows) * 4);
    logprob_gather(ptr<float>(logits), logits.stride(), rows, int(logits.cols),
                   static_cast<const int32_t*>(targets.data), lp, am, ctx_->stream);
    EVALRUN_CUDA_CHECK(cudaMemcpyAsync(host_logprob, lp, size_t(rows) * 4, cudaMemcpyDeviceToHost, ctx_->stream));
    EVALRUN_CUDA_CHECK(cudaMemcpyAsync(host_argmax, am, size_t(rows) * 4, cudaMemcpyDeviceToHost, ctx_->stream));
    synchronize();
  }

 private:
  template <typename T>
  static T* ptr(const Tensor& t) {
    return static_cast<T*>(t.data);
  }
  bool same_act(const Tensor& a, const Tensor& b, const Tensor& c) const {
    return a.dtype == act_ && b.dtype == act_ && c.dtype == act_;
  }
  void broadcast_bias(const Tensor& y, const Tensor& bias) {
    const bool yb = y.dtype == DType::kBF16, bb = bias.dtype == DType::kBF16;
    const int rows = int(y.rows), cols = int(y.cols);
    if (yb && bb) broadcast_rows(ptr<bf16>(y), y.stride(), ptr<bf16>(bias), rows, cols, ctx_->stream);
    else if (yb) broadcast_rows(ptr<bf16>(y), y.stride(), ptr<float>(bias), rows, cols, ctx_->stream);
    else if (bb) broadcast_rows(ptr<float>(y), y.stride(), ptr<bf16>(bias), rows, cols, ctx_->stream);
    else broadcast_rows(ptr<float>(y), y.stride(), ptr<float>(bias), rows, cols, ctx_->stream);
  }

  std::shared_ptr<Context> ctx_;
  DType act_;
};

}  // namespace

bool cuda_device_usable(int ordinal, std::string* why) {
  auto fail = [&](const std::string& reason) {
    if (why) *why = reason;
    return false;
  };
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    cudaGetLastError();
    return fail(std::string("no usable CUDA driver or GPU (") + cudaGetErrorString(err) + ")");
  }
  if (count == 0) return fail("no CUDA GPU found");
  if (ordinal < 0 || ordinal >= count)
    return fail("GPU " + std::to_string(ordinal) + " does not exist (" + std::to_string(count) + " found)");
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, ordinal) != cudaSuccess) {
    cudaGetLastError();
    return fail("cannot query GPU " + std::to_string(ordinal));
  }
  if (prop.major < 8)
    return fail("cuda:" + std::to_string(ordinal) + " " + prop.name + " has compute capability " +
                std::to_string(prop.major) + "." + std::to_string(prop.minor) +
                "; evalrun's CUDA engine needs 8.0 (Ampere) or newer");
  if (why) why->clear();
  return true;
}

std::unique_ptr<engine::Device> make_cuda_device(int ordinal, engine::DType activation_dtype) {
  if (activation_dtype != DType::kBF16 && activation_dtype != DType::kF32)
    throw UserError(std::string("--dtype: the CUDA engine computes in bf16 or f32, not ") +
                    type_name(activation_dtype));
  std::string why;
  if (!cuda_device_usable(ordinal, &why)) throw UserError("--backend cuda: " + why + "; use --backend cpu");
  return std::make_unique<CudaDevice>(ordinal, activation_dtype);
}

MemoryStats memory_stats(const engine::Device& device) {
  const auto* cuda = dynamic_cast<const CudaDevice*>(&device);
  if (!cuda) throw std::invalid_argument("memory_stats: not a CUDA device");
  MemoryStats s;
  s.weight_bytes = cuda->context().weight_bytes;
  s.buffer_bytes = cuda->context().buffer_bytes;
  EVALRUN_CUDA_CHECK(cudaSetDevice(cuda->context().ordinal));
  EVALRUN_CUDA_CHECK(cudaMemGetInfo(&s.free_bytes, &s.total_bytes));
  return s;
}

std::string format_memory_stats(const MemoryStats& s) {
  return "weights " + format_bytes(s.weight_bytes) + ", buffers " + format_bytes(s.buffer_bytes) + ", free " +
         format_bytes(s.free_bytes) + " of " + format_bytes(s.total_bytes);
}

}  // namespace evalrun::cuda

namespace evalrun::engine {

std::unique_ptr<Device> make_cuda_device(int ordinal) { return cuda::make_cuda_device(ordinal, DType::kBF16); }

bool cuda_device_available() { return cuda::cuda_device_usable(0, nullptr); }

}  // namespace evalrun::engine
