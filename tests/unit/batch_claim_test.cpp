// BatchClaim (run/batch_claim.hpp): one object per claimed batch owns the batch's
// transitions; its state says how the batch ended, where a private exception used to
// travel through the executor's stack frames.
#include <gtest/gtest.h>

#include "checkpoint/fence.hpp"
#include "checkpoint/store.hpp"
#include "run/batch_claim.hpp"
#include "support/sqlite_fixture.hpp"
#include "support/temp_dir.hpp"

using namespace rowshift;
using namespace rowshift::testing;
using State = BatchClaim::State;

namespace {

void plan_one_batch(checkpoint::CheckpointStore& store, db::Database& db) {
  store.ensure_schema();
  checkpoint::MigrationRecord rec;
  rec.name = "m";
  rec.kind = "copy";
  rec.checksum = "abc";
  rec.status = checkpoint::MigrationStatus::running;
  rec.batch_size = 10;
  std::vector<plan::Batch> batches(1);
  batches[0].number = 1;
  db::Transaction tx(db);
  store.record_start(rec, batches);
  tx.commit();
}

// Runs one write transaction under the claim's hooks; true when it committed.
bool write_under(BatchClaim& claim, db::Database& target) {
  auto hooks = claim.hooks(nullptr, [] { return std::int64_t{1}; });
  db::Transaction tx(target);
  if (!hooks.after_begin()) return false;
  if (hooks.before_commit) hooks.before_commit(0);
  if (hooks.commit) hooks.commit(tx, 0);
  else tx.commit();
  return claim.committed(0, 1);
}

std::string status_of_batch(checkpoint::CheckpointStore& store) {
  using checkpoint::BatchStatus;
  for (auto s : {BatchStatus::pending, BatchStatus::running, BatchStatus::done, BatchStatus::failed}) {
    if (!store.batches("m", s).empty()) return checkpoint::to_string(s);
  }
  return "none";
}

}  // namespace

TEST(BatchClaim, StoreElsewhereTakenOverClaimIsFencedAndTheNewOneIsDone) {
  TempDir dir;
  auto store_db = open_db(dir.sqlite_url("store.db"));
  auto target = open_db(dir.sqlite_url("target.db"));
  checkpoint::CheckpointStore store(*store_db);
  plan_one_batch(store, *store_db);
  checkpoint::Fence(*target).ensure();

  // A's lease is already over when it is taken: B may take the batch over.
  BatchClaim a(store, *target, false, "m", 1, "host:1:1", -5);
  EXPECT_EQ(a.state(), State::unclaimed);
  ASSERT_TRUE(a.take());
  EXPECT_EQ(a.state(), State::claimed);
  BatchClaim b(store, *target, false, "m", 1, "host:2:1", 60);
  ASSERT_TRUE(b.take());
  ASSERT_GT(*b.epoch(), *a.epoch());

  EXPECT_TRUE(write_under(b, *target));
  EXPECT_EQ(b.state(), State::done);
  EXPECT_EQ(status_of_batch(store), "done");

  // A wakes up: the target refuses its writes.
  EXPECT_FALSE(write_under(a, *target));
  EXPECT_EQ(a.state(), State::fenced);

  // A third runner finds the batch done: lost, nothing written.
  BatchClaim c(store, *target, false, "m", 1, "host:3:1", 60);
  EXPECT_FALSE(c.take());
  EXPECT_EQ(c.state(), State::lost);
  EXPECT_EQ(status_of_batch(store), "done");
}

TEST(BatchClaim, StoreInTargetClaimsRowsAndMarkCommitTogether) {
  TempDir dir;
  auto db = open_db(dir.sqlite_url("one.db"));
  checkpoint::CheckpointStore store(*db);
  plan_one_batch(store, *db);

  BatchClaim a(store, *db, true, "m", 1, "host:1:1", 60);
  ASSERT_TRUE(a.take());  // nothing happens before the transaction
  EXPECT_EQ(a.state(), State::unclaimed);
  EXPECT_EQ(status_of_batch(store), "pending");
  {  // an attempt that fails rolls its claim back with it
    auto hooks = a.hooks(nullptr, [] { return std::int64_t{1}; });
    db::Transaction tx(*db);
    ASSERT_TRUE(hooks.after_begin());
    EXPECT_EQ(a.state(), State::claimed);
  }
  EXPECT_EQ(status_of_batch(store), "pending");
  a.note_retry("attempt 1: boom");
  EXPECT_TRUE(write_under(a, *db));
  EXPECT_EQ(a.state(), State::done);
  EXPECT_EQ(status_of_batch(store), "done");

  BatchClaim b(store, *db, true, "m", 1, "host:2:1", 60);
  EXPECT_FALSE(write_under(b, *db));
  EXPECT_EQ(b.state(), State::lost);
}

TEST(BatchClaim, ReleaseAndFailMoveTheBatchsRow) {
  TempDir dir;
  auto store_db = open_db(dir.sqlite_url("store.db"));
  auto target = open_db(dir.sqlite_url("target.db"));
  checkpoint::CheckpointStore store(*store_db);
  plan_one_batch(store, *store_db);

  BatchClaim a(store, *target, false, "m", 1, "host:1:1", 60);
  ASSERT_TRUE(a.take());
  EXPECT_EQ(status_of_batch(store), "running");
  a.release();
  EXPECT_EQ(a.state(), State::released);
  EXPECT_EQ(status_of_batch(store), "pending");
  ASSERT_TRUE(a.take());
  a.fail("permanent: no such column");
  EXPECT_EQ(a.state(), State::failed);
  ASSERT_EQ(status_of_batch(store), "failed");
  EXPECT_EQ(store.batches("m", checkpoint::BatchStatus::failed)[0].last_error, "permanent: no such column");
}
