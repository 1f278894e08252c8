// The example migration program (examples/split_names.cpp): C++ and SQL-file
// migrations run through the same CLI verbs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/process.hpp"
#include "support/sqlite_fixture.hpp"
#include "support/temp_dir.hpp"

using namespace rowshift::testing;

TEST(ExampleProgram, RunsCppTransformNextToSqlFiles) {
  TempDir dir;
  {
    auto db = open_db(dir.sqlite_url("x.db"));
    db->execute_script(
        "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);"
        "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM s WHERE n < 2500)"
        " INSERT INTO customers SELECT n * 2, CASE WHEN n % 10 = 0 THEN NULL WHEN n % 7 = 0 THEN 'Prince'"
        " ELSE 'Ada ' || n || ' Lovelace' END FROM s;");
  }
  std::filesystem::create_directory(dir.file("mig"));
  std::ofstream(dir.file("mig/0003_people.sql"))
      << "CREATE TABLE people (id INTEGER PRIMARY KEY, first_name TEXT NOT NULL, last_name TEXT);\n";
  std::vector<std::string> base = {ROWSHIFT_EXAMPLE_BIN, "--db", "sqlite:" + dir.file("x.db"), "--migrations", dir.file("mig"),
                                   "--quiet"};
  auto with = [&](std::vector<std::string> extra) {
    auto v = base;
    v.insert(v.end(), extra.begin(), extra.end());
    return v;
  };
  auto plan = run_process(with({"plan"}));
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_NE(plan.out.find("0004_split_names"), std::string::npos) << plan.out;
  auto run = run_process(with({"run", "--batch-size", "300"}));
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  auto db = open_db("sqlite:" + dir.file("x.db"));
  EXPECT_EQ(count_rows(*db, "SELECT count(*) FROM people"), 2250);
  EXPECT_EQ(count_rows(*db, "SELECT count(*) FROM people WHERE last_name IS NULL"),
            count_rows(*db, "SELECT count(*) FROM customers WHERE name = 'Prince'"));
  EXPECT_EQ(count_rows(*db, "SELECT count(*) FROM people p JOIN customers c USING (id)"
                            " WHERE c.name != p.first_name || ' ' || p.last_name AND c.name != 'Prince'"),
            0);
  auto verify = run_process(with({"verify", "0004_split_names"}));
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}
