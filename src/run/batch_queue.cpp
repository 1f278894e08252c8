#include "run/batch_queue.hpp"

#include <algorithm>
#include <numeric>

namespace rowshift {

BatchQueue::BatchQueue(std::vector<checkpoint::BatchRecord> pending) : batches_(std::move(pending)) {
  order_.resize(batches_.size());
  std::iota(order_.begin(), order_.end(), std::size_t{0});
}

void BatchQueue::pop() {
  offered_since_look_.insert(front().number);
  ++cursor_;
}

void BatchQueue::give_back(std::int64_t number) {
  for (std::size_t i = 0; i < batches_.size(); ++i) {
    if (batches_[i].number != number) continue;
    order_.insert(order_.begin() + static_cast<std::ptrdiff_t>(cursor_), i);
    return;
  }
}

void BatchQueue::respread(const std::vector<std::int64_t>& still_pending) {
  offered_since_look_.clear();
  // The middle of the longest run of consecutive pending numbers: the point furthest
  // from where any other runner is working (a run ends at a batch that is taken).
  std::int64_t middle = 0;
  std::size_t best = 0;
  for (std::size_t start = 0; start < still_pending.size();) {
    std::size_t end = start + 1;
    while (end < still_pending.size() && still_pending[end] == still_pending[end - 1] + 1) ++end;
    if (end - start > best) {
      best = end - start;
      middle = still_pending[start + (end - start) / 2];
    }
    start = end;
  }
  const std::unordered_set<std::int64_t> pending(still_pending.begin(), still_pending.end());
  std::vector<std::size_t> rest;
  for (std::size_t i = cursor_; i < order_.size(); ++i) {
    if (pending.count(batches_[order_[i]].number) > 0) rest.push_back(order_[i]);
  }
  std::sort(rest.begin(), rest.end(),
            [this](std::size_t a, std::size_t b) { return batches_[a].number < batches_[b].number; });
  auto from = std::find_if(rest.begin(), rest.end(), [&](std::size_t i) { return batches_[i].number >= middle; });
  std::rotate(rest.begin(), from, rest.end());
  order_.erase(order_.begin() + static_cast<std::ptrdiff_t>(cursor_), order_.end());
  order_.insert(order_.end(), rest.begin(), rest.end());
}

}  // namespace rowshift
