#include "backends/cuda/pinned_ring.h"

#include <cstring>
#include <stdexcept>
#include <string>

#include "backends/cuda/cuda_check.h"

namespace evalrun::cuda {

PinnedRing::PinnedRing(size_t capacity, cudaStream_t stream) : capacity_(capacity), stream_(stream) {
  EVALRUN_CUDA_CHECK(cudaHostAlloc(reinterpret_cast<void**>(&base_), capacity_, cudaHostAllocDefault));
}

PinnedRing::~PinnedRing() {
  for (auto& p : pending_) {
    cudaEventSynchronize(p.event);
    cudaEventDestroy(p.event);
  }
  for (auto e : free_events_) cudaEventDestroy(e);
  cudaFreeHost(base_);
}

cudaEvent_t PinnedRing::take_event() {
  if (!free_events_.empty()) {
    cudaEvent_t e = free_events_.back();
    free_events_.pop_back();
    return e;
  }
  cudaEvent_t e;
  EVALRUN_CUDA_CHECK(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
  return e;
}

char* PinnedRing::reserve(size_t bytes) {
  if (bytes > capacity_)
    throw std::logic_error("pinned ring: a single copy of " + std::to_string(bytes) + " bytes exceeds the ring");
  for (;;) {
    if (pending_.empty()) {
      head_ = 0;
      return base_;
    }
    const size_t tail = pending_.front().start;
    if (head_ > tail) {  // free: [head, capacity) and [0, tail)
      if (capacity_ - head_ >= bytes) return base_ + head_;
      if (tail >= bytes) return base_;
    } else if (head_ < tail && tail - head_ >= bytes) {  // free: [head, tail)
      return base_ + head_;
    }
    // Not enough room: wait for the oldest copy and release its region.
    Pending oldest = pending_.front();
    pending_.pop_front();
    EVALRUN_CUDA_CHECK(cudaEventSynchronize(oldest.event));
    free_events_.push_back(oldest.event);
  }
}

void PinnedRing::commit(char* at, size_t bytes) {
  const size_t start = static_cast<size_t>(at - base_);
  cudaEvent_t e = take_event();
  EVALRUN_CUDA_CHECK(cudaEventRecord(e, stream_));
  pending_.push_back({start, start + bytes, e});
  head_ = start + bytes;
}

void PinnedRing::copy_to_device(const void* host, void* dst, size_t bytes) {
  if (bytes == 0) return;
  char* at = reserve(bytes);
  std::memcpy(at, host, bytes);
  EVALRUN_CUDA_CHECK(cudaMemcpyAsync(dst, at, bytes, cudaMemcpyHostToDevice, stream_));
  commit(at, bytes);
}

void PinnedRing::copy_to_device_2d(const void* host, void* dst, size_t dst_pitch, size_t row_bytes, size_t rows) {
  const size_t bytes = row_bytes * rows;
  if (bytes == 0) return;
  char* at = reserve(bytes);
  std::memcpy(at, host, bytes);
  EVALRUN_CUDA_CHECK(
      cudaMemcpy2DAsync(dst, dst_pitch, at, row_bytes, row_bytes, rows, cudaMemcpyHostToDevice, stream_));
  commit(at, bytes);
}

}  // namespace evalrun::cuda
