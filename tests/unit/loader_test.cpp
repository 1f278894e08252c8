#include <gtest/gtest.h>

#include <fstream>

#include "migrate/loader.hpp"
#include "rowshift/error.hpp"
#include "support/temp_dir.hpp"

using namespace rowshift;
using namespace rowshift::migrate;

namespace {
std::string error_of(const std::string& text) {
  try {
    parse_migration_file(text, "0001_x", "migrations/0001_x.sql");
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::config);
    return e.what();
  }
  return "";
}
}  // namespace

TEST(Loader, PlainSqlIsASchemaStep) {
  auto d = parse_migration_file("-- make it\nCREATE TABLE a (x INT);\nCREATE INDEX i ON a (x);\n", "0001_a", "f");
  EXPECT_EQ(d.kind, MigrationKind::schema);
  EXPECT_EQ(d.name, "0001_a");
  EXPECT_NE(d.sql.find("CREATE INDEX"), std::string::npos);
}

TEST(Loader, CopyWithMappingContinuationsAndBareColumns) {
  auto d = parse_migration_file(
      "-- rowshift:kind copy\n-- rowshift:from orders\n-- rowshift:key id\n-- rowshift:to orders_v2\n"
      "-- rowshift:batch-size 500\n-- rowshift:where deleted = 0\n\n"
      "id\n"
      "name = upper(\n"
      "    trim(customer))\n"
      "-- a comment inside\n"
      "\"odd col\" = 'a = b'\n",
      "0002_copy", "f");
  EXPECT_EQ(d.kind, MigrationKind::copy);
  EXPECT_EQ(d.source_table, "orders");
  EXPECT_EQ(d.key, std::vector<std::string>{"id"});
  EXPECT_EQ(d.target_table, "orders_v2");
  EXPECT_EQ(*d.batch_size, 500);
  EXPECT_EQ(d.where, "deleted = 0");
  ASSERT_EQ(d.columns.size(), 3u);
  EXPECT_EQ(d.columns[0], (std::pair<std::string, std::string>{"id", "id"}));
  EXPECT_EQ(d.columns[1].second, "upper( trim(customer))");
  EXPECT_EQ(d.columns[2], (std::pair<std::string, std::string>{"odd col", "'a = b'"}));
}

TEST(Loader, CompositeKeyAndUpdate) {
  auto d = parse_migration_file(
      "-- rowshift:kind update\n-- rowshift:table t\n-- rowshift:key a, b\nUPDATE t SET x = 1 WHERE {{batch}};\n",
      "0003_u", "f");
  EXPECT_EQ(d.key, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(d.sql, "UPDATE t SET x = 1 WHERE {{batch}}");
}

TEST(Loader, ErrorsNameFileAndLine) {
  EXPECT_NE(error_of("-- rowshift:kind copy\n-- rowshift:frm orders\n").find("0001_x.sql:2: unknown directive 'rowshift:frm'"),
            std::string::npos);
  EXPECT_NE(error_of("-- rowshift:kind bulk\nSELECT 1;").find(":1: unknown kind 'bulk'"), std::string::npos);
  EXPECT_NE(error_of("-- rowshift:kind update\n-- rowshift:table t\n-- rowshift:key id\nUPDATE t SET x = 1\n")
                .find("must contain {{batch}}"),
            std::string::npos);
  EXPECT_NE(error_of("-- rowshift:kind update\n-- rowshift:kind update\n").find(":2: directive 'rowshift:kind' given twice"),
            std::string::npos);
  EXPECT_NE(error_of("CREATE TABLE a (x INT);\n-- rowshift:kind copy\n").find(":2: directive after the body"),
            std::string::npos);
  EXPECT_NE(error_of("-- rowshift:kind copy\n-- rowshift:from a\n-- rowshift:key id\n-- rowshift:to b\n-- rowshift:batch-size -5\nid\n")
                .find("batch-size must be a whole number from 1 to 10000000, got '-5'"),
            std::string::npos);
  EXPECT_NE(error_of("-- rowshift:kind copy\n-- rowshift:from a\n-- rowshift:key id\n-- rowshift:to b\nid = \n").find("no expression"),
            std::string::npos);
  EXPECT_NE(error_of("-- rowshift:kind copy\n-- rowshift:from a\n-- rowshift:key id\n-- rowshift:to b\nbad name = 1\n")
                .find(":5: expected 'target_column = expression'"),
            std::string::npos);
  EXPECT_NE(error_of("-- rowshift:kind copy\n-- rowshift:from a\n-- rowshift:to b\nid\n").find("needs a key"), std::string::npos);
  EXPECT_NE(error_of("-- rowshift:kind copy\n-- rowshift:from a\n-- rowshift:key id\n-- rowshift:to b\nx = 1\n")
                .find("target key column 'id' is not among the copied columns"),
            std::string::npos);
  EXPECT_NE(error_of("-- rowshift:kind schema\n-- rowshift:from a\nSELECT 1;").find("does not apply to a schema migration"),
            std::string::npos);
  EXPECT_NE(error_of("-- only a comment\n").find("has no SQL"), std::string::npos);
}

TEST(Loader, DirectoryInNameOrderAndDuplicates) {
  rowshift::testing::TempDir dir;
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir.file(name)) << text;
  };
  write("0002_b.sql", "CREATE TABLE b (x INT);");
  write("0001_a.sql", "CREATE TABLE a (x INT);");
  write("README.txt", "not a migration");
  auto all = load_migration_dir(dir.path());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "0001_a");
  EXPECT_EQ(all[1].name, "0002_b");

  auto dup = all;
  dup.push_back(Migration::schema("0001_a", "SELECT 1").def());
  try {
    merge_migrations(dup);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("two migrations are named '0001_a'"), std::string::npos);
  }
  EXPECT_THROW(load_migration_dir(dir.file("missing")), Error);
}

TEST(Loader, ChecksumFollowsDefinition) {
  auto a = Migration::copy("m").from("s").key("id").to("t").column("id", "id").def();
  auto b = a;
  EXPECT_EQ(a.checksum(), b.checksum());
  b.columns[0].second = "id + 1";
  EXPECT_NE(a.checksum(), b.checksum());
  auto c = a;
  c.batch_size = 10;
  EXPECT_EQ(a.checksum(), c.checksum()) << "batch size does not change what a migration does";
}

// Issue 14 item 1: a where is one expression; a note after it on the directive's line,
// or after a column's expression, is a comment and not part of the SQL.
TEST(Loader, TrailingCommentsAreNotPartOfWhereOrExpressions) {
  auto def = rowshift::migrate::parse_migration_file(
      "-- rowshift:kind copy\n-- rowshift:from orders\n-- rowshift:key id\n-- rowshift:to v2\n"
      "-- rowshift:where currency = 'EUR' -- only euros\n"
      "id\nnote = coalesce(note, '-- none') -- keep the dashes\ntotal = amount /* cents */ * 100\n",
      "0002_x", "0002_x.sql");
  EXPECT_EQ(def.where, "currency = 'EUR'");
  ASSERT_EQ(def.columns.size(), 3u);
  EXPECT_EQ(def.columns[1].second, "coalesce(note, '-- none')");
  EXPECT_EQ(def.columns[2].second, "amount   * 100");
}

TEST(Loader, ExpressionsThatChangeTheStatementAreRefused) {
  for (const std::string& where : {"1=1) OR (1=1", "x = 1; DELETE FROM t", "(1=1", "a = 'open", "\"open = 1",
                                   "$$open", "x = 1) --"}) {
    auto def = rowshift::Migration::copy("0001_c").from("t").key("id").to("u").column("id", "id").where(where).def();
    try {
      rowshift::migrate::merge_migrations({def});
      ADD_FAILURE() << "accepted where " << where;
    } catch (const rowshift::Error& e) {
      EXPECT_NE(std::string(e.what()).find("must be one SQL expression"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("0001_c"), std::string::npos) << e.what();
    }
  }
  for (const std::string& ok : {"a = ')'", "f(x, (y))", "tags ? 'vip'", "note = E'it\\'s'", "x = $$a;b$$",
                                "\"odd)name\" = 1", "(SELECT max(id) FROM t) > 0"}) {
    auto def = rowshift::Migration::copy("0001_c").from("t").key("id").to("u").column("id", "id").where(ok).def();
    EXPECT_NO_THROW(rowshift::migrate::merge_migrations({def})) << ok;
  }
}
