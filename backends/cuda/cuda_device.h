#pragma once
// The CUDA implementation of engine::Device (backends/engine/ops.h). Also implements ops.h's
// engine::make_cuda_device(int) (bf16 activations) and engine::cuda_device_available().
// Include only where EVALRUN_HAVE_CUDA is defined (the library exists only then).
#include <cstddef>
#include <memory>
#include <string>

#include "backends/engine/ops.h"

namespace evalrun::cuda {

// Whether GPU `ordinal` can run evalrun's kernels; when not, *why says so in one line (no driver, no
// GPU, compute capability below 8.0, ...). Never throws.
bool cuda_device_usable(int ordinal, std::string* why);

// A device on GPU `ordinal` with activations and KV cache in `activation_dtype`: kBF16 (the default:
// bf16 storage, fp32 accumulation, HF-like roundings) or kF32 (fp32 weights and math throughout, for
// parity checks at 1e-3). Throws UserError naming the reason (and suggesting --backend cpu) when the GPU
// is unusable.
std::unique_ptr<engine::Device> make_cuda_device(int ordinal, engine::DType activation_dtype);

// GPU memory in use, for the load report ("weights 3.1 GiB, buffers 2.0 GiB, free 70.2 of 79.1 GiB").
struct MemoryStats {
  size_t weight_bytes = 0;  // held by upload_weight() buffers
  size_t buffer_bytes = 0;  // held by alloc() buffers (KV cache, activations)
  size_t free_bytes = 0;    // free on the GPU (cudaMemGetInfo)
  size_t total_bytes = 0;
};
// Throws std::invalid_argument when `device` was not made by make_cuda_device.
MemoryStats memory_stats(const engine::Device& device);
std::string format_memory_stats(const MemoryStats& stats);

}  // namespace evalrun::cuda
