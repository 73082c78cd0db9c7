#pragma once
// Internal helpers shared by the CUDA sources: error checks that turn CUDA/cuBLAS failures into
// exceptions with one readable line (never an abort, never a hang).
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace evalrun::cuda {

// Internal (non-user) failure of a CUDA call: names the call site and CUDA's own message.
[[noreturn]] void throw_cuda_error(cudaError_t err, const char* what, const char* file, int line);
[[noreturn]] void throw_cublas_error(cublasStatus_t st, const char* what, const char* file, int line);

}  // namespace evalrun::cuda

#define EVALRUN_CUDA_CHECK(call)                                                          \
  do {                                                                                    \
    cudaError_t evalrun_err_ = (call);                                                    \
    if (evalrun_err_ != cudaSuccess)                                                      \
      ::evalrun::cuda::throw_cuda_error(evalrun_err_, #call, __FILE__, __LINE__);         \
  } while (0)

#define EVALRUN_CUBLAS_CHECK(call)                                                        \
  do {                                                                                    \
    cublasStatus_t evalrun_st_ = (call);                                                  \
    if (evalrun_st_ != CUBLAS_STATUS_SUCCESS)                                             \
      ::evalrun::cuda::throw_cublas_error(evalrun_st_, #call, __FILE__, __LINE__);        \
  } while (0)

// Checks the last kernel launch (configuration errors surface here, execution errors at the next sync).
#define EVALRUN_CUDA_LAUNCH_CHECK() EVALRUN_CUDA_CHECK(cudaGetLastError())
