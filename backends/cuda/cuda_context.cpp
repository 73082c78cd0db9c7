#include "backends/cuda/cuda_context.h"

#include <cstdio>
#include <stdexcept>

#include "backends/cuda/cuda_check.h"
#include "common/errors.h"

namespace evalrun::cuda {

namespace {
constexpr size_t kCublasWorkspace = size_t(32) << 20;  // cuBLAS picks its fastest Hopper kernels with it
constexpr size_t kRingBytes = size_t(64) << 20;
}  // namespace

[[noreturn]] void throw_cuda_error(cudaError_t err, const char* what, const char* file, int line) {
  cudaGetLastError();  // clear non-sticky errors so later calls report their own
  throw std::runtime_error(std::string("CUDA error ") + cudaGetErrorName(err) + " (" + cudaGetErrorString(err) +
                           ") in " + what + " at " + file + ":" + std::to_string(line));
}

[[noreturn]] void throw_cublas_error(cublasStatus_t st, const char* what, const char* file, int line) {
  throw std::runtime_error(std::string("cuBLAS error ") + cublasGetStatusName(st) + " (" +
                           cublasGetStatusString(st) + ") in " + what + " at " + file + ":" + std::to_string(line));
}

std::string format_bytes(size_t bytes) {
  char buf[32];
  if (bytes >= (size_t(1) << 30))
    std::snprintf(buf, sizeof buf, "%.2f GiB", double(bytes) / double(size_t(1) << 30));
  else
    std::snprintf(buf, sizeof buf, "%.1f MiB", double(bytes) / double(size_t(1) << 20));
  return buf;
}

Context::Context(int ordinal_) : ordinal(ordinal_) {
  EVALRUN_CUDA_CHECK(cudaSetDevice(ordinal));
  EVALRUN_CUDA_CHECK(cudaGetDeviceProperties(&prop, ordinal));
  EVALRUN_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  // Keep freed memory in the pool (no trimming at every synchronize).
  cudaMemPool_t pool;
  EVALRUN_CUDA_CHECK(cudaDeviceGetDefaultMemPool(&pool, ordinal));
  uint64_t threshold = UINT64_MAX;
  EVALRUN_CUDA_CHECK(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &threshold));
  EVALRUN_CUBLAS_CHECK(cublasCreate(&cublas));
  EVALRUN_CUBLAS_CHECK(cublasSetStream(cublas, stream));
  // fp32 accumulation everywhere; no reduced-precision split-K reductions.
  EVALRUN_CUBLAS_CHECK(
      cublasSetMathMode(cublas, cublasMath_t(CUBLAS_DEFAULT_MATH | CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION)));
  cublas_workspace = allocate(kCublasWorkspace, "the cuBLAS workspace");
  EVALRUN_CUBLAS_CHECK(cublasSetWorkspace(cublas, cublas_workspace, kCublasWorkspace));
  ring = std::make_unique<PinnedRing>(kRingBytes, stream);
}

Context::~Context() {
  cudaStreamSynchronize(stream);
  ring.reset();
  if (cublas) cublasDestroy(cublas);
  if (scratch_) cudaFreeAsync(scratch_, stream);
  if (cublas_workspace) cudaFreeAsync(cublas_workspace, stream);
  cudaStreamSynchronize(stream);
  cudaStreamDestroy(stream);
}

void* Context::allocate(size_t bytes, const std::string& what) {
  if (bytes == 0) return nullptr;
  void* p = nullptr;
  const cudaError_t err = cudaMallocAsync(&p, bytes, stream);
  if (err == cudaSuccess) return p;
  cudaGetLastError();
  size_t free_b = 0, total_b = 0;
  cudaMemGetInfo(&free_b, &total_b);
  // Absurd sizes may come back as invalid-value rather than out-of-memory: both are "does not fit".
  if (err == cudaErrorMemoryAllocation || bytes > free_b) {
    throw UserError("CUDA out of memory on cuda:" + std::to_string(ordinal) + " (" + prop.name + "): " +
                    format_bytes(bytes) + " needed for " + what + ", " + format_bytes(free_b) + " free of " +
                    format_bytes(total_b) + " (weights hold " + format_bytes(weight_bytes) + ", buffers " +
                    format_bytes(buffer_bytes) +
                    "); use a smaller --batch-size / --max-tokens-per-batch, a smaller model, or --backend cpu");
  }
  throw_cuda_error(err, "cudaMallocAsync", __FILE__, __LINE__);
}

void Context::release(void* p, size_t bytes, bool weight) {
  if (!p) return;
  cudaFreeAsync(p, stream);  // errors here cannot be reported from a destructor; the next op reports them
  (weight ? weight_bytes : buffer_bytes) -= bytes;
}

void* Context::scratch(size_t bytes) {
  if (bytes > scratch_bytes_) {
    if (scratch_) cudaFreeAsync(scratch_, stream);
    scratch_ = nullptr;
    scratch_bytes_ = 0;
    scratch_ = allocate(bytes, "scratch space");
    scratch_bytes_ = bytes;
  }
  return scratch_;
}

}  // namespace evalrun::cuda
