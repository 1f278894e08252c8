// PostgreSQL-specific behaviour and the cross-database paths: type mapping round trips,
// SQLSTATEs in failed batches, PostgreSQL -> PostgreSQL and PostgreSQL -> SQLite copies,
// and the planner and checkpoint store on both backends.
#include <gtest/gtest.h>

#include "checkpoint/store.hpp"
#include "db/placeholders.hpp"
#include "db/postgres_database.hpp"
#include "db/sql.hpp"
#include "plan/planner.hpp"
#include "rowshift/rowshift.hpp"
#include "support/backend.hpp"
#include "support/run_options.hpp"
#include "support/sqlite_fixture.hpp"
#include "support/temp_dir.hpp"

using namespace rowshift;
using namespace rowshift::testing;

namespace {

RunOptions options_for(const std::string& url, std::vector<MigrationDef> migrations) {
  return test_options(url, std::move(migrations));
}

std::vector<Values> rows_of(const std::string& url, const std::string& sql) {
  auto db = db::open_database(url);
  return db::query_all(*db, sql);
}

}  // namespace

TEST(Placeholders, QuestionMarksOutsideQuotesBecomeDollars) {
  EXPECT_EQ(db::to_dollar_placeholders("SELECT ? , '?', \"a?\" -- ?\n, ? /* ? */ ,?"),
            "SELECT $1 , '?', \"a?\" -- ?\n, $2 /* ? */ ,$3");
  EXPECT_EQ(db::to_dollar_placeholders("x = 'it''s ?' AND y = ?"), "x = 'it''s ?' AND y = $1");
}

// Every type of the mapping (docs/types.md) through SQLite -> PostgreSQL -> SQLite.
TEST(PostgresTypes, RoundTripThroughBothBackends) {
  TempDir dir;
  std::string lite = dir.sqlite_url("types.db");
  std::string pg = new_pg_database();
  auto s = db::open_database(lite);
  s->execute_script(
      "CREATE TABLE t (id INTEGER PRIMARY KEY, small INTEGER, big INTEGER, dbl REAL, num TEXT, txt TEXT, bin BLOB,"
      " flag INTEGER, ts TEXT, tstz TEXT, missing TEXT);"
      "CREATE TABLE back (id INTEGER PRIMARY KEY, small INTEGER, big INTEGER, dbl REAL, num TEXT, txt TEXT, bin BLOB,"
      " flag INTEGER, ts TEXT, tstz TEXT, missing TEXT);");
  Blob blob;
  blob.bytes = {0, 1, 2, 0x5c, 0x0a, 0x09, 0xfe, 0xff};
  s->execute("INSERT INTO t VALUES (?,?,?,?,?,?,?,?,?,?,?)",
             {1, 32767, 9007199254740993LL, 0.1 + 0.2, "12345678901234567890.123456789", "tab\there\nnew \\ line ✓ 李 '\"",
              blob, 1, "2024-02-29 23:59:59.123456", "2024-02-29 23:59:59.5+00", nullptr});
  s->execute("INSERT INTO t VALUES (?,?,?,?,?,?,?,?,?,?,?)",
             {2, -32768, -9223372036854775807LL, -1e300, "-0.000000000000000001", "", Blob{}, 0,
              "1970-01-01 00:00:00", "1999-12-31 23:00:00+00", nullptr});
  auto p = db::open_database(pg);
  p->execute_script(
      "CREATE TABLE t (id BIGINT PRIMARY KEY, small SMALLINT, big BIGINT, dbl DOUBLE PRECISION, num NUMERIC,"
      " txt TEXT, bin BYTEA, flag BOOLEAN, ts TIMESTAMP, tstz TIMESTAMPTZ, missing TEXT)");

  std::vector<std::string> cols = {"id", "small", "big", "dbl", "num", "txt", "bin", "flag", "ts", "tstz", "missing"};
  auto there = Migration::copy("0001_there").source_db(lite).from("t").key("id").to("t");
  auto back = Migration::copy("0001_back").source_db(pg).from("t").key("id").to("back");
  for (const auto& c : cols) {
    there.column(c, c);
    back.column(c, c);
  }
  ASSERT_EQ(Runner(options_for(pg, {there.def()})).run().exit_code(), ExitCode::success);
  ASSERT_EQ(Runner(options_for(lite, {back.def()})).run().exit_code(), ExitCode::success);

  auto original = rows_of(lite, "SELECT * FROM t ORDER BY id");
  auto returned = rows_of(lite, "SELECT * FROM back ORDER BY id");
  ASSERT_EQ(returned.size(), 2u);
  for (std::size_t r = 0; r < 2; ++r) {
    for (std::size_t c = 0; c < cols.size(); ++c) {
      const Value& want = original[r][c];
      const Value& got = returned[r][c];
      if (cols[c] == "tstz") {
        EXPECT_TRUE(got.is_text() && got.as_text().rfind(want.as_text().substr(0, 19), 0) == 0) << got.debug_string();
      } else if (cols[c] == "bin" && want.is_blob() && want.as_blob().bytes.empty()) {
        EXPECT_TRUE(got.is_blob() && got.as_blob().bytes.empty()) << got.debug_string();
      } else {
        EXPECT_EQ(got, want) << "row " << r << " column " << cols[c] << ": " << got.debug_string() << " != "
                             << want.debug_string();
      }
    }
  }
  // In PostgreSQL the values have their real types.
  auto typed = rows_of(pg, "SELECT flag, num::text, big, pg_typeof(num)::text FROM t WHERE id = 1");
  EXPECT_EQ(typed[0][0].as_int(), 1);
  EXPECT_EQ(typed[0][1].as_text(), "12345678901234567890.123456789") << "numeric is exact";
  EXPECT_EQ(typed[0][2].as_int(), 9007199254740993LL);
}

TEST(PostgresErrors, ConstraintViolationFailsOnlyItsBatchWithSqlstate) {
  std::string pg = new_pg_database();
  {
    auto db = db::open_database(pg);
    Backend{"postgresql"}.make_orders(*db, 3000);
    db->execute_script(
        "CREATE TABLE slim (id BIGINT PRIMARY KEY, amount DOUBLE PRECISION CHECK (amount IS NULL OR amount <> 16.55))");
  }
  auto copy = Migration::copy("0001_slim").from("orders").key("id").to("slim").column("id", "id").column("amount", "amount");
  Runner runner(options_for(pg, {copy.def()}));
  auto report = runner.run();
  EXPECT_EQ(report.exit_code(), ExitCode::batches_failed);
  EXPECT_EQ(report.migrations[0].batches_failed, 1);
  EXPECT_EQ(report.migrations[0].batches_done, 2);
  auto st = runner.status("0001_slim");
  ASSERT_EQ(st[0].errors.size(), 1u);
  EXPECT_NE(st[0].errors[0].error.find("SQLSTATE 23514"), std::string::npos) << st[0].errors[0].error;
  EXPECT_NE(st[0].errors[0].error.find("slim_amount_check"), std::string::npos) << st[0].errors[0].error;
  EXPECT_EQ(st[0].errors[0].attempts, 1) << "a constraint violation is permanent";
  auto stored = rows_of(pg, "SELECT last_error FROM rowshift_batches WHERE status = 'failed'");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_NE(stored[0][0].as_text().find("23514"), std::string::npos);
  EXPECT_EQ(rows_of(pg, "SELECT count(*) FROM slim")[0][0].as_int(), 2000);
}

TEST(PostgresCopies, PostgresToPostgresAndToSqlite) {
  TempDir dir;
  std::string src = new_pg_database();
  std::string dst = new_pg_database();
  std::string lite = dir.sqlite_url("out.db");
  { Backend{"postgresql"}.make_orders(*db::open_database(src), 4321); }
  const std::string ddl = "CREATE TABLE copied (id BIGINT PRIMARY KEY, customer TEXT, amount DOUBLE PRECISION, note TEXT)";
  auto copy = [&](const std::string& name) {
    return Migration::copy(name).source_db(src).from("orders").key("id").to("copied")
        .column("id", "id").column("customer", "customer").column("amount", "amount").column("note", "note");
  };
  for (const std::string& target : {dst, lite}) {
    Runner runner(options_for(target, {Migration::schema("0001_ddl", ddl).def(), copy("0002_copy").def()}));
    auto rep = runner.run();
    for (const auto& m : rep.migrations) {
      for (const auto& e : m.errors) ADD_FAILURE() << e;
    }
    ASSERT_EQ(rep.exit_code(), ExitCode::success) << target;
    auto v = runner.verify("0002_copy");
    EXPECT_TRUE(v.ok()) << target;
    EXPECT_EQ(v.target_rows, 4321);
    auto a = rows_of(src, "SELECT id, customer, amount, note FROM orders ORDER BY id");
    auto b = rows_of(target, "SELECT id, customer, amount, note FROM copied ORDER BY id");
    EXPECT_EQ(a, b) << "row by row, " << target;
  }
}

TEST(PostgresCopies, SeparateStoreOnPostgresUpsertsIntoSqlite) {
  TempDir dir;
  std::string store = new_pg_database();
  std::string lite = dir.sqlite_url("t.db");
  { make_orders(*db::open_database(lite), 2500); }
  auto ddl = Migration::schema("0001_ddl", "CREATE TABLE c (id INTEGER PRIMARY KEY, note TEXT)");
  auto copy = Migration::copy("0002_c").from("orders").key("id").to("c").column("id", "id").column("note", "note");
  RunOptions o = options_for(lite, {ddl.def(), copy.def()});
  o.store_url = store;
  ASSERT_EQ(Runner(o).run().exit_code(), ExitCode::success);
  EXPECT_EQ(rows_of(store, "SELECT count(*) FROM rowshift_batches WHERE status = 'done'")[0][0].as_int(), 3);
  EXPECT_EQ(rows_of(lite, "SELECT count(*) FROM c")[0][0].as_int(), 2500);
}

// The planner on both backends, including more than one keyset page of keys.
class PlannerConformance : public ::testing::TestWithParam<Backend> {};

TEST_P(PlannerConformance, SparseTextCompositeEmptySingle) {
  TempDir dir;
  const Backend& b = GetParam();
  auto db = db::open_database(b.new_database(dir, "p.db"));
  db->execute_script(
      "CREATE TABLE nums (id BIGINT PRIMARY KEY);"
      "CREATE TABLE words (w TEXT PRIMARY KEY);"
      "CREATE TABLE pairs (a TEXT, b BIGINT, PRIMARY KEY (a, b));"
      "CREATE TABLE empty (id BIGINT PRIMARY KEY);"
      "CREATE TABLE one (id BIGINT PRIMARY KEY);"
      "INSERT INTO one VALUES (7);"
      "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 23456)"
      " INSERT INTO nums SELECT n * n FROM s;"
      "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 1500)"
      " INSERT INTO words SELECT 'w' || (n * 7919 % 100000) || 'ü' FROM s;"
      "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 1234)"
      " INSERT INTO pairs SELECT " + b.chr() + "(65 + n % 5), n / 5 FROM s;");
  auto check = [&](const std::string& table, std::vector<std::string> key, int size, std::int64_t rows) {
    auto p = plan::plan_batches(*db, {table, key, "", size});
    EXPECT_EQ(p.rows, rows) << table;
    EXPECT_EQ(static_cast<std::int64_t>(p.batches.size()), (rows + size - 1) / size) << table;
    std::int64_t total = 0;
    for (const auto& batch : p.batches) {
      std::string sql = "SELECT count(*) FROM " + db::quote_ident(table) + " WHERE " +
                        db::range_predicate(key, batch.range.has_lo(), batch.range.has_hi());
      std::int64_t n = db::query_row(*db, sql, batch.range.params())[0].as_int();
      if (batch.number < static_cast<std::int64_t>(p.batches.size())) EXPECT_EQ(n, size) << table;
      total += n;
    }
    EXPECT_EQ(total, rows) << table << ": every row in exactly one batch";
  };
  check("nums", {"id"}, 1000, 23456);
  check("words", {"w"}, 100, 1500);
  check("pairs", {"a", "b"}, 100, 1234);
  check("empty", {"id"}, 1000, 0);
  check("one", {"id"}, 1000, 1);

  // A one-column unique key is planned by skipping through its index; any other key by
  // reading every key. Both must cut the same boundaries.
  db->execute_script("CREATE TABLE plain (id BIGINT); INSERT INTO plain SELECT id FROM nums;");
  auto skipped = plan::plan_batches(*db, {"nums", {"id"}, "id % 3 <> 0", 700});
  auto read = plan::plan_batches(*db, {"plain", {"id"}, "id % 3 <> 0", 700});
  EXPECT_EQ(skipped.rows, read.rows);
  ASSERT_EQ(skipped.batches.size(), read.batches.size());
  for (std::size_t i = 0; i + 1 < read.batches.size(); ++i) {
    EXPECT_EQ(skipped.batches[i].range.hi[0].as_int(), read.batches[i].range.hi[0].as_int()) << i;
  }
  EXPECT_EQ(skipped.min_key[0].as_int(), read.min_key[0].as_int());
  EXPECT_EQ(skipped.max_key[0].as_int(), read.max_key[0].as_int());

  // A unique key may hold NULLs (first in SQLite's order, last in PostgreSQL's).
  db->execute_script("CREATE TABLE nk (id BIGINT UNIQUE); INSERT INTO nk VALUES (1), (2), (NULL), (3);");
  try {
    plan::plan_batches(*db, {"nk", {"id"}, "", 2});
    ADD_FAILURE() << "a NULL key must be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::config);
    EXPECT_NE(std::string(e.what()).find("holds NULL"), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, PlannerConformance, ::testing::ValuesIn(all_backends()), backend_name);

// Checkpoint store transitions on both backends.
class StoreConformance : public ::testing::TestWithParam<Backend> {};

TEST_P(StoreConformance, ClaimDoneFailRetryReset) {
  TempDir dir;
  auto db = db::open_database(GetParam().new_database(dir, "s.db"));
  checkpoint::CheckpointStore store(*db);
  EXPECT_FALSE(store.exists());
  store.ensure_schema();
  checkpoint::MigrationRecord rec{"m", "copy", "abc", checkpoint::MigrationStatus::running, 10, 0, 30};
  std::vector<plan::Batch> batches(3);
  for (int i = 0; i < 3; ++i) {
    batches[i].number = i + 1;
    if (i > 0) batches[i].range.lo = {Value(i * 10), Value("k")};
    if (i < 2) batches[i].range.hi = {Value((i + 1) * 10), Value("k")};
  }
  {
    db::Transaction tx(*db);
    store.record_start(rec, batches);
    tx.commit();
  }
  EXPECT_EQ(store.migration("m")->total_batches, 3);
  EXPECT_EQ(store.batches("m", checkpoint::BatchStatus::pending)[1].range.lo[1].as_text(), "k");
  EXPECT_TRUE(store.claim("m", 1, "h:1", 60));
  EXPECT_FALSE(store.claim("m", 1, "h:2", 60));
  EXPECT_TRUE(store.mark_done("m", 1, "h:1", 10, 3));
  EXPECT_TRUE(store.claim("m", 2, "h:1", 60));
  store.mark_failed("m", 2, "h:1", "boom");
  EXPECT_TRUE(store.claim("m", 3, "h:9", -1));
  EXPECT_TRUE(store.claim("m", 3, "h:2", 60)) << "expired lease taken over";
  auto c = store.counts("m");
  EXPECT_EQ(c.done, 1);
  EXPECT_EQ(c.failed, 1);
  EXPECT_EQ(c.running, 1);
  EXPECT_EQ(c.rows, 10);
  EXPECT_EQ(store.batches("m", checkpoint::BatchStatus::failed)[0].last_error, "boom");
  EXPECT_EQ(store.retry_failed("m"), 1);
  db->execute("UPDATE rowshift_meta SET value = '99' WHERE key = 'schema_version'");
  EXPECT_THROW(store.ensure_schema(), Error) << "a store from a newer rowshift is refused";
  // A version-1 store (before the event log and the rejects) is upgraded in place.
  db->execute_script("DROP TABLE rowshift_events; DROP TABLE rowshift_rejects; DROP TABLE rowshift_runners;"
                     "ALTER TABLE rowshift_batches DROP COLUMN epoch; ALTER TABLE rowshift_batches DROP COLUMN heartbeat_at");
  db->execute("UPDATE rowshift_meta SET value = '1' WHERE key = 'schema_version'");
  store.ensure_schema();
  EXPECT_EQ(store.version(), checkpoint::kSchemaVersion);
  EXPECT_TRUE(db->table_exists("rowshift_events"));
  EXPECT_TRUE(db->table_exists("rowshift_rejects"));
  EXPECT_TRUE(db->table_exists("rowshift_runners"));
  EXPECT_EQ(store.migration("m")->name, "m") << "upgrading keeps the data";
  EXPECT_TRUE(store.claim("m", 2, "h:1", 60)) << "v5 claims on an upgraded store";
  {
    db::Transaction tx(*db);
    EXPECT_TRUE(store.reset("m"));
    tx.commit();
  }
  EXPECT_FALSE(store.migration("m").has_value());
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformance, ::testing::ValuesIn(all_backends()), backend_name);

// A PostgreSQL -> PostgreSQL copy reads each batch with COPY (SELECT ...) TO STDOUT, its
// key range inlined as quoted literals: text keys with quotes and backslashes, and
// values with tabs, newlines and backslashes, must come through unchanged.
TEST(PostgresCopies, TextKeysWithQuotesThroughCopyText) {
  std::string src = new_pg_database();
  std::string dst = new_pg_database();
  {
    auto db = db::open_database(src);
    db->execute_script("CREATE TABLE k (code TEXT PRIMARY KEY, note TEXT, n DOUBLE PRECISION, b BYTEA)");
    for (int i = 0; i < 2500; ++i) {
      std::string code = "O'Brien\\" + std::to_string(i) + (i % 3 == 0 ? "\t'x'" : "");
      db->execute("INSERT INTO k VALUES (?, ?, ?, decode(?, 'hex'))",
                  {Value(code), i % 5 == 0 ? Value() : Value("line\nnext\\\tend " + std::to_string(i)),
                   Value(0.1 * i), Value(std::string("00ff5c0a"))});
    }
  }
  auto copy = Migration::copy("0002_k").source_db(src).from("k").key("code").to("k");
  copy.column("code", "code").column("note", "note").column("n", "n").column("b", "b");
  Runner runner(options_for(dst, {Migration::schema("0001_ddl",
                                                    "CREATE TABLE k (code TEXT PRIMARY KEY, note TEXT,"
                                                    " n DOUBLE PRECISION, b BYTEA)").def(),
                                  copy.batch_size(300).def()}));
  auto report = runner.run();
  for (const auto& m : report.migrations) {
    for (const auto& e : m.errors) ADD_FAILURE() << e;
  }
  ASSERT_EQ(report.exit_code(), ExitCode::success);
  EXPECT_TRUE(runner.verify("0002_k").ok());
  const char* all = "SELECT code, note, n, encode(b, 'hex') FROM k ORDER BY code";
  EXPECT_EQ(rows_of(src, all), rows_of(dst, all));
  EXPECT_EQ(rows_of(dst, "SELECT count(*) FROM k")[0][0].as_int(), 2500);
}

// SQLite -> SQLite from another file: the source file is ATTACHed read-only to the
// target connection (its path may hold spaces, '#' and '%'), and with the store in a
// third file the batch is an upsert, so running it again changes nothing.
TEST(SqliteCopies, AttachedSourceFileWithSeparateStore) {
  TempDir dir;
  std::string legacy = dir.sqlite_url("legacy #1 50%25.db");  // the file: "legacy #1 50%.db"
  std::string target = dir.sqlite_url("target.db");
  std::string store = dir.sqlite_url("store.db");
  { make_orders(*db::open_database(legacy), 3210); }
  auto copy = Migration::copy("0002_copy").source_db(legacy).from("orders").key("id").to("copied");
  copy.column("id", "id").column("customer", "customer").column("amount", "amount").column("note", "upper(note)");
  auto opts = options_for(target, {Migration::schema("0001_ddl", "CREATE TABLE copied (id INTEGER PRIMARY KEY,"
                                                                 " customer TEXT, amount REAL, note TEXT)").def(),
                                   copy.batch_size(250).def()});
  opts.store_url = store;
  Runner runner(opts);
  ASSERT_EQ(runner.run().exit_code(), ExitCode::success);
  EXPECT_TRUE(runner.verify("0002_copy").ok());
  const char* want = "SELECT id, customer, amount, upper(note) FROM orders ORDER BY id";
  const char* got = "SELECT id, customer, amount, note FROM copied ORDER BY id";
  EXPECT_EQ(rows_of(legacy, want), rows_of(target, got));
  // The batches again, as after a crash between the writes and the marks: upserts.
  runner.reset("0002_copy");
  ASSERT_EQ(Runner(opts).run().exit_code(), ExitCode::success);
  EXPECT_EQ(rows_of(legacy, want), rows_of(target, got));
}

// PostgreSQL -> PostgreSQL with the same built-in column types goes as binary COPY
// (the block passed through untouched); any other pair of types as COPY text. Both give
// the source's values exactly, with the store in the target and with it elsewhere
// (then the binary block lands in a staging table and is upserted).
TEST(PostgresCopies, BinaryCopyBetweenPostgresDatabasesKeepsEveryType) {
  std::string src = new_pg_database();
  std::string dst = new_pg_database();
  std::string store = new_pg_database();
  const std::string cols =
      "id BIGINT PRIMARY KEY, i2 SMALLINT, i4 INTEGER, f4 REAL, f8 DOUBLE PRECISION, num NUMERIC(30,9), txt TEXT,"
      " vc VARCHAR(20), flag BOOLEAN, bin BYTEA, d DATE, ts TIMESTAMP, tstz TIMESTAMPTZ, iv INTERVAL, u UUID,"
      " j JSONB, arr INTEGER[], tarr TEXT[]";
  {
    auto s = db::open_database(src);
    s->execute_script("CREATE TABLE t (" + cols + ");"
                      "INSERT INTO t SELECT g, (g % 30000)::smallint, g * 7, g / 3.0, g * 1.0e-7 + 0.1,"
                      " g * 1.000000001, CASE WHEN g % 7 = 0 THEN NULL ELSE 'tab\t nl\n bs\\ ' || g || ' ✓ ''q''' END,"
                      " 'v' || g, g % 2 = 0, decode(lpad(to_hex(g), 8, '0') || '0a5c09ff', 'hex'),"
                      " date '2024-02-29' + g, timestamp '2000-01-01 00:00:00.123456' + g * interval '1 second',"
                      " timestamptz '1999-12-31 23:59:59.5+00' + g * interval '1 minute', g * interval '1 hour 2 min',"
                      " md5(g::text)::uuid, jsonb_build_object('g', g, 's', 'x\"y'), ARRAY[g, NULL, -g],"
                      " ARRAY['a,b', NULL, 'c\"d']"
                      " FROM generate_series(1, 2500) AS g;");
    db::open_database(dst)->execute_script("CREATE TABLE t (" + cols + "); CREATE TABLE widened (id BIGINT PRIMARY KEY,"
                                           " i4 BIGINT, txt TEXT)");
  }
  auto source = db::open_database(src);
  auto target = db::open_database(dst);
  const std::string sql = "SELECT * FROM t WHERE id > ? ORDER BY id";
  auto types = source->result_types(sql, {0});
  ASSERT_EQ(types.size(), 18u);
  EXPECT_EQ(types, target->column_types("t", {"id", "i2", "i4", "f4", "f8", "num", "txt", "vc", "flag", "bin", "d", "ts",
                                              "tstz", "iv", "u", "j", "arr", "tarr"}))
      << "same built-in types: the binary path";
  EXPECT_NE(source->result_types("SELECT id, i4, txt FROM t WHERE id > ? ORDER BY id", {0}),
            target->column_types("widened", {"id", "i4", "txt"}))
      << "integer into bigint: COPY text";

  auto all = [](Migration m, const std::string& list) {
    std::string c;
    for (char ch : list + ",") {
      if (ch == ',') {
        m.column(c, c);
        c.clear();
      } else if (ch != ' ') {
        c += ch;
      }
    }
    return m;
  };
  auto exact = all(Migration::copy("0001_exact").source_db(src).from("t").key("id").to("t"),
                   "id, i2, i4, f4, f8, num, txt, vc, flag, bin, d, ts, tstz, iv, u, j, arr, tarr");
  auto widen = all(Migration::copy("0002_widen").source_db(src).from("t").key("id").to("widened"), "id, i4, txt");
  RunOptions o = options_for(dst, {exact.def(), widen.def()});
  o.batch_size = 700;  // over copy_pieces::kRowsPerCopy: a batch alone goes as two COPY statements, a group as one
  ASSERT_EQ(Runner(o).run().exit_code(), ExitCode::success);
  // Every value compared as text, computed by PostgreSQL on both sides.
  const std::string dump = "SELECT md5(string_agg(t::text, '|' ORDER BY id)) FROM t";
  EXPECT_EQ(rows_of(src, dump), rows_of(dst, dump));
  EXPECT_EQ(rows_of(src, "SELECT md5(string_agg(id || ',' || i4 || ',' || coalesce(txt, '-'), '|' ORDER BY id)) FROM t"),
            rows_of(dst, "SELECT md5(string_agg(id || ',' || i4 || ',' || coalesce(txt, '-'), '|' ORDER BY id))"
                         " FROM widened"));

  // With the store elsewhere the batch is upserted: run it twice over, rows changed in between.
  db::open_database(dst)->execute_script("TRUNCATE t; INSERT INTO t (id, txt) VALUES (5, 'stale'), (9999, 'extra')");
  RunOptions apart = options_for(dst, {exact.def()});
  apart.store_url = store;
  ASSERT_EQ(Runner(apart).run().exit_code(), ExitCode::success);
  EXPECT_EQ(rows_of(src, dump), rows_of(dst, "SELECT md5(string_agg(t::text, '|' ORDER BY id)) FROM t WHERE id <> 9999"));
  EXPECT_EQ(rows_of(dst, "SELECT count(*) FROM t")[0][0].as_int(), 2501);
}

// Statements sent as one message (a group's writes and reads, issue 17) behave as when
// sent one by one: each its own row count; the first that fails throws with its SQLSTATE,
// those after it do not run, and the connection is usable after the rollback.
TEST(PostgresMessages, StatementsSentTogetherCountFailAndReadAsAlone) {
  std::string pg = new_pg_database();
  auto db = db::open_database(pg);
  db->execute_script("CREATE TABLE m (id BIGINT PRIMARY KEY, v TEXT)");
  const std::string insert = "INSERT INTO m SELECT g, 'v' || g FROM generate_series(CAST(? AS BIGINT), CAST(? AS BIGINT)) g";
  {
    db::Transaction tx(*db);
    auto n = db->execute_each({{insert, {Value(1), Value(10)}}, {insert, {Value(11), Value(15)}}});
    EXPECT_EQ(n, (std::vector<std::int64_t>{10, 5}));
    tx.commit();
  }
  {
    db::Transaction tx(*db);
    try {
      db->execute_each({{insert, {Value(100), Value(101)}}, {insert, {Value(15), Value(16)}}, {insert, {Value(200), Value(201)}}});
      ADD_FAILURE() << "a duplicate key must fail";
    } catch (const Error& e) {
      EXPECT_FALSE(e.transient());
      EXPECT_NE(std::string(e.what()).find("23505"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(rows_of(pg, "SELECT count(*), max(id) FROM m")[0], (Values{Value(15), Value(15)}))
      << "the failed message's statements rolled back, those after the failure never ran";
  EXPECT_EQ(db->execute(insert, {Value(16), Value(20)}), 5) << "the connection works after the failure";

  const std::string select = "SELECT id, v FROM m WHERE id >= ? AND id < ?";
  std::vector<std::string> together;
  auto counts = db->query_copy_binary_each({{select, {Value(1), Value(8)}}, {select, {Value(8), Value(8)}},
                                            {select, {Value(8), Value(21)}}}, together);
  EXPECT_EQ(counts, (std::vector<std::int64_t>{7, 0, 13}));
  ASSERT_EQ(together.size(), 3u);
  std::string alone;
  db->query_copy_binary(select, {Value(8), Value(21)}, alone);
  EXPECT_EQ(together[2], alone) << "each query's block is what it reads alone";
  try {
    db->query_copy_binary_each({{select, {Value(1), Value(2)}}, {"SELECT no_such_column FROM m", {}}}, together);
    ADD_FAILURE() << "a bad query must fail";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no_such_column"), std::string::npos) << e.what();
  }
  EXPECT_EQ(rows_of(pg, "SELECT count(*) FROM m")[0][0].as_int(), 20);
  EXPECT_EQ(db->execute("DELETE FROM m WHERE id > ?", {Value(18)}), 2) << "and after a failed read";
}
