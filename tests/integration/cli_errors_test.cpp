// Bad input: one line naming the culprit, a distinct exit code, and an untouched database.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/process.hpp"
#include "support/sqlite_fixture.hpp"
#include "support/temp_dir.hpp"

using namespace rowshift;
using namespace rowshift::testing;
namespace fs = std::filesystem;

namespace {

struct Case {
  std::string title;
  std::vector<std::string> args;  // after the binary; {db} and {mig} are replaced
  int exit_code;
  std::string fragment;
  std::string bad_file;  // written into the migrations folder as 0002_bad.sql
  bool example_binary = false;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.title; }

class CliErrors : public ::testing::TestWithParam<Case> {};

std::string snapshot(const std::string& file) { return read_file(file); }

}  // namespace

TEST_P(CliErrors, OneLineExitCodeAndNothingWritten) {
  const Case& c = GetParam();
  TempDir dir;
  std::string db = dir.file("t.db");
  {
    auto conn = open_db("sqlite:" + db + "?mode=rwc");  // opens in WAL mode, as rowshift would
    make_orders(*conn, 1500);
  }
  fs::create_directory(dir.file("mig"));
  for (const auto& entry : fs::directory_iterator(std::string(ROWSHIFT_SOURCE_DIR) + "/migrations")) {
    fs::copy_file(entry.path(), dir.path() / "mig" / entry.path().filename());
  }
  if (!c.bad_file.empty()) {
    fs::remove(dir.path() / "mig" / "0002_copy_orders.sql");
    std::ofstream(dir.file("mig/0002_bad.sql")) << c.bad_file;
  }
  std::ofstream(dir.file("text.db")) << "this is not a database\n";
  std::string before = snapshot(db);

  std::vector<std::string> argv = {c.example_binary ? ROWSHIFT_EXAMPLE_BIN : ROWSHIFT_BIN};
  for (std::string a : c.args) {
    for (auto [key, value] : {std::pair<std::string, std::string>{"{db}", db}, {"{mig}", dir.file("mig")},
                              {"{dir}", dir.path().string()}}) {
      if (auto at = a.find(key); at != std::string::npos) a.replace(at, key.size(), value);
    }
    argv.push_back(a);
  }
  auto r = run_process(argv);
  EXPECT_EQ(r.exit_code, c.exit_code) << r.err;
  EXPECT_NE(r.err.find(c.fragment), std::string::npos) << "stderr: " << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
  EXPECT_EQ(r.err.rfind("rowshift: error: ", 0), 0u) << r.err;
  EXPECT_TRUE(snapshot(db) == before) << "database file changed";
  EXPECT_FALSE(open_db("sqlite:" + db)->table_exists("rowshift_meta")) << "checkpoint tables were created";
  EXPECT_FALSE(open_db("sqlite:" + db)->table_exists("orders_v2")) << "a schema step ran";
}

const std::string kCopyHead = "-- rowshift:kind copy\n-- rowshift:to orders_v2\n";

INSTANTIATE_TEST_SUITE_P(
    BadInput, CliErrors,
    ::testing::Values(
        Case{"unknown_command", {"--db", "sqlite:{db}", "frobnicate"}, 2, "frobnicate"},
        Case{"unknown_flag", {"--db", "sqlite:{db}", "--migrations", "{mig}", "run", "--wrokers", "3"}, 2, "--wrokers"},
        Case{"no_database", {"--migrations", "{mig}", "plan"}, 2, "no database"},
        Case{"missing_db_file", {"--db", "sqlite:{dir}/nope.db", "--migrations", "{mig}", "run"}, 3, "file not found"},
        Case{"not_a_database", {"--db", "sqlite:{dir}/text.db", "--migrations", "{mig}", "run"}, 3, "cannot open database"},
        Case{"unknown_scheme", {"--db", "mysql://u:hunter2@h/d", "--migrations", "{mig}", "run"}, 3, "unknown scheme"},
        Case{"missing_migrations_dir", {"--db", "sqlite:{db}", "--migrations", "{dir}/nowhere", "run"}, 3, "does not exist"},
        Case{"zero_batch_size", {"--db", "sqlite:{db}", "--migrations", "{mig}", "run", "--batch-size", "0"}, 2, "--batch-size"},
        Case{"negative_batch_size", {"--db", "sqlite:{db}", "--migrations", "{mig}", "run", "--batch-size=-5"}, 2, "--batch-size"},
        Case{"zero_workers", {"--db", "sqlite:{db}", "--migrations", "{mig}", "run", "--workers", "0"}, 2, "--workers"},
        Case{"reset_without_yes", {"--db", "sqlite:{db}", "--migrations", "{mig}", "reset", "0002_copy_orders"}, 2, "--yes"},
        Case{"unknown_migration", {"--db", "sqlite:{db}", "--migrations", "{mig}", "run", "0009_nope"}, 3, "no migration named '0009_nope'"},
        Case{"missing_source_table",
             {"--db", "sqlite:{db}", "--migrations", "{mig}", "run"}, 3, "source table \"ordrs\" not found",
             kCopyHead + "-- rowshift:from ordrs\n-- rowshift:key id\nid = id\n"},
        Case{"missing_key_column",
             {"--db", "sqlite:{db}", "--migrations", "{mig}", "run"}, 3, "key column \"order_id\" not found",
             kCopyHead + "-- rowshift:from orders\n-- rowshift:key order_id\n-- rowshift:target-key id\nid = order_id\n"},
        Case{"unknown_directive",
             {"--db", "sqlite:{db}", "--migrations", "{mig}", "run"}, 3, "0002_bad.sql:2: unknown directive 'rowshift:form'",
             "-- rowshift:kind copy\n-- rowshift:form orders\n"},
        Case{"sql_syntax_error",
             {"--db", "sqlite:{db}", "--migrations", "{mig}", "run", "0002_bad"}, 3, "syntax error",
             "CREAT TABLE broken (x INT);\n"},
        Case{"quoted_identifiers_not_executed",
             {"--db", "sqlite:{db}", "--migrations", "{mig}", "run"}, 3, "source table \"orders\"; DROP TABLE orders; --\" not found",
             kCopyHead + "-- rowshift:from orders\"; DROP TABLE orders; --\n-- rowshift:key id\nid = id\n"}),
    [](const ::testing::TestParamInfo<Case>& info) { return info.param.title; });

TEST(CliErrorsExtra, DuplicateNameBetweenFileAndCpp) {
  TempDir dir;
  auto conn = open_db(dir.sqlite_url("d.db"));
  fs::create_directory(dir.file("mig"));
  std::ofstream(dir.file("mig/0004_split_names.sql")) << "CREATE TABLE x (a INT);\n";
  auto r = run_process({ROWSHIFT_EXAMPLE_BIN, "--db", "sqlite:" + dir.file("d.db"), "--migrations", dir.file("mig"), "plan"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("two migrations are named '0004_split_names'"), std::string::npos) << r.err;
}

TEST(CliErrorsExtra, PasswordNeverPrinted) {
  auto r = run_process({ROWSHIFT_BIN, "--db", "postgresql://app:hunter2@127.0.0.1:1/x", "plan"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.err.find("hunter2"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("hunter2"), std::string::npos) << r.out;
}
