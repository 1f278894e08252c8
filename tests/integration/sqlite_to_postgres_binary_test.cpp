// SQLite -> PostgreSQL in binary COPY (db/copy_binary.hpp). The oracle is PostgreSQL's
// own text input: the same SQLite rows are also written through the text path, and
// every value must come out the same, on random values of every type the encoder takes
// and on values it leaves to the server.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>

#include "migrate/batch_executor.hpp"
#include "rowshift/rowshift.hpp"
#include "support/backend.hpp"
#include "support/run_options.hpp"
#include "support/temp_dir.hpp"

using namespace rowshift;
using namespace rowshift::testing;

namespace {

const char* const kColumns = "id, i2, i4, i8, f8, txt, vc, flag, bin, d, ts, tstz";
const char* const kPgTable =
    " (id BIGINT PRIMARY KEY, i2 SMALLINT, i4 INTEGER, i8 BIGINT, f8 DOUBLE PRECISION, txt TEXT, vc VARCHAR(40),"
    " flag BOOLEAN, bin BYTEA, d DATE, ts TIMESTAMP, tstz TIMESTAMPTZ)";

// Random values of the forms the encoder takes, NULL now and then.
class RandomValues {
 public:
  explicit RandomValues(std::uint64_t seed) : rng_(seed) {}
  Value row_value(int column) {
    if (pick(12) == 0) return Value();
    switch (column) {
      case 0: return Value(static_cast<std::int64_t>(pick(65536)) - 32768);
      case 1: return Value(static_cast<std::int64_t>(rng_() % (1ULL << 32)) - (1LL << 31));
      case 2: return Value(static_cast<std::int64_t>(rng_()));
      case 3: return f8();
      case 4: return text();
      case 5: return Value("v" + std::to_string(pick(1000000)));
      case 6: return Value(static_cast<std::int64_t>(pick(2)));
      case 7: {
        Blob b;
        for (int i = 0, n = pick(9); i < n; ++i) b.bytes.push_back(static_cast<unsigned char>(pick(256)));
        return Value(std::move(b));
      }
      case 8: return Value(date());
      default: return Value(timestamp());
    }
  }

 private:
  int pick(int n) { return static_cast<int>(rng_() % static_cast<std::uint64_t>(n)); }
  Value f8() {
    switch (pick(6)) {
      case 0: return Value(static_cast<std::int64_t>(rng_()) >> pick(64));  // an INTEGER into float8
      case 1: return Value(-0.0);
      case 2: return Value(std::ldexp(static_cast<double>(rng_()), pick(2000) - 1000));
      default: return Value(static_cast<double>(static_cast<std::int64_t>(rng_() % 2000001) - 1000000) / 100.0);
    }
  }
  Value text() {
    static const char* const parts[] = {"a", "tab\t", "nl\n", "cr\r", "bs\\", "é", "日本", "'q'", "\"d\"", ",", " ", "✓"};
    std::string s;
    for (int i = 0, n = pick(8); i < n; ++i) s += parts[pick(12)];
    return Value(s);
  }
  std::string date() {
    int y = 1 + pick(9999), m = 1 + pick(12);
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    const int month_days[] = {31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int d = 1 + pick(month_days[m - 1]);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    return buf;
  }
  std::string timestamp() {
    std::string s = date();
    if (pick(8) == 0) return s;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%c%02d:%02d:%02d", pick(2) ? 'T' : ' ', pick(24), pick(60), pick(60));
    s += buf;
    if (int digits = pick(7)) {
      s += '.';
      for (int i = 0; i < digits; ++i) s += static_cast<char>('0' + pick(10));
    }
    switch (pick(5)) {
      case 0: return s;
      case 1: return s + "Z";
      case 2: std::snprintf(buf, sizeof buf, "%c%02d", pick(2) ? '+' : '-', pick(15)); return s + buf;
      case 3: std::snprintf(buf, sizeof buf, "%c%02d%02d", pick(2) ? '+' : '-', pick(15), pick(60)); return s + buf;
      default: std::snprintf(buf, sizeof buf, "%c%02d:%02d", pick(2) ? '+' : '-', pick(15), pick(60)); return s + buf;
    }
  }
  std::mt19937_64 rng_;
};

// Values whose meaning the text input decides: each makes its batch go as text.
const char* const kLeftToTheServer[] = {
    "INSERT INTO s (id, tstz) VALUES (100001, '2024-01-01 12:00')",                 // no seconds
    "INSERT INTO s (id, ts) VALUES (100002, '2024-01-01T12:00:00.1234567')",        // rounded to 6 digits
    "INSERT INTO s (id, tstz) VALUES (100003, ' 2024-06-01 01:02:03 +02')",         // spaces
    "INSERT INTO s (id, d) VALUES (100004, 'January 8, 1999')",
    "INSERT INTO s (id, flag) VALUES (100005, 'yes')",
    "INSERT INTO s (id, f8) VALUES (100006, '1e5')",
    "INSERT INTO s (id, i8) VALUES (100007, 4.0)",
    "INSERT INTO s (id, bin) VALUES (100008, '\\x4142')",
    "INSERT INTO s (id, ts) VALUES (100009, '2024-01-01 24:00:00')",
};

class SqliteToPostgresBinary : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = db::open_database(lite);
    s->execute_script(
        "CREATE TABLE s (id INTEGER PRIMARY KEY, i2, i4, i8, f8, txt, vc, flag, bin, d, ts, tstz)");
    RandomValues gen(20261128);
    std::vector<Values> rows;
    for (int id = 1; id <= 3000; ++id) {
      Values row{Value(static_cast<std::int64_t>(id))};
      for (int c = 0; c < 11; ++c) row.push_back(gen.row_value(c));
      rows.push_back(std::move(row));
    }
    s->insert_rows("s", split(kColumns), rows, {});
    for (const char* sql : kLeftToTheServer) s->execute(sql);
    auto p = db::open_database(pg);
    p->execute_script(std::string("CREATE TABLE t") + kPgTable + "; CREATE TABLE oracle" + kPgTable);
  }
  static std::vector<std::string> split(const std::string& list) {
    std::vector<std::string> out(1);
    for (char c : list) {
      if (c == ',') out.emplace_back();
      else if (c != ' ') out.back() += c;
    }
    return out;
  }
  MigrationDef copy() const {
    auto m = Migration::copy("0001_binary").source_db(lite).from("s").key("id").to("t");
    for (const auto& c : split(kColumns)) m.column(c, c);
    return m.def();
  }
  std::string dump(const std::string& table) {
    return db::query_all(*db::open_database(pg), "SELECT md5(string_agg(x::text, '|' ORDER BY id)) FROM " + table +
                                                     " AS x")[0][0].as_text();
  }

  TempDir dir;
  std::string lite = "sqlite:" + dir.file("s.db") + "?mode=rwc";
  std::string pg = new_pg_database();
};

TEST_F(SqliteToPostgresBinary, EveryValueAsPostgresTextInputReadsIt) {
  RunOptions o = test_options(pg, {copy()});
  o.batch_size = 750;  // over copy_pieces::kRowsPerCopy: a batch alone goes as two COPY statements, a group as one
  ASSERT_EQ(Runner(o).run().exit_code(), ExitCode::success);
  // The oracle: the same rows as Values, through PostgreSQL's text input.
  auto source = db::open_database(lite);
  auto target = db::open_database(pg);
  target->insert_rows("oracle", split(kColumns), db::query_all(*source, std::string("SELECT ") + kColumns + " FROM s"), {});
  EXPECT_EQ(db::query_all(*target, "SELECT count(*) FROM t")[0][0].as_int(), 3009);
  EXPECT_EQ(dump("t"), dump("oracle"));
  auto differing = db::query_all(*target, "SELECT count(*) FROM (SELECT * FROM t EXCEPT SELECT * FROM oracle) AS x");
  EXPECT_EQ(differing[0][0].as_int(), 0);
  // And the random rows did go binary: every one of their batches is encoded.
  migrate::Connections c;
  c.source = source.get();
  c.target = target.get();
  c.store = target.get();
  for (std::int64_t lo = 0; lo < 3000; lo += 750) {
    plan::KeyRange r;
    r.lo = {Value(lo)};
    r.hi = {Value(lo + 750)};
    EXPECT_TRUE(migrate::read_batch(copy(), r, c).route == db::Route::copy_binary) << "rows " << lo + 1 << " to " << lo + 750;
  }
}

// With the checkpoint store in another database, a batch is upserted: the binary block
// lands in a staging table and replaces what the target held under the same keys.
TEST_F(SqliteToPostgresBinary, WithTheStoreElsewhereTheBlockIsUpserted) {
  auto target = db::open_database(pg);
  target->execute_script("INSERT INTO t (id, txt) VALUES (5, 'stale'), (2999, 'stale'), (999999, 'extra')");
  RunOptions o = test_options(pg, {copy()});
  o.batch_size = 700;  // two COPY statements into the staging table per batch
  o.store_url = new_pg_database();
  ASSERT_EQ(Runner(o).run().exit_code(), ExitCode::success);
  auto source = db::open_database(lite);
  target->insert_rows("oracle", split(kColumns), db::query_all(*source, std::string("SELECT ") + kColumns + " FROM s"), {});
  target->execute_script("INSERT INTO oracle (id, txt) VALUES (999999, 'extra')");
  EXPECT_EQ(dump("t"), dump("oracle")) << "every source row replaced its stale copy; the extra row is untouched";
  EXPECT_EQ(db::query_all(*target, "SELECT count(*) FROM t")[0][0].as_int(), 3010);
}

TEST_F(SqliteToPostgresBinary, BatchesGoBinaryUnlessAValueIsLeftToTheServer) {
  auto source = db::open_database(lite);
  auto target = db::open_database(pg);
  migrate::Connections c;
  c.source = source.get();
  c.target = target.get();
  c.store = target.get();
  const MigrationDef def = copy();
  auto read = [&](std::int64_t lo, std::int64_t hi) {
    plan::KeyRange r;
    r.lo = {Value(lo)};
    r.hi = {Value(hi)};
    return migrate::read_batch(def, r, c);
  };
  auto clean = read(0, 1000);
  EXPECT_TRUE(clean.route == db::Route::copy_binary);
  EXPECT_EQ(clean.count, 1000);
  auto odd = read(100000, 100001);
  EXPECT_FALSE(odd.route == db::Route::copy_binary) << "'2024-01-01 12:00' is the server's to read";
  EXPECT_TRUE(odd.route == db::Route::copy_text);
  EXPECT_EQ(odd.count, 1);
  read(100001, 100002);
  read(100002, 100003);
  EXPECT_FALSE(read(0, 1000).route == db::Route::copy_binary)
      << "after 3 batches that needed text, the query goes as text first (no batch is read twice)";
}

}  // namespace
