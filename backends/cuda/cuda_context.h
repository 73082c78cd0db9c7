#pragma once
// Per-GPU state shared by the CUDA device and every buffer it hands out (buffers may outlive the
// device object in the engine's teardown order, so they hold the context by shared_ptr).
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstddef>
#include <memory>
#include <string>

#include "backends/cuda/pinned_ring.h"

namespace evalrun::cuda {

struct Context {
  explicit Context(int ordinal);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  // cudaMallocAsync on the stream (stream-ordered pool, so frees never stall the pipeline).
  // Throws UserError with the size needed, free memory and a batch-size suggestion on out-of-memory.
  void* allocate(size_t bytes, const std::string& what);
  void release(void* p, size_t bytes, bool weight);
  // Device scratch reused across calls (grown on demand; stream order keeps reuse safe).
  void* scratch(size_t bytes);

  int ordinal;
  cudaDeviceProp prop{};
  cudaStream_t stream = nullptr;
  cublasHandle_t cublas = nullptr;
  void* cublas_workspace = nullptr;
  std::unique_ptr<PinnedRing> ring;
  size_t weight_bytes = 0;
  size_t buffer_bytes = 0;

 private:
  void* scratch_ = nullptr;
  size_t scratch_bytes_ = 0;
};

// "1.50 GiB"
std::string format_bytes(size_t bytes);

}  // namespace evalrun::cuda
