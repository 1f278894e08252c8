// The conformance suite: end-to-end runs through rowshift::Runner, once on SQLite files
// and once on the PostgreSQL test cluster, with faults injected through the Database
// wrapper.
#include <gtest/gtest.h>

#include <atomic>

#include "checkpoint/store.hpp"
#include "migrate/loader.hpp"
#include "rowshift/rowshift.hpp"
#include "support/backend.hpp"
#include "support/orders_v2.hpp"
#include "support/faulty_database.hpp"
#include "support/run_options.hpp"
#include "support/sqlite_fixture.hpp"
#include "support/temp_dir.hpp"

using namespace rowshift;
using namespace rowshift::testing;

namespace {

class EngineTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    url = backend.new_database(dir, "e.db");
    auto db = open_db(url);
    backend.make_orders(*db, kRows);
  }

  RunOptions options(std::vector<MigrationDef> migrations) { return test_options(url, std::move(migrations)); }
  std::vector<MigrationDef> copy_set() { return {Migration::schema("0001_create", kCreate).def(), copy_orders()}; }

  std::int64_t count(const std::string& sql) {
    auto db = open_db(url);
    return count_rows(*db, sql);
  }
  // Rows of orders_v2 that differ from what the copy should have made of orders.
  std::int64_t wrong_rows() {
    return count(
        "SELECT count(*) FROM orders o LEFT JOIN orders_v2 v ON v.id = o.id WHERE v.id IS NULL"
        " OR v.customer_name IS DISTINCT FROM coalesce(trim(o.customer), '(unknown)')"
        " OR v.total_cents IS DISTINCT FROM CAST(round(o.amount * 100) AS INTEGER)"
        " OR v.currency IS DISTINCT FROM o.currency OR v.note IS DISTINCT FROM o.note"
        " OR v.ordered_on IS DISTINCT FROM CAST(date(o.created_at) AS TEXT)");
  }

  static constexpr int kRows = 5000;
  const Backend backend = GetParam();
  TempDir dir;
  std::string url;
};

}  // namespace

TEST_P(EngineTest, CopyRunsResumesNothingAndVerifies) {
  Runner runner(options(copy_set()));
  auto report = runner.run();
  ASSERT_EQ(report.exit_code(), ExitCode::success);
  ASSERT_EQ(report.migrations.size(), 2u);
  EXPECT_EQ(report.migrations[1].batches_done, 5);
  EXPECT_EQ(report.migrations[1].rows, kRows);
  EXPECT_EQ(count("SELECT count(*) FROM orders_v2"), kRows);
  EXPECT_EQ(wrong_rows(), 0);

  auto again = Runner(options(copy_set())).run();
  EXPECT_EQ(again.migrations[1].rows, 0) << "a finished migration is not run twice";
  EXPECT_EQ(count("SELECT count(*) FROM orders_v2"), kRows);

  auto v = runner.verify("0002_copy");
  EXPECT_TRUE(v.ok());
  EXPECT_EQ(v.source_rows, kRows);
  EXPECT_EQ(v.ranges, 5);

  // A changed target row is found, in the right range.
  { open_db(url)->execute("UPDATE orders_v2 SET note = 'tampered' WHERE id = (SELECT max(id) FROM orders_v2)"); }
  auto bad = runner.verify("0002_copy");
  EXPECT_FALSE(bad.ok());
  ASSERT_EQ(bad.mismatches.size(), 1u);
  EXPECT_EQ(bad.mismatches[0].batch, 5);
}

TEST_P(EngineTest, RepoMigrationFilesRunEndToEnd) {
  RunOptions o = options({});
  o.migrations_dir = std::string(ROWSHIFT_SOURCE_DIR) + "/migrations";
  o.batch_size = 700;
  auto report = Runner(o).run();
  ASSERT_EQ(report.exit_code(), ExitCode::success);
  ASSERT_EQ(report.migrations.size(), 3u);
  EXPECT_EQ(report.migrations[1].batches_total, (kRows + 699) / 700);
  EXPECT_EQ(wrong_rows(), 0);
  EXPECT_EQ(count("SELECT count(*) FROM orders_v2 WHERE total_with_vat_cents IS DISTINCT FROM"
                  " CAST(round(total_cents * 1.2) AS INTEGER)"),
            0)
      << "backfill reached every row";
}

TEST_P(EngineTest, TransformSplitsRows) {
  auto people = Migration::schema("0001_people", "CREATE TABLE people (id INTEGER PRIMARY KEY, first TEXT, rest TEXT)");
  auto split = Migration::transform("0002_split")
                   .from("orders")
                   .key("id")
                   .read_columns({"id", "customer"})
                   .to("people", {"id", "first", "rest"})
                   .map([](const Row& in, Emitter& out) {
                     if (in["customer"].is_null()) return;  // zero rows out
                     std::string c = in["customer"].as_text();
                     auto sp = c.find(' ');
                     out.emit({in["id"], c.substr(0, sp), sp == std::string::npos ? Value() : Value(c.substr(sp + 1))});
                   });
  Runner runner(options({people.def(), split.def()}));
  ASSERT_EQ(runner.run().exit_code(), ExitCode::success);
  EXPECT_EQ(count("SELECT count(*) FROM people"), count("SELECT count(*) FROM orders WHERE customer IS NOT NULL"));
  EXPECT_EQ(count("SELECT count(*) FROM people p JOIN orders o USING (id) WHERE p.first || ' ' || p.rest != o.customer"
                  " AND o.customer LIKE '% %'"),
            0);
  EXPECT_TRUE(runner.verify("0002_split").ok());
}

TEST_P(EngineTest, UpdateWithCompositeKey) {
  {
    auto db = open_db(url);
    db->execute_script(
        "CREATE TABLE stock (region TEXT, sku INTEGER, qty INTEGER, flagged INTEGER, PRIMARY KEY (region, sku));"
        "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM s WHERE n < 2345)"
        " INSERT INTO stock SELECT " + backend.chr() + "(65 + n % 4), n, n % 50, NULL FROM s;");
  }
  auto upd = Migration::update("0001_flag").table("stock").keys({"region", "sku"}).sql(
      "UPDATE stock SET flagged = CASE WHEN qty < 10 THEN 1 ELSE 0 END WHERE {{batch}}");
  upd.batch_size(500);
  auto report = Runner(options({upd.def()})).run();
  ASSERT_EQ(report.exit_code(), ExitCode::success);
  EXPECT_EQ(report.migrations[0].batches_total, 5);
  EXPECT_EQ(report.migrations[0].rows, 2345);
  EXPECT_EQ(count("SELECT count(*) FROM stock WHERE flagged IS NULL OR flagged != CASE WHEN qty < 10 THEN 1 ELSE 0 END"), 0);
}

TEST_P(EngineTest, TransientFaultsAreRetried) {
  ScopedFaults faults;
  faults.plan().add({"INSERT INTO \"orders_v2\"", ErrorKind::transient, 2});
  auto report = Runner(options(copy_set())).run();
  ASSERT_EQ(report.exit_code(), ExitCode::success);
  EXPECT_EQ(faults.plan().injected(), 2);
  EXPECT_EQ(wrong_rows(), 0);
  EXPECT_EQ(count("SELECT sum(attempts) FROM rowshift_batches"), 5 + 2) << "each retry counted as an attempt";
}

TEST_P(EngineTest, TransientFaultExhaustsAttempts) {
  ScopedFaults faults;
  std::int64_t lo = count("SELECT id FROM orders ORDER BY id LIMIT 1 OFFSET 999");  // batch 2 starts after it
  faults.plan().add({"INSERT INTO \"orders_v2\"", ErrorKind::transient, -1, Value(lo)});
  RunOptions o = options(copy_set());
  o.max_attempts = 4;
  auto report = Runner(o).run();
  EXPECT_EQ(report.exit_code(), ExitCode::batches_failed);
  EXPECT_EQ(count("SELECT attempts FROM rowshift_batches WHERE status = 'failed'"), 4);
}

TEST_P(EngineTest, PermanentFaultFailsOnlyItsBatchThenRetryFixes) {
  std::int64_t lo = count("SELECT id FROM orders ORDER BY id LIMIT 1 OFFSET 1999");  // batch 3 starts after it
  {
    ScopedFaults faults;
    faults.plan().add({"INSERT INTO \"orders_v2\"", ErrorKind::permanent, -1, Value(lo)});
    Runner runner(options(copy_set()));
    auto report = runner.run();
    EXPECT_EQ(report.exit_code(), ExitCode::batches_failed);
    EXPECT_EQ(report.migrations[1].batches_failed, 1);
    EXPECT_EQ(report.migrations[1].batches_done, 4);
    ASSERT_EQ(report.migrations[1].errors.size(), 1u);
    EXPECT_NE(report.migrations[1].errors[0].find("batch 3 of 0002_copy"), std::string::npos);
    EXPECT_EQ(count("SELECT count(*) FROM orders_v2"), kRows - 1000);
    EXPECT_EQ(count("SELECT attempts FROM rowshift_batches WHERE status = 'failed'"), 1) << "permanent: no retry";
    auto st = runner.status("0002_copy");
    ASSERT_EQ(st[0].errors.size(), 1u);
    EXPECT_NE(st[0].errors[0].error.find("injected permanent fault"), std::string::npos);
    EXPECT_EQ(st[0].state, "failed");
  }
  Runner fixed(options(copy_set()));
  auto report = fixed.retry("0002_copy");
  EXPECT_EQ(report.exit_code(), ExitCode::success);
  EXPECT_EQ(wrong_rows(), 0);
  EXPECT_EQ(count("SELECT count(*) FROM orders_v2"), kRows);
}

TEST_P(EngineTest, FailFastStopsScheduling) {
  ScopedFaults faults;
  faults.plan().add({"INSERT INTO \"orders_v2\"", ErrorKind::permanent, -1});
  RunOptions o = options(copy_set());
  o.fail_fast = true;
  o.workers = 1;
  auto report = Runner(o).run();
  EXPECT_EQ(report.exit_code(), ExitCode::batches_failed);
  EXPECT_EQ(report.migrations[1].batches_failed, 1);
  EXPECT_EQ(count("SELECT count(*) FROM rowshift_batches WHERE status = 'pending'"), 4);
}

TEST_P(EngineTest, ExactlyOnceWhenTheDoneMarkFails) {
  // The batch's rows are written, then marking it done fails: the whole transaction
  // rolls back and the retry writes the rows once (a duplicate would break the PK).
  ScopedFaults faults;
  // Two faults: fewer than --max-attempts even if both hit the same batch.
  faults.plan().add({"SET status = 'done'", ErrorKind::transient, 2, std::nullopt, true});
  auto report = Runner(options(copy_set())).run();
  ASSERT_EQ(report.exit_code(), ExitCode::success) << (report.migrations.size() > 1 && !report.migrations[1].errors.empty() ? report.migrations[1].errors[0] : "");
  EXPECT_EQ(faults.plan().injected(), 2);
  EXPECT_EQ(count("SELECT count(*) FROM orders_v2"), kRows);
  EXPECT_EQ(wrong_rows(), 0);
}

TEST_P(EngineTest, SeparateStoreUsesIdempotentWrites) {
  ScopedFaults faults;
  // With the store elsewhere the rows commit first; losing the mark repeats the batch,
  // which the upsert makes harmless.
  faults.plan().add({"SET status = 'done'", ErrorKind::transient, 2});
  RunOptions o = options(copy_set());
  o.store_url = backend.new_database(dir, "store.db");
  auto report = Runner(o).run();
  ASSERT_EQ(report.exit_code(), ExitCode::success);
  EXPECT_EQ(faults.plan().injected(), 2);
  EXPECT_EQ(wrong_rows(), 0);
  EXPECT_FALSE(open_db(url)->table_exists("rowshift_batches")) << "store lives in its own database";
  EXPECT_TRUE(open_db(o.store_url)->table_exists("rowshift_batches"));
}

TEST_P(EngineTest, GracefulStopThenResumeIncludingRowsAddedAfterPlanning) {
  std::atomic<int> ticks{0};
  RunOptions o = options(copy_set());
  o.workers = 2;
  o.batch_size = 100;
  o.max_rows_per_second = 20000;  // slow enough to stop part-way
  o.should_stop = [&] { return ++ticks > 20; };
  auto first = Runner(o).run();
  EXPECT_TRUE(first.interrupted);
  EXPECT_EQ(first.exit_code(), ExitCode::interrupted);
  std::int64_t copied = count("SELECT count(*) FROM orders_v2");
  EXPECT_GT(copied, 0);
  EXPECT_LT(copied, kRows);
  EXPECT_EQ(count("SELECT count(*) FROM rowshift_batches WHERE status = 'running'"), 0) << "in-flight batches finished";

  // New rows above the planned maximum land in the open-ended last batch.
  { open_db(url)->execute("INSERT INTO orders (id, customer, amount, currency, created_at) VALUES (99999999, 'late', 1, 'EUR', '2024-01-01')"); }
  o.should_stop = nullptr;
  o.max_rows_per_second = 0;
  auto second = Runner(o).run();
  ASSERT_EQ(second.exit_code(), ExitCode::success);
  EXPECT_EQ(count("SELECT count(*) FROM orders_v2"), kRows + 1);
  EXPECT_EQ(wrong_rows(), 0);
}

TEST_P(EngineTest, CrossDatabaseSource) {
  std::string legacy = dir.sqlite_url("legacy.db");
  { make_orders(*open_db(legacy), 3000); }  // a legacy SQLite file, whatever the target
  { open_db(url)->execute_script("DROP TABLE orders"); }
  auto copy = copy_orders();
  copy.source_db = legacy;
  Runner runner(options({Migration::schema("0001_create", kCreate).def(), copy}));
  ASSERT_EQ(runner.run().exit_code(), ExitCode::success);
  EXPECT_EQ(count("SELECT count(*) FROM orders_v2"), 3000);
  auto v = runner.verify("0002_copy");
  EXPECT_TRUE(v.ok());
  EXPECT_EQ(v.target_rows, 3000);
}

TEST_P(EngineTest, ChangedDefinitionIsRefusedUntilReset) {
  ASSERT_EQ(Runner(options(copy_set())).run().exit_code(), ExitCode::success);
  auto changed = copy_set();
  changed[1].columns[4].second = "upper(note)";
  Runner runner(options(changed));
  try {
    runner.run();
    FAIL() << "a changed migration ran";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::config);
    EXPECT_NE(std::string(e.what()).find("changed after it started"), std::string::npos) << e.what();
  }
  EXPECT_EQ(runner.status()[1].state, "changed");
  runner.reset("0002_copy");
  EXPECT_EQ(runner.status()[1].state, "pending");
}

TEST_P(EngineTest, MissingTableOrKeyWritesNothing) {
  auto bad = copy_orders();
  bad.source_table = "ordrs";
  try {
    Runner(options({bad})).run();
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::config);
    EXPECT_NE(std::string(e.what()).find("source table \"ordrs\" not found"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(open_db(url)->table_exists("rowshift_meta"));
  auto bad_key = copy_orders();
  bad_key.key = {"idd"};
  bad_key.columns[0] = {"idd", "id"};
  bad_key.target_key = {"idd"};
  { open_db(url)->execute_script(kCreate); }
  EXPECT_THROW(Runner(options({bad_key})).run(), Error);
  EXPECT_FALSE(open_db(url)->table_exists("rowshift_meta"));
}

INSTANTIATE_TEST_SUITE_P(Backends, EngineTest, ::testing::ValuesIn(all_backends()), backend_name);

// Reliability: the database goes down in the middle of a run. The breaker opens,
// workers wait instead of burning attempts, and no batch fails.
class BreakerTest : public EngineTest {};

TEST_P(BreakerTest, OutageOpensBreakerAndNoBatchFails) {
  ScopedFaults faults;
  RunOptions o = options(copy_set());
  o.batch_size = 250;
  o.max_rows_per_second = 10000;  // about 2 s of work
  o.breaker_cooldown = std::chrono::milliseconds(100);
  // Down from the first progress tick until 0.6 s into the run.
  o.on_progress = [&](const Progress& p) { faults.plan().set_down(p.seconds < 0.6); };
  std::vector<std::string> events;
  o.on_event = [&](const std::string& e) { events.push_back(e); };
  Runner runner(o);
  auto report = runner.run();
  ASSERT_EQ(report.exit_code(), ExitCode::success) << (report.migrations.size() > 1 && !report.migrations[1].errors.empty() ? report.migrations[1].errors[0] : "");
  EXPECT_EQ(report.migrations[1].batches_failed, 0);
  EXPECT_GT(faults.plan().injected(), 5);
  EXPECT_EQ(wrong_rows(), 0);
  auto has = [&](const std::string& what) {
    for (const auto& e : events) {
      if (e.find(what) != std::string::npos) return true;
    }
    return false;
  };
  EXPECT_TRUE(has("breaker open")) << "events: " << events.size();
  EXPECT_TRUE(has("breaker half-open"));
  EXPECT_TRUE(has("breaker closed"));
  auto st = runner.status("0002_copy");
  EXPECT_EQ(st[0].breaker, "closed");
  ASSERT_FALSE(st[0].events.empty()) << "transitions are in the event log";
  EXPECT_GE(count("SELECT count(*) FROM rowshift_events WHERE event = 'breaker open'"), 1);
}

TEST_P(BreakerTest, OutageLongerThanMaxOutageStopsResumably) {
  {
    ScopedFaults faults;
    RunOptions o = options(copy_set());
    o.batch_size = 250;
    o.max_rows_per_second = 10000;
    o.breaker_cooldown = std::chrono::milliseconds(50);
    o.max_outage = std::chrono::milliseconds(500);
    o.on_progress = [&](const Progress&) { faults.plan().set_down(true); };  // and it stays down
    auto report = Runner(o).run();
    EXPECT_EQ(report.exit_code(), ExitCode::interrupted);
    EXPECT_NE(report.stop_reason.find("--max-outage"), std::string::npos) << report.stop_reason;
  }
  EXPECT_EQ(count("SELECT count(*) FROM rowshift_batches WHERE status = 'failed'"), 0)
      << "no batch is marked failed because the database was down";
  auto resumed = Runner(options(copy_set())).run();
  ASSERT_EQ(resumed.exit_code(), ExitCode::success);
  EXPECT_EQ(wrong_rows(), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, BreakerTest, ::testing::ValuesIn(all_backends()), backend_name);

// Bad rows: --on-bad-row=quarantine bisects a failing batch, sets the offending rows
// aside with their key, error and data, and commits the rest.
class QuarantineTest : public EngineTest {
 protected:
  std::vector<MigrationDef> slim_set() {
    auto ddl = Migration::schema("0001_slim", "CREATE TABLE slim (id BIGINT PRIMARY KEY,"
                                              " note TEXT CHECK (note IS NULL OR note <> 'bad'))");
    auto copy = Migration::copy("0002_slim").from("orders").key("id").to("slim").column("id", "id").column("note", "note");
    return {ddl.def(), copy.def()};
  }
  void spoil(int how_many) {  // rows spread over different batches
    open_db(url)->execute("UPDATE orders SET note = 'bad' WHERE id IN (SELECT id FROM orders WHERE id % 997 = 3"
                          " ORDER BY id LIMIT " + std::to_string(how_many) + ")");
  }
};

TEST_P(QuarantineTest, BadRowsAreSetAsideAndReplayedAfterAFix) {
  spoil(3);
  RunOptions o = options(slim_set());
  o.quarantine_bad_rows = true;
  Runner runner(o);
  auto report = runner.run();
  EXPECT_EQ(report.exit_code(), ExitCode::rows_rejected);
  EXPECT_EQ(report.migrations[1].rejects, 3);
  EXPECT_EQ(report.migrations[1].batches_failed, 0);
  EXPECT_EQ(count("SELECT count(*) FROM slim"), kRows - 3) << "the rest of each batch committed";
  auto rejects = runner.rejects("0002_slim");
  ASSERT_EQ(rejects.size(), 3u);
  for (const auto& r : rejects) {
    EXPECT_NE(r.row_json.find("\"note\":\"bad\""), std::string::npos) << r.row_json;
    EXPECT_NE(r.row_json.find("\"id\":" + r.key), std::string::npos) << r.row_json;
    EXPECT_TRUE(r.error.find("CHECK constraint failed") != std::string::npos ||
                r.error.find("23514") != std::string::npos)
        << r.error;
  }
  EXPECT_EQ(runner.status("0002_slim")[0].rejects, 3);

  // The user fixes the data; retry writes the quarantined rows.
  open_db(url)->execute("UPDATE orders SET note = 'fixed' WHERE note = 'bad'");
  auto retried = Runner(options(slim_set())).retry("0002_slim");
  EXPECT_EQ(retried.exit_code(), ExitCode::success);
  EXPECT_EQ(retried.migrations[0].replayed, 3);
  EXPECT_EQ(count("SELECT count(*) FROM slim"), kRows);
  EXPECT_EQ(count("SELECT count(*) FROM slim WHERE note = 'fixed'"), 3);
  EXPECT_TRUE(Runner(options(slim_set())).rejects("0002_slim").empty());
}

TEST_P(QuarantineTest, MaxRejectsStopsTheRun) {
  spoil(4);
  RunOptions o = options(slim_set());
  o.quarantine_bad_rows = true;
  o.max_rejects = 1;
  o.workers = 1;
  auto report = Runner(o).run();
  EXPECT_EQ(report.exit_code(), ExitCode::batches_failed);
  ASSERT_FALSE(report.migrations[1].errors.empty());
  EXPECT_NE(report.migrations[1].errors.back().find("more than --max-rejects 1"), std::string::npos);
  EXPECT_GT(count("SELECT count(*) FROM rowshift_batches WHERE status = 'pending'"), 0) << "scheduling stopped";
}

TEST_P(QuarantineTest, DefaultFailsTheBatchAndDropsNothingSilently) {
  spoil(1);
  auto report = Runner(options(slim_set())).run();
  EXPECT_EQ(report.exit_code(), ExitCode::batches_failed);
  EXPECT_EQ(report.migrations[1].batches_failed, 1);
  EXPECT_EQ(count("SELECT count(*) FROM slim"), kRows - 1000) << "the failed batch wrote nothing";
}

INSTANTIATE_TEST_SUITE_P(Backends, QuarantineTest, ::testing::ValuesIn(all_backends()), backend_name);

// A flaky, slow database: a seeded fifth of the batch writes fail transiently and every
// claim takes 5 ms. Retries absorb it all; each retry is counted as an attempt.
TEST_P(EngineTest, SeededFlakyAndSlowDatabase) {
  ScopedFaults faults;
  FaultRule flaky{"INSERT INTO \"orders_v2\"", ErrorKind::transient, -1};
  flaky.fraction = 0.2;
  faults.plan().add(flaky);
  FaultRule slow{"SET status = 'done'", ErrorKind::transient, 0};  // each done mark
  slow.latency_ms = 5;
  faults.plan().add(slow);
  RunOptions o = options(copy_set());
  o.batch_size = 250;  // 20 batches
  o.max_attempts = 10;
  o.breaker_threshold = 1000;  // this test is about retries, not the breaker
  // Each fault then hits one batch's own attempt. (A fault in a group of batches splits
  // the group without counting an attempt: issue17_test.cpp.)
  o.batches_per_commit = 1;
  auto report = Runner(o).run();
  ASSERT_EQ(report.exit_code(), ExitCode::success);
  EXPECT_GT(faults.plan().injected(), 0);
  EXPECT_GE(faults.plan().delayed(), 20);
  EXPECT_EQ(count("SELECT sum(attempts) FROM rowshift_batches"), 20 + faults.plan().injected());
  EXPECT_EQ(wrong_rows(), 0);
}
