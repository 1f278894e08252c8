// The order in which one runner offers its pending batches to its workers.
//
// Alone, a runner goes through its batches in key order. With other runners on the same
// migration, walking the same list in the same order is a trap: the runner that started
// a moment later reads each batch just after the leader has claimed it, loses the claim,
// and stays one step behind to the end, having done nothing. So when a claim is lost, the
// runner re-reads which batches are still pending and goes on from the middle of the
// longest stretch of them: the runners split what is left in halves (as work stealing
// does), and each then works on its own stretch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_set>
#include <vector>

#include "checkpoint/store.hpp"

namespace rowshift {

class BatchQueue {
 public:
  explicit BatchQueue(std::vector<checkpoint::BatchRecord> pending);

  bool empty() const { return cursor_ >= order_.size(); }
  std::size_t size() const { return order_.size() - cursor_; }
  // The next batch to offer. The reference stays valid for the queue's lifetime.
  const checkpoint::BatchRecord& front() const { return batches_[order_[cursor_]]; }
  // The k-th batch after the front (k < size()), as front() would give it k pops later.
  const checkpoint::BatchRecord& ahead(std::size_t k) const { return batches_[order_[cursor_ + k]]; }
  // The front batch was handed to a worker.
  void pop();
  // A batch handed out earlier comes back unstarted: it is offered next.
  void give_back(std::int64_t number);

  // Whether losing this batch's claim should make the runner look again: only a batch
  // offered since the last look tells something new (the others were in flight already).
  bool lost_tells_news(std::int64_t number) const { return offered_since_look_.count(number) > 0; }

  // Keeps, of the batches not offered yet, those in `still_pending` (batch numbers in
  // the store's order), and goes on from the middle of the longest run of consecutive
  // numbers among them, wrapping round to the ones before it.
  void respread(const std::vector<std::int64_t>& still_pending);

 private:
  std::vector<checkpoint::BatchRecord> batches_;  // never reordered: workers hold references
  std::vector<std::size_t> order_;                // indexes into batches_, in offering order
  std::size_t cursor_ = 0;
  std::unordered_set<std::int64_t> offered_since_look_;
};

}  // namespace rowshift
