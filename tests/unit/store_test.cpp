#include <gtest/gtest.h>

#include "checkpoint/store.hpp"
#include "rowshift/error.hpp"
#include "support/sqlite_fixture.hpp"
#include "support/temp_dir.hpp"

using namespace rowshift;
using namespace rowshift::testing;
using checkpoint::CheckpointStore;

namespace {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store.ensure_schema();
    checkpoint::MigrationRecord rec;
    rec.name = "m";
    rec.kind = "copy";
    rec.checksum = "abc";
    rec.status = checkpoint::MigrationStatus::running;
    rec.batch_size = 10;
    std::vector<plan::Batch> batches(3);
    for (int i = 0; i < 3; ++i) {
      batches[i].number = i + 1;
      if (i > 0) batches[i].range.lo = {Value(i * 10)};
      if (i < 2) batches[i].range.hi = {Value((i + 1) * 10)};
    }
    db::Transaction tx(*db);
    store.record_start(rec, batches);
    tx.commit();
  }
  TempDir dir;
  std::unique_ptr<db::Database> db = open_db(dir.sqlite_url("s.db"));
  CheckpointStore store{*db};
};

}  // namespace

TEST_F(StoreTest, SchemaCreatedOnceWithVersion) {
  EXPECT_TRUE(store.exists());
  store.ensure_schema();  // second call is a no-op
  EXPECT_EQ(db::query_row(*db, "SELECT value FROM rowshift_meta WHERE key='schema_version'")[0].as_text(),
            std::to_string(checkpoint::kSchemaVersion));
  EXPECT_EQ(checkpoint::kSchemaVersion, 5);
  EXPECT_EQ(db::query_row(*db, "SELECT count(*) FROM sqlite_master WHERE name = 'rowshift_batches_by_status'")[0].as_int(), 0)
      << "v4 dropped the status index";
}

TEST_F(StoreTest, NewerSchemaVersionIsRefused) {
  db->execute("UPDATE rowshift_meta SET value = '99' WHERE key = 'schema_version'");
  try {
    store.ensure_schema();
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::config);
    EXPECT_NE(std::string(e.what()).find("schema version 99"), std::string::npos) << e.what();
  }
}

TEST_F(StoreTest, PlanStoredWithRanges) {
  auto pending = store.batches("m", checkpoint::BatchStatus::pending);
  ASSERT_EQ(pending.size(), 3u);
  EXPECT_FALSE(pending[0].range.has_lo());
  EXPECT_EQ(pending[1].range.lo[0].as_int(), 10);
  EXPECT_EQ(pending[1].range.hi[0].as_int(), 20);
  EXPECT_FALSE(pending[2].range.has_hi());
  EXPECT_EQ(store.migration("m")->total_batches, 3);
}

TEST_F(StoreTest, ClaimDoneTransitions) {
  EXPECT_TRUE(store.claim("m", 1, "h:1", 60));
  EXPECT_FALSE(store.claim("m", 1, "h:2", 60)) << "held by another owner";
  EXPECT_FALSE(store.mark_done("m", 1, "h:2", 10, 5)) << "only the owner marks done";
  EXPECT_TRUE(store.mark_done("m", 1, "h:1", 10, 5));
  EXPECT_FALSE(store.claim("m", 1, "h:1", 60)) << "done batches are never claimed again";
  auto c = store.counts("m");
  EXPECT_EQ(c.done, 1);
  EXPECT_EQ(c.pending, 2);
  EXPECT_EQ(c.rows, 10);
}

TEST_F(StoreTest, FailedKeepsErrorAndAttemptsThenRetryResets) {
  ASSERT_TRUE(store.claim("m", 2, "h:1", 60));
  ASSERT_TRUE(store.claim("m", 2, "h:1", 60));  // second attempt by the same owner
  store.mark_failed("m", 2, "h:1", "UNIQUE constraint failed");
  auto failed = store.batches("m", checkpoint::BatchStatus::failed);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].attempts, 2);
  EXPECT_EQ(failed[0].last_error, "UNIQUE constraint failed");
  EXPECT_EQ(store.retry_failed("m"), 1);
  EXPECT_EQ(store.counts("m").failed, 0);
  EXPECT_EQ(store.batches("m", checkpoint::BatchStatus::pending).size(), 3u);
}

TEST_F(StoreTest, ExpiredLeaseCanBeTakenOver) {
  ASSERT_TRUE(store.claim("m", 3, "h:1", -5));  // lease already expired
  EXPECT_TRUE(store.claim("m", 3, "h:2", 60));
}

TEST_F(StoreTest, ReleaseDeadOwnersOfThisHost) {
  std::string me = checkpoint::new_owner();
  std::string earlier = checkpoint::new_owner();  // another runner of this process
  std::string host_pid = me.substr(0, me.rfind(':'));
  std::string host = host_pid.substr(0, host_pid.rfind(':'));
  ASSERT_TRUE(store.claim("m", 1, host + ":999999999:1", 600));  // no such pid
  ASSERT_TRUE(store.claim("m", 2, me, 600));                     // alive: the caller
  ASSERT_TRUE(store.claim("m", 3, "otherhost:1:1", 600));        // cannot tell: lease holds
  EXPECT_EQ(store.release_dead("m", me), 1);
  EXPECT_EQ(store.counts("m").running, 2);
  ASSERT_TRUE(store.claim("m", 1, earlier, 600));
  EXPECT_EQ(store.release_dead("m", me), 1) << "an earlier runner of this process is gone";
}

TEST_F(StoreTest, ReleaseDoesNotCountTheAttempt) {
  ASSERT_TRUE(store.claim("m", 1, "h:1", 60));
  store.release("m", 1, "h:1");
  auto p = store.batches("m", checkpoint::BatchStatus::pending);
  EXPECT_EQ(p[0].attempts, 0);
}

TEST_F(StoreTest, ResetForgetsEverything) {
  db::Transaction tx(*db);
  EXPECT_TRUE(store.reset("m"));
  tx.commit();
  EXPECT_FALSE(store.migration("m").has_value());
  EXPECT_EQ(store.counts("m").total, 0);
  EXPECT_FALSE(store.reset("m"));
}

TEST_F(StoreTest, CorruptedKeyIsReported) {
  db->execute("UPDATE rowshift_batches SET lo_key = '[1,' WHERE batch_no = 2");
  try {
    store.batches("m", checkpoint::BatchStatus::pending);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::config);
  }
}
