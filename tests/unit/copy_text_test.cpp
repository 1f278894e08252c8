// COPY text as the cross-database fast path writes it: escapes, NULL, shortest exact
// doubles, bytea; and SQLite's direct writer agreeing with the Values-based default.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

#include "db/copy_text.hpp"
#include "db/database.hpp"

using namespace rowshift;
namespace ct = rowshift::db::copy_text;

TEST(CopyText, EscapesOnlyWhatCopyNeeds) {
  std::string out;
  ct::append_text(out, "a\tb\nc\rd\\e 'q' \"dq\" 日本");
  EXPECT_EQ(out, "a\\tb\\nc\\rd\\\\e 'q' \"dq\" 日本");
  out.clear();
  ct::append_null(out);
  EXPECT_EQ(out, "\\N");
  out.clear();
  ct::append_text(out, "\\N");
  EXPECT_EQ(out, "\\\\N") << "the text \\N is not NULL";
}

TEST(CopyText, IntegersAndBytea) {
  std::string out;
  ct::append_int(out, INT64_MIN);
  out += '|';
  ct::append_int(out, INT64_MAX);
  EXPECT_EQ(out, "-9223372036854775808|9223372036854775807");
  out.clear();
  const unsigned char bytes[] = {0x00, 0xff, 0x5c, 0x0a};
  ct::append_bytea(out, bytes, sizeof bytes);
  EXPECT_EQ(out, "\\\\x00ff5c0a");
}

TEST(CopyText, DoublesAreShortestAndExact) {
  EXPECT_EQ(ct::format_double(0.1), "0.1");
  EXPECT_EQ(ct::format_double(-0.0), "-0");
  EXPECT_EQ(ct::format_double(1e300), "1e+300");
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> d(-1e12, 1e12);
  for (int i = 0; i < 10000; ++i) {
    double v = d(rng) / 3.0;
    EXPECT_EQ(std::strtod(ct::format_double(v).c_str(), nullptr), v);
  }
}

TEST(CopyText, SqliteWriterMatchesTheValuesPath) {
  auto db = db::open_database("sqlite::memory:");
  db->execute_script(
      "CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB);"
      "INSERT INTO t VALUES (-9223372036854775808, 0.1, 'tab\there\nnl \\ back', x'00ff0a5c'),"
      " (NULL, NULL, NULL, NULL), (42, -1e-300, '', x''), (7, 2.5, '日本', NULL);");
  std::string fast, slow;
  const std::string sql = "SELECT i, r, s, b FROM t WHERE i IS NULL OR i < ? ORDER BY rowid";
  EXPECT_EQ(db->query_copy_text(sql, {Value(100)}, fast), 4);
  EXPECT_EQ(db->db::Database::query_copy_text(sql, {Value(100)}, slow), 4);
  EXPECT_EQ(fast, slow);
  EXPECT_EQ(fast.substr(0, fast.find('\n')), "-9223372036854775808\t0.1\ttab\\there\\nnl \\\\ back\t\\\\x00ff0a5c");
  db->execute_script("DROP TABLE t");
}
