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

using Setup = void (*)(const std::string& db_file, const std::string& mig_dir);

struct Case {
  std::string title;
  std::vector<std::string> args;  // after the binary; {db}, {mig} and {dir} are replaced
  int exit_code;
  std::string fragment;
  std::string bad_file;  // written into the migrations folder as 0002_bad.sql
  Setup setup = nullptr;  // brings the database into a state first (e.g. a finished run)
  std::string forbidden;  // must not appear in the output (a password)
};

std::string migrations_of(const std::string& mig_dir) { return mig_dir; }

void run_ok(const std::string& db_file, const std::string& mig_dir) {
  auto r = run_process({ROWSHIFT_BIN, "--db", "sqlite:" + db_file, "--migrations", migrations_of(mig_dir), "--quiet", "run"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
}
void sql(const std::string& db_file, const std::string& statement) {
  open_db("sqlite:" + db_file)->execute_script(statement);
}

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
  if (c.setup) c.setup(db, dir.file("mig"));
  std::string before = snapshot(db);

  std::vector<std::string> argv = {ROWSHIFT_BIN};
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
  EXPECT_EQ(r.err.find('\t'), std::string::npos) << "libpq's indented second line, joined: " << r.err;
  EXPECT_EQ(r.err.rfind("rowshift: error: ", 0), 0u) << r.err;
  EXPECT_TRUE(snapshot(db) == before) << "database file changed";
  if (!c.forbidden.empty()) {
    EXPECT_EQ(r.err.find(c.forbidden), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find(c.forbidden), std::string::npos) << r.out;
  }
  if (!c.setup) {
    EXPECT_FALSE(open_db("sqlite:" + db)->table_exists("rowshift_meta")) << "checkpoint tables were created";
    EXPECT_FALSE(open_db("sqlite:" + db)->table_exists("orders_v2")) << "a schema step ran";
  }
}

// A bad value for one of `run`'s flags: exit 2 and the flag's own message.
Case bad_run_flag(std::string title, std::vector<std::string> flag, std::string message) {
  std::vector<std::string> args = {"--db", "sqlite:{db}", "--migrations", "{mig}", "run"};
  args.insert(args.end(), flag.begin(), flag.end());
  return Case{std::move(title), std::move(args), 2, std::move(message)};
}

const std::string kCopyHead = "-- rowshift:kind copy\n-- rowshift:to orders_v2\n";

// A migration file that `command` (run or plan) must refuse with exit 3 before writing.
Case bad_file(std::string title, std::string command, std::string fragment, std::string file) {
  return Case{std::move(title), {"--db", "sqlite:{db}", "--migrations", "{mig}", std::move(command)}, 3,
              std::move(fragment), std::move(file)};
}

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
        bad_run_flag("zero_batch_size", {"--batch-size", "0"}, "--batch-size: 0 is out of range (1 to 10000000)"),
        bad_run_flag("negative_batch_size", {"--batch-size=-5"}, "--batch-size: -5 is out of range (1 to 10000000)"),
        bad_run_flag("zero_workers", {"--workers", "0"}, "--workers: 0 is out of range (1 to 256)"),
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
        Case{"port_out_of_range", {"--db", "postgresql://app:s3cret@h:99999/x", "plan"}, 3, "port out of range", "",
             nullptr, "s3cret"},
        Case{"unreachable_host", {"--db", "postgresql://app:s3cret@127.0.0.1:1/x", "--migrations", "{mig}", "run"}, 3,
             "cannot open database postgresql://app:***@127.0.0.1:1/x", "", nullptr, "s3cret"},
        Case{"unknown_url_parameter", {"--db", "sqlite:{db}?foo=1", "--migrations", "{mig}", "run"}, 3,
             "unknown parameter 'foo'"},
        // Issue 14 item 1: a where or expression that could change the statement's structure.
        bad_file("where_escapes_its_parentheses", "plan",
                 "0002_bad.sql:5: where closes a parenthesis it did not open: '1=1) OR (1=1' must be one SQL expression",
                 kCopyHead + "-- rowshift:from orders\n-- rowshift:key id\n-- rowshift:where 1=1) OR (1=1\nid\n"),
        bad_file("where_drops_a_table", "run", "where closes a parenthesis it did not open",
                 kCopyHead + "-- rowshift:from orders\n-- rowshift:key id\n-- rowshift:where 1=1); DROP TABLE orders; --\nid\n"),
        bad_file("where_leaves_a_parenthesis_open", "run", "where leaves a parenthesis open",
                 kCopyHead + "-- rowshift:from orders\n-- rowshift:key id\n-- rowshift:where (id > 3\nid\n"),
        bad_file("where_leaves_a_string_open", "run", "where leaves a string literal open",
                 kCopyHead + "-- rowshift:from orders\n-- rowshift:key id\n-- rowshift:where note = 'x\nid\n"),
        bad_file("expression_with_a_second_statement", "run",
                 "0002_bad.sql:6: the expression of column 'total_cents' holds a ';'",
                 kCopyHead + "-- rowshift:from orders\n-- rowshift:key id\nid\ntotal_cents = amount; DROP TABLE orders\n"),
        bad_file("expression_escapes_its_parentheses", "run",
                 "the expression of column 'id' closes a parenthesis it did not open",
                 kCopyHead + "-- rowshift:from orders\n-- rowshift:key id\nid = id) FROM orders UNION SELECT (1\n"),
        // Issue 14 item 12: inputs that each get the file, the line and the cause, exit 3.
        bad_file("utf8_bom", "run", "0002_bad.sql:1: the file starts with a UTF-8 byte order mark (BOM)",
             "\xEF\xBB\xBF" + kCopyHead + "-- rowshift:from orders\n-- rowshift:key id\nid\n"),
        bad_file("directive_without_space", "run",
                 "0002_bad.sql:1: '--rowshift:kind copy' looks like a directive: write it '-- rowshift:KEY VALUE'",
             "--rowshift:kind copy\n-- rowshift:from orders\n-- rowshift:key id\n-- rowshift:to orders_v2\nid\n"),
        bad_file("directive_with_space_before_colon", "run",
                 "0002_bad.sql:2: '--  rowshift :from orders' looks like a directive",
             "-- rowshift:kind copy\n--  rowshift :from orders\n-- rowshift:key id\n-- rowshift:to orders_v2\nid\n"),
        bad_file("batch_size_beyond_int", "run",
                 "batch-size must be a whole number from 1 to 10000000, got '99999999999'",
                 kCopyHead + "-- rowshift:from orders\n-- rowshift:key id\n-- rowshift:batch-size 99999999999\nid\n"),
        bad_file("batch_size_above_the_cli_cap", "run",
                 "0002_bad.sql:5: batch-size must be a whole number from 1 to 10000000, got '1000000000'",
                 kCopyHead + "-- rowshift:from orders\n-- rowshift:key id\n-- rowshift:batch-size 1000000000\nid\n"),
        bad_file("commit_inside_a_schema_step", "run",
                 "statement 2 is COMMIT ('COMMIT'): a schema step runs in one transaction with its record",
             "CREATE TABLE half (x INT);\nCOMMIT;\nCREATE TABLE half (y INT);\n"),
        bad_file("begin_inside_a_schema_step", "run", "statement 1 is BEGIN",
             "BEGIN;\nCREATE TABLE half (x INT);\nEND;\n"),
        Case{"migrations_is_a_file", {"--db", "sqlite:{db}", "--migrations", "{dir}/text.db", "plan"}, 3,
             "is a file, not a directory"},
        Case{"zero_byte_database_file", {"--db", "sqlite:{dir}/empty.db", "--migrations", "{mig}", "plan"}, 3,
             "the file is empty (0 bytes), not a database (add ?mode=rwc to make one in it)", "",
             [](const std::string& db, const std::string&) {
               std::ofstream(std::filesystem::path(db).parent_path() / "empty.db");
             }},
        bad_file("nul_in_a_column_expression", "run", "a NUL byte at byte offset",
                 kCopyHead + "-- rowshift:from orders\n-- rowshift:key id\nid\nnote = 'a" + std::string(1, '\0') + "b'\n"),
        bad_file("latin1_byte_in_a_literal", "run", "byte 0xE9, which is not valid UTF-8",
                 kCopyHead + "-- rowshift:from orders\n-- rowshift:key id\nid\nnote = 'caf\xE9'\n"),
        bad_file("batch_marker_only_in_a_string", "run", "must contain {{batch}}",
             "-- rowshift:kind update\n-- rowshift:table orders\n-- rowshift:key id\n"
             "UPDATE orders SET note = '{{batch}}' WHERE 1=1 -- {{batch}}\n"),
        bad_file("expression_names_a_missing_column", "run",
                 "migration 0002_bad: its read fails before any row is written: sqlite: no such column: nickname",
                 kCopyHead + "-- rowshift:from orders\n-- rowshift:key id\nid\nnote = nickname\n"),
        bad_file("where_names_a_missing_column", "run",
                 "its read fails before any row is written: sqlite: no such column: nickname",
                 kCopyHead + "-- rowshift:from orders\n-- rowshift:key id\n-- rowshift:where nickname = 'x'\nid\n"),
        // Issue 14 item 8: what a pending schema step creates is checked in a rehearsal
        // (rolled back) before the first write, so exit 3 still means "nothing written".
        bad_file("rehearsal_finds_a_column_no_step_creates", "run",
                 "migration 0002_bad: target column \"vat\" not found in table \"orders_v2\"",
                 kCopyHead + "-- rowshift:from orders\n-- rowshift:key id\nid\nvat = amount\n"),
        bad_file("rehearsal_finds_a_typo_in_a_later_schema_step", "run",
                 "0002_bad.sql): sqlite: near \"CREAT\": syntax error (code 1) (found by preflight's rehearsal of "
                 "the pending schema steps, rolled back: nothing was written)",
                 "CREAT TABLE audit (x INT);\n"),
        Case{"rehearsal_finds_a_created_target_without_key",
             {"--db", "sqlite:{db}", "--store", "sqlite:{dir}/store.db?mode=rwc", "--migrations", "{mig}", "run"}, 3,
             "migration 0004_copy_plain: target table \"plain\" has no primary key or unique index on (id)",
             "CREATE TABLE plain (id INTEGER, note TEXT);\n",
             [](const std::string&, const std::string& mig) {
               std::ofstream(mig + "/0004_copy_plain.sql")
                   << "-- rowshift:kind copy\n-- rowshift:from orders\n-- rowshift:key id\n-- rowshift:to plain\nid\nnote\n";
             }},
        Case{"read_only_store",
             {"--db", "sqlite:{db}", "--store", "sqlite:{dir}/store.db?mode=ro", "--migrations", "{mig}", "run"}, 3,
             "/store.db?mode=ro is read-only; runs record progress in it", "", [](const std::string& db, const std::string&) {
               sql((std::filesystem::path(db).parent_path() / "store.db").string() + "?mode=rwc", "CREATE TABLE x (y INT)");
             }},
        bad_file("question_mark_in_a_sqlite_where", "plan",
                 "migration 0002_bad: its where has a '?' outside quotes, which SQLite reads as a parameter of its own",
                 kCopyHead + "-- rowshift:from orders\n-- rowshift:key id\n-- rowshift:where id > ?\nid\n"),
        bad_file("question_mark_in_a_sqlite_expression", "run",
                 "migration 0002_bad: its expression of column 'note' has a '?' outside quotes",
                 kCopyHead + "-- rowshift:from orders\n-- rowshift:key id\nid\nnote = coalesce(note, ?)\n"),
        // Issue 14 item 10: names are read, and printed, as SQL writes them ("" inside quotes).
        bad_file("quoted_name_printed_as_written", "run", "source table \"no\"\"pe\" not found",
                 kCopyHead + "-- rowshift:from \"no\"\"pe\"\n-- rowshift:key id\nid\n"),
        bad_file("quoted_name_not_closed", "plan", "0002_bad.sql:3: directive 'rowshift:from': table name '\"orders': a quoted name is not closed",
                 kCopyHead + "-- rowshift:from \"orders\n-- rowshift:key id\nid\n"),
        bad_file("text_after_a_quoted_name", "plan",
                 "0002_bad.sql:4: directive 'rowshift:key': unexpected text after the quoted name \"i\"",
                 kCopyHead + "-- rowshift:from orders\n-- rowshift:key \"i\"d\"\nid\n"),
        bad_file("three_part_table_name", "plan",
                 "0002_bad.sql:3: directive 'rowshift:from': table name 'shop.public.orders': write TABLE or SCHEMA.TABLE",
                 kCopyHead + "-- rowshift:from shop.public.orders\n-- rowshift:key id\nid\n"),
        bad_file("schema_that_is_not_attached", "run", "source table \"archive\".\"orders\" not found",
                 kCopyHead + "-- rowshift:from archive.orders\n-- rowshift:key id\nid\n"),
        bad_file("empty_name_in_a_key_list", "plan", "0002_bad.sql:4: directive 'rowshift:key': an empty name in the list 'id,,note'",
                 kCopyHead + "-- rowshift:from orders\n-- rowshift:key id,,note\nid\nnote\n"),
        bad_file("empty_quoted_table_name", "plan", "directive 'rowshift:from': table name '\"\"': an empty name",
                 kCopyHead + "-- rowshift:from \"\"\n-- rowshift:key id\nid\n"),
        bad_file("control_character_in_a_table_name", "plan", "table name 'ord\x01ers': holds a control character",
                 kCopyHead + "-- rowshift:from ord\x01ers\n-- rowshift:key id\nid\n"),
        bad_file("question_mark_in_a_sqlite_update", "run",
                 "migration 0002_bad: its statement has a '?' outside quotes, which SQLite reads as a parameter",
                 "-- rowshift:kind update\n-- rowshift:table orders\n-- rowshift:key id\n"
                 "UPDATE orders SET note = ? WHERE {{batch}}\n"),
        bad_file("source_db_file_missing", "run", "file not found (add ?mode=rwc to create it)",
                 kCopyHead + "-- rowshift:source-db sqlite:/nonexistent/legacy.db\n-- rowshift:from orders\n"
                 "-- rowshift:key id\nid\n"),
        Case{"source_db_unknown_scheme_hides_password", {"--db", "sqlite:{db}", "--migrations", "{mig}", "run"}, 3,
             "unknown scheme", kCopyHead + "-- rowshift:source-db mysql://u:hunter2@h/d\n-- rowshift:from orders\n"
             "-- rowshift:key id\nid\n", nullptr, "hunter2"},
        bad_file("two_tables_in_from", "plan", "directive 'rowshift:from' names one table, got orders, customers",
                 kCopyHead + "-- rowshift:from orders, customers\n-- rowshift:key id\nid\n"),
        // Issue 14 item 9: plan accepted `key rowid`, run refused it: one check for both.
        bad_file("rowid_key_in_plan", "plan", "migration 0002_bad: key column \"rowid\" not found in table \"orders\"",
                 kCopyHead + "-- rowshift:from orders\n-- rowshift:key rowid\n-- rowshift:target-key id\nid = rowid\n"),
        bad_file("rowid_key_in_run", "run", "migration 0002_bad: key column \"rowid\" not found in table \"orders\"",
                 kCopyHead + "-- rowshift:from orders\n-- rowshift:key rowid\n-- rowshift:target-key id\nid = rowid\n"),
        Case{"bad_journal_mode", {"--db", "sqlite:{db}?journal_mode=fast", "--migrations", "{mig}", "run"}, 3,
             "journal_mode must be delete, truncate, persist, memory, wal or off"},
        Case{"missing_directory_in_path", {"--db", "sqlite:{dir}/no/such/x.db?mode=rwc", "--migrations", "{mig}", "run"},
             3, "cannot open database"},
        Case{"read_only_database", {"--db", "sqlite:{db}?mode=ro", "--migrations", "{mig}", "run"}, 3, "is read-only"},
        bad_run_flag("zero_attempts", {"--max-attempts", "0"}, "--max-attempts: 0 is out of range (1 to 100)"),
        bad_run_flag("absurd_workers", {"--workers", "100000"}, "--workers: 100000 is out of range (1 to 256)"),
        bad_run_flag("negative_rate", {"--max-rate=-1"}, "--max-rate: -1 is out of range (0 or more)"),
        bad_run_flag("zero_cooldown", {"--breaker-cooldown", "0"},
                     "--breaker-cooldown: 0 is out of range (0.01 to 86400)"),
        bad_run_flag("workers_not_a_number", {"--workers", "2x"}, "--workers: '2x' is not a whole number"),
        bad_run_flag("fractional_attempts", {"--max-attempts", "1.5"}, "--max-attempts: '1.5' is not a whole number"),
        bad_run_flag("rate_not_a_number", {"--max-rate", "abc"}, "--max-rate: 'abc' is not a number"),
        bad_run_flag("infinite_outage", {"--max-outage", "inf"}, "--max-outage: 'inf' is not a number"),
        Case{"verify_workers_not_a_number",
             {"--db", "sqlite:{db}", "--migrations", "{mig}", "verify", "0002_copy_orders", "--workers", "four"}, 2,
             "--workers: 'four' is not a whole number"},
        Case{"verify_before_run", {"--db", "sqlite:{db}", "--migrations", "{mig}", "verify", "0002_copy_orders"}, 3,
             "has not run yet"},
        Case{"verify_an_update", {"--db", "sqlite:{db}", "--migrations", "{mig}", "verify", "0003_backfill_vat"}, 3,
             "verify compares copies"},
        Case{"reset_never_run", {"--db", "sqlite:{db}", "--migrations", "{mig}", "reset", "0002_copy_orders", "--yes"}, 3,
             "no progress to reset"},
        Case{"directive_without_value", {"--db", "sqlite:{db}", "--migrations", "{mig}", "run"}, 3,
             "0002_bad.sql:1: directive 'rowshift:kind' needs a value", "-- rowshift:kind\nSELECT 1;\n"},
        Case{"directive_after_body", {"--db", "sqlite:{db}", "--migrations", "{mig}", "plan"}, 3,
             "0002_bad.sql:2: directive after the body", "CREATE TABLE a (x INT);\n-- rowshift:kind copy\n"},
        Case{"update_without_batch", {"--db", "sqlite:{db}", "--migrations", "{mig}", "run"}, 3, "must contain {{batch}}",
             "-- rowshift:kind update\n-- rowshift:table orders\n-- rowshift:key id\nUPDATE orders SET note = 'x'\n"},
        Case{"missing_target_column", {"--db", "sqlite:{db}", "--migrations", "{mig}", "run"}, 3,
             "no earlier migration mentions its column \"nope\"",
                 kCopyHead + "-- rowshift:from orders\n-- rowshift:key id\nid = id\nnope = note\n"},
        Case{"upsert_without_unique_key",
             {"--db", "sqlite:{db}", "--store", "sqlite:{dir}/store.db?mode=rwc", "--migrations", "{mig}", "run", "0002_bad"},
             3, "has no primary key or unique index on (id)",
             "-- rowshift:kind copy\n-- rowshift:from orders\n-- rowshift:key id\n-- rowshift:to plain\nid = id\n",
             [](const std::string& db, const std::string&) { sql(db, "CREATE TABLE plain (id INTEGER, note TEXT)"); }},
        Case{"changed_definition", {"--db", "sqlite:{db}", "--migrations", "{mig}", "run"}, 3,
             "migration 0002_copy_orders changed after it started", "",
             [](const std::string& db, const std::string& mig) {
               run_ok(db, mig);
               std::ofstream(mig + "/0002_copy_orders.sql", std::ios::app) << "-- rowshift edits below\n";
               std::string text = read_file(mig + "/0002_copy_orders.sql");
               text.replace(text.find("note          = note"), 20, "note          = upper(note)");
               std::ofstream(mig + "/0002_copy_orders.sql") << text;
             }},
        Case{"renamed_migration", {"--db", "sqlite:{db}", "--migrations", "{mig}", "run"}, 3, "was it renamed?", "",
             [](const std::string& db, const std::string& mig) {
               run_ok(db, mig);
               fs::rename(mig + "/0002_copy_orders.sql", mig + "/0002_copy_all_orders.sql");
             }},
        Case{"store_from_newer_rowshift", {"--db", "sqlite:{db}", "--migrations", "{mig}", "status"}, 3,
             "schema version 99, newer than this rowshift's", "",
             [](const std::string& db, const std::string& mig) {
               run_ok(db, mig);
               sql(db, "UPDATE rowshift_meta SET value = '99' WHERE key = 'schema_version'");
             }},
        Case{"corrupted_checkpoint_row", {"--db", "sqlite:{db}", "--migrations", "{mig}", "retry", "0002_copy_orders"}, 3,
             "corrupted key in checkpoint table", "",
             [](const std::string& db, const std::string& mig) {
               run_ok(db, mig);
               sql(db, "UPDATE rowshift_batches SET status = 'failed', lo_key = '[1,' WHERE batch_no = 2 AND"
                       " migration = '0002_copy_orders'");
             }},
        Case{"quoted_identifiers_not_executed",
             {"--db", "sqlite:{db}", "--migrations", "{mig}", "run"}, 3, "source table \"orders\"\"; DROP TABLE orders; --\" not found",
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
