// Issue 13, "No row lost, none silently changed": one regression test per item, named
// after the failure, on both backends where it applies.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <random>

#include "db/sql.hpp"
#include "migrate/loader.hpp"
#include "plan/planner.hpp"
#include "rowshift/rowshift.hpp"
#include "support/backend.hpp"
#include "support/run_options.hpp"
#include "support/sqlite_fixture.hpp"
#include "support/temp_dir.hpp"

using namespace rowshift;
using namespace rowshift::testing;

namespace {

class Issue13 : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { url = backend.new_database(dir, "t.db"); }
  std::unique_ptr<db::Database> db() { return open_db(url); }
  std::int64_t count(const std::string& sql) { return count_rows(*db(), sql); }
  // "a, b" with n rows of generate_series/recursive CTE values 1..n.
  std::string series(int n) const {
    return "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < " + std::to_string(n) + ") ";
  }

  const Backend backend = GetParam();
  TempDir dir;
  std::string url;
};

// What a run that must be refused leaves behind: an error of kind config, and nothing
// in the target table.
void expect_refused(RunOptions o, const std::string& needle) {
  try {
    Runner(o).run();
    ADD_FAILURE() << "expected a refusal mentioning '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::config) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

}  // namespace

// Item 1: a non-unique key with NULLs on a table larger than one keyset page (10,000
// keys): PostgreSQL sorts NULLs last, so the pages never reached them and their rows
// were skipped, with exit 0 and verify OK.
TEST_P(Issue13, NullKeysAreRefusedOnEveryPlanningPath) {
  db()->execute_script("CREATE TABLE src (k BIGINT, v TEXT); CREATE TABLE uniq (k BIGINT UNIQUE, v TEXT);"
                       "CREATE TABLE dst (k BIGINT, v TEXT);" +
                       series(15000) + "INSERT INTO src SELECT n, 'v' FROM s;" + series(15000) +
                       "INSERT INTO uniq SELECT n, 'v' FROM s;"
                       "INSERT INTO src VALUES (NULL, 'lost'), (NULL, 'lost');"
                       "INSERT INTO uniq VALUES (NULL, 'lost');");
  for (const std::string table : {"src", "uniq"}) {
    auto copy = Migration::copy("0001_" + table).from(table).key("k").to("dst").column("k", "k").column("v", "v");
    expect_refused(test_options(url, {copy.def()}), "holds NULL");
    EXPECT_EQ(count("SELECT count(*) FROM dst"), 0) << "nothing written for " << table;
  }
  // Planned before the NULL rows came in: verify counts them instead of passing them over.
  db()->execute_script("DELETE FROM src WHERE k IS NULL");
  auto copy = Migration::copy("0002_late").from("src").key("k").to("dst").column("k", "k").column("v", "v");
  Runner runner(test_options(url, {copy.def()}));
  ASSERT_EQ(runner.run().exit_code(), ExitCode::success);
  EXPECT_TRUE(runner.verify("0002_late").ok());
  db()->execute_script("INSERT INTO src VALUES (NULL, 'late')");
  auto v = runner.verify("0002_late");
  EXPECT_FALSE(v.ok()) << "a source row with a NULL key is in no batch: verify must not say OK";
  EXPECT_EQ(v.source_rows, 15001);
}

// Item 9: SQLite bound the planner's page key with SQLITE_STATIC while the callback
// overwrote it, so a composite (TEXT, INTEGER) key on more than 10,000 rows gave huge
// batches. Property: random tables, keys of mixed types, unique and not, batch sizes
// from 1 to 5000: every batch but the last holds exactly batch_size rows (for a
// non-unique key, give or take the rows of one key value, which share a range), and the
// ranges cover every row exactly once.
TEST_P(Issue13, PlannerBatchesAreExactForRandomMixedKeys) {
  std::mt19937 rng(1234);
  const std::string blob = backend.is_postgres() ? "bytea" : "BLOB";
  const std::string real = backend.is_postgres() ? "DOUBLE PRECISION" : "REAL";
  struct Shape {
    std::string columns, key, values;  // values: SQL of one row from n
    bool unique;
  };
  const std::string hexfn = backend.is_postgres() ? "decode(lpad(to_hex(n % 977), 4, '0'), 'hex')"
                                                  : "CAST(printf('%04x', n % 977) AS BLOB)";
  std::vector<Shape> shapes = {
      {"t TEXT, i BIGINT", "t, i", "'k' || (n % 37), n", true},
      {"t TEXT, r " + real, "t, r", "'é' || (n % 11), n * 0.5", true},
      {"i BIGINT", "i", "n % 1013", false},
      {"b " + blob + ", i BIGINT", "b, i", hexfn + ", n", true},
      {"t TEXT", "t", "'w' || (n * 7919 % 100003)", true},
      {"r " + real + ", t TEXT", "r, t", "(n % 53) * 1.25, 'x' || n", true},
  };
  int table_no = 0;
  for (const auto& shape : shapes) {
    for (int round = 0; round < 2; ++round) {
      const int rows = std::uniform_int_distribution<int>(0, 30000)(rng);
      const int size = round == 0 ? std::uniform_int_distribution<int>(1, 40)(rng) * 100 + 1
                                  : std::uniform_int_distribution<int>(1, 5000)(rng);
      const std::string table = "p" + std::to_string(++table_no);
      std::vector<std::string> key;
      for (auto& part : std::vector<std::string>{shape.key.substr(0, shape.key.find(','))}) key.push_back(part);
      if (shape.key.find(',') != std::string::npos) key.push_back(shape.key.substr(shape.key.find(',') + 2));
      auto d = db();
      d->execute_script("CREATE TABLE " + table + " (" + shape.columns + (shape.unique ? ", PRIMARY KEY (" + shape.key + ")" : "") +
                        ");" + (rows > 0 ? series(rows) + "INSERT INTO " + table + " SELECT " + shape.values +
                                               " FROM s;" : std::string()));
      auto plan = plan::plan_batches(*d, {table, key, "", size});
      std::int64_t total = 0;
      for (const auto& b : plan.batches) {
        std::int64_t n = db::query_row(*d, "SELECT count(*) FROM " + table + " WHERE " +
                                               db::range_predicate(key, b.range.has_lo(), b.range.has_hi()),
                                       b.range.params())[0].as_int();
        bool last = b.number == static_cast<std::int64_t>(plan.batches.size());
        if (!last && shape.unique) EXPECT_EQ(n, size) << table << " batch " << b.number << " of " << shape.columns;
        // Equal keys share a range, so a batch of a non-unique key is off by at most
        // the number of rows one key value has (here at most rows / 1013 + 1).
        if (!last && !shape.unique) EXPECT_LE(std::abs(n - size), rows / 1013 + 1) << table << " batch " << b.number;
        total += n;
      }
      EXPECT_EQ(total, rows) << table << " (" << shape.columns << "), batch size " << size
                             << ": every row in exactly one batch";
      if (shape.unique) EXPECT_EQ(static_cast<int>(plan.batches.size()), (rows + size - 1) / size) << table;
    }
  }
}

// Item 8: an empty bytea became NULL in SQLite (an empty vector binds a null pointer,
// which sqlite3_bind_blob takes for NULL). Both directions, empty text and blob.
TEST(Issue13Types, EmptyBlobsAndStringsStayEmptyBothWays) {
  TempDir dir;
  std::string pg = new_pg_database();
  std::string lite = dir.sqlite_url("e.db");
  open_db(pg)->execute_script(
      "CREATE TABLE t (id BIGINT PRIMARY KEY, b BYTEA, s TEXT, a INT[]);"
      "INSERT INTO t VALUES (1, '', '', '{}'), (2, NULL, NULL, NULL), (3, '\\x00', ' ', '{1}');"
      "CREATE TABLE back (id BIGINT PRIMARY KEY, b BYTEA, s TEXT, a TEXT)");
  open_db(lite)->execute_script("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB, s TEXT, a TEXT)");
  auto there = Migration::copy("0001_there").source_db(pg).from("t").key("id").to("t")
                   .column("id", "id").column("b", "b").column("s", "s").column("a", "CAST(a AS TEXT)");
  ASSERT_EQ(Runner(test_options(lite, {there.def()})).run().exit_code(), ExitCode::success);
  auto l = open_db(lite);
  EXPECT_EQ(count_rows(*l, "SELECT count(*) FROM t WHERE id = 1 AND typeof(b) = 'blob' AND length(b) = 0"), 1)
      << "empty bytea -> empty blob, not NULL";
  EXPECT_EQ(count_rows(*l, "SELECT count(*) FROM t WHERE id = 1 AND s = '' AND a = '{}'"), 1);
  EXPECT_EQ(count_rows(*l, "SELECT count(*) FROM t WHERE id = 2 AND b IS NULL AND s IS NULL AND a IS NULL"), 1);
  EXPECT_EQ(count_rows(*l, "SELECT count(*) FROM t WHERE id = 3 AND hex(b) = '00' AND s = ' '"), 1);

  auto back = Migration::copy("0002_back").source_db(lite).from("t").key("id").to("back")
                  .column("id", "id").column("b", "b").column("s", "s").column("a", "a");
  ASSERT_EQ(Runner(test_options(pg, {back.def()})).run().exit_code(), ExitCode::success);
  auto p = open_db(pg);
  EXPECT_EQ(count_rows(*p, "SELECT count(*) FROM back WHERE id = 1 AND b = ''::bytea AND s = '' AND a = '{}'"), 1)
      << "empty blob -> empty bytea, not NULL";
  EXPECT_EQ(count_rows(*p, "SELECT count(*) FROM back WHERE id = 2 AND b IS NULL AND s IS NULL"), 1);
  // The same rows through insert_rows (values), the path a transform takes.
  open_db(lite)->execute_script("CREATE TABLE v (id INTEGER PRIMARY KEY, b BLOB)");
  auto to_v = Migration::transform("0003_values").source_db(pg).from("t").key("id").read_columns({"id", "b"})
                  .to("v", {"id", "b"}).map([](const Row& in, Emitter& out) { out.emit({in["id"], in["b"]}); });
  ASSERT_EQ(Runner(test_options(lite, {to_v.def()})).run().exit_code(), ExitCode::success);
  EXPECT_EQ(count_rows(*l, "SELECT count(*) FROM v WHERE id = 1 AND typeof(b) = 'blob'"), 1);
}

// Item 7: a copy whose source and target are the same table doubled the table, and
// verify said OK.
TEST_P(Issue13, CopyIntoItsOwnSourceIsRefused) {
  db()->execute_script("CREATE TABLE t (id BIGINT PRIMARY KEY, v TEXT);" + series(50) + "INSERT INTO t SELECT n, 'x' FROM s;");
  auto copy = Migration::copy("0001_self").from("t").key("id").to("t").target_key({"id"}).column("id", "id + 1000").column("v", "v");
  expect_refused(test_options(url, {copy.def()}), "into itself");
  RunOptions same_by_url = test_options(url, {copy.source_db(url).def()});
  expect_refused(same_by_url, "into itself");
  EXPECT_EQ(count("SELECT count(*) FROM t"), 50);
}

// Item 6: an update body of two statements ran only the first on SQLite.
TEST_P(Issue13, UpdateWithTwoStatementsIsRefusedOnBothBackends) {
  db()->execute_script("CREATE TABLE t (id BIGINT PRIMARY KEY, a BIGINT, b BIGINT); INSERT INTO t VALUES (1, 0, 0)");
  auto two = Migration::update("0001_two").table("t").key("id")
                 .sql("UPDATE t SET a = 1 WHERE {{batch}}; UPDATE t SET b = 1 WHERE {{batch}}");
  try {
    Runner(test_options(url, {two.def()}));
    ADD_FAILURE() << "two statements must be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::config);
    EXPECT_NE(std::string(e.what()).find("2 statements"), std::string::npos) << e.what();
  }
  // A semicolon inside a literal or a comment is no second statement; a {{batch}} only
  // in a literal is no marker.
  auto one = Migration::update("0002_one").table("t").key("id").sql("UPDATE t SET a = length('x;y') /* ; */ WHERE {{batch}}");
  ASSERT_EQ(Runner(test_options(url, {one.def()})).run().exit_code(), ExitCode::success);
  EXPECT_EQ(count("SELECT a FROM t"), 3);
  auto quoted = Migration::update("0003_quoted").table("t").key("id").sql("UPDATE t SET a = 2 WHERE '{{batch}}' <> ''");
  EXPECT_THROW(Runner(test_options(url, {quoted.def()})), Error);
  // Schema steps run every statement, on both backends.
  auto schema = Migration::schema("0004_schema", "CREATE TABLE s1 (x INT); CREATE TABLE s2 (x INT);\nINSERT INTO s2 VALUES (7)");
  ASSERT_EQ(Runner(test_options(url, {schema.def()})).run().exit_code(), ExitCode::success);
  EXPECT_EQ(count("SELECT x FROM s2"), 7);
}

// Item 5: a NUL byte in a migration file cut the statement and the step was recorded
// done; invalid UTF-8 went into the database; hidden files ran as migrations.
TEST(Issue13Files, NulBytesInvalidUtf8AndHiddenFiles) {
  TempDir dir;
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir.file(name), std::ios::binary) << text;
  };
  std::string nul = "CREATE TABLE a (x INT);\nCREATE TABLE b (x INT);";
  nul[24] = '\0';
  write("0001_nul.sql", nul);
  try {
    migrate::load_migration_dir(dir.path());
    ADD_FAILURE() << "a NUL byte must be refused";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_EQ(e.kind(), ErrorKind::config);
    EXPECT_NE(m.find("0001_nul.sql:2: a NUL byte at byte offset 24"), std::string::npos) << m;
  }
  write("0001_nul.sql", "CREATE TABLE a (name TEXT DEFAULT 'caf\xe9');");
  try {
    migrate::load_migration_dir(dir.path());
    ADD_FAILURE() << "Latin-1 must be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("byte 0xE9, which is not valid UTF-8"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("offset 38"), std::string::npos) << e.what();
  }
  write("0001_nul.sql", "CREATE TABLE a (name TEXT DEFAULT 'café');");
  write(".0000_hidden.sql", "DROP TABLE everything;");
  write("._0001_nul.sql", "\x00\x05\x16\x07 resource fork");
  auto loaded = migrate::load_migration_dir(dir.path());
  ASSERT_EQ(loaded.size(), 1u) << "hidden files are not migrations";
  EXPECT_EQ(loaded[0].name, "0001_nul");
}

// Item 4: a source URL that differs from the target only in its options
// (search_path) was taken for the target, and the wrong table was copied.
TEST(Issue13Urls, SourceWithOtherSearchPathIsAnotherDatabase) {
  std::string pg = new_pg_database();
  open_db(pg)->execute_script(
      "CREATE SCHEMA legacy; CREATE TABLE legacy.items (id BIGINT PRIMARY KEY, v TEXT);"
      "INSERT INTO legacy.items VALUES (1, 'legacy'), (2, 'legacy');"
      "CREATE TABLE items (id BIGINT PRIMARY KEY, v TEXT); INSERT INTO items VALUES (1, 'public');"
      "CREATE TABLE copied (id BIGINT PRIMARY KEY, v TEXT)");
  std::string legacy = pg + "?options=-csearch_path%3Dlegacy";
  EXPECT_NE(db::parse_url(legacy).identity(), db::parse_url(pg).identity());
  EXPECT_EQ(db::parse_url(pg + "?connect_timeout=5").identity(), db::parse_url(pg).identity());
  auto copy = Migration::copy("0001_legacy").source_db(legacy).from("items").key("id").to("copied")
                  .column("id", "id").column("v", "v");
  ASSERT_EQ(Runner(test_options(pg, {copy.def()})).run().exit_code(), ExitCode::success);
  EXPECT_EQ(count_rows(*open_db(pg), "SELECT count(*) FROM copied WHERE v = 'legacy'"), 2);
  EXPECT_EQ(count_rows(*open_db(pg), "SELECT count(*) FROM copied"), 2);
}

// Item 10: a source table named "b" failed planning on PostgreSQL: the planner's CTE was
// called b. Tables and columns named like every name rowshift's own SQL introduces.
TEST_P(Issue13, TablesNamedLikeRowshiftsOwnNamesCopyExactly) {
  const std::vector<std::string> names = {"b", "k", "at_key", "rowshift_walk", "any_row", "rowshift_any_row",
                                          "rowshift_source", "excluded", "rowshift_ping", "s"};
  for (const auto& name : names) {
    const std::string t = db::quote_ident(name);
    const std::string col = db::quote_ident(name == "k" ? "b" : "k");
    db()->execute_script("CREATE TABLE " + t + " (" + col + " BIGINT PRIMARY KEY, " + t + " TEXT);" + series(2500) +
                         "INSERT INTO " + t + " SELECT n, 'v' || n FROM s;" + "CREATE TABLE " +
                         db::quote_ident(name + "_copy") + " (" + col + " BIGINT PRIMARY KEY, " + t + " TEXT)");
    const std::string key = name == "k" ? "b" : "k";
    auto copy = Migration::copy("0001_" + name).from(name).key(key).to(name + "_copy")
                    .column(key, db::quote_ident(key)).column(name, t);
    Runner runner(test_options(url, {copy.def()}));
    auto rep = runner.run();
    for (const auto& m : rep.migrations) {
      for (const auto& e : m.errors) ADD_FAILURE() << name << ": " << e;
    }
    ASSERT_EQ(rep.exit_code(), ExitCode::success) << name;
    EXPECT_EQ(rep.migrations[0].batches_total, 3) << name;
    EXPECT_TRUE(runner.verify("0001_" + name).ok()) << name;
    EXPECT_EQ(count("SELECT count(*) FROM " + db::quote_ident(name + "_copy")), 2500) << name;
  }
}

// Item 13: an update with --store elsewhere was refused with 'target table "" has no
// primary key', the repository's own backfill included.
TEST_P(Issue13, UpdateRunsWithStoreElsewhere) {
  db()->execute_script("CREATE TABLE t (id BIGINT PRIMARY KEY, v BIGINT);" + series(4500) + "INSERT INTO t SELECT n, 0 FROM s;");
  auto upd = Migration::update("0001_bump").table("t").key("id").sql("UPDATE t SET v = id * 2 WHERE {{batch}}");
  RunOptions o = test_options(url, {upd.def()});
  o.store_url = dir.sqlite_url("store.db");
  auto rep = Runner(o).run();
  ASSERT_EQ(rep.exit_code(), ExitCode::success);
  EXPECT_EQ(rep.migrations[0].batches_done, 5);
  EXPECT_EQ(count("SELECT count(*) FROM t WHERE v = id * 2"), 4500);
}

INSTANTIATE_TEST_SUITE_P(Backends, Issue13, ::testing::ValuesIn(all_backends()), backend_name);

// Item 16: after a copy into serial / identity columns the sequences stayed at their
// start, so the application's first INSERT failed with a duplicate key; GENERATED
// ALWAYS targets failed with 428C9 on the same-database and --store paths.
TEST(Issue13Sequences, SequencesMovePastCopiedValuesOnEveryPath) {
  TempDir dir;
  std::string pg = new_pg_database();
  std::string lite = dir.sqlite_url("src.db");
  open_db(lite)->execute_script("CREATE TABLE src (id INTEGER PRIMARY KEY, v TEXT);"
                                "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 2500)"
                                " INSERT INTO src SELECT n * 2, 'v' FROM s");
  open_db(pg)->execute_script(
      "CREATE TABLE src (id BIGINT PRIMARY KEY, v TEXT);"
      "INSERT INTO src SELECT n * 2, 'v' FROM generate_series(1, 2500) AS n;"
      "CREATE TABLE a_serial (id BIGSERIAL PRIMARY KEY, v TEXT);"
      "CREATE TABLE b_always (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v TEXT);"
      "CREATE TABLE c_default (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, v TEXT);"
      "CREATE TABLE d_always_store (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v TEXT);"
      "CREATE TABLE e_from_sqlite (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v TEXT)");
  auto copy = [](const std::string& name, const std::string& to) {
    return Migration::copy(name).from("src").key("id").to(to).column("id", "id").column("v", "v");
  };
  std::vector<MigrationDef> same = {copy("0001_serial", "a_serial").def(), copy("0002_always", "b_always").def(),
                                    copy("0003_default", "c_default").def()};
  auto rep = Runner(test_options(pg, same)).run();
  for (const auto& m : rep.migrations) {
    for (const auto& e : m.errors) ADD_FAILURE() << e;
  }
  ASSERT_EQ(rep.exit_code(), ExitCode::success);
  RunOptions elsewhere = test_options(pg, {copy("0004_always_store", "d_always_store").def()});
  elsewhere.store_url = dir.sqlite_url("store.db");
  ASSERT_EQ(Runner(elsewhere).run().exit_code(), ExitCode::success);
  ASSERT_EQ(Runner(test_options(pg, {copy("0005_from_sqlite", "e_from_sqlite").source_db(lite).def()})).run().exit_code(),
            ExitCode::success);
  auto p = open_db(pg);
  for (const std::string t : {"a_serial", "b_always", "c_default", "d_always_store", "e_from_sqlite"}) {
    EXPECT_EQ(count_rows(*p, "SELECT count(*) FROM " + t), 2500) << t;
    // The application's next INSERT gets a fresh id, past the copied ones.
    EXPECT_EQ(count_rows(*p, "INSERT INTO " + t + " (v) VALUES ('app') RETURNING id"), 5001) << t;
  }
  // SQLite AUTOINCREMENT: sqlite_sequence follows the copied rowids.
  std::string target = dir.sqlite_url("t.db");
  open_db(target)->execute_script("CREATE TABLE src (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO src SELECT id, v FROM (SELECT 7 AS id, 'v' AS v);"
                                  "CREATE TABLE auto (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT)");
  ASSERT_EQ(Runner(test_options(target, {copy("0001_auto", "auto").source_db(lite).def()})).run().exit_code(),
            ExitCode::success);
  EXPECT_EQ(count_rows(*open_db(target), "INSERT INTO auto (v) VALUES ('app') RETURNING id"), 5001);
}

// Item 17: a `pg_dump --schema-only` file as a schema step emptied the session's
// search_path, and the store's next statement failed: relation "rowshift_migrations"
// does not exist.
TEST(Issue13Schema, PgDumpSchemaOnlyFileRunsAsASchemaStep) {
  std::string from = new_pg_database();
  std::string to = new_pg_database();
  open_db(from)->execute_script(
      "CREATE TYPE mood AS ENUM ('sad', 'ok'); CREATE TABLE people (id SERIAL PRIMARY KEY, name TEXT NOT NULL,"
      " m mood); CREATE TABLE pets (id INT PRIMARY KEY, owner INT REFERENCES people (id)); CREATE INDEX ON pets (owner);"
      "INSERT INTO people (name, m) SELECT 'p' || n, 'ok' FROM generate_series(1, 1500) AS n");
  TempDir dir;
  std::string dump = dir.file("schema.sql");
  std::string cmd = "pg_dump --schema-only --no-owner -d '" + from + "' > '" + dump + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::string sql = read_file(dump);
  ASSERT_NE(sql.find("set_config('search_path', '', false)"), std::string::npos);
  auto schema = Migration::schema("0001_dump", sql);
  auto copy = Migration::copy("0002_people").source_db(from).from("people").key("id").to("people")
                  .column("id", "id").column("name", "name").column("m", "m");
  auto rep = Runner(test_options(to, {schema.def(), copy.def()})).run();
  for (const auto& m : rep.migrations) {
    for (const auto& e : m.errors) ADD_FAILURE() << e;
  }
  ASSERT_EQ(rep.exit_code(), ExitCode::success);
  EXPECT_EQ(count_rows(*open_db(to), "SELECT count(*) FROM people"), 1500);
  EXPECT_EQ(count_rows(*open_db(to), "SELECT count(*) FROM rowshift_migrations WHERE status = 'done'"), 2);
}

// Item 15: `retry` with quarantine reported twice the rows it quarantined; `status`
// printed each failed batch's range twice; `rejects` sorted integer keys as text.
TEST_P(Issue13, QuarantineCountsStatusAndRejectsOrder) {
  db()->execute_script("CREATE TABLE src (id BIGINT PRIMARY KEY, amount BIGINT);" + series(30) +
                       "INSERT INTO src SELECT n, CASE WHEN n IN (9, 10, 21) THEN -1 ELSE n END FROM s;"
                       "CREATE TABLE dst (id BIGINT PRIMARY KEY, amount BIGINT CHECK (amount >= 0))");
  auto copy = Migration::copy("0001_q").from("src").key("id").to("dst").column("id", "id").column("amount", "amount")
                  .batch_size(20);
  RunOptions failing = test_options(url, {copy.def()});
  failing.max_attempts = 1;
  Runner plain(failing);
  EXPECT_EQ(plain.run().exit_code(), ExitCode::batches_failed);
  auto st = plain.status();
  ASSERT_EQ(st.size(), 1u);
  ASSERT_EQ(st[0].errors.size(), 2u);
  for (const auto& e : st[0].errors) {
    EXPECT_EQ(e.error.find("batch "), std::string::npos) << "the range is printed once, by status: " << e.error;
  }
  RunOptions q = failing;
  q.quarantine_bad_rows = true;
  Runner quarantining(q);
  auto rep = quarantining.retry("0001_q");
  ASSERT_EQ(rep.migrations.size(), 1u);
  EXPECT_EQ(rep.migrations[0].rejects, 3) << "three rows in quarantine, counted once";
  EXPECT_EQ(rep.exit_code(), ExitCode::rows_rejected);
  auto rejected = quarantining.rejects("0001_q");
  ASSERT_EQ(rejected.size(), 3u);
  EXPECT_EQ(rejected[0].key, "9");
  EXPECT_EQ(rejected[1].key, "10") << "integer keys in numeric order, not as text";
  EXPECT_EQ(rejected[2].key, "21");
  EXPECT_EQ(count("SELECT count(*) FROM dst"), 27);
}
