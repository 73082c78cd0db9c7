#pragma once
// Shared helpers of the CUDA tests: every CUDA op is run next to its CPU twin (backends/cpu) through
// the same engine::Device interface on identical, bf16-representable random inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "backends/engine/ops.h"
#ifdef EVALRUN_HAVE_CUDA
#include "backends/cuda/cuda_device.h"
#endif

namespace evalrun::cuda_test {

using engine::BufferPtr;
using engine::Device;
using engine::DType;
using engine::Tensor;

// Whether a usable GPU is present; *why says why not.
inline bool gpu_ready(std::string* why) {
#ifdef EVALRUN_HAVE_CUDA
  return cuda::cuda_device_usable(0, why);
#else
  *why = "evalrun was built without CUDA (EVALRUN_CUDA=OFF)";
  return false;
#endif
}

inline std::unique_ptr<Device> make_gpu(DType act) {
#ifdef EVALRUN_HAVE_CUDA
  return cuda::make_cuda_device(0, act);
#else
  (void)act;
  return nullptr;
#endif
}

#define EVALRUN_REQUIRE_GPU()                                          \
  do {                                                                 \
    std::string why_;                                                  \
    if (!::evalrun::cuda_test::gpu_ready(&why_))                       \
      GTEST_SKIP() << "no usable CUDA GPU: " << why_;                  \
  } while (0)

inline uint16_t to_bf16_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  u += 0x7fffu + ((u >> 16) & 1u);  // round to nearest even (inputs are finite)
  return static_cast<uint16_t>(u >> 16);
}
inline float from_bf16_bits(uint16_t b) {
  const uint32_t u = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
inline float round_bf16(float f) { return from_bf16_bits(to_bf16_bits(f)); }

// Normal(0, scale) values rounded to bf16, so every device sees exactly the same numbers.
inline std::vector<float> random_values(size_t n, uint64_t seed, float scale = 1.f, float mean = 0.f) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> dist(0.f, 1.f);
  std::vector<float> v(n);
  for (auto& x : v) x = round_bf16(mean + scale * dist(rng));
  return v;
}

// Owns host copies and device buffers for the duration of one test.
class Arena {
 public:
  explicit Arena(Device& d) : d_(d) {}

  // An activation-dtype tensor holding `v` ([rows, cols]).
  Tensor act(const std::vector<float>& v, int64_t rows, int64_t cols) { return put(v, d_.activation_dtype(), rows, cols); }
  Tensor f32(const std::vector<float>& v, int64_t rows, int64_t cols) { return put(v, DType::kF32, rows, cols); }
  Tensor i32(const std::vector<int32_t>& v, int64_t rows, int64_t cols) {
    auto b = d_.alloc(DType::kI32, rows, cols);
    d_.upload(v.data(), b->tensor);
    return keep(std::move(b));
  }
  Tensor empty(DType dtype, int64_t rows, int64_t cols) { return keep(d_.alloc(dtype, rows, cols)); }
  Tensor empty_act(int64_t rows, int64_t cols) { return empty(d_.activation_dtype(), rows, cols); }
  // A weight through upload_weight from F32 host data (the host copy outlives the device's view).
  Tensor weight(const std::vector<float>& v, int64_t rows, int64_t cols) {
    host_.push_back(v);
    return keep(d_.upload_weight(engine::HostTensor{host_.back().data(), DType::kF32, rows, cols}));
  }
  std::vector<float> read(const Tensor& t) {
    const size_t n = static_cast<size_t>(t.rows * t.cols);
    std::vector<float> out(n);
    if (t.dtype == DType::kF32) {
      d_.download(t, out.data());
    } else {
      std::vector<uint16_t> bits(n);
      d_.download(t, bits.data());
      for (size_t i = 0; i < n; ++i) out[i] = from_bf16_bits(bits[i]);
    }
    return out;
  }

 private:
  Tensor put(const std::vector<float>& v, DType dtype, int64_t rows, int64_t cols) {
    auto b = d_.alloc(dtype, rows, cols);
    if (dtype == DType::kBF16) {
      std::vector<uint16_t> bits(v.size());
      for (size_t i = 0; i < v.size(); ++i) bits[i] = to_bf16_bits(v[i]);
      d_.upload(bits.data(), b->tensor);
    } else {
      d_.upload(v.data(), b->tensor);
    }
    return keep(std::move(b));
  }
  Tensor keep(BufferPtr b) {
    bufs_.push_back(std::move(b));
    return bufs_.back()->tensor;
  }
  Device& d_;
  std::deque<std::vector<float>> host_;
  std::vector<BufferPtr> bufs_;
};

// |got - want| <= atol + rtol·|want| everywhere; reports the worst element.
inline void expect_close(const std::vector<float>& got, const std::vector<float>& want, float atol, float rtol,
                         const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  size_t worst = 0;
  double worst_excess = -1, max_abs = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_TRUE(std::isfinite(got[i])) << what << ": non-finite value at " << i;
    const double err = std::fabs(double(got[i]) - want[i]);
    max_abs = std::max(max_abs, err);
    const double excess = err - (atol + rtol * std::fabs(want[i]));
    if (excess > worst_excess) worst_excess = excess, worst = i;
  }
  EXPECT_LE(worst_excess, 0.0) << what << ": element " << worst << " got " << got[worst] << " want " << want[worst]
                               << " (max |err| " << max_abs << ", atol " << atol << ", rtol " << rtol << ")";
}

// Tolerances per activation dtype: bf16 rounds every stored intermediate (2^-8 relative).
struct Tol {
  float atol, rtol;
};
inline Tol tol_for(DType act, float scale = 1.f) {
  return act == DType::kBF16 ? Tol{2e-2f * scale, 2e-2f} : Tol{2e-5f * scale, 2e-5f};
}

}  // namespace evalrun::cuda_test
