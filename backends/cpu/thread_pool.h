#pragma once
// A small fixed thread pool for the CPU device: parallel_for over task indices. Work is split into tasks
// whose boundaries never depend on the thread count, so results are identical for any --threads.
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace evalrun::cpu {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);  // threads <= 0: hardware concurrency
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }
  // Runs fn(task, thread_index) for task in [0, n); the caller takes part; returns when all are done.
  // thread_index < size() lets tasks use per-thread scratch buffers.
  void parallel_for(size_t n, const std::function<void(size_t task, int thread)>& fn);

 private:
  void worker(int index);
  void run_tasks(int thread);

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable start_cv_, done_cv_;
  const std::function<void(size_t, int)>* fn_ = nullptr;
  size_t n_ = 0;
  std::atomic<size_t> next_{0};
  int active_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
};

}  // namespace evalrun::cpu
