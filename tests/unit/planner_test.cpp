#include <gtest/gtest.h>

#include "db/sql.hpp"
#include "plan/planner.hpp"
#include "rowshift/error.hpp"
#include "support/sqlite_fixture.hpp"
#include "support/temp_dir.hpp"

using namespace rowshift;
using namespace rowshift::testing;

namespace {

// Counts each batch's rows with the same predicate the executors use, and checks
// that the batches partition the table: every row in exactly one batch.
std::vector<std::int64_t> rows_per_batch(db::Database& db, const plan::Plan& p, const plan::PlanRequest& r) {
  std::vector<std::int64_t> out;
  for (const auto& b : p.batches) {
    std::string sql = "SELECT count(*) FROM " + db::quote_ident(r.table) + " WHERE " +
                      db::range_predicate(r.key, b.range.has_lo(), b.range.has_hi());
    out.push_back(db::query_row(db, sql, b.range.params())[0].as_int());
  }
  return out;
}

class PlannerTest : public ::testing::Test {
 protected:
  TempDir dir;
  std::unique_ptr<db::Database> db = open_db(dir.sqlite_url("p.db"));
};

}  // namespace

TEST_F(PlannerTest, SparseIntegerKeysGiveFullBatches) {
  db->execute_script(
      "CREATE TABLE t (id INTEGER PRIMARY KEY);"
      "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM s WHERE n < 2500)"
      " INSERT INTO t SELECT n * n FROM s;");  // gaps growing to thousands
  plan::PlanRequest req{"t", {"id"}, "", 1000};
  auto p = plan::plan_batches(*db, req);
  ASSERT_EQ(p.batches.size(), 3u);
  EXPECT_EQ(p.rows, 2500);
  EXPECT_EQ(rows_per_batch(*db, p, req), (std::vector<std::int64_t>{1000, 1000, 500}));
  EXPECT_FALSE(p.batches[0].range.has_lo());
  EXPECT_FALSE(p.batches[2].range.has_hi()) << "last batch must be open-ended";
  EXPECT_EQ(p.min_key[0].as_int(), 1);
  EXPECT_EQ(p.max_key[0].as_int(), 2500LL * 2500);
}

TEST_F(PlannerTest, ExactMultipleOfBatchSize) {
  db->execute_script(
      "CREATE TABLE t (id INTEGER PRIMARY KEY);"
      "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM s WHERE n < 2000) INSERT INTO t SELECT n FROM s;");
  plan::PlanRequest req{"t", {"id"}, "", 1000};
  auto p = plan::plan_batches(*db, req);
  EXPECT_EQ(rows_per_batch(*db, p, req), (std::vector<std::int64_t>{1000, 1000}));
}

TEST_F(PlannerTest, TextKeys) {
  db->execute_script(
      "CREATE TABLE t (code TEXT PRIMARY KEY);"
      "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM s WHERE n < 250)"
      " INSERT INTO t SELECT printf('k-%x-ü''\"', n * 7919) FROM s;");
  plan::PlanRequest req{"t", {"code"}, "", 100};
  auto p = plan::plan_batches(*db, req);
  EXPECT_EQ(rows_per_batch(*db, p, req), (std::vector<std::int64_t>{100, 100, 50}));
  EXPECT_TRUE(p.batches[1].range.lo[0].is_text());
}

TEST_F(PlannerTest, CompositeKeys) {
  db->execute_script(
      "CREATE TABLE t (region TEXT, seq INTEGER, PRIMARY KEY (region, seq));"
      "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM s WHERE n < 1003)"
      " INSERT INTO t SELECT char(65 + n % 3), n / 3 FROM s;");
  plan::PlanRequest req{"t", {"region", "seq"}, "", 100};
  auto p = plan::plan_batches(*db, req);
  auto counts = rows_per_batch(*db, p, req);
  ASSERT_EQ(counts.size(), 11u);
  for (std::size_t i = 0; i + 1 < counts.size(); ++i) EXPECT_EQ(counts[i], 100) << i;
  EXPECT_EQ(counts.back(), 3);
  EXPECT_EQ(p.batches[1].range.lo.size(), 2u);
}

TEST_F(PlannerTest, EmptyTableGivesNoBatches) {
  db->execute_script("CREATE TABLE t (id INTEGER PRIMARY KEY);");
  auto p = plan::plan_batches(*db, {"t", {"id"}, "", 1000});
  EXPECT_TRUE(p.batches.empty());
  EXPECT_EQ(p.rows, 0);
}

TEST_F(PlannerTest, SingleRow) {
  db->execute_script("CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (42);");
  plan::PlanRequest req{"t", {"id"}, "", 1000};
  auto p = plan::plan_batches(*db, req);
  ASSERT_EQ(p.batches.size(), 1u);
  EXPECT_EQ(rows_per_batch(*db, p, req), (std::vector<std::int64_t>{1}));
}

TEST_F(PlannerTest, FilterAndNullKey) {
  db->execute_script(
      "CREATE TABLE t (id INTEGER, flag INTEGER);"
      "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM s WHERE n < 300)"
      " INSERT INTO t SELECT n, n % 2 FROM s;");
  auto p = plan::plan_batches(*db, {"t", {"id"}, "flag = 1", 100});
  EXPECT_EQ(p.rows, 150);
  EXPECT_EQ(p.batches.size(), 2u);
  db->execute("INSERT INTO t VALUES (NULL, 1)");
  try {
    plan::plan_batches(*db, {"t", {"id"}, "", 100});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::config);
    EXPECT_NE(std::string(e.what()).find("NULL"), std::string::npos);
  }
}

TEST_F(PlannerTest, RejectsNonPositiveBatchSize) {
  db->execute_script("CREATE TABLE t (id INTEGER PRIMARY KEY);");
  EXPECT_THROW(plan::plan_batches(*db, {"t", {"id"}, "", 0}), Error);
}
