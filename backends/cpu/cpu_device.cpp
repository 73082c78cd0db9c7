// The CPU device: fp32 activations and KV cache; weights stay in their checkpoint dtype (zero-copy views
// of the mmapped safetensors) and BF16/F16 weight tiles are converted to fp32 just before each sgemm.
// OpenBLAS runs single-threaded inside our own pool; every op splits its work into tasks of a fixed
// size, so results never depend on the thread count.
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>
#include <stdexcept>

#include "backends/cpu/thread_pool.h"
#include "backends/engine/ops.h"
#include "backends/model/safetensors.h"
#include "common/errors.h"

namespace evalrun::engine {

namespace {

// A matmul task computes kMatmulRows rows x kMatmulTile output features: large enough that OpenBLAS's
// packing is amortised, small enough to keep both cores busy. Fixed sizes keep results thread-count
// independent.
constexpr int64_t kMatmulTile = 512;
constexpr int64_t kMatmulRows = 512;
constexpr int64_t kAttnQBlock = 64;   // query rows per attention task
constexpr int64_t kRowBlock = 16;     // rows per elementwise task

class HostBuffer : public Buffer {
 public:
  HostBuffer(DType dtype, int64_t rows, int64_t cols, bool own) : own_(own) {
    tensor.dtype = dtype;
    tensor.rows = rows;
    tensor.cols = cols;
    if (own) {
      size_t bytes = std::max<size_t>(tensor.bytes(), 64);
      tensor.data = ::operator new(bytes, std::align_val_t(64), std::nothrow);
      if (!tensor.data)
        throw UserError("cpu: out of memory allocating " + std::to_string(bytes >> 20) +
                        " MiB (lower --batch-size or the context length)");
    }
  }
  ~HostBuffer() override {
    if (own_) ::operator delete(tensor.data, std::align_val_t(64));
  }

 private:
  bool own_;
};

void convert_row(const void* src, DType dtype, int64_t count, float* dst) {
  switch (dtype) {
    case DType::kF32:
      std::memcpy(dst, src, static_cast<size_t>(count) * 4);
      break;
    case DType::kBF16: {
      const auto* s = static_cast<const uint16_t*>(src);
      auto* d = reinterpret_cast<uint32_t*>(dst);  // bf16 is the top half of an f32 (vectorises)
      for (int64_t i = 0; i < count; ++i) d[i] = static_cast<uint32_t>(s[i]) << 16;
      break;
    }
    case DType::kF16: {
      const auto* s = static_cast<const uint16_t*>(src);
      for (int64_t i = 0; i < count; ++i) dst[i] = model::f16_to_f32(s[i]);
      break;
    }
    default:
      throw std::logic_error("cpu: unsupported weight dtype");
  }
}

const char* row_ptr(const Tensor& t, int64_t r) {
  return static_cast<const char*>(t.data) + static_cast<size_t>(r * t.stride()) * dtype_size(t.dtype);
}
float* frow(const Tensor& t, int64_t r) { return reinterpret_cast<float*>(const_cast<char*>(row_ptr(t, r))); }

void require(bool ok, const char* what) {
  if (!ok) throw std::logic_error(std::string("cpu op: ") + what);
}

class CpuDevice : public Device {
 public:
  CpuDevice(int threads, bool f32_weights) : pool_(threads), f32_weights_(f32_weights) {
    openblas_set_num_threads(1);
    scratch_.resize(pool_.size());
  }

  std::string name() const override { return "cpu (" + std::to_string(pool_.size()) + " threads)"; }
  DType activation_dtype() const override { return DType::kF32; }
  DType cache_dtype() const override { return DType::kF32; }

  BufferPtr alloc(DType dtype, int64_t rows, int64_t cols) override {
    return std::make_unique<HostBuffer>(dtype, rows, cols, true);
  }
  BufferPtr upload_weight(const HostTensor& src) override {
    if (f32_weights_ && src.dtype != DType::kF32) {
      auto b = std::make_unique<HostBuffer>(DType::kF32, src.rows, src.cols, true);
      const size_t row_bytes = static_cast<size_t>(src.cols) * dtype_size(src.dtype);
      for_rows(src.rows, [&](int64_t r) {
        convert_row(static_cast<const char*>(src.data) + r * row_bytes, src.dtype, src.cols, frow(b->tensor, r));
      });
      return b;
    }
    auto b = std::make_unique<HostBuffer>(src.dtype, src.rows, src.cols, false);
    b->tensor.data = const_cast<void*>(src.data);  // zero copy: the engine keeps the mapping alive
    return b;
  }
  void upload(const void* host, const Tensor& dst) override {
    require(dst.contiguous(), "upload to a strided tensor");
    std::memcpy(dst.data, host, dst.bytes());
  }
  void download(const Tensor& src, void* host) override {
    const size_t row_bytes = static_cast<size_t>(src.cols) * dtype_size(src.dtype);
    for (int64_t r = 0; r < src.rows; ++r)
      std::memcpy(static_cast<char*>(host) + r * row_bytes, row_ptr(src, r), row_bytes);
  }

  void embedding(const Tensor& table, const Tensor& ids, const Tensor& out) override {
    require(out.cols == table.cols && ids.rows == out.rows, "embedding shapes");
    const auto* id = static_cast<const int32_t*>(ids.data);
    for_rows(out.rows, [&](int64_t r) {
      require(id[r] >= 0 && id[r] < table.rows, "embedding id out of range");
      convert_row(row_ptr(table, id[r]), table.dtype, table.cols, frow(out, r));
    });
  }

  void matmul(const Tensor& x, const Tensor& w, const Tensor* bias, const Tensor& y) override {
    const int64_t n = x.rows, k = x.cols, m = w.rows;
    require(w.cols == k && y.rows == n && y.cols == m && x.dtype == DType::kF32 && y.dtype == DType::kF32,
            "matmul shapes");
    if (n == 0) return;
    const int64_t tiles = (m + kMatmulTile - 1) / kMatmulTile, chunks = (n + kMatmulRows - 1) / kMatmulRows;
    // Each (tile, row chunk) block is one sgemm whatever the grouping below, so results do not depend on
    // it; with enough tiles a task takes a whole tile (its weights converted once), else one block.
    const bool whole_tiles = tiles >= 2 * pool_.size();
    const int64_t tasks = whole_tiles ? tiles : tiles * chunks;
    pool_.parallel_for(static_cast<size_t>(tasks), [&](size_t task, int th) {
      const int64_t t = whole_tiles ? static_cast<int64_t>(task) : static_cast<int64_t>(task) / chunks;
      const int64_t c_begin = whole_tiles ? 0 : static_cast<int64_t>(task) % chunks;
      const int64_t c_end = whole_tiles ? chunks : c_begin + 1;
      const int64_t m0 = t * kMatmulTile, mt = std::min(kMatmulTile, m - m0);
      const float* wt;
      int64_t ldw;
      if (w.dtype == DType::kF32) {
        wt = reinterpret_cast<const float*>(row_ptr(w, m0));
        ldw = w.stride();
      } else {
        auto& buf = scratch_[th].weights;
        buf.resize(static_cast<size_t>(mt * k));
        for (int64_t r = 0; r < mt; ++r) convert_row(row_ptr(w, m0 + r), w.dtype, k, buf.data() + r * k);
        wt = buf.data();
        ldw = k;
      }
      for (int64_t c = c_begin; c < c_end; ++c) {
        const int64_t r0 = c * kMatmulRows, rn = std::min(kMatmulRows, n - r0);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(rn), static_cast<int>(mt),
                    static_cast<int>(k), 1.f, frow(x, r0), static_cast<int>(x.stride()), wt, static_cast<int>(ldw),
                    0.f, frow(y, r0) + m0, static_cast<int>(y.stride()));
      }
      const int64_t r0 = c_begin * kMatmulRows, rn = std::min(n, c_end * kMatmulRows) - r0;
      if (bias) {
        auto& b = scratch_[th].bias;
        b.resize(static_cast<size_t>(mt));
        convert_row(static_cast<const char*>(bias->data) + m0 * dtype_size(bias->dtype), bias->dtype, mt, b.data());
        for (int64_t r = r0; r < r0 + rn; ++r) {
          float* row = frow(y, r) + m0;
          for (int64_t j = 0; j < mt; ++j) row[j] += b[j];
        }
      }
    });
  }

  void rmsnorm(const Tensor& x, const Tensor& w, float eps, const Tensor& y) override {
    require(x.cols == w.cols && y.cols == x.cols && y.rows == x.rows, "rmsnorm shapes");
    for_rows(x.rows, [&](int64_t r) { norm_row(frow(x, r), w, eps, frow(y, r), static_cast<int>(x.cols)); });
  }

  void add_rmsnorm(const Tensor& residual, const Tensor& delta, const Tensor& w, float eps,
                   const Tensor& y) override {
    require(residual.cols == delta.cols && residual.rows == delta.rows && y.rows == residual.rows, "add_rmsnorm");
    for_rows(residual.rows, [&](int64_t r) {
      float* res = frow(residual, r);
      const float* d = frow(delta, r);
      for (int64_t j = 0; j < residual.cols; ++j) res[j] += d[j];
      norm_row(res, w, eps, frow(y, r), static_cast<int>(residual.cols));
    });
  }

  void rope(const Tensor& x, int heads, int head_dim, const Tensor& cos, const Tensor& sin) override {
    require(x.cols == int64_t{heads} * head_dim && cos.cols == head_dim / 2 && cos.rows == x.rows, "rope shapes");
    const int half = head_dim / 2;
    for_rows(x.rows, [&](int64_t r) {
      const float* c = frow(cos, r);
      const float* s = frow(sin, r);
      float* row = frow(x, r);
      for (int h = 0; h < heads; ++h) {
        float* v = row + h * head_dim;
        for (int j = 0; j < half; ++j) {
          const float a = v[j], b = v[j + half];
          v[j] = a * c[j] - b * s[j];
          v[j + half] = b * c[j] + a * s[j];
        }
      }
    });
  }

  void kv_write(const Tensor& cache_k, const Tensor& cache_v, const Tensor& k, const Tensor& v,
                const Tensor& slots) override {
    require(k.cols == cache_k.cols && v.cols == cache_v.cols && slots.rows == k.rows, "kv_write shapes");
    const auto* s = static_cast<const int32_t*>(slots.data);
    const size_t bytes = static_cast<size_t>(k.cols) * 4;
    for (int64_t r = 0; r < k.rows; ++r) {
      require(s[r] >= 0 && s[r] < cache_k.rows, "kv slot out of range");
      std::memcpy(frow(cache_k, s[r]), frow(k, r), bytes);
      std::memcpy(frow(cache_v, s[r]), frow(v, r), bytes);
    }
  }

  void attention(const Tensor& q, const Tensor& cache_k, const Tensor& cache_v, const Tensor& /*seqs*/,
                 std::span<const AttnSeq> host_seqs, const AttentionParams& p, const Tensor& out) override;

  void swiglu(const Tensor& gate, const Tensor& up, const Tensor& out) override {
    require(gate.cols == up.cols && gate.rows == up.rows && out.cols == gate.cols, "swiglu shapes");
    for_rows(gate.rows, [&](int64_t r) {
      const float* g = frow(gate, r);
      const float* u = frow(up, r);
      float* o = frow(out, r);
      for (int64_t j = 0; j < gate.cols; ++j) o[j] = g[j] / (1.f + std::exp(-g[j])) * u[j];
    });
  }

  void gather_rows(const Tensor& src, const Tensor& idx, const Tensor& dst) override {
    require(src.cols == dst.cols && idx.rows == dst.rows && src.dtype == dst.dtype, "gather_rows shapes");
    const auto* id = static_cast<const int32_t*>(idx.data);
    const size_t bytes = static_cast<size_t>(src.cols) * dtype_size(src.dtype);
    for (int64_t r = 0; r < dst.rows; ++r) {
      require(id[r] >= 0 && id[r] < src.rows, "gather index out of range");
      std::memcpy(const_cast<char*>(row_ptr(dst, r)), row_ptr(src, id[r]), bytes);
    }
  }

  void logprobs(const Tensor& logits, const Tensor& targets, float* host_logprob, int32_t* host_argmax) override {
    require(logits.dtype == DType::kF32 && targets.rows == logits.rows, "logprobs shapes");
    const auto* tg = static_cast<const int32_t*>(targets.data);
    pool_.parallel_for(static_cast<size_t>(logits.rows), [&](size_t r, int) {
      const float* x = frow(logits, static_cast<int64_t>(r));
      int64_t best = 0;
      for (int64_t j = 1; j < logits.cols; ++j)
        if (x[j] > x[best]) best = j;
      const float mx = x[best];
      double sum = 0;
      for (int64_t j = 0; j < logits.cols; ++j) sum += std::exp(static_cast<double>(x[j] - mx));
      host_argmax[r] = static_cast<int32_t>(best);
      const int32_t t = tg[r];
      host_logprob[r] = t < 0 ? 0.f : static_cast<float>(static_cast<double>(x[t] - mx) - std::log(sum));
    });
  }

 private:
  struct Scratch {
    std::vector<float> weights, bias, scores;
  };

  template <class F>
  void for_rows(int64_t rows, F&& f) {
    const int64_t blocks = (rows + kRowBlock - 1) / kRowBlock;
    pool_.parallel_for(static_cast<size_t>(blocks), [&](size_t b, int) {
      const int64_t r0 = static_cast<int64_t>(b) * kRowBlock, r1 = std::min(rows, r0 + kRowBlock);
      for (int64_t r = r0; r < r1; ++r) f(r);
    });
  }

  static void norm_row(const float* x, const Tensor& w, float eps, float* y, int d) {
    double ss = 0;
    for (int j = 0; j < d; ++j) ss += static_cast<double>(x[j]) * x[j];
    const float inv = static_cast<float>(1.0 / std::sqrt(ss / d + eps));
    const float* wf = static_cast<const float*>(w.data);
    const auto* wh = static_cast<const uint16_t*>(w.data);
    for (int j = 0; j < d; ++j) {
      float wj = w.dtype == DType::kF32 ? wf[j]
                 : w.dtype == DType::kBF16 ? model::bf16_to_f32(wh[j])
                                           : model::f16_to_f32(wh[j]);
      y[j] = wj * (x[j] * inv);
    }
  }

  cpu::ThreadPool pool_;
  bool f32_weights_ = false;
  std::vector<Scratch> scratch_;
};

void CpuDevice::attention(const Tensor& q, const Tensor& cache_k, const Tensor& cache_v, const Tensor&,
                          std::span<const AttnSeq> seqs, const AttentionParams& p, const Tensor& out) {
  require(q.cols == int64_t{p.n_heads} * p.head_dim && cache_k.cols == int64_t{p.n_kv_heads} * p.head_dim,
          "attention shapes");
  struct Task {
    int32_t seq, head, q0;
  };
  std::vector<Task> tasks;
  for (size_t s = 0; s < seqs.size(); ++s)
    for (int h = 0; h < p.n_heads; ++h)
      for (int32_t q0 = 0; q0 < seqs[s].q_len; q0 += static_cast<int32_t>(kAttnQBlock))
        tasks.push_back({static_cast<int32_t>(s), h, q0});
  const int group = p.n_heads / p.n_kv_heads, hd = p.head_dim;
  pool_.parallel_for(tasks.size(), [&](size_t ti, int th) {
    const Task& t = tasks[ti];
    const AttnSeq& sq = seqs[t.seq];
    const int64_t qn = std::min<int64_t>(kAttnQBlock, sq.q_len - t.q0);
    const int64_t p0 = int64_t{sq.prefix_len} + sq.own_len - sq.q_len + t.q0;  // position of first query
    const int64_t p_last = p0 + qn - 1;
    const int64_t k_begin = p.window > 0 ? std::max<int64_t>(0, p0 - p.window + 1) : 0;
    const int64_t kvn = p_last - k_begin + 1;
    auto& S = scratch_[th].scores;
    S.resize(static_cast<size_t>(qn * kvn));
    const int kvh = t.head / group;
    const float* qp = frow(q, sq.q_start + t.q0) + t.head * hd;
    float* op = frow(out, sq.q_start + t.q0) + t.head * hd;
    // Key positions [k_begin, p_last] lie in up to two contiguous slot ranges.
    struct Seg {
      int64_t pos0, len, slot0;
    } segs[2];
    int nseg = 0;
    if (k_begin < sq.prefix_len) {
      const int64_t end = std::min<int64_t>(sq.prefix_len, p_last + 1);
      segs[nseg++] = {k_begin, end - k_begin, sq.prefix_slot + k_begin};
    }
    if (p_last >= sq.prefix_len) {
      const int64_t b = std::max<int64_t>(k_begin, sq.prefix_len);
      segs[nseg++] = {b, p_last + 1 - b, sq.own_slot + (b - sq.prefix_len)};
    }
    for (int i = 0; i < nseg; ++i)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(qn), static_cast<int>(segs[i].len), hd,
                  p.scale, qp, static_cast<int>(q.stride()), frow(cache_k, segs[i].slot0) + kvh * hd,
                  static_cast<int>(cache_k.stride()), 0.f, S.data() + (segs[i].pos0 - k_begin),
                  static_cast<int>(kvn));
    for (int64_t i = 0; i < qn; ++i) {
      float* row = S.data() + i * kvn;
      const int64_t qpos = p0 + i;
      const int64_t lo = p.window > 0 ? std::max<int64_t>(k_begin, qpos - p.window + 1) : k_begin;
      float mx = -INFINITY;
      for (int64_t j = lo; j <= qpos; ++j) mx = std::max(mx, row[j - k_begin]);
      double sum = 0;
      for (int64_t j = k_begin; j <= p_last; ++j) {
        float e = (j < lo || j > qpos) ? 0.f : std::exp(row[j - k_begin] - mx);
        row[j - k_begin] = e;
        sum += e;
      }
      const float inv = static_cast<float>(1.0 / sum);
      for (int64_t j = 0; j < kvn; ++j) row[j] *= inv;
    }
    for (int i = 0; i < nseg; ++i)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(qn), hd, static_cast<int>(segs[i].len),
                  1.f, S.data() + (segs[i].pos0 - k_begin), static_cast<int>(kvn),
                  frow(cache_v, segs[i].slot0) + kvh * hd, static_cast<int>(cache_v.stride()), i ? 1.f : 0.f, op,
                  static_cast<int>(out.stride()));
  });
}

}  // namespace

const char* dtype_name(DType t) {
  switch (t) {
    case DType::kF32: return "f32";
    case DType::kBF16: return "bf16";
    case DType::kF16: return "f16";
    case DType::kI32: return "i32";
  }
  return "?";
}

std::unique_ptr<Device> make_cpu_device(int threads) { return std::make_unique<CpuDevice>(threads, false); }
std::unique_ptr<Device> make_cpu_device(int threads, bool f32_weights) {
  return std::make_unique<CpuDevice>(threads, f32_weights);
}

}  // namespace evalrun::engine
