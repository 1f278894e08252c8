// Issue 15, "the house a third backend and fenced runners need": regression tests of
// its structural claims.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "rowshift/rowshift.hpp"
#include "support/backend.hpp"
#include "support/faulty_database.hpp"
#include "support/sqlite_fixture.hpp"
#include "support/temp_dir.hpp"

using namespace rowshift;
using namespace rowshift::testing;

namespace {

RunReport run_copy(TempDir& dir, const std::string& name, const std::string& target, const std::string& source,
                   const std::string& table) {
  const std::string folder = dir.file(name);
  std::filesystem::create_directory(folder);
  std::ofstream(folder + "/0001_" + name + ".sql") << "-- rowshift:kind copy\n-- rowshift:source-db " << source
                                                  << "\n-- rowshift:from src\n-- rowshift:key id\n-- rowshift:to "
                                                  << table << "\nid\nv\n";
  RunOptions o;
  o.db_url = target;
  o.migrations_dir = folder;
  o.include_registered = false;
  o.batch_size = 500;
  o.workers = 2;
  return Runner(o).run();
}

}  // namespace

// FaultyDatabase overrode 14 of Database's 25 methods: under it, batches fell back to
// the defaults (no binary COPY, no COPY text, a setup lock that did nothing), so the
// fault tests did not test what production runs. Both wrappers now derive from
// db::DatabaseWrapper, and the production routes are taken, and can fail, under it.
TEST(Issue15, FaultWrapperTakesTheProductionRoutes) {
  TempDir dir;
  const std::string sqlite_src = dir.sqlite_url("src.db");
  open_db(sqlite_src)->execute_script(
      "CREATE TABLE src (id INTEGER PRIMARY KEY, v TEXT);"
      "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 3000) "
      "INSERT INTO src SELECT n, CASE n % 2 WHEN 0 THEN 'a' ELSE 'b' END FROM s");
  const std::string pg_src = new_pg_database();
  open_db(pg_src)->execute_script("CREATE TABLE src (id bigint PRIMARY KEY, v text);"
                                  "INSERT INTO src SELECT n, 'x' || n FROM generate_series(1, 3000) n");
  const std::string pg = new_pg_database();
  open_db(pg)->execute_script(
      "CREATE TABLE plain (id bigint PRIMARY KEY, v text); CREATE TABLE plain2 (id bigint PRIMARY KEY, v text);"
      "CREATE TABLE faulted (id bigint PRIMARY KEY, v text);"
      "CREATE TYPE mood AS ENUM ('a', 'b'); CREATE TABLE moods (id bigint PRIMARY KEY, v mood)");

  {  // SQLite -> PostgreSQL: SQLite rows encoded as binary COPY, the done mark with the commit.
    ScopedFaults faults;
    auto r = run_copy(dir, "binary_from_sqlite", pg, sqlite_src, "plain");
    ASSERT_EQ(r.exit_code(), ExitCode::success);
    // Read per batch (6 batches); written per commit, and a commit may carry a group of
    // batches (group commit, issue 17): each commit at least one COPY.
    EXPECT_GE(faults.plan().calls("query_copy_binary_for"), 6);
    EXPECT_GE(faults.plan().calls("commit_after"), 2);
    EXPECT_GE(faults.plan().calls("copy_binary_in"), faults.plan().calls("commit_after"));
    EXPECT_GE(faults.plan().calls("lock_setup"), 1);
    EXPECT_EQ(faults.plan().calls("insert_rows"), 0) << "no fallback to row inserts";
  }
  {  // PostgreSQL -> PostgreSQL: the binary block passed through.
    ScopedFaults faults;
    auto r = run_copy(dir, "binary_from_postgres", pg, pg_src, "plain2");
    ASSERT_EQ(r.exit_code(), ExitCode::success);
    EXPECT_GE(faults.plan().calls("query_copy_binary"), 6);
    EXPECT_GE(faults.plan().calls("copy_binary_in"), 2);
  }
  {  // A user type (an enum) has no binary form rowshift may write: COPY text.
    ScopedFaults faults;
    auto r = run_copy(dir, "text", pg, sqlite_src, "moods");
    ASSERT_EQ(r.exit_code(), ExitCode::success);
    EXPECT_GE(faults.plan().calls("copy_text_in"), 2);
    EXPECT_EQ(faults.plan().calls("copy_binary_in"), 0);
  }
  {  // Faults reach the COPY route: two failed COPYs are retried, nothing lost or doubled.
    ScopedFaults faults;
    faults.plan().add({"COPY \"faulted\"", ErrorKind::transient, 2});
    auto r = run_copy(dir, "faulted", pg, sqlite_src, "faulted");
    ASSERT_EQ(r.exit_code(), ExitCode::success);
    EXPECT_EQ(faults.plan().injected(), 2);
  }
  auto d = open_db(pg);
  for (const char* t : {"plain", "plain2", "moods", "faulted"}) {
    EXPECT_EQ(count_rows(*d, std::string("SELECT count(*) FROM ") + t), 3000) << t;
  }
  EXPECT_EQ(count_rows(*d, "SELECT count(*) FROM moods m WHERE m.v::text = CASE m.id % 2 WHEN 0 THEN 'a' ELSE 'b' END"),
            3000);
}

// Error carried the database's code only inside its message text: callers that had to
// tell a unique violation from a syntax error parsed "(SQLSTATE 23505)". The codes are
// now fields.
TEST(Issue15, ErrorsCarryTheDatabasesCodes) {
  TempDir dir;
  auto lite = open_db(dir.sqlite_url("codes.db"));
  lite->execute_script("CREATE TABLE t (a INTEGER UNIQUE); INSERT INTO t VALUES (1)");
  try {
    lite->execute("INSERT INTO t VALUES (1)");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.sqlite_code(), 2067) << e.what();  // SQLITE_CONSTRAINT_UNIQUE
    EXPECT_EQ(e.sqlstate(), "");
    EXPECT_EQ(e.kind(), ErrorKind::permanent);
  }
  auto pg = open_db(new_pg_database());
  pg->execute_script("CREATE TABLE t (a int PRIMARY KEY); INSERT INTO t VALUES (1)");
  try {
    pg->execute("INSERT INTO t VALUES (1)");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.sqlstate(), "23505") << e.what();
    EXPECT_EQ(e.sqlite_code(), 0);
  }
  try {
    pg->execute("SELEC 1");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.sqlstate(), "42601") << e.what();
  }
}

// The CLI had its own switch from error kinds to exit codes; there is now one mapping,
// public, that the CLI and a program of its own share.
TEST(Issue15, OneMappingFromErrorKindToExitCode) {
  EXPECT_EQ(exit_code_for(ErrorKind::config), ExitCode::config);
  EXPECT_EQ(exit_code_for(ErrorKind::cancelled), ExitCode::interrupted);
  EXPECT_EQ(exit_code_for(ErrorKind::conflict), ExitCode::store_changed);
  EXPECT_EQ(exit_code_for(ErrorKind::partly_applied), ExitCode::partly_applied);
  EXPECT_EQ(exit_code_for(ErrorKind::transient), ExitCode::internal_error);
  EXPECT_EQ(exit_code_for(ErrorKind::permanent), ExitCode::internal_error);
}
