// Fencing tokens in the target (Kleppmann's pattern), for checkpoint stores in another
// database. A claim's epoch (CheckpointStore::claim) travels with the batch's writes,
// and the target itself rejects them when a newer claim of the same batch has written
// there: a runner that was paused past its lease (SIGSTOP, a frozen VM) and taken over
// cannot, when it wakes, overwrite the newer rows with its stale copy.
//
//   rowshift_fence (migration, batch_no, epoch)   in the target database
//
// batch_no 0 is the migration's floor, raised when a plan is stored: a claim from an
// earlier plan (before a `reset`) is older than the floor and is rejected on every batch.
// When the store is the target, no fence is needed: the claim, the rows and the done
// mark are one transaction, and the claim's row lock keeps everyone else out.
#pragma once

#include <cstdint>
#include <string>

#include "db/database.hpp"

namespace rowshift::checkpoint {

class Fence {
 public:
  explicit Fence(db::Database& target) : db_(target) {}

  // Creates rowshift_fence in the target when it is missing.
  void ensure();
  // Raises the floor of `migration` to at least `epoch` (a new plan was stored).
  void raise_floor(const std::string& migration, std::int64_t epoch);
  // Inside the batch's target transaction, before its writes: records `epoch` as the
  // batch's and returns true, or returns false when a newer claim of the batch (or a
  // newer plan) has written already; the caller then rolls back. The row it writes
  // stays locked until the transaction ends, so two writers of one batch serialise.
  bool admit(const std::string& migration, std::int64_t batch, std::int64_t epoch);

 private:
  db::Database& db_;
};

}  // namespace rowshift::checkpoint
