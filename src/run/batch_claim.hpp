// One runner's claim on one batch, from the first attempt to the batch's end. It owns
// every transition of the batch's row in the checkpoint store, so that the task running
// the batch (run/batch_task.cpp) reads as the retry loop it is.
//
// Two ways to hold a claim (checkpoint/store.hpp, checkpoint/fence.hpp):
//   store = target  the claim, the rows and the done mark are one target transaction;
//                   the claim's row lock keeps every other runner off the batch.
//   store elsewhere the claim commits on its own in the store and yields an epoch; the
//                   batch's target transaction first passes the fence with it, so that
//                   a runner whose claim was taken over is refused by the target itself.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "checkpoint/store.hpp"
#include "migrate/batch_executor.hpp"

namespace rowshift {

class BatchClaim {
 public:
  enum class State {
    unclaimed,  // no attempt made a claim yet (or it was given back)
    claimed,    // store elsewhere: ours, with epoch(); store = target: taken in each attempt's transaction
    done,       // the batch's rows and its done mark are committed
    failed,     // marked failed (out of attempts, or a permanent error)
    released,   // given back unfinished (a stop was requested): pending for the next run
    lost,       // another runner holds or finished the batch: nothing of ours was written
    fenced,     // lost, and the target refused our writes: the claim was taken over while we were paused
  };

  BatchClaim(checkpoint::CheckpointStore& store, db::Database& target, bool in_target_transaction,
             std::string migration, std::int64_t batch, std::string owner, int lease_seconds);

  // Before an attempt's write transaction. Store elsewhere: claims the batch (again, for a
  // retry: the claim renews the lease and counts the attempt); false, state lost, when it
  // is not ours to take. Store = target: nothing to do yet, always true.
  bool take();
  // Hooks that put the claim into the attempt's write transaction: store = target, the
  // claim first (so that a batch another runner holds is given up before anything is
  // written), `before_commit` and the done mark last; store elsewhere, the fence first.
  // When the claim or the fence refuses, after_begin returns false (state lost or
  // fenced) and the transaction rolls back. `elapsed_ms` times the batch for its mark.
  migrate::TransactionHooks hooks(std::function<void()> before_commit, std::function<std::int64_t()> elapsed_ms);
  // After the write transaction committed. Store elsewhere: marks the batch done; false,
  // state lost, when the claim was taken over meanwhile (the writes were idempotent).
  bool committed(std::int64_t rows, std::int64_t elapsed_ms);

  // A failed attempt that will be retried: its error goes on the batch's row (and, store
  // = target, the attempt it cost, which the rolled-back claim took along).
  void note_retry(const std::string& note);
  // The batch ends unfinished (stop requested, the run halted): given back as pending.
  void release();
  // The batch failed for good, with this cause.
  void fail(const std::string& cause);

  State state() const { return state_; }
  // Store elsewhere: the epoch of our claim, once taken.
  std::optional<std::int64_t> epoch() const { return epoch_; }
  bool in_target_transaction() const { return in_tx_; }

 private:
  checkpoint::CheckpointStore& store_;
  db::Database& target_;
  const bool in_tx_;
  const std::string migration_;
  const std::int64_t batch_;
  const std::string owner_;
  const int lease_seconds_;
  State state_ = State::unclaimed;
  std::optional<std::int64_t> epoch_;
};

const char* to_string(BatchClaim::State s);

}  // namespace rowshift
