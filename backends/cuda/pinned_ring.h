#pragma once
// A ring of page-locked host memory for asynchronous host→device copies: the host data is copied into
// the ring at once (so the caller may reuse its buffer), the DMA runs in stream order, and a region is
// reused only after the event recorded behind its copy has completed.
#include <cuda_runtime.h>

#include <cstddef>
#include <deque>
#include <vector>

namespace evalrun::cuda {

class PinnedRing {
 public:
  PinnedRing(size_t capacity, cudaStream_t stream);
  ~PinnedRing();
  PinnedRing(const PinnedRing&) = delete;
  PinnedRing& operator=(const PinnedRing&) = delete;

  size_t capacity() const { return capacity_; }
  // Copies `bytes` (≤ capacity) from host into the ring and enqueues ring → device `dst` (flat bytes).
  void copy_to_device(const void* host, void* dst, size_t bytes);
  // Same, into a pitched destination: `rows` rows of `row_bytes` each, device row pitch `dst_pitch`.
  void copy_to_device_2d(const void* host, void* dst, size_t dst_pitch, size_t row_bytes, size_t rows);

 private:
  struct Pending {
    size_t start, end;
    cudaEvent_t event;
  };
  char* reserve(size_t bytes);  // waits for old copies until `bytes` contiguous bytes are free
  void commit(char* at, size_t bytes);
  cudaEvent_t take_event();

  char* base_ = nullptr;
  size_t capacity_;
  size_t head_ = 0;
  cudaStream_t stream_;
  std::deque<Pending> pending_;
  std::vector<cudaEvent_t> free_events_;
};

}  // namespace evalrun::cuda
