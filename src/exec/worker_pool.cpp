#include "exec/worker_pool.hpp"

#include <stdexcept>

namespace rowshift::exec {

WorkerPool::WorkerPool(int workers, std::size_t queue_capacity) : queue_(queue_capacity) {
  if (workers <= 0) throw std::invalid_argument("worker count must be positive");
  threads_.reserve(static_cast<std::size_t>(workers));
  for (int i = 0; i < workers; ++i) {
    threads_.emplace_back([this, i] {
      while (auto task = queue_.pop()) (*task)(i);
    });
  }
}

WorkerPool::~WorkerPool() { join(); }

bool WorkerPool::submit_for(Task task, std::chrono::milliseconds timeout) {
  return queue_.push_for(std::move(task), timeout);
}

void WorkerPool::submit(Task task) {
  if (!queue_.push(std::move(task))) throw std::logic_error("submit after join");
}

void WorkerPool::join() {
  queue_.close();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

}  // namespace rowshift::exec
