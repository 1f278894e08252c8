// Issue 13, items 11, 14 and 15 (progress): verify must be truthful whatever the two
// databases' collations, however the target key is made from the source's, and for
// numbers that change type on the way; a 1:N transform's target key is the key its
// upserts use, not a mapping verify needs; progress counts source rows.
#include <gtest/gtest.h>

#include <random>

#include "cli/progress.hpp"
#include "rowshift/rowshift.hpp"
#include "support/backend.hpp"
#include "support/backend_fixture.hpp"
#include "support/run_options.hpp"
#include "support/sqlite_fixture.hpp"
#include "support/temp_dir.hpp"

using namespace rowshift;
using namespace rowshift::testing;

namespace {

// Words whose order differs between binary (SQLite, "C") and language collations:
// case, accents, punctuation and digits, in random order.
std::vector<std::string> mixed_words(int n) {
  const std::vector<std::string> stems = {"apple", "Apple", "APPLE", "éclair", "eclair", "Éclair", "zebra", "Zebra",
                                          "_under", "-dash", "9lives", "10lives", "ß", "ss", "o'hara", "Ohara"};
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(stems[static_cast<std::size_t>(i) % stems.size()] + std::to_string(i / 16));
  std::shuffle(out.begin(), out.end(), std::mt19937(7));
  return out;
}

void fill_words(db::Database& d, const std::vector<std::string>& words) {
  d.begin();
  for (std::size_t i = 0; i < words.size(); ++i) {
    d.execute("INSERT INTO words (w, n) VALUES (?, ?)", {words[i], static_cast<long long>(i)});
  }
  d.commit();
}

VerifyReport run_and_verify(RunOptions o, const std::string& name) {
  Runner runner(std::move(o));
  auto rep = runner.run();
  EXPECT_EQ(rep.exit_code(), ExitCode::success);
  return runner.verify(name);
}

std::string mismatch_text(const VerifyReport& v) {
  std::string s;
  for (const auto& m : v.mismatches) {
    s += "batch " + std::to_string(m.batch) + " " + m.range + ": " + std::to_string(m.source_rows) + "/" +
         std::to_string(m.target_rows) + " " + m.detail + "\n";
  }
  return s;
}

}  // namespace

// Item 11: SQLite (binary order) into a PostgreSQL column with an ICU en-US collation.
// verify evaluated the source's ranges in the target's order, so rows fell in other
// ranges and the counts added up to twice the table. And the other way round.
TEST(Issue13Verify, TruthfulAcrossCollations) {
  TempDir dir;
  const std::string lite = "sqlite:" + (dir.path() / "words.db").string() + "?mode=rwc";
  const std::string pg = new_pg_database();
  const auto words = mixed_words(3000);
  {
    auto s = open_db(lite);
    s->execute_script("CREATE TABLE words (w TEXT PRIMARY KEY, n INTEGER);"
                      "CREATE TABLE back (w TEXT PRIMARY KEY, n INTEGER)");
    fill_words(*s, words);
    auto p = open_db(pg);
    p->execute_script("CREATE TABLE words (w text COLLATE \"en-US-x-icu\" PRIMARY KEY, n bigint)");
  }
  auto there = Migration::copy("0001_there").source_db(lite).from("words").key("w").to("words")
                   .column("w", "w").column("n", "n").batch_size(100);
  RunOptions o = test_options(pg, {there.def()});
  auto v = run_and_verify(o, "0001_there");
  EXPECT_TRUE(v.ok()) << mismatch_text(v);
  EXPECT_EQ(v.source_rows, 3000);
  EXPECT_EQ(v.target_rows, 3000);
  EXPECT_NE(v.order.find("source's key order"), std::string::npos) << v.order;

  // PostgreSQL's ICU order planned on the source, SQLite's binary order in the target.
  auto back = Migration::copy("0002_back").source_db(pg).from("words").key("w").to("back")
                  .column("w", "w").column("n", "n").batch_size(100);
  auto vb = run_and_verify(test_options(lite, {back.def()}), "0002_back");
  EXPECT_TRUE(vb.ok()) << mismatch_text(vb);

  // A real difference is still found, and named: its key and its column.
  open_db(pg)->execute("UPDATE words SET n = -1 WHERE w = ?", {words[1234]});
  Runner again(o);
  auto bad = again.verify("0001_there");
  ASSERT_FALSE(bad.ok());
  ASSERT_EQ(bad.mismatches.size(), 1u) << mismatch_text(bad);
  EXPECT_NE(bad.mismatches[0].detail.find("'" + words[1234] + "'"), std::string::npos) << bad.mismatches[0].detail;
  EXPECT_NE(bad.mismatches[0].detail.find("column \"n\" is -1 in the target"), std::string::npos)
      << bad.mismatches[0].detail;
  // A row deleted from the target, and one added that no source row made.
  open_db(pg)->execute_script("DELETE FROM words WHERE n = -1; INSERT INTO words VALUES ('intruder', 1)");
  auto worse = again.verify("0001_there");
  ASSERT_EQ(worse.mismatches.size(), 2u) << mismatch_text(worse);
  EXPECT_EQ(worse.mismatches[0].batch, 0) << "the rows no range holds come first";
  EXPECT_NE(worse.mismatches[0].detail.find("1 rows whose keys no source row has"), std::string::npos)
      << mismatch_text(worse);
  EXPECT_NE(worse.mismatches[1].detail.find("key ('" + words[1234] + "') is not in the target"), std::string::npos)
      << mismatch_text(worse);
}

class Issue13VerifyKeys : public BackendTest {};

// Item 11: a target key computed from the source key (here 1,000,000 - id, which also
// reverses the order): verify looked the source's range up in the target key and
// found other rows or none.
TEST_P(Issue13VerifyKeys, ComputedTargetKeyVerifies) {
  auto d = open_db(url);
  d->execute_script(
      "CREATE TABLE src (id BIGINT PRIMARY KEY, name TEXT);"
      "CREATE TABLE dst (code BIGINT PRIMARY KEY, name TEXT);"
      "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 2500) "
      "INSERT INTO src SELECT n, 'name ' || n FROM s");
  auto copy = Migration::copy("0001_code").from("src").key("id").to("dst").column("code", "1000000 - id")
                  .column("name", "name").target_key({"code"}).batch_size(300);
  auto v = run_and_verify(test_options(url, {copy.def()}), "0001_code");
  EXPECT_TRUE(v.ok()) << mismatch_text(v);
  EXPECT_EQ(v.source_rows, 2500);
}

// Item 14: a 1:N transform (three lines per order) with a two-column target key. verify
// failed with "statement expects 4 parameters, got 2"; --store elsewhere must work on
// that key; a one-column key that is not unique runs into the same database, and is
// refused with --store elsewhere with a message that says which key to give.
TEST_P(Issue13VerifyKeys, OneToManyTransformTargetKeys) {
  auto d = open_db(url);
  d->execute_script(
      "CREATE TABLE orders (id BIGINT PRIMARY KEY, qty BIGINT);"
      "CREATE TABLE lines (order_id BIGINT NOT NULL, line_no BIGINT NOT NULL, qty BIGINT,"
      " PRIMARY KEY (order_id, line_no));"
      "CREATE TABLE lines_loose (order_id BIGINT NOT NULL, line_no BIGINT NOT NULL, qty BIGINT);"
      "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 2500) "
      "INSERT INTO orders SELECT n, n * 3 FROM s");
  auto three_lines = [](const Row& in, Emitter& out) {
    for (long long line = 1; line <= 3; ++line) out.emit({in["id"], Value(line), Value(in["qty"].as_int() + line)});
  };
  auto lines = Migration::transform("0001_lines").from("orders").key("id").to("lines", {"order_id", "line_no", "qty"})
                   .target_key({"order_id", "line_no"}).map(three_lines).batch_size(400);
  std::vector<Progress> seen;
  RunOptions o = test_options(url, {lines.def()});
  o.on_progress = [&](const Progress& p) { seen.push_back(p); };
  auto v = run_and_verify(o, "0001_lines");
  EXPECT_TRUE(v.ok()) << mismatch_text(v);
  EXPECT_EQ(v.source_rows, 7500);
  EXPECT_EQ(v.target_rows, 7500);

  // Item 15: progress counts source rows against the planned source rows; the rows
  // written (three per order) are shown beside them, never as "7,500/7,500".
  ASSERT_FALSE(seen.empty());
  const Progress& last = seen.back();
  EXPECT_EQ(last.source_rows_done, 2500);
  EXPECT_EQ(last.rows_estimated, 2500);
  EXPECT_EQ(last.rows_done, 7500);
  const std::string line = cli::ProgressPrinter::line(last, 0);
  EXPECT_NE(line.find("2,500/2,500 rows"), std::string::npos) << line;
  EXPECT_NE(line.find("7,500 written"), std::string::npos) << line;
  for (const auto& p : seen) EXPECT_LE(p.source_rows_done, p.rows_estimated) << cli::ProgressPrinter::line(p, 0);

  // The same transform with the store elsewhere: upserts on (order_id, line_no).
  TempDir store_dir;
  RunOptions elsewhere = test_options(url, {});
  elsewhere.store_url = "sqlite:" + (store_dir.path() / "store.db").string() + "?mode=rwc";
  d->execute_script("DELETE FROM lines");
  auto again = lines;
  again.version("2");
  elsewhere.migrations = {again.def()};
  auto v2 = run_and_verify(elsewhere, "0001_lines");
  EXPECT_TRUE(v2.ok()) << mismatch_text(v2);

  // Keyed by order_id alone (not unique in the target): fine into the same database,
  // where rows and done marks commit together; verify pairs each order's lines as a set.
  auto loose = Migration::transform("0002_loose").from("orders").key("id").to("lines_loose", {"order_id", "line_no", "qty"})
                   .target_key({"order_id"}).map(three_lines).batch_size(400);
  auto v3 = run_and_verify(test_options(url, {loose.def()}), "0002_loose");
  EXPECT_TRUE(v3.ok()) << mismatch_text(v3);
  d->execute_script("UPDATE lines_loose SET qty = 0 WHERE order_id = 17 AND line_no = 2");
  auto v4 = Runner(test_options(url, {loose.def()})).verify("0002_loose");
  ASSERT_EQ(v4.mismatches.size(), 1u) << mismatch_text(v4);
  EXPECT_NE(v4.mismatches[0].detail.find("key (17)"), std::string::npos) << v4.mismatches[0].detail;

  // ... and refused with the store elsewhere, naming the key to give.
  RunOptions loose_elsewhere = elsewhere;
  auto loose2 = Migration::transform("0003_loose").from("orders").key("id").to("lines_loose", {"order_id", "line_no", "qty"})
                    .target_key({"order_id"}).map(three_lines);
  loose_elsewhere.migrations = {loose2.def()};
  try {
    Runner(loose_elsewhere).run();
    ADD_FAILURE() << "a non-unique target key with --store elsewhere must be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::config);
    EXPECT_NE(std::string(e.what()).find("no primary key or unique index on (order_id)"), std::string::npos) << e.what();
  }
}

// Item 14: the key shapes are checked when the migration is loaded, naming it.
TEST(Issue13VerifyShapes, TargetKeyShapesCheckedAtLoad) {
  auto noop = [](const Row&, Emitter&) {};
  struct Case {
    MigrationDef def;
    std::string needle;
  };
  std::vector<Case> cases = {
      {Migration::transform("0001_t").from("o").key("id").to("l", {"a", "b"}).target_key({"a", "c"}).map(noop).def(),
       "target key column 'c' is not among the target columns"},
      {Migration::transform("0002_t").from("o").key("id").to("l", {"a", "b"}).target_key({"a", "a"}).map(noop).def(),
       "names column 'a' twice"},
      {Migration::copy("0003_c").from("o").keys({"id", "id"}).to("l").column("id", "id").def(), "names column 'id' twice"},
      {Migration::transform("0004_t").from("o").key("id").to("l", {"a", "a"}).map(noop).target_key({"a"}).def(),
       "names column 'a' twice"},
  };
  for (const auto& c : cases) {
    RunOptions o = test_options("sqlite::memory:", {c.def});
    try {
      Runner r(o);
      ADD_FAILURE() << c.def.name << ": expected a refusal mentioning '" << c.needle << "'";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::config);
      EXPECT_NE(std::string(e.what()).find(c.needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(c.def.name), std::string::npos) << e.what();
    }
  }
}

// Item 11: REAL values into PostgreSQL numeric columns are exact (verify reported them
// as mismatches without naming the column); a numeric(10,2) that rounds them is a real
// change, and verify names the column and the key.
TEST(Issue13Verify, RealIntoNumericComparesByValue) {
  TempDir dir;
  const std::string lite = "sqlite:" + (dir.path() / "items.db").string() + "?mode=rwc";
  const std::string pg = new_pg_database();
  auto s = open_db(lite);
  s->execute_script(
      "CREATE TABLE items (id INTEGER PRIMARY KEY, price REAL, whole REAL);"
      "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 2000) "
      "INSERT INTO items SELECT n, n * 0.1, n * 1.0 FROM s;"
      "INSERT INTO items VALUES (5000, 1e-7, 1e20), (5001, -0.0, 0), (5002, 123456.789, -2.5)");
  open_db(pg)->execute_script(
      "CREATE TABLE items (id bigint PRIMARY KEY, price numeric, whole numeric);"
      "CREATE TABLE cents (id bigint PRIMARY KEY, price numeric(10,2))");
  auto exact = Migration::copy("0001_exact").source_db(lite).from("items").key("id").to("items")
                   .column("id", "id").column("price", "price").column("whole", "whole");
  auto v = run_and_verify(test_options(pg, {exact.def()}), "0001_exact");
  EXPECT_TRUE(v.ok()) << mismatch_text(v);

  s->execute_script("DELETE FROM items WHERE id > 3; UPDATE items SET price = 0.125 WHERE id = 2");
  auto cents = Migration::copy("0002_cents").source_db(lite).from("items").key("id").to("cents")
                   .column("id", "id").column("price", "price");
  Runner runner(test_options(pg, {cents.def()}));
  ASSERT_EQ(runner.run().exit_code(), ExitCode::success);
  auto bad = runner.verify("0002_cents");
  ASSERT_EQ(bad.mismatches.size(), 1u) << mismatch_text(bad);
  EXPECT_NE(bad.mismatches[0].detail.find("key (2): column \"price\" is '0.13' in the target, 0.125 from the source"),
            std::string::npos)
      << bad.mismatches[0].detail;
}

INSTANTIATE_TEST_SUITE_P(Backends, Issue13VerifyKeys, ::testing::ValuesIn(all_backends()), backend_name);
