// Every CUDA op against its CPU twin (backends/cpu) through engine::Device, in bf16 and fp32 modes.
// Skips cleanly (GTEST_SKIP) where no usable GPU exists or evalrun was built without CUDA.
#include <algorithm>
#include <numeric>

#include "backends/engine/rope.h"
#include "common/errors.h"
#include "tests/cuda/cuda_test_util.h"

namespace evalrun::cuda_test {
namespace {

std::string dtype_label(const ::testing::TestParamInfo<DType>& info) {
  return info.param == DType::kBF16 ? "bf16" : "f32";
}

class CudaOps : public ::testing::TestWithParam<DType> {
 protected:
  void SetUp() override {
    EVALRUN_REQUIRE_GPU();
    cpu_ = engine::make_cpu_device(2);
    gpu_ = make_gpu(GetParam());
    c_ = std::make_unique<Arena>(*cpu_);
    g_ = std::make_unique<Arena>(*gpu_);
  }
  // The value the GPU sees for a CPU input (bf16 mode stores activations in bf16).
  std::vector<float> as_act(std::vector<float> v) const {
    if (GetParam() == DType::kBF16)
      for (auto& x : v) x = round_bf16(x);
    return v;
  }
  Tol tol(float scale = 1.f) const { return tol_for(GetParam(), scale); }

  std::unique_ptr<Device> cpu_, gpu_;
  std::unique_ptr<Arena> c_, g_;
};

TEST_P(CudaOps, MatmulMatchesCpu) {
  struct Shape {
    int m, k, n;
    bool bias, f32_out;
  };
  for (const Shape s : {Shape{1, 64, 96, false, false}, Shape{37, 256, 130, true, false},
                        Shape{300, 512, 1000, true, true}, Shape{1029, 1536, 256, false, true}}) {
    const auto x = random_values(size_t(s.m) * s.k, 1 + s.m, 1.f);
    const auto w = random_values(size_t(s.n) * s.k, 2 + s.n, 1.f / std::sqrt(float(s.k)));
    const auto b = random_values(size_t(s.n), 3, 0.5f);
    Tensor cy = c_->empty(DType::kF32, s.m, s.n);
    Tensor cb = c_->weight(b, 1, s.n);
    cpu_->matmul(c_->f32(x, s.m, s.k), c_->weight(w, s.n, s.k), s.bias ? &cb : nullptr, cy);
    Tensor gy = g_->empty(s.f32_out ? DType::kF32 : gpu_->activation_dtype(), s.m, s.n);
    Tensor gb = g_->weight(b, 1, s.n);
    gpu_->matmul(g_->act(x, s.m, s.k), g_->weight(w, s.n, s.k), s.bias ? &gb : nullptr, gy);
    const Tol t = tol();
    expect_close(g_->read(gy), c_->read(cy), t.atol, t.rtol, "matmul m=" + std::to_string(s.m));
  }
}

TEST_P(CudaOps, MatmulHonoursRowStrides) {
  const int m = 20, k = 128, n = 64, ld = 200;
  auto wide = random_values(size_t(m) * ld, 11);
  const auto w = random_values(size_t(n) * k, 12, 0.1f);
  std::vector<float> x(size_t(m) * k);
  for (int r = 0; r < m; ++r) std::copy_n(wide.begin() + r * ld, k, x.begin() + r * k);
  Tensor cy = c_->empty(DType::kF32, m, n);
  cpu_->matmul(c_->f32(x, m, k), c_->weight(w, n, k), nullptr, cy);
  Tensor gx = g_->act(wide, m, ld);
  gx.cols = k;
  gx.ld = ld;
  Tensor gy = g_->empty(DType::kF32, m, n);
  gpu_->matmul(gx, g_->weight(w, n, k), nullptr, gy);
  const Tol t = tol();
  expect_close(g_->read(gy), c_->read(cy), t.atol, t.rtol, "strided matmul");
}

TEST_P(CudaOps, RmsnormAndAddRmsnormMatchCpu) {
  for (const int dim : {64, 128, 1536, 4096}) {
    const int rows = 7;
    const auto x = random_values(size_t(rows) * dim, 20 + dim, 2.f);
    const auto delta = random_values(size_t(rows) * dim, 21 + dim, 1.f);
    const auto w = random_values(size_t(dim), 22 + dim, 0.2f, 1.f);
    Tensor cy = c_->empty(DType::kF32, rows, dim);
    cpu_->rmsnorm(c_->f32(x, rows, dim), c_->weight(w, 1, dim), 1e-6f, cy);
    Tensor gx = g_->act(x, rows, dim);
    gpu_->rmsnorm(gx, g_->weight(w, 1, dim), 1e-6f, gx);  // in place, as the engine does for q/k norm
    const Tol t = tol();
    expect_close(g_->read(gx), c_->read(cy), t.atol, t.rtol, "rmsnorm dim=" + std::to_string(dim));

    Tensor cres = c_->f32(x, rows, dim), cz = c_->empty(DType::kF32, rows, dim);
    cpu_->add_rmsnorm(cres, c_->f32(delta, rows, dim), c_->weight(w, 1, dim), 1e-6f, cz);
    Tensor gres = g_->act(x, rows, dim), gz = g_->empty_act(rows, dim);
    gpu_->add_rmsnorm(gres, g_->act(delta, rows, dim), g_->weight(w, 1, dim), 1e-6f, gz);
    expect_close(g_->read(gres), c_->read(cres), t.atol, t.rtol, "residual sum dim=" + std::to_string(dim));
    expect_close(g_->read(gz), c_->read(cz), 2 * t.atol, 2 * t.rtol, "add_rmsnorm dim=" + std::to_string(dim));
  }
}

TEST_P(CudaOps, RopeMatchesCpuWithLlama3Scaling) {
  model::ModelConfig cfg;
  cfg.head_dim = 128;
  cfg.rope_theta = 500000.0;
  cfg.rope_scaling.type = "llama3";
  cfg.rope_scaling.factor = 8.0;
  cfg.rope_scaling.original_max_position_embeddings = 64;
  const auto inv = engine::rope_inv_freq(cfg);
  const int n = 9, heads = 4, hd = 128, half = hd / 2;
  std::vector<int32_t> pos = {0, 1, 2, 17, 100, 511, 4095, 30000, 131071};
  std::vector<float> cos(size_t(n) * half), sin(cos.size());
  engine::rope_tables(inv, pos, cos.data(), sin.data());
  const auto x = random_values(size_t(n) * heads * hd, 30);
  Tensor cx = c_->f32(x, n, heads * hd);
  cpu_->rope(cx, heads, hd, c_->f32(cos, n, half), c_->f32(sin, n, half));
  Tensor gx = g_->act(x, n, heads * hd);
  gpu_->rope(gx, heads, hd, g_->f32(cos, n, half), g_->f32(sin, n, half));
  const Tol t = tol();
  expect_close(g_->read(gx), c_->read(cx), t.atol, t.rtol, "rope");
}

TEST_P(CudaOps, SwigluEmbeddingAndGatherMatchCpu) {
  const int rows = 33, cols = 700;
  const auto gate = random_values(size_t(rows) * cols, 40, 3.f), up = random_values(size_t(rows) * cols, 41);
  Tensor cg = c_->f32(gate, rows, cols);
  cpu_->swiglu(cg, c_->f32(up, rows, cols), cg);
  Tensor gg = g_->act(gate, rows, cols);
  gpu_->swiglu(gg, g_->act(up, rows, cols), gg);
  const Tol t = tol();
  expect_close(g_->read(gg), c_->read(cg), t.atol, t.rtol, "swiglu");

  const int vocab = 1000, hidden = 96;
  const auto table = random_values(size_t(vocab) * hidden, 42);
  const std::vector<int32_t> ids = {0, 999, 5, 5, 17, 512};
  Tensor ce = c_->empty(DType::kF32, 6, hidden), ge = g_->empty_act(6, hidden);
  cpu_->embedding(c_->weight(table, vocab, hidden), c_->i32(ids, 6, 1), ce);
  gpu_->embedding(g_->weight(table, vocab, hidden), g_->i32(ids, 6, 1), ge);
  expect_close(g_->read(ge), c_->read(ce), 0.f, 0.f, "embedding (exact)");

  const std::vector<int32_t> idx = {32, 0, 7, 7};
  Tensor cs = c_->empty(DType::kF32, 4, cols), gs = g_->empty_act(4, cols);
  cpu_->gather_rows(cg, c_->i32(idx, 4, 1), cs);
  gpu_->gather_rows(gg, g_->i32(idx, 4, 1), gs);
  expect_close(g_->read(gs), c_->read(cs), t.atol, t.rtol, "gather_rows");
}

TEST_P(CudaOps, LogprobsMatchCpuAndPickFirstMaximum) {
  const int rows = 6, vocab = 151936;
  auto logits = random_values(size_t(rows) * vocab, 50, 2.f);
  logits[size_t(3) * vocab + 10] = 30.f;  // a tie: the first index wins
  logits[size_t(3) * vocab + 20] = 30.f;
  const std::vector<int32_t> targets = {0, 151935, 77, 10, -1, 4242};
  std::vector<float> clp(rows), glp(rows);
  std::vector<int32_t> cam(rows), gam(rows);
  cpu_->logprobs(c_->f32(logits, rows, vocab), c_->i32(targets, rows, 1), clp.data(), cam.data());
  gpu_->logprobs(g_->f32(logits, rows, vocab), g_->i32(targets, rows, 1), glp.data(), gam.data());
  expect_close(glp, clp, 1e-4f, 1e-5f, "logprobs");
  EXPECT_EQ(gam, cam);
  EXPECT_EQ(gam[3], 10);
  EXPECT_EQ(glp[4], 0.f);
}

TEST_P(CudaOps, UploadDownloadAndWeightConversion) {
  const auto v = random_values(12 * 40, 60);
  Tensor full = g_->act(std::vector<float>(12 * 64, 0.f), 12, 64);
  Tensor view = full;
  view.cols = 40;
  view.ld = 64;
  if (GetParam() == DType::kBF16) {
    std::vector<uint16_t> bits(v.size());
    for (size_t i = 0; i < v.size(); ++i) bits[i] = to_bf16_bits(v[i]);
    gpu_->upload(bits.data(), view);
  } else {
    gpu_->upload(v.data(), view);
  }
  expect_close(g_->read(view), v, 0.f, 0.f, "strided upload/download");

  // F16 and BF16 checkpoint weights are converted on the GPU.
  const std::vector<uint16_t> f16 = {0x3c00, 0xc000, 0x3555, 0x0000};  // 1, -2, 0.33325, 0
  const std::vector<uint16_t> b16 = {0x3f80, 0xc000, 0x3eab, 0x8000};  // 1, -2, 0.333984, -0
  auto wf = gpu_->upload_weight(engine::HostTensor{f16.data(), DType::kF16, 1, 4});
  auto wb = gpu_->upload_weight(engine::HostTensor{b16.data(), DType::kBF16, 1, 4});
  const float third_f16 = GetParam() == DType::kBF16 ? round_bf16(0.33325195f) : 0.33325195f;
  expect_close(g_->read(wf->tensor), {1.f, -2.f, third_f16, 0.f}, 0.f, 0.f, "f16 weight");
  expect_close(g_->read(wb->tensor), {1.f, -2.f, from_bf16_bits(0x3eab), 0.f}, 0.f, 0.f, "bf16 weight");
}

TEST_P(CudaOps, OutOfMemoryIsAUserErrorWithSizeAndSuggestion) {
  try {
    gpu_->alloc(DType::kF32, int64_t(1) << 22, int64_t(1) << 20);  // 16 TiB
    FAIL() << "expected an out-of-memory UserError";
  } catch (const UserError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("out of memory"), std::string::npos) << msg;
    EXPECT_NE(msg.find("16384.00 GiB"), std::string::npos) << msg;
    EXPECT_NE(msg.find("--batch-size"), std::string::npos) << msg;
  }
  // The device stays usable afterwards.
  Tensor t = g_->f32({1.f, 2.f}, 1, 2);
  expect_close(g_->read(t), {1.f, 2.f}, 0.f, 0.f, "after OOM");
  const auto budget = gpu_->memory_budget();
  ASSERT_TRUE(budget.has_value());
  EXPECT_GT(*budget, size_t(0));
}

INSTANTIATE_TEST_SUITE_P(Dtypes, CudaOps, ::testing::Values(DType::kBF16, DType::kF32), dtype_label);

TEST(CudaAvailability, QueryNeverThrowsAndExplainsWhy) {
  std::string why;
  const bool ok = gpu_ready(&why);
  if (!ok) {
    EXPECT_FALSE(why.empty());
  } else {
    EXPECT_TRUE(why.empty()) << why;
  }
#ifdef EVALRUN_HAVE_CUDA
  EXPECT_EQ(engine::cuda_device_available(), ok);
  if (!ok) {
    try {
      cuda::make_cuda_device(0, DType::kBF16);
      FAIL() << "expected a UserError";
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find("--backend cpu"), std::string::npos) << e.what();
    }
  }
#endif
}

TEST(CudaAvailability, MissingGpuOrdinalIsAUserError) {
  EVALRUN_REQUIRE_GPU();
#ifdef EVALRUN_HAVE_CUDA
  EXPECT_THROW(cuda::make_cuda_device(4096, DType::kBF16), UserError);
#endif
}

}  // namespace
}  // namespace evalrun::cuda_test
