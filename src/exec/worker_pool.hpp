// WorkerPool: the only place in rowshift that starts threads.
//
// N threads take tasks from one bounded queue. A task receives the index of the worker
// running it (0..N-1), so callers can keep per-worker state such as database
// connections without locking. Tasks must not throw: their outcomes travel back as
// values on a channel the caller owns. The destructor closes the queue, lets the
// workers finish what was queued, and joins every thread.
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <thread>
#include <vector>

#include "exec/channel.hpp"

namespace rowshift::exec {

class WorkerPool {
 public:
  using Task = std::function<void(int worker)>;

  WorkerPool(int workers, std::size_t queue_capacity);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  int size() const { return static_cast<int>(threads_.size()); }
  // Threads this machine runs at once (at least 2, as hardware_concurrency may say 0).
  static int cores() { return static_cast<int>(std::max(2u, std::thread::hardware_concurrency())); }
  // Queues a task, waiting up to timeout for room; false when the queue stayed full.
  bool submit_for(Task task, std::chrono::milliseconds timeout);
  // Queues a task, waiting for room as long as needed.
  void submit(Task task);
  // Closes the queue, runs what is queued, joins all workers. Idempotent.
  void join();

 private:
  Channel<Task> queue_;
  std::vector<std::thread> threads_;
};

}  // namespace rowshift::exec
