// Real rowshift processes killed with SIGKILL (and stopped with SIGINT) mid-run, resumed,
// and the result compared with the source row by row.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "support/backend.hpp"
#include "support/process.hpp"
#include "support/sqlite_fixture.hpp"
#include "support/temp_dir.hpp"

using namespace rowshift;
using namespace rowshift::testing;
using namespace std::chrono_literals;

namespace {

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v ? std::atoi(v) : fallback;
}

// Whether the run `pid` has committed its first batch into the checkpoint table at `url`
// (which it may not have created yet) within 60 s; if not, the run is killed and the
// test fails with its log. A test that cuts connections, crashes the server or stops a
// run waits for this first, so that it acts while batches are being written, however
// long a sanitizer build takes to start up and plan.
bool run_under_way(pid_t pid, const std::string& url, const std::string& log) {
  const auto until = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < until) {
    try {
      if (db::query_row(*open_db(url), "SELECT count(*) FROM rowshift_batches WHERE status = 'done'")[0].as_int() > 0) {
        return true;
      }
    } catch (const std::exception&) {  // no checkpoint table yet
    }
    std::this_thread::sleep_for(50ms);
  }
  ::kill(pid, SIGKILL);
  wait_process(pid);
  ADD_FAILURE() << "no batch done after 60 s\n" << read_file(log);
  return false;
}

class ProcessTest : public ::testing::Test {
 protected:
  void SetUp() override { make_orders(*open_db(url), rows); }

  std::vector<std::string> cli(std::vector<std::string> args) {
    std::vector<std::string> argv = {ROWSHIFT_BIN, "--db", "sqlite:" + dir.file("k.db"), "--migrations",
                                     std::string(ROWSHIFT_SOURCE_DIR) + "/migrations", "--quiet"};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }
  std::int64_t count(const std::string& sql) { return count_rows(*open_db(url), sql); }
  // Rows where orders_v2 is not exactly what the three bundled migrations make of orders.
  std::int64_t wrong_rows() {
    return count(
        "SELECT count(*) FROM orders o LEFT JOIN orders_v2 v ON v.id = o.id WHERE v.id IS NULL"
        " OR v.customer_name IS NOT coalesce(trim(o.customer), '(unknown)')"
        " OR v.total_cents IS NOT CAST(round(o.amount * 100) AS INTEGER) OR v.currency IS NOT o.currency"
        " OR v.note IS NOT o.note OR v.ordered_on IS NOT date(o.created_at)"
        " OR v.total_with_vat_cents IS NOT CAST(round(v.total_cents * 1.2) AS INTEGER)");
  }

  int rows = env_int("ROWSHIFT_KILL_ROWS", 200000);
  TempDir dir;
  std::string url = dir.sqlite_url("k.db");
};

}  // namespace

TEST_F(ProcessTest, SigkillAtRandomPointsThenResumeLosesAndDuplicatesNothing) {
  const int kills = env_int("ROWSHIFT_KILLS", 10);
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> when_ms(150, 700);
  int killed_mid_run = 0;
  for (int i = 0; i < kills; ++i) {
    // Throttled so that every kill lands inside the copy or the backfill: both together
    // take rows * 2 / rate seconds, more than the kills' delays add up to.
    const int rate = std::max(10000, rows * 2 / (kills + 1));
    pid_t pid = start_process(cli({"run", "--max-rate", std::to_string(rate)}), dir.file("run.log"));
    int delay = when_ms(rng);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    kill(pid, SIGKILL);
    int code = wait_process(pid);
    if (code == -SIGKILL) ++killed_mid_run;
    // A kill may land before the schema step commits (a slow sanitizer build): no table yet.
    const bool created = open_db(url)->table_exists("orders_v2");
    std::printf("kill %d after %d ms: %s; orders_v2 has %lld rows\n", i + 1, delay,
                code == -SIGKILL ? "killed" : ("exited " + std::to_string(code)).c_str(),
                static_cast<long long>(created ? count("SELECT count(*) FROM orders_v2") : 0));
  }
  EXPECT_EQ(killed_mid_run, kills) << "the kills must land while the migration runs";

  auto resumed = run_process(cli({"run"}));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  EXPECT_EQ(count("SELECT count(*) FROM orders_v2"), rows) << "no row lost, none duplicated";
  EXPECT_EQ(wrong_rows(), 0) << "every value equal";
  EXPECT_EQ(count("SELECT count(*) FROM rowshift_batches WHERE status != 'done'"), 0);
  auto verify = run_process(cli({"verify", "0002_copy_orders"}));
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("OK: source and target agree"), std::string::npos) << verify.out;
}

TEST_F(ProcessTest, SigintStopsGracefullyAndResumes) {
  pid_t pid = start_process(cli({"run", "--max-rate", "60000"}), dir.file("run.log"));
  if (!run_under_way(pid, url, dir.file("run.log"))) return;
  std::this_thread::sleep_for(300ms);
  kill(pid, SIGINT);
  int code = wait_process(pid);
  ASSERT_EQ(code, 75) << read_file(dir.file("run.log"));
  EXPECT_NE(read_file(dir.file("run.log")).find("run the same command again to resume"), std::string::npos);
  EXPECT_EQ(count("SELECT count(*) FROM rowshift_batches WHERE status = 'running'"), 0)
      << "in-flight batches committed or rolled back";
  std::int64_t partial = count("SELECT count(*) FROM orders_v2");
  EXPECT_GT(partial, 0);
  EXPECT_LT(partial, rows);

  auto status = run_process(cli({"status", "--json"}));
  ASSERT_EQ(status.exit_code, 0);
  EXPECT_NE(status.out.find("\"state\": \"running\""), std::string::npos) << status.out;

  auto resumed = run_process(cli({"run"}));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  EXPECT_EQ(count("SELECT count(*) FROM orders_v2"), rows);
  EXPECT_EQ(wrong_rows(), 0);
}

namespace {

// SQLite demo orders -> PostgreSQL, with migration files written for this run.
class SqliteToPostgres : public ::testing::Test {
 protected:
  void SetUp() override {
    make_orders(*open_db(lite), rows);
    std::filesystem::create_directory(dir.file("mig"));
    std::ofstream(dir.file("mig/0001_create.sql"))
        << "CREATE TABLE orders_v2 (id BIGINT PRIMARY KEY, customer_name TEXT NOT NULL, total_cents BIGINT,\n"
           "  currency TEXT NOT NULL, note TEXT, ordered_on TEXT NOT NULL);\n";
    std::ofstream(dir.file("mig/0002_copy.sql"))
        << "-- rowshift:kind copy\n-- rowshift:source-db " << lite << "\n-- rowshift:from orders\n"
        << "-- rowshift:key id\n-- rowshift:to orders_v2\n"
        << "id = id\ncustomer_name = coalesce(trim(customer), '(unknown)')\n"
        << "total_cents = CAST(round(amount * 100) AS INTEGER)\ncurrency = currency\nnote = note\n"
        << "ordered_on = date(created_at)\n";
  }
  std::vector<std::string> cli(std::vector<std::string> args) {
    std::vector<std::string> argv = {ROWSHIFT_BIN, "--db", pg, "--migrations", dir.file("mig"), "--quiet"};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }
  // Independent comparison: the transformation computed by SQLite itself, against what
  // PostgreSQL holds, row by row.
  void expect_identical() {
    auto want = db::query_all(*open_db(lite),
                              "SELECT id, coalesce(trim(customer), '(unknown)'), CAST(round(amount * 100) AS INTEGER),"
                              " currency, note, date(created_at) FROM orders ORDER BY id");
    auto got = db::query_all(*open_db(pg),
                             "SELECT id, customer_name, total_cents, currency, note, ordered_on FROM orders_v2 ORDER BY id");
    ASSERT_EQ(got.size(), want.size()) << "no row lost, none duplicated";
    std::size_t differing = 0;
    for (std::size_t i = 0; i < want.size(); ++i) differing += got[i] == want[i] ? 0 : 1;
    EXPECT_EQ(differing, 0u) << "every value equal";
  }

  int rows = env_int("ROWSHIFT_KILL_ROWS", 200000);
  TempDir dir;
  std::string lite = "sqlite:" + dir.file("source.db") + "?mode=rwc";
  std::string pg = new_pg_database();
};

}  // namespace

TEST_F(SqliteToPostgres, SigkilledThreeTimesThenResumedMatchesSource) {
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> when_ms(200, 900);
  int killed = 0;
  for (int i = 0; i < 3; ++i) {
    // 50,000 rows/s: the copy takes about 4 s, so all three kills land inside it.
    pid_t pid = start_process(cli({"run", "--max-rate", "50000"}), dir.file("run.log"));
    int delay = when_ms(rng);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    kill(pid, SIGKILL);
    int code = wait_process(pid);
    killed += code == -SIGKILL;
    std::printf("kill %d after %d ms: %s\n", i + 1, delay, code == -SIGKILL ? "killed" : "had exited");
  }
  EXPECT_EQ(killed, 3);
  auto resumed = run_process(cli({"run"}));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  auto verify = run_process(cli({"verify", "0002_copy"}));
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  expect_identical();
}

TEST_F(SqliteToPostgres, TerminatedConnectionsAreReopenedAndNothingIsLost) {
  // Many attempts: under the sanitizers a batch can outlive several rounds of cuts.
  // 40,000 rows/s: the copy lasts 2.5 s or more, so the cuts (1.8 s from the first
  // batch) land inside it.
  pid_t pid = start_process(cli({"run", "--max-rate", "40000", "--max-attempts", "10"}), dir.file("run.log"));
  if (!run_under_way(pid, pg, dir.file("run.log"))) return;
  auto admin = open_db(pg);
  std::int64_t terminated = 0;
  for (int i = 0; i < 6; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    terminated += db::query_row(*admin,
                                "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                " WHERE datname = current_database() AND pid <> pg_backend_pid()) AS t")[0]
                      .as_int();
  }
  int code = wait_process(pid);
  std::printf("terminated %lld rowshift connections\n", static_cast<long long>(terminated));
  EXPECT_GE(terminated, 4) << "the workers' connections were cut";
  ASSERT_EQ(code, 0) << read_file(dir.file("run.log"));
  EXPECT_EQ(count_rows(*open_db(pg), "SELECT count(*) FROM rowshift_batches WHERE status <> 'done'"), 0);
  expect_identical();
}

// Two processes on one migration with the store in PostgreSQL: each batch's claim is the
// first statement of its transaction, so the second runner waits on the first one's row
// lock and then finds the batch done. No batch is written twice, none is counted twice.
TEST_F(SqliteToPostgres, TwoRunnersClaimInsideTheBatchTransaction) {
  auto logs = [&] { return read_file(dir.file("a.log")) + read_file(dir.file("b.log")); };
  pid_t a = start_process(cli({"run", "--max-rate", "100000"}), dir.file("a.log"));
  pid_t b = start_process(cli({"run", "--max-rate", "100000"}), dir.file("b.log"));
  int ca = wait_process(a), cb = wait_process(b);
  std::printf("exit codes %d and %d\n", ca, cb);
  EXPECT_TRUE(ca == 0 || ca == 75) << ca << logs();
  EXPECT_TRUE(cb == 0 || cb == 75) << cb << logs();
  EXPECT_TRUE(ca == 0 || cb == 0) << logs();
  auto last = run_process(cli({"run"}));
  ASSERT_EQ(last.exit_code, 0) << last.err;
  auto store = open_db(pg);
  EXPECT_EQ(count_rows(*store, "SELECT count(*) FROM rowshift_batches WHERE attempts <> 1"), 0)
      << "every batch was claimed and written exactly once";
  auto split = db::query_all(*store,
                             "SELECT count(*) FROM rowshift_batches WHERE migration = '0002_copy' GROUP BY owner"
                             " ORDER BY count(*)");
  std::printf("batches per runner:");
  for (const auto& row : split) std::printf(" %lld", static_cast<long long>(row[0].as_int()));
  std::printf("\n");
  ASSERT_EQ(split.size(), 2u) << "both runners did part of the copy\n" << logs();
  // A runner that finds a batch taken moves away from the other one (run/batch_queue.hpp)
  // rather than trailing it; starting a moment later costs it some share, not all.
  EXPECT_GE(split[0][0].as_int(), 10) << "the smaller share, of 200 batches\n" << logs();
  expect_identical();
}

TEST_F(SqliteToPostgres, ServerRestartMidRunOpensBreakerAndFinishes) {
  const char* state = std::getenv("ROWSHIFT_PG_STATE");
  ASSERT_NE(state, nullptr);
  // 30,000 rows/s: the copy lasts 3 s or more, and the crash comes once it is under way,
  // when some of the 8 workers have not opened their connections yet: their first
  // connection meets the outage, and they too must wait behind the breaker.
  pid_t pid = start_process(cli({"run", "--max-rate", "30000", "--workers", "8", "--breaker-cooldown", "0.5"}),
                            dir.file("run.log"));
  if (!run_under_way(pid, pg, dir.file("run.log"))) return;
  // Crash the server (pg_ctl stop -m immediate), keep it down 3 s, start it again.
  auto restart = run_process({std::string(ROWSHIFT_SOURCE_DIR) + "/scripts/pg-test-cluster.sh", "restart", state, "3"});
  ASSERT_EQ(restart.exit_code, 0) << restart.err;
  int code = wait_process(pid);
  std::string log = read_file(dir.file("run.log"));
  ASSERT_EQ(code, 0) << log;
  EXPECT_NE(log.find("breaker open"), std::string::npos) << "the breaker opened during the outage:\n" << log;
  EXPECT_NE(log.find("breaker closed"), std::string::npos) << log;
  EXPECT_EQ(count_rows(*open_db(pg), "SELECT count(*) FROM rowshift_batches WHERE status <> 'done'"), 0);
  expect_identical();
}

TEST_F(ProcessTest, LockHeldByAnotherProcessIsWaitedOut) {
  // Another process holds SQLite's write lock for 7 s, longer than the 5 s busy timeout.
  // It creates a file once it holds the lock, and the run starts only then. Its own
  // busy timeout lets its COMMIT wait out the instant in which rowshift, retrying for
  // the lock, holds a read lock (without it the holder's COMMIT failed once in CI).
  const std::string held = dir.file("lock-held");
  pid_t holder = start_process({"/usr/bin/sqlite3", "-cmd", ".timeout 10000", "-cmd", "BEGIN IMMEDIATE;", "-cmd", "CREATE TABLE lock_holder (x);",
                                "-cmd", ".shell touch " + held, "-cmd", ".shell sleep 7", dir.file("k.db"), "COMMIT;"},
                               dir.file("holder.log"));
  for (int i = 0; i < 600 && !std::filesystem::exists(held); ++i) std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(std::filesystem::exists(held)) << read_file(dir.file("holder.log"));
  auto t0 = std::chrono::steady_clock::now();
  auto r = run_process(cli({"run", "--breaker-cooldown", "1"}));
  double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(wait_process(holder), 0) << read_file(dir.file("holder.log"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_GT(waited, 5.0) << "it had to wait for the lock";
  EXPECT_EQ(count("SELECT count(*) FROM rowshift_batches WHERE status = 'failed'"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM orders_v2"), rows);
  EXPECT_EQ(wrong_rows(), 0);
}

TEST_F(ProcessTest, TwoRunnersShareOneMigrationWithoutDoingAnyBatchTwice) {
  // Paced so that the copy lasts about 4 s whatever the row count: a sanitizer build on a
  // loaded CI machine once started the second process a second late, when a copy paced to
  // last 1 s was all but done, and the second runner rightly found nothing left to take.
  const std::string rate = std::to_string(std::max(rows / 4, 1000));
  pid_t a = start_process(cli({"run", "--max-rate", rate}), dir.file("a.log"));
  pid_t b = start_process(cli({"run", "--max-rate", rate}), dir.file("b.log"));
  int ca = wait_process(a), cb = wait_process(b);
  // Each ends done (0) or, when the other still held batches, resumable (75).
  EXPECT_TRUE(ca == 0 || ca == 75) << ca << read_file(dir.file("a.log"));
  EXPECT_TRUE(cb == 0 || cb == 75) << cb << read_file(dir.file("b.log"));
  EXPECT_TRUE(ca == 0 || cb == 0);
  auto last = run_process(cli({"run"}));
  ASSERT_EQ(last.exit_code, 0) << last.err;
  EXPECT_EQ(count("SELECT count(*) FROM rowshift_batches WHERE attempts <> 1"), 0)
      << "every batch was claimed exactly once";
  EXPECT_EQ(count("SELECT count(DISTINCT owner) FROM rowshift_batches WHERE migration = '0002_copy_orders'"), 2)
      << "both runners did part of the copy\n" << read_file(dir.file("a.log")) << read_file(dir.file("b.log"));
  EXPECT_EQ(count("SELECT count(*) FROM orders_v2"), rows);
  EXPECT_EQ(wrong_rows(), 0);
}

TEST_F(ProcessTest, DiskFullStopsWithAClearErrorAndResumesOnceSpaceIsFreed) {
  // No file of the run may grow past 2 MiB: the write-ahead log, where SQLite puts every
  // write of the batches first, fills up during the copy. (RLIMIT_FSIZE: a full disk for
  // one process.) The schema step runs first without the limit: it writes in the file's
  // own journal mode, straight into a database file already past 2 MiB.
  ASSERT_EQ(run_process(cli({"run", "0001_create_orders_v2"})).exit_code, 0);
  pid_t pid = start_process(cli({"run"}), dir.file("full.log"), 2 * 1024 * 1024);
  int code = wait_process(pid);
  std::string log = read_file(dir.file("full.log"));
  // 4 (batches failed), 1 (the coordinator's own write failed) or 75 (the failed batches
  // could not even be marked: they stay claimed by a process that is gone, resumable).
  EXPECT_TRUE(code == 1 || code == 4 || code == 75) << code << log;
  EXPECT_NE(log.find("database or disk is full"), std::string::npos) << log;
  EXPECT_EQ(db::query_row(*open_db(url), "PRAGMA integrity_check")[0].as_text(), "ok") << "nothing corrupt";
  EXPECT_LT(count("SELECT count(*) FROM orders_v2"), rows);

  // Space is back: run again (batches that failed for lack of space go back with retry).
  auto again = run_process(cli({"run"}));
  if (again.exit_code == 4) again = run_process(cli({"retry", "0002_copy_orders"}));
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  auto rest = run_process(cli({"run"}));
  ASSERT_EQ(rest.exit_code, 0) << rest.out << rest.err;
  EXPECT_EQ(count("SELECT count(*) FROM orders_v2"), rows);
  EXPECT_EQ(wrong_rows(), 0);
}

// PostgreSQL -> PostgreSQL travels as binary COPY through libpq directly: its errors must
// still turn into reconnects and retries. Every rowshift connection to both databases is
// cut every 300 ms during the copy, then the run is SIGKILLed once and resumed.
TEST(PostgresToPostgres, BinaryCopySurvivesCutConnectionsAndAKill) {
  TempDir dir;
  std::string src = new_pg_database();
  std::string dst = new_pg_database();
  const int rows = env_int("ROWSHIFT_KILL_ROWS", 200000);
  Backend{"postgresql"}.make_orders(*open_db(src), rows);
  std::filesystem::create_directory(dir.file("mig"));
  std::ofstream(dir.file("mig/0001_create.sql"))
      << "CREATE TABLE orders (id BIGINT PRIMARY KEY, customer TEXT, amount DOUBLE PRECISION, currency TEXT NOT NULL,"
         " note TEXT, created_at TEXT NOT NULL);\n";
  std::ofstream(dir.file("mig/0002_copy.sql"))
      << "-- rowshift:kind copy\n-- rowshift:source-db " << src << "\n-- rowshift:from orders\n"
      << "-- rowshift:key id\n-- rowshift:to orders\nid\ncustomer\namount\ncurrency\nnote\ncreated_at\n";
  auto cli = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {ROWSHIFT_BIN, "--db", dst, "--migrations", dir.file("mig"), "--quiet"};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  };
  auto cut = [](const std::string& url) {
    return db::query_row(*open_db(url),
                         "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                         " WHERE datname = current_database() AND pid <> pg_backend_pid()) AS t")[0]
        .as_int();
  };
  // 20,000 rows/s: the copy lasts 5 s or more, so the cuts and the kill (1.8 s from the
  // first batch) land inside it.
  pid_t pid = start_process(cli({"run", "--max-rate", "20000", "--max-attempts", "10"}), dir.file("run.log"));
  if (!run_under_way(pid, dst, dir.file("run.log"))) return;
  std::int64_t terminated = 0;
  for (int i = 0; i < 6; ++i) {
    std::this_thread::sleep_for(300ms);
    terminated += cut(src) + cut(dst);
  }
  ::kill(pid, SIGKILL);
  wait_process(pid);
  EXPECT_GE(terminated, 4) << "connections were cut";
  auto at_kill = db::query_row(*open_db(dst), "SELECT count(*) FILTER (WHERE status = 'done'), count(*)"
                                              " FROM rowshift_batches WHERE migration = '0002_copy'");
  std::printf("terminated %lld connections; %lld of %lld batches done at the kill\n",
              static_cast<long long>(terminated), static_cast<long long>(at_kill[0].as_int()),
              static_cast<long long>(at_kill[1].as_int()));
  EXPECT_LT(at_kill[0].as_int(), at_kill[1].as_int()) << "the kill landed inside the copy";
  auto resumed = run_process(cli({"run"}));
  auto store = open_db(dst);
  std::string errors;
  for (const auto& r : db::query_all(*store, "SELECT batch_no, last_error FROM rowshift_batches WHERE status <> 'done'")) {
    errors += "batch " + r[0].debug_string() + ": " + r[1].debug_string() + "\n";
  }
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err << errors << read_file(dir.file("run.log"));
  EXPECT_EQ(db::query_row(*store, "SELECT count(*) FROM rowshift_batches WHERE status <> 'done'")[0].as_int(), 0);
  const std::string dump = "SELECT count(*), md5(string_agg(orders::text, '|' ORDER BY id)) FROM orders";
  EXPECT_EQ(db::query_all(*open_db(src), dump), db::query_all(*store, dump)) << "no row lost, none duplicated";
}
