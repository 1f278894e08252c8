#include "run/batch_claim.hpp"

#include "checkpoint/fence.hpp"

namespace rowshift {
namespace {

// A transition the batch can do without: when the store is unreachable too, the next
// run's release_dead (or the lease's expiry) repairs the batch's row.
template <typename F>
void best_effort(F&& f) {
  try {
    f();
  } catch (...) {
  }
}

}  // namespace

BatchClaim::BatchClaim(checkpoint::CheckpointStore& store, db::Database& target, bool in_target_transaction,
                       std::string migration, std::int64_t batch, std::string owner, int lease_seconds)
    : store_(store),
      target_(target),
      in_tx_(in_target_transaction),
      migration_(std::move(migration)),
      batch_(batch),
      owner_(std::move(owner)),
      lease_seconds_(lease_seconds) {}

bool BatchClaim::take() {
  if (in_tx_) return true;
  epoch_ = store_.claim(migration_, batch_, owner_, lease_seconds_);
  state_ = epoch_ ? State::claimed : State::lost;
  return epoch_.has_value();
}

migrate::TransactionHooks BatchClaim::hooks(std::function<void()> before_commit,
                                            std::function<std::int64_t()> elapsed_ms) {
  migrate::TransactionHooks h;
  if (in_tx_) {
    h.after_begin = [this] {
      state_ = store_.claim(migration_, batch_, owner_, lease_seconds_) ? State::claimed : State::lost;
      return state_ == State::claimed;
    };
    h.before_commit = [before_commit](std::int64_t) {
      if (before_commit) before_commit();
    };
    h.commit = [this, elapsed_ms](db::Transaction& tx, std::int64_t rows) {
      store_.mark_done_and_commit(tx, migration_, batch_, owner_, rows, elapsed_ms());
      state_ = State::done;
    };
    return h;
  }
  h.after_begin = [this] {
    if (!epoch_) {  // no claim of ours to write under
      state_ = State::lost;
      return false;
    }
    if (checkpoint::Fence(target_).admit(migration_, batch_, *epoch_)) return true;
    state_ = State::fenced;
    return false;
  };
  if (before_commit) h.before_commit = [before_commit](std::int64_t) { before_commit(); };
  return h;
}

bool BatchClaim::committed(std::int64_t rows, std::int64_t elapsed_ms) {
  if (in_tx_) return state_ == State::done;
  const bool ours = store_.mark_done(migration_, batch_, owner_, rows, elapsed_ms);
  state_ = ours ? State::done : State::lost;
  return ours;
}

void BatchClaim::note_retry(const std::string& note) {
  if (in_tx_) best_effort([&] { store_.count_failed_attempt(migration_, batch_, note); });
  else best_effort([&] { store_.note_error(migration_, batch_, note); });
}

void BatchClaim::release() {
  if (!in_tx_) best_effort([&] { store_.release(migration_, batch_, owner_); });
  // store = target: the claim was in the rolled-back transaction; the row is pending.
  state_ = State::released;
}

void BatchClaim::fail(const std::string& cause) {
  if (in_tx_) best_effort([&] { store_.mark_failed_unclaimed(migration_, batch_, cause); });
  else best_effort([&] { store_.mark_failed(migration_, batch_, owner_, cause); });
  state_ = State::failed;
}

const char* to_string(BatchClaim::State s) {
  switch (s) {
    case BatchClaim::State::unclaimed: return "unclaimed";
    case BatchClaim::State::claimed: return "claimed";
    case BatchClaim::State::done: return "done";
    case BatchClaim::State::failed: return "failed";
    case BatchClaim::State::released: return "released";
    case BatchClaim::State::lost: return "lost";
    case BatchClaim::State::fenced: return "fenced";
  }
  return "?";
}

}  // namespace rowshift
