// Issue 14, "Hostile input, faults and secrets": regression tests named after the items
// (the bad-input table is tests/integration/cli_errors_test.cpp; signals are in
// issue14_signals_test.cpp).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "db/placeholders.hpp"
#include "db/sql.hpp"
#include "db/url.hpp"
#include "rowshift/rowshift.hpp"
#include "support/backend.hpp"
#include "support/backend_fixture.hpp"
#include "support/process.hpp"
#include "support/sqlite_fixture.hpp"
#include "support/temp_dir.hpp"

using namespace rowshift;
using namespace rowshift::testing;

namespace {

class Issue14 : public ::testing::Test {
 protected:
  void SetUp() override {
    open_db(source)->execute_script(
        "CREATE TABLE src (id INTEGER PRIMARY KEY, v TEXT);"
        "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 3000) "
        "INSERT INTO src SELECT n, 'value ' || n FROM s");
    open_db(pg)->execute_script("CREATE TABLE dst (id bigint PRIMARY KEY, v text)");
    std::filesystem::create_directory(dir.file("mig"));
  }
  void write_copy(const std::string& source_db) {
    std::ofstream(dir.file("mig/0001_copy.sql")) << "-- rowshift:kind copy\n-- rowshift:source-db " << source_db
                                                 << "\n-- rowshift:from src\n-- rowshift:key id\n-- rowshift:to dst\nid\nv\n";
  }
  std::string rowshift(const std::string& args) const {
    return std::string(ROWSHIFT_BIN) + " --db '" + pg + "' --migrations " + dir.file("mig") + " " + args;
  }

  TempDir dir;
  const std::string source = dir.sqlite_url("source.db");
  const std::string pg = new_pg_database();
};

}  // namespace

// Item 11: started with stdout and stderr closed, the first connection became fd 2, and
// the progress text went into the PostgreSQL socket ("invalid frontend message type").
TEST_F(Issue14, ClosedStandardStreamsDoNotReachADatabaseSocket) {
  write_copy(source);
  // Slow enough (3 s) for progress lines to be printed while the connections are open.
  auto r = run_process({"/bin/sh", "-c", "exec " + rowshift("run --batch-size 100 --max-rate 1000") + " 2>&- >/dev/null"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(count_rows(*open_db(pg), "SELECT count(*) FROM dst"), 3000);
  // A session the server ended for a protocol violation counts as fatal.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  auto stats = open_db(pg);
  EXPECT_EQ(count_rows(*stats, "SELECT sessions_fatal FROM pg_stat_database WHERE datname = current_database()"), 0)
      << "text reached a database connection";
  auto all_closed = run_process({"/bin/sh", "-c", "exec " + rowshift("run") + " 1>&- 2>&- <&-"});
  EXPECT_EQ(all_closed.exit_code, 0);
  auto v = run_process({"/bin/sh", "-c", rowshift("verify 0001_copy")});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
}

// Item 7: a migration names its source's URL by environment variable, so that the
// password is in neither the file nor `ps`; ROWSHIFT_STORE gives the store the same way.
TEST_F(Issue14, SourceDbAndStoreFromTheEnvironment) {
  write_copy("env:LEGACY_DB");
  auto missing = run_process({"/bin/sh", "-c", "unset LEGACY_DB; " + rowshift("run")});
  EXPECT_EQ(missing.exit_code, 3);
  EXPECT_NE(missing.err.find("source-db env:LEGACY_DB: environment variable LEGACY_DB is not set"), std::string::npos)
      << missing.err;

  const std::string store = dir.sqlite_url("store.db");
  auto r = run_process({"/bin/sh", "-c", "LEGACY_DB='" + source + "' ROWSHIFT_STORE='" + store + "' " + rowshift("run")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_rows(*open_db(pg), "SELECT count(*) FROM dst"), 3000);
  EXPECT_TRUE(open_db(store)->table_exists("rowshift_batches")) << "the store is where ROWSHIFT_STORE says";
  EXPECT_FALSE(open_db(pg)->table_exists("rowshift_batches"));
  auto st = run_process({"/bin/sh", "-c", "LEGACY_DB='" + source + "' ROWSHIFT_STORE='" + store + "' " + rowshift("status")});
  EXPECT_EQ(st.exit_code, 0) << st.err;
  EXPECT_NE(st.out.find("0001_copy"), std::string::npos) << st.out;
}

class Issue14Backends : public BackendTest {};

// Item 12: a REAL key whose batch boundary falls on Infinity: the plan could not be
// stored ("inf.0 is not a finite number", exit 1).
TEST_P(Issue14Backends, BatchBoundaryAtInfinity) {
  const std::string real = backend.is_postgres() ? "DOUBLE PRECISION" : "REAL";
  const std::string inf = backend.is_postgres() ? "'Infinity'::float8" : "1e999";
  open_db(url)->execute_script("CREATE TABLE r (k " + real + " PRIMARY KEY, v TEXT); CREATE TABLE r2 (k " + real +
                               " PRIMARY KEY, v TEXT);"
                               "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 998) "
                               "INSERT INTO r SELECT n * 0.5, 'v' FROM s;"
                               "INSERT INTO r VALUES (-" + inf + ", 'low'), (" + inf + ", 'high')");
  auto copy = Migration::copy("0001_r").from("r").key("k").to("r2").column("k", "k").column("v", "v").batch_size(1000);
  RunOptions o;
  o.db_url = url;
  o.include_registered = false;
  o.migrations = {copy.def()};
  Runner runner(o);
  ASSERT_EQ(runner.run().exit_code(), ExitCode::success);
  EXPECT_EQ(count_rows(*open_db(url), "SELECT count(*) FROM r2"), 1000);
  EXPECT_TRUE(runner.verify("0001_r").ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, Issue14Backends, ::testing::ValuesIn(all_backends()), backend_name);

// Item 13: a paused process that holds a batch could not be found from `status`. Now
// status names each runner (host:pid) with its heartbeat and lease, and each claimed
// batch with its holder, claim time and lease end; --json too.
TEST_F(Issue14, StatusShowsWhoHoldsABatch) {
  write_copy(source);
  const std::string store = dir.sqlite_url("store.db");
  pid_t a = start_process({"/usr/bin/env", "ROWSHIFT_TEST_STOP_BEFORE_WRITE=2", ROWSHIFT_BIN, "--db", pg, "--store",
                           store, "--migrations", dir.file("mig"), "--quiet", "run", "--workers", "1"},
                          dir.file("a.log"));
  bool stopped = false;
  for (int i = 0; i < 600 && !stopped; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::ifstream stat("/proc/" + std::to_string(a) + "/stat");
    std::string all((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    auto close = all.rfind(')');
    stopped = close != std::string::npos && close + 2 < all.size() && all[close + 2] == 'T';
  }
  ASSERT_TRUE(stopped);
  const std::string pid = ":" + std::to_string(a) + ":";
  auto st = run_process({ROWSHIFT_BIN, "--db", pg, "--store", store, "--migrations", dir.file("mig"), "status"});
  ::kill(a, SIGKILL);
  wait_process(a);
  EXPECT_EQ(st.exit_code, 0) << st.err;
  EXPECT_NE(st.out.find("  runner "), std::string::npos) << st.out;
  EXPECT_NE(st.out.find(pid), std::string::npos) << "the paused process's pid: " << st.out;
  EXPECT_NE(st.out.find("batch 2 held by "), std::string::npos) << st.out;
  EXPECT_NE(st.out.find("lease ends in "), std::string::npos) << st.out;
  auto js = run_process({ROWSHIFT_BIN, "--db", pg, "--store", store, "--migrations", dir.file("mig"), "status", "--json"});
  EXPECT_NE(js.out.find("\"held_batches\""), std::string::npos) << js.out;
  EXPECT_NE(js.out.find("\"lease_seconds_left\""), std::string::npos) << js.out;
}

// Item 4: a SQLite write lock held by another process was waited for the whole
// --max-outage (10 minutes), then exit 1 with "database is locked" and no file named.
// Now each statement waits --lock-timeout, and then the run stops, resumable, naming it.
TEST_F(Issue14, LockHeldElsewhereStopsTheRunAfterLockTimeout) {
  const std::string target = dir.file("target.db");
  open_db("sqlite:" + target + "?mode=rwc")->execute_script("CREATE TABLE dst (id INTEGER PRIMARY KEY, v TEXT)");
  write_copy(source);
  const std::string held = dir.file("held");
  pid_t holder = start_process({"/usr/bin/sqlite3", "-cmd", ".timeout 10000", "-cmd", "BEGIN IMMEDIATE;", "-cmd", "CREATE TABLE lock_holder (x);",
                                "-cmd", ".shell touch " + held, "-cmd", ".shell sleep 15", target, "COMMIT;"},
                               dir.file("holder.log"));
  for (int i = 0; i < 600 && !std::filesystem::exists(held); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(std::filesystem::exists(held));
  auto t0 = std::chrono::steady_clock::now();
  auto r = run_process({ROWSHIFT_BIN, "--db", "sqlite:" + target, "--migrations", dir.file("mig"), "--quiet", "run",
                        "--lock-timeout", "1"});
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ::kill(holder, SIGKILL);
  wait_process(holder);
  EXPECT_EQ(r.exit_code, 75) << r.out << r.err;
  EXPECT_LT(took, 8.0);
  EXPECT_NE((r.out + r.err).find(target), std::string::npos) << "names the file: " << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("--lock-timeout"), std::string::npos) << r.out << r.err;
  auto again = run_process({ROWSHIFT_BIN, "--db", "sqlite:" + target, "--migrations", dir.file("mig"), "--quiet", "run"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(count_rows(*open_db("sqlite:" + target), "SELECT count(*) FROM dst"), 3000);
}

// Item 4: a role's statement_timeout (57014 on every planning query) was retried for
// the whole --max-outage, then exit 1. Now: its attempts, then exit 3 naming the setting.
TEST_F(Issue14, StatementTimeoutIsNotAnOutage) {
  const std::string slow = new_pg_database();
  auto d = open_db(slow);
  d->execute_script("CREATE TABLE big (id bigint PRIMARY KEY, v text); CREATE TABLE dst (id bigint PRIMARY KEY, v text);"
                    "INSERT INTO big SELECT n, 'v' FROM generate_series(1, 100) n");
  d->execute_script("ALTER DATABASE " + db::quote_ident(db::parse_url(slow).dbname) + " SET statement_timeout = '100ms'");
  std::ofstream(dir.file("mig/0001_copy.sql")) << "-- rowshift:kind copy\n-- rowshift:from big\n-- rowshift:key id\n"
                                                  "-- rowshift:to dst\n-- rowshift:where (SELECT pg_sleep(0.5)) IS NOT NULL\n"
                                                  "id\nv\n";
  auto t0 = std::chrono::steady_clock::now();
  auto r = run_process({ROWSHIFT_BIN, "--db", slow, "--migrations", dir.file("mig"), "--quiet", "run", "--max-outage",
                        "60"});
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_LT(took, 30.0) << "not retried for the whole --max-outage";
  EXPECT_NE(r.err.find("statement_timeout"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("SQLSTATE 57014"), std::string::npos) << r.err;
}

// Item 12: files the loader does not take were ignored without a word; plan lists them.
TEST_F(Issue14, PlanListsTheFilesItSkips) {
  write_copy(source);
  std::ofstream(dir.file("mig/0002_more.SQL")) << "CREATE TABLE x (a INT);\n";
  std::ofstream(dir.file("mig/notes.txt")) << "todo\n";
  std::ofstream(dir.file("mig/.0003_swap.sql")) << "CREATE TABLE y (a INT);\n";
  std::filesystem::create_directory(dir.file("mig/old"));
  std::filesystem::create_symlink(dir.file("nowhere.sql"), dir.file("mig/0004_link.sql"));
  auto r = run_process({ROWSHIFT_BIN, "--db", pg, "--migrations", dir.file("mig"), "plan"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("0001_copy"), std::string::npos) << r.out;
  for (const char* line : {"skipped 0002_more.SQL (the extension must be .sql, in lower case)",
                           "skipped notes.txt (not a .sql file)", "skipped .0003_swap.sql (hidden file)",
                           "skipped old (a folder: migrations are not read from subfolders)",
                           "skipped 0004_link.sql (dangling link)"}) {
    EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;
  }
}

// Item 8: exit 3 says "nothing was written". A schema step that fails after an earlier
// one of the same run committed (no later migration needed a rehearsal) used to exit 3
// too; now it exits 8 and names what was applied, and the fixed file resumes.
TEST(Issue14Exit, ErrorAfterAnAppliedMigrationSaysSo) {
  TempDir dir;
  std::filesystem::create_directory(dir.file("mig"));
  std::ofstream(dir.file("mig/0001_a.sql")) << "CREATE TABLE a (x INT);\n";
  std::ofstream(dir.file("mig/0002_b.sql")) << "CREAT TABLE b (x INT);\n";
  auto rowshift = [&](const std::string& args) {
    return run_process({"/bin/sh", "-c", std::string(ROWSHIFT_BIN) + " --db '" + dir.sqlite_url("t.db") +
                                             "' --migrations " + dir.file("mig") + " " + args});
  };
  auto r = rowshift("run");
  EXPECT_EQ(r.exit_code, 8) << r.err;
  EXPECT_NE(r.err.find("near \"CREAT\": syntax error"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("; 1 migration was applied before this error (0001_a): fix the cause and run again"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  std::ofstream(dir.file("mig/0002_b.sql")) << "CREATE TABLE b (x INT);\n";
  auto fixed = rowshift("run");
  EXPECT_EQ(fixed.exit_code, 0) << fixed.err;
}

// Item 3: `--workers 256` took every connection slot (the superuser-reserved ones too)
// and the breaker kept reopening. Workers are now capped to what the server allows,
// here a role's CONNECTION LIMIT, and the run says so in one line.
TEST_F(Issue14, WorkersAreCappedToTheServersConnectionSlots) {
  const std::string role = "rowshift_cap_" + std::to_string(::getpid());
  auto admin = open_db(pg);
  const auto url = db::parse_url(pg);
  admin->execute_script("DROP ROLE IF EXISTS " + role + "; CREATE ROLE " + role + " LOGIN CONNECTION LIMIT 6;"
                        "GRANT ALL ON DATABASE " + db::quote_ident(url.dbname) + " TO " + role + ";"
                        "GRANT ALL ON SCHEMA public TO " + role + "; ALTER TABLE dst OWNER TO " + role);
  const std::string limited = "postgresql://" + role + pg.substr(pg.find('@'));
  write_copy(source);
  auto r = run_process({ROWSHIFT_BIN, "--db", limited, "--migrations", dir.file("mig"), "run", "--workers", "64",
                        "--batch-size", "100"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("0001_copy: 4 workers instead of 64: "), std::string::npos) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("left under the role's connection limit"), std::string::npos) << r.out << r.err;
  EXPECT_EQ((r.out + r.err).find("too many connections"), std::string::npos) << "no slot ran out: " << r.err;
  EXPECT_EQ(count_rows(*open_db(pg), "SELECT count(*) FROM dst"), 3000);
  admin->execute_script("DROP OWNED BY " + role + "; DROP ROLE " + role);
}

// Item 3: a connection refused for lack of slots (53300) while the run goes on is
// back-pressure: the batch goes to a worker that has its connections, the run goes on
// with fewer workers and finishes, instead of the breaker treating it as an outage.
TEST_F(Issue14, TooManyConnectionsIsBackPressureNotAnOutage) {
  write_copy(source);
  auto opens = std::make_shared<std::atomic<int>>(0);
  db::set_open_hook([opens](std::unique_ptr<db::Database> inner) -> std::unique_ptr<db::Database> {
    // The coordinator's connection and two workers' get in; then the server is full.
    if (inner->dialect() == db::Dialect::postgresql && ++*opens > 3) {
      throw Error(ErrorKind::config, "cannot open database: postgresql: cannot connect: FATAL: sorry, too many clients already",
                  ErrorLimit::connection_slots);
    }
    return inner;
  });
  RunOptions o;
  o.db_url = pg;
  o.migrations_dir = dir.file("mig");
  o.workers = 8;
  o.batch_size = 100;
  o.include_registered = false;
  o.max_outage = std::chrono::seconds(20);
  std::vector<std::string> events;
  o.on_event = [&](const std::string& e) { events.push_back(e); };
  auto t0 = std::chrono::steady_clock::now();
  RunReport report;
  try {
    report = Runner(o).run();
  } catch (...) {
    db::set_open_hook(nullptr);
    throw;
  }
  db::set_open_hook(nullptr);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(report.migrations.size(), 1u);
  EXPECT_EQ(report.migrations[0].state, "done");
  EXPECT_EQ(report.migrations[0].rows, 3000);
  EXPECT_LT(took, 15.0);
  std::string all;
  for (const auto& e : events) all += e + "\n";
  // 2, or 1 when the refusal came before the second worker had finished connecting.
  EXPECT_TRUE(all.find("0001_copy: going on with 2 workers: the server refused another connection") != std::string::npos ||
              all.find("0001_copy: going on with 1 worker: the server refused another connection") != std::string::npos)
      << all;
  EXPECT_EQ(all.find("breaker open"), std::string::npos) << all;
  EXPECT_EQ(count_rows(*open_db(pg), "SELECT count(*) FROM dst"), 3000);
}

namespace {

// Crashes the shared test cluster (pg_ctl stop -m immediate) after `after`, keeps it down
// for 3 s and starts it again: RUN_SERIAL tests only (tests/CMakeLists.txt).
void crash_server_after(std::chrono::milliseconds after) {
  std::this_thread::sleep_for(after);
  const char* state = std::getenv("ROWSHIFT_PG_STATE");
  ASSERT_NE(state, nullptr);
  auto restart = run_process({std::string(ROWSHIFT_SOURCE_DIR) + "/scripts/pg-test-cluster.sh", "restart", state, "3"});
  ASSERT_EQ(restart.exit_code, 0) << restart.err;
}

}  // namespace

// Item 5: a crash of the server during a schema step was reported as bad input (exit 3),
// and never retried. Now it goes through the coordinator's retry: the step (rolled back
// with its record) runs again once the server is back, and the run finishes.
TEST_F(Issue14, ServerRestartDuringASchemaStepIsRetried) {
  std::ofstream(dir.file("mig/0001_slow.sql")) << "CREATE TABLE made (x INT);\nSELECT pg_sleep(2);\n";
  pid_t pid = start_process({ROWSHIFT_BIN, "--db", pg, "--migrations", dir.file("mig"), "run"},
                            dir.file("run.log"));
  crash_server_after(std::chrono::milliseconds(700));
  int code = wait_process(pid);
  const std::string log = read_file(dir.file("run.log"));
  EXPECT_EQ(code, 0) << log;
  EXPECT_NE(log.find("retrying 0001_slow after: "), std::string::npos) << log;
  EXPECT_TRUE(open_db(pg)->table_exists("made"));
  EXPECT_EQ(count_rows(*open_db(pg), "SELECT count(*) FROM rowshift_migrations WHERE name = '0001_slow' AND status = 'done'"),
            1);
}

// Item 5: the same during `verify` gave exit 1; verify now starts over and answers.
TEST_F(Issue14, ServerRestartDuringVerifyIsRetried) {
  auto d = open_db(pg);
  d->execute_script("CREATE TABLE big (id bigint PRIMARY KEY, v text);"
                    "INSERT INTO big SELECT n, 'v' || n FROM generate_series(1, 3000) n");
  std::ofstream(dir.file("mig/0001_copy.sql")) << "-- rowshift:kind copy\n-- rowshift:from big\n-- rowshift:key id\n"
                                                  "-- rowshift:to dst\n-- rowshift:where (SELECT pg_sleep(0.4)) IS NOT NULL\n"
                                                  "id\nv\n";
  auto r = run_process({ROWSHIFT_BIN, "--db", pg, "--migrations", dir.file("mig"), "--quiet", "run"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  pid_t pid = start_process({ROWSHIFT_BIN, "--db", pg, "--migrations", dir.file("mig"), "verify", "0001_copy",
                             "--workers", "1"},
                            dir.file("verify.log"));
  crash_server_after(std::chrono::milliseconds(600));
  int code = wait_process(pid);
  const std::string log = read_file(dir.file("verify.log"));
  EXPECT_EQ(code, 0) << log;
  EXPECT_NE(log.find("retrying verify 0001_copy after: "), std::string::npos) << log;
  EXPECT_NE(log.find("OK: source and target agree"), std::string::npos) << log;
}

// Item 12: a "?" in the user's SQL became a placeholder ($N): jsonb's `tags ? 'vip'`
// failed with "could not determine data type of parameter" or bound a key value into
// the user's expression. It now passes through untouched, in where, expressions and
// update statements; rowshift's own placeholders still bind.
TEST_F(Issue14, JsonbQuestionMarkOperatorPassesThrough) {
  auto d = open_db(pg);
  d->execute_script(
      "CREATE TABLE people (id bigint PRIMARY KEY, tags jsonb, vip boolean);"
      "CREATE TABLE vips (id bigint PRIMARY KEY, any_of boolean, \"what?\" text);"
      "INSERT INTO people SELECT n, CASE WHEN n % 3 = 0 THEN '[\"vip\"]'::jsonb ELSE '[\"x\"]'::jsonb END, NULL"
      " FROM generate_series(1, 3000) n");
  EXPECT_EQ(db::user_sql("tags ? 'a?' AND \"b?\" = $$c?$$ -- d?"), "tags ?? 'a?' AND \"b?\" = $$c?$$ -- d?");
  EXPECT_EQ(db::to_dollar_placeholders("x > ? AND " + db::user_sql("tags ?| array['a']") + " AND y <= ?"),
            "x > $1 AND tags ?| array['a'] AND y <= $2");
  std::ofstream(dir.file("mig/0001_copy.sql"))
      << "-- rowshift:kind copy\n-- rowshift:from people\n-- rowshift:key id\n-- rowshift:to vips\n"
         "-- rowshift:where tags ? 'vip'\nid\nany_of = tags ?| array['vip', 'y']\n\"what?\" = 'is it?'\n";
  std::ofstream(dir.file("mig/0002_mark.sql"))
      << "-- rowshift:kind update\n-- rowshift:table people\n-- rowshift:key id\n"
         "UPDATE people SET vip = (tags ?& array['vip']) WHERE {{batch}} AND tags ? 'vip'\n";
  auto r = run_process({ROWSHIFT_BIN, "--db", pg, "--migrations", dir.file("mig"), "--quiet", "run", "--batch-size",
                        "500"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_rows(*d, "SELECT count(*) FROM vips WHERE any_of AND \"what?\" = 'is it?'"), 1000);
  EXPECT_EQ(count_rows(*d, "SELECT count(*) FROM vips"), 1000);
  EXPECT_EQ(count_rows(*d, "SELECT count(*) FROM people WHERE vip"), 1000);
  EXPECT_EQ(count_rows(*d, "SELECT count(*) FROM people WHERE vip IS NULL"), 2000);
  auto v = run_process({ROWSHIFT_BIN, "--db", pg, "--migrations", dir.file("mig"), "verify", "0001_copy"});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
}

// Item 12: a SQLite file in a folder the user cannot write gave "attempt to write a
// readonly database" (or "unable to open database file") with no hint, after the plan.
// Run as an unprivileged user (root writes anywhere), the run now refuses up front,
// naming the folder, and changes nothing.
TEST_F(Issue14, UnwritableFolderIsNamedBeforeAnyWrite) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to run the child as nobody";
  const std::filesystem::path folder = dir.path() / "locked";
  std::filesystem::create_directory(folder);
  const std::string file = (folder / "t.db").string();
  open_db("sqlite:" + file + "?mode=rwc")->execute_script("CREATE TABLE dst (id INTEGER PRIMARY KEY, v TEXT)");
  write_copy(source);
  // The file is nobody's, the folder root's (0755): nobody reads both and writes only the file.
  std::filesystem::permissions(dir.path(), std::filesystem::perms::all);
  for (const auto& p : {dir.file("source.db"), file}) ASSERT_EQ(::chown(p.c_str(), 65534, 65534), 0) << p;
  std::filesystem::permissions(folder, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                                           std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                                           std::filesystem::perms::others_exec);
  std::filesystem::permissions(dir.file("mig"), std::filesystem::perms::all);
  const std::string before = read_file(file);
  auto as_nobody = [&](const std::string& cmd) {
    return run_process({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", ROWSHIFT_BIN, "--db",
                        "sqlite:" + file, "--migrations", dir.file("mig"), cmd});
  };
  auto plan = as_nobody("plan");
  EXPECT_EQ(plan.exit_code, 0) << plan.err;
  auto r = as_nobody("run");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.err.find("cannot be written: the folder " + folder.string() +
                       " is not writable, and SQLite writes its journal files beside t.db"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_TRUE(read_file(file) == before) << "the file changed";
}

// Item 10: a quote inside a name in a migration file is written as SQL writes it,
// doubled ("we""ird"), in from/to/table/key/target-key and in column mappings. Before,
// the quotes were taken as part of the name ("\"we\"\"ird\"" not found).
TEST_F(Issue14, DoubledQuotesInNamesOfMigrationFiles) {
  for (const std::string& url : {dir.sqlite_url("quoted.db"), new_pg_database()}) {
    SCOPED_TRACE(url);
    const bool pg_target = url.rfind("postgresql", 0) == 0;
    auto d = open_db(url);
    const std::string big = pg_target ? "bigint" : "INTEGER";
    d->execute_script("CREATE TABLE \"we\"\"ird src\" (\"k\"\"ey\" " + big + ", id2 " + big +
                      ", \"v\"\" al\" TEXT, plain TEXT, PRIMARY KEY (\"k\"\"ey\", id2));"
                      "CREATE TABLE \"dst, \"\"x\"\"\" (\"k\"\"ey\" " + big + ", id2 " + big +
                      ", \"we\"\"ird col\" TEXT, plain TEXT, PRIMARY KEY (\"k\"\"ey\", id2));"
                      "INSERT INTO \"we\"\"ird src\" VALUES (1, 1, 'a', 'p'), (1, 2, NULL, 'q'), (2, 1, 'c', NULL)");
    std::filesystem::remove_all(dir.file("qmig"));
    std::filesystem::create_directory(dir.file("qmig"));
    std::ofstream(dir.file("qmig/0001_copy.sql"))
        << "-- rowshift:kind copy\n-- rowshift:from \"we\"\"ird src\"\n-- rowshift:key \"k\"\"ey\", id2\n"
           "-- rowshift:to \"dst, \"\"x\"\"\"\n\"k\"\"ey\"\nid2\n\"we\"\"ird col\" = \"v\"\" al\"\n\"plain\"\n";
    auto r = run_process({ROWSHIFT_BIN, "--db", url, "--migrations", dir.file("qmig"), "--quiet", "run"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(count_rows(*d, "SELECT count(*) FROM \"dst, \"\"x\"\"\" WHERE \"we\"\"ird col\" IS NOT DISTINCT FROM "
                             "(SELECT \"v\"\" al\" FROM \"we\"\"ird src\" s WHERE s.\"k\"\"ey\" = \"dst, \"\"x\"\"\".\"k\"\"ey\""
                             " AND s.id2 = \"dst, \"\"x\"\"\".id2)"),
              3);
    auto v = run_process({ROWSHIFT_BIN, "--db", url, "--migrations", dir.file("qmig"), "verify", "0001_copy"});
    EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  }
}

// Item 10: schema-qualified names (`app.actor`, `"my schema"."my table"`) in from, to,
// table, the C++ builder, plan and verify. Before, `app.actor` was one table named
// "app.actor", not found.
TEST_F(Issue14, SchemaQualifiedNamesOnPostgres) {
  auto d = open_db(pg);
  d->execute_script(
      "CREATE SCHEMA app; CREATE SCHEMA \"my schema\";"
      "CREATE TABLE app.actor (id bigint PRIMARY KEY, name text, rank int);"
      "CREATE TABLE \"my schema\".\"my table\" (id bigint PRIMARY KEY, name text);"
      "CREATE TABLE app.actor_copy (id bigint PRIMARY KEY, name text);"
      "CREATE TABLE public.actor (id bigint PRIMARY KEY, name text, rank int);"  // same name, other schema
      "CREATE TABLE \"a.b\" (id bigint PRIMARY KEY, name text);"
      "INSERT INTO app.actor SELECT n, 'actor ' || n, NULL FROM generate_series(1, 2500) n");
  std::ofstream(dir.file("mig/0001_copy.sql")) << "-- rowshift:kind copy\n-- rowshift:from app.actor\n-- rowshift:key id\n"
                                                  "-- rowshift:to \"my schema\".\"my table\"\nid\nname\n";
  std::ofstream(dir.file("mig/0002_rank.sql")) << "-- rowshift:kind update\n-- rowshift:table app.actor\n-- rowshift:key id\n"
                                                  "UPDATE app.actor SET rank = id % 7 WHERE {{batch}}\n";
  std::ofstream(dir.file("mig/0003_dotted.sql")) << "-- rowshift:kind copy\n-- rowshift:from app.actor\n"
                                                    "-- rowshift:key id\n-- rowshift:to \"a.b\"\nid\nname\n";
  RunOptions o;
  o.db_url = pg;
  o.migrations_dir = dir.file("mig");
  o.include_registered = false;
  o.batch_size = 1000;
  o.migrations.push_back(Migration::copy("0004_builder").from("\"my schema\".\"my table\"").key("id")
                             .to("app.actor_copy").column("id", "id").column("name", "upper(name)").def());
  Runner runner(o);
  auto plan = runner.plan();
  ASSERT_EQ(plan.size(), 4u);
  EXPECT_EQ(plan[0].description, "\"app\".\"actor\" -> \"my schema\".\"my table\"");
  EXPECT_EQ(plan[0].rows, 2500);
  auto report = runner.run();
  ASSERT_EQ(report.migrations.size(), 4u);
  for (const auto& m : report.migrations) EXPECT_EQ(m.state, "done") << m.name;
  EXPECT_EQ(count_rows(*d, "SELECT count(*) FROM \"my schema\".\"my table\""), 2500);
  EXPECT_EQ(count_rows(*d, "SELECT count(*) FROM app.actor WHERE rank = id % 7"), 2500);
  EXPECT_EQ(count_rows(*d, "SELECT count(*) FROM public.actor"), 0) << "the other schema's table was left alone";
  EXPECT_EQ(count_rows(*d, "SELECT count(*) FROM \"a.b\""), 2500);
  EXPECT_EQ(count_rows(*d, "SELECT count(*) FROM app.actor_copy WHERE name = upper('actor ' || id)"), 2500);
  for (const char* name : {"0001_copy", "0003_dotted", "0004_builder"}) {
    EXPECT_TRUE(runner.verify(name).ok()) << name;
  }
  d->execute("UPDATE \"my schema\".\"my table\" SET name = 'x' WHERE id = 7");
  EXPECT_FALSE(runner.verify("0001_copy").ok());
  // A missing schema is named as it must be written.
  std::ofstream(dir.file("mig/0005_bad.sql")) << "-- rowshift:kind copy\n-- rowshift:from \"no schema\".actor\n"
                                                 "-- rowshift:key id\n-- rowshift:to app.actor_copy\nid\n";
  auto r = run_process({ROWSHIFT_BIN, "--db", pg, "--migrations", dir.file("mig"), "run", "0005_bad"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("source table \"no schema\".\"actor\" not found"), std::string::npos) << r.err;
  std::ofstream(dir.file("mig/0005_bad.sql")) << "-- rowshift:kind copy\n-- rowshift:from a.b.c\n"
                                                 "-- rowshift:key id\n-- rowshift:to app.actor_copy\nid\n";
  auto parts = run_process({ROWSHIFT_BIN, "--db", pg, "--migrations", dir.file("mig"), "plan"});
  EXPECT_EQ(parts.exit_code, 3);
  EXPECT_NE(parts.err.find("0005_bad.sql:2: directive 'rowshift:from': table name 'a.b.c': write TABLE or SCHEMA.TABLE"),
            std::string::npos)
      << parts.err;
}

// Item 10 on SQLite: `main.src` names the main database's table (and the attached
// source file's table when a copy reads another SQLite file).
TEST_F(Issue14, SchemaQualifiedNamesOnSqlite) {
  const std::string target = dir.sqlite_url("qualified.db");
  open_db(target)->execute_script("CREATE TABLE dst (id INTEGER PRIMARY KEY, v TEXT)");
  std::ofstream(dir.file("mig/0001_copy.sql")) << "-- rowshift:kind copy\n-- rowshift:source-db " << source
                                               << "\n-- rowshift:from main.src\n-- rowshift:key id\n-- rowshift:to main.dst\nid\nv\n";
  auto r = run_process({ROWSHIFT_BIN, "--db", target, "--migrations", dir.file("mig"), "--quiet", "run"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_rows(*open_db(target), "SELECT count(*) FROM dst"), 3000);
  auto v = run_process({ROWSHIFT_BIN, "--db", target, "--migrations", dir.file("mig"), "verify", "0001_copy"});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  std::ofstream(dir.file("mig/0002_bad.sql")) << "-- rowshift:kind copy\n-- rowshift:from nowhere.src\n-- rowshift:key id\n"
                                                 "-- rowshift:to dst\nid\n";
  auto bad = run_process({ROWSHIFT_BIN, "--db", target, "--migrations", dir.file("mig"), "run"});
  EXPECT_EQ(bad.exit_code, 3);
  EXPECT_NE(bad.err.find("source table \"nowhere\".\"src\" not found"), std::string::npos) << bad.err;
}

// Item 10, attached databases on SQLite: ?attach=NAME:PATH attaches a file on every
// connection, and migrations name its tables NAME.table, in from, to and verify.
TEST_F(Issue14, AttachedSqliteDatabases) {
  const std::string archive = dir.file("archive 1.db");
  open_db("sqlite:" + archive + "?mode=rwc")
      ->execute_script("CREATE TABLE old_orders (id INTEGER PRIMARY KEY, v TEXT);"
                       "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 2500) "
                       "INSERT INTO old_orders SELECT n, 'old ' || n FROM s");
  const std::string main_db = dir.file("main.db");
  open_db("sqlite:" + main_db + "?mode=rwc")->execute_script("CREATE TABLE dst (id INTEGER PRIMARY KEY, v TEXT)");
  const std::string url = "sqlite:" + main_db + "?attach=archive:" + archive;
  std::ofstream(dir.file("mig/0001_copy.sql")) << "-- rowshift:kind copy\n-- rowshift:from archive.old_orders\n"
                                                  "-- rowshift:key id\n-- rowshift:to main.dst\nid\nv\n";
  auto r = run_process({ROWSHIFT_BIN, "--db", url, "--migrations", dir.file("mig"), "--quiet", "run", "--batch-size", "500"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_rows(*open_db("sqlite:" + main_db), "SELECT count(*) FROM dst WHERE v = 'old ' || id"), 2500);
  EXPECT_FALSE(open_db("sqlite:" + main_db)->table_exists("old_orders"));
  auto v = run_process({ROWSHIFT_BIN, "--db", url, "--migrations", dir.file("mig"), "verify", "0001_copy"});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  auto reserved = run_process({ROWSHIFT_BIN, "--db", "sqlite:" + main_db + "?attach=main:" + archive, "plan"});
  EXPECT_EQ(reserved.exit_code, 3);
  EXPECT_NE(reserved.err.find("attach: 'main' is a name SQLite or rowshift uses itself"), std::string::npos) << reserved.err;
  auto missing = run_process({ROWSHIFT_BIN, "--db", "sqlite:" + main_db + "?attach=x:" + dir.file("none.db"), "plan"});
  EXPECT_EQ(missing.exit_code, 3);
  EXPECT_NE(missing.err.find("attach x:" + dir.file("none.db") + ": file not found"), std::string::npos) << missing.err;
}
