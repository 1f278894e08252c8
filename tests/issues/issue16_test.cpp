// Issue 16, "writing migrations against an installed rowshift": regression tests of the
// items done so far.
#include <gtest/gtest.h>

#include <cstdint>
#include <chrono>
#include <limits>
#include <sstream>
#include <thread>
#include <optional>

#include <filesystem>
#include <fstream>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include <nlohmann/json.hpp>

#include "rowshift/rowshift.hpp"
#include "support/process.hpp"
#include "support/sqlite_fixture.hpp"
#include "support/temp_dir.hpp"

using namespace rowshift;
using namespace rowshift::testing;

// `Value` could not be built from size_t or uint32_t (ambiguous between int, long and
// long long), nor from an optional. Every integer type converts now, range-checked.
TEST(Issue16, ValueFromEveryIntegerTypeAndOptional) {
  EXPECT_EQ(Value(std::size_t{42}).as_int(), 42);
  EXPECT_EQ(Value(std::uint32_t{4000000000u}).as_int(), 4000000000);
  EXPECT_EQ(Value(std::int8_t{-5}).as_int(), -5);
  EXPECT_EQ(Value(static_cast<unsigned short>(65535)).as_int(), 65535);
  EXPECT_EQ(Value(true).as_int(), 1);
  EXPECT_EQ(Value(std::uint64_t{9223372036854775807ull}).as_int(), std::numeric_limits<std::int64_t>::max());
  try {
    Value v(std::numeric_limits<std::uint64_t>::max());
    FAIL() << "wrapped to " << v.as_int();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::permanent);
    EXPECT_NE(std::string(e.what()).find("integer 18446744073709551615 does not fit a 64-bit signed integer"),
              std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(Value(std::optional<int>{}).is_null());
  EXPECT_EQ(Value(std::optional<std::size_t>{7}).as_int(), 7);
  EXPECT_EQ(Value(std::optional<std::string>{"x"}).as_text(), "x");
  EXPECT_EQ(Value(2.5).as_double(), 2.5);
  EXPECT_EQ(Value("text").as_text(), "text");
}

// `rowshift --version` was an unknown flag.
TEST(Issue16, VersionFlag) {
  auto r = run_process({ROWSHIFT_BIN, "--version"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "rowshift 0.1.0\n");
  auto json = run_process({ROWSHIFT_BIN, "version", "--json"});
  EXPECT_EQ(json.exit_code, 0) << json.err;
  auto j = nlohmann::json::parse(json.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << json.out;
  EXPECT_EQ(j["version"], "0.1.0");
  EXPECT_GE(j["store_schema_version"].get<int>(), 5);
}

namespace {

// rowshift with none of its environment variables set, plus `env` (NAME=VALUE each).
ProcessResult rowshift_with(const std::vector<std::string>& env, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/usr/bin/env", "-u", "ROWSHIFT_DB", "-u", "ROWSHIFT_STORE",
                                   "-u", "ROWSHIFT_MIGRATIONS", "-u", "ROWSHIFT_QUIET"};
  argv.insert(argv.end(), env.begin(), env.end());
  argv.push_back(ROWSHIFT_BIN);
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv);
}

// A database with table t, and a migrations folder whose schema step creates t.
struct AppliedByHand {
  TempDir dir;
  std::string db = "sqlite:" + dir.file("app.db");
  std::string migrations = dir.file("migrations");
  AppliedByHand() {
    open_db(dir.sqlite_url("app.db"))->execute_script("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
    std::filesystem::create_directory(migrations);
    std::ofstream(migrations + "/0001_create_t.sql") << "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);\n";
    std::ofstream(migrations + "/0002_fill_t.sql") << "INSERT INTO t VALUES (1, 'one');\n";
  }
};

}  // namespace

// `rowshift status --db ...` was refused: global flags were only read before the command.
TEST(Issue16, GlobalFlagsAfterTheCommand) {
  AppliedByHand a;
  auto plan = rowshift_with({}, {"plan", "--db", a.db, "--migrations", a.migrations});
  EXPECT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_NE(plan.out.find("0001_create_t"), std::string::npos) << plan.out;
  auto status = rowshift_with({}, {"status", "--json", "--db=" + a.db, "--migrations", a.migrations});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("\"pending\""), std::string::npos) << status.out;
}

// No config file: flags > environment > rowshift.toml (or --config FILE) > defaults, and
// `rowshift config` says where each setting came from, with passwords masked.
TEST(Issue16, ConfigFileEnvironmentAndFlagsInThatOrder) {
  TempDir dir;
  const std::string toml = dir.file("rowshift.toml");
  std::ofstream(toml) << "# rowshift settings\n"
                         "db = \"postgresql://app:s3cret@db.example/shop\"\n"
                         "migrations = \"" << dir.file("mig") << "\"\n"
                         "quiet = true\n";
  auto from_file = rowshift_with({}, {"--config", toml, "config"});
  ASSERT_EQ(from_file.exit_code, 0) << from_file.err;
  EXPECT_NE(from_file.out.find("postgresql://app:***@db.example/shop"), std::string::npos) << from_file.out;
  EXPECT_EQ(from_file.out.find("s3cret"), std::string::npos) << from_file.out;
  EXPECT_NE(from_file.out.find("# file " + toml), std::string::npos) << from_file.out;

  auto env = rowshift_with({"ROWSHIFT_DB=sqlite:from-env.db"}, {"--config", toml, "config"});
  ASSERT_EQ(env.exit_code, 0) << env.err;
  EXPECT_NE(env.out.find("sqlite:from-env.db"), std::string::npos) << env.out;
  EXPECT_NE(env.out.find("# env ROWSHIFT_DB"), std::string::npos) << env.out;

  auto flag = rowshift_with({"ROWSHIFT_DB=sqlite:from-env.db"}, {"config", "--config", toml, "--db", "sqlite:flag.db"});
  ASSERT_EQ(flag.exit_code, 0) << flag.err;
  EXPECT_NE(flag.out.find("sqlite:flag.db"), std::string::npos) << flag.out;
  EXPECT_NE(flag.out.find("# flag --db"), std::string::npos) << flag.out;

  // ./rowshift.toml is read without --config.
  auto cwd = run_process({"/bin/sh", "-c", "cd '" + dir.path().string() + "' && env -u ROWSHIFT_DB '" +
                                               std::string(ROWSHIFT_BIN) + "' config"});
  ASSERT_EQ(cwd.exit_code, 0) << cwd.err;
  EXPECT_NE(cwd.out.find("postgresql://app:***@db.example/shop"), std::string::npos) << cwd.out;

  // A key the file may not hold is an error naming it, not ignored.
  std::ofstream(dir.file("bad.toml")) << "workerz = 3\n";
  auto bad = rowshift_with({}, {"--config", dir.file("bad.toml"), "--db", "sqlite:x.db", "plan"});
  EXPECT_EQ(bad.exit_code, 2) << bad.out;
  EXPECT_NE(bad.err.find("workerz"), std::string::npos) << bad.err;
  // A --config that does not exist is an error too.
  auto missing = rowshift_with({}, {"--config", dir.file("none.toml"), "config"});
  EXPECT_NE(missing.exit_code, 0);
}

// A schema step applied by hand could not be recorded: `run` failed on it forever.
TEST(Issue16, MarkDoneRecordsAStepAppliedByHand) {
  AppliedByHand a;
  auto run = rowshift_with({}, {"--db", a.db, "--migrations", a.migrations, "--quiet", "run"});
  EXPECT_NE(run.exit_code, 0) << run.out;
  EXPECT_NE(run.err.find("already exists"), std::string::npos) << run.err;

  auto unconfirmed = rowshift_with({}, {"--db", a.db, "--migrations", a.migrations, "mark-done", "0001_create_t"});
  EXPECT_EQ(unconfirmed.exit_code, 2) << unconfirmed.err;
  auto unknown = rowshift_with({}, {"--db", a.db, "--migrations", a.migrations, "mark-done", "0009_nope", "--yes"});
  EXPECT_EQ(unknown.exit_code, 3) << unknown.err;

  auto marked = rowshift_with({}, {"--db", a.db, "--migrations", a.migrations, "mark-done", "0001_create_t", "--yes"});
  ASSERT_EQ(marked.exit_code, 0) << marked.err;
  EXPECT_EQ(marked.out, "0001_create_t: recorded as done; it was not run\n");

  auto again = rowshift_with({}, {"--db", a.db, "--migrations", a.migrations, "--quiet", "run"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  Values row = db::query_row(*open_db(a.db), "SELECT count(*) FROM t");
  EXPECT_EQ(row[0].as_int(), 1);  // 0002 ran once; 0001 was not run again

  auto twice = rowshift_with({}, {"--db", a.db, "--migrations", a.migrations, "mark-done", "0001_create_t", "--yes"});
  EXPECT_EQ(twice.exit_code, 3);
  EXPECT_NE(twice.err.find("is done already"), std::string::npos) << twice.err;
}

// --help named neither the URL forms nor the exit codes.
TEST(Issue16, HelpOfEveryCommandShowsUrlsAndExitCodes) {
  for (const char* cmd : {"plan", "run", "status", "verify", "retry", "rejects", "reset", "mark-done", "config"}) {
    auto help = rowshift_with({}, {cmd, "--help"});
    EXPECT_EQ(help.exit_code, 0) << cmd;
    EXPECT_NE(help.out.find("postgresql://user[:password]@host"), std::string::npos) << cmd << ": " << help.out;
    EXPECT_NE(help.out.find("75 interrupted"), std::string::npos) << cmd;
  }
  auto top = rowshift_with({}, {"--help"});
  EXPECT_NE(top.out.find("mark-done"), std::string::npos) << top.out;
  EXPECT_NE(top.out.find("3 config"), std::string::npos) << top.out;
}

// A NULL read as text failed with "value is NULL, not text", naming neither the column
// nor the row. Row::get names both; a plain Value read inside a transform names the row.
TEST(Issue16, TypedGettersNameTheColumnAndTheRow) {
  auto names = std::make_shared<const std::vector<std::string>>(std::vector<std::string>{"id", "name", "score"});
  auto key = std::make_shared<const std::vector<std::size_t>>(std::vector<std::size_t>{0});
  Row row(names, {Value(3), Value(), Value(7)}, key);
  EXPECT_EQ(row.get<std::int64_t>("id"), 3);
  EXPECT_EQ(row.get<double>("score"), 7.0);
  EXPECT_FALSE(row.get<std::optional<std::string>>("name").has_value());
  EXPECT_EQ(row.get<std::optional<std::int64_t>>("score"), 7);
  EXPECT_EQ(row.at(2).as_int(), 7);
  try {
    row.get<std::string>("name");
    FAIL() << "a NULL read as text";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "column \"name\" of the row with key (3): value is NULL, not text");
  }
  try {
    (void)row["nmae"];
    FAIL() << "a column that is not there";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "no column 'nmae' in the row with key (3) (columns: id, name, score)");
  }
}

TEST(Issue16, TransformFailureNamesTheRow) {
  TempDir dir;
  const std::string url = dir.sqlite_url("t.db");
  open_db(url)->execute_script(
      "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);"
      "INSERT INTO customers VALUES (1, 'Ada Lovelace'), (2, NULL), (3, 'Plato');"
      "CREATE TABLE people (id INTEGER PRIMARY KEY, first_name TEXT)");
  RunOptions o;
  o.db_url = url;
  o.include_registered = false;
  o.max_attempts = 1;
  o.migrations.push_back(Migration::transform("0001_people")
                             .from("customers")
                             .key("id")
                             .to("people", {"id", "first_name"})
                             .map([](const Row& in, Emitter& out) {
                               const std::string& full = in["name"].as_text();  // throws on the NULL
                               out.emit({in["id"], full.substr(0, full.find(' '))});
                             })
                             .def());
  Runner runner(o);
  auto report = runner.run();
  EXPECT_EQ(report.exit_code(), ExitCode::batches_failed);
  auto status = runner.status();
  ASSERT_EQ(status.size(), 1u);
  ASSERT_EQ(status[0].errors.size(), 1u);
  EXPECT_NE(status[0].errors[0].error.find("transform of the row with key (2): value is NULL, not text"),
            std::string::npos)
      << status[0].errors[0].error;
}

namespace {

// A SQLite file with src(id, v) holding `rows` rows (v from `value_sql`, an expression of
// n) and dst made by `dst_ddl`, and a migrations folder whose 0001_copy copies src to dst.
struct CopySetup {
  TempDir dir;
  std::string db = "sqlite:" + dir.file("c.db");
  std::string mig = dir.file("mig");
  CopySetup(int rows, const std::string& value_sql, const std::string& dst_ddl) {
    open_db(dir.sqlite_url("c.db"))->execute_script(
        "CREATE TABLE src (id INTEGER PRIMARY KEY, v TEXT);"
        "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < " + std::to_string(rows) +
        ") INSERT INTO src SELECT n, " + value_sql + " FROM s;" + dst_ddl);
    std::filesystem::create_directory(mig);
    std::ofstream(mig + "/0001_copy.sql") << "-- rowshift:kind copy\n-- rowshift:from src\n-- rowshift:key id\n"
                                             "-- rowshift:to dst\nid\nv\n";
  }
};

}  // namespace

// --json was only on status and rejects. Every command that reports has it now, and
// stdout parses (progress and events go to stderr).
TEST(Issue16, JsonOfEveryReportingCommandParses) {
  CopySetup c(2500, "'v' || n", "CREATE TABLE dst (id INTEGER PRIMARY KEY, v TEXT)");
  const std::string& db = c.db;
  const std::string& mig = c.mig;
  std::ofstream(mig + "/notes.txt") << "not a migration\n";
  auto json_of = [&](const std::vector<std::string>& args) {
    std::vector<std::string> all = {"--db", db, "--migrations", mig};
    all.insert(all.end(), args.begin(), args.end());
    auto r = rowshift_with({}, all);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out;
    return j;
  };
  auto plan = json_of({"plan", "--json"});
  EXPECT_EQ(plan["migrations"][0]["name"], "0001_copy");
  EXPECT_EQ(plan["migrations"][0]["batches"], 3);
  EXPECT_EQ(plan["migrations"][0]["rows"], 2500);
  EXPECT_EQ(plan["skipped_files"][0], "notes.txt (not a .sql file)");
  auto run = json_of({"run", "--json"});  // with the progress display on: it goes to stderr
  EXPECT_EQ(run["rows"], 2500);
  EXPECT_EQ(run["exit_code"], 0);
  EXPECT_EQ(run["migrations"][0]["state"], "done");
  EXPECT_EQ(run["migrations"][0]["batches_done"], 3);
  auto status = json_of({"status", "--json"});
  EXPECT_EQ(status["migrations"][0]["state"], "done");
  auto verify = json_of({"verify", "0001_copy", "--json"});
  EXPECT_EQ(verify["ok"], true);
  EXPECT_EQ(verify["source_rows"], 2500);
  EXPECT_EQ(verify["mismatches"].size(), 0u);
  auto rejects = json_of({"rejects", "0001_copy", "--json"});
  EXPECT_EQ(rejects["rejects"].size(), 0u);
}

// --log-format json: every line on stderr is one JSON object with a stable set of fields.
TEST(Issue16, JsonLogLinesOnStderr) {
  CopySetup c(2500, "CASE n WHEN 1500 THEN 'bad' ELSE 'ok' END",
              "CREATE TABLE dst (id INTEGER PRIMARY KEY, v TEXT CHECK (v <> 'bad'))");
  TempDir& dir = c.dir;
  const std::string& db = c.db;
  const std::string& mig = c.mig;
  auto r = rowshift_with({}, {"--db", db, "--migrations", mig, "--log-format", "json", "run", "--max-attempts", "1"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  std::vector<nlohmann::json> lines;
  std::size_t start = 0;
  while (start < r.err.size()) {
    std::size_t end = r.err.find('\n', start);
    if (end == std::string::npos) end = r.err.size();
    auto j = nlohmann::json::parse(r.err.substr(start, end - start), nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << "not JSON: " << r.err.substr(start, end - start);
    for (const char* field : {"ts", "level", "event", "migration", "endpoint", "batch", "attempts", "detail"}) {
      EXPECT_TRUE(j.contains(field)) << field << " missing in " << j.dump();
    }
    lines.push_back(j);
    start = end + 1;
  }
  auto find = [&](const std::string& event) -> const nlohmann::json* {
    for (const auto& j : lines) {
      if (j["event"] == event) return &j;
    }
    return nullptr;
  };
  const auto* failed = find("batch failed");
  ASSERT_NE(failed, nullptr) << r.err;
  EXPECT_EQ((*failed)["batch"], 2);
  EXPECT_EQ((*failed)["level"], "error");
  EXPECT_EQ((*failed)["migration"], "0001_copy");
  EXPECT_NE((*failed)["detail"].get<std::string>().find("CHECK constraint failed"), std::string::npos);
  ASSERT_NE(find("migration failed"), nullptr) << r.err;

  // The final error of a command is a JSON line too, with the exit code.
  auto bad = rowshift_with({}, {"--db", "sqlite:" + dir.file("none.db"), "--log-format", "json", "plan"});
  EXPECT_EQ(bad.exit_code, 3);
  auto j = nlohmann::json::parse(bad.err, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << bad.err;
  EXPECT_EQ(j["event"], "error");
  EXPECT_EQ(j["exit_code"], 3);
}

namespace {

// The value of the metric line that starts with `series ` in a Prometheus text file.
double metric(const std::string& text, const std::string& series) {
  std::size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

// GET http://127.0.0.1:port/metrics, the body ("" when it cannot).
std::string http_get_metrics(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return {};
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string reply;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string request = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char buf[4096];
      ssize_t n;
      while ((n = ::read(fd, buf, sizeof buf)) > 0) reply.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  auto body = reply.find("\r\n\r\n");
  return body == std::string::npos ? std::string() : "\n" + reply.substr(body + 4);
}

}  // namespace

// Nothing exported metrics. --metrics-file writes the Prometheus text format atomically
// during the run and at its end; its counters agree with the checkpoint store.
TEST(Issue16, MetricsFileDuringAndAfterARun) {
  CopySetup c(20000, "'v' || n", "CREATE TABLE dst (id INTEGER PRIMARY KEY, v TEXT)");
  TempDir& dir = c.dir;
  const std::string& db = c.db;
  const std::string& mig = c.mig;
  const std::string metrics = dir.file("rowshift.prom");
  // --max-rate 4000: 20 batches in about 5 s, so that the file is read while the run goes on.
  // The HTTP endpoint runs on civetweb's threads, inside libraries the sanitizer builds do
  // not instrument (TSan would report their own locking): those builds test the file only.
  const bool http = std::string(ROWSHIFT_TEST_SANITIZE).empty();
  std::vector<std::string> argv = {ROWSHIFT_BIN, "--db", db, "--migrations", mig, "--quiet", "run", "--max-rate", "4000",
                                   "--metrics-file", metrics};
  if (http) argv.insert(argv.end(), {"--metrics-port", "0"});
  pid_t pid = start_process(argv, dir.file("out.txt"));
  // The HTTP endpoint, on the free port the run says it took.
  int port = 0;
  for (int i = 0; http && i < 50 && port == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::string out = read_file(dir.file("out.txt"));
    auto at = out.find("metrics at http://127.0.0.1:");
    if (at != std::string::npos) port = std::atoi(out.c_str() + at + std::strlen("metrics at http://127.0.0.1:"));
  }
  if (http) ASSERT_GT(port, 0) << read_file(dir.file("out.txt"));
  bool scraped_running = !http;
  for (int i = 0; i < 100 && !scraped_running; ++i) {
    std::string body = http_get_metrics(port);
    if (metric(body, "rowshift_up") == 1) {
      double done = metric(body, "rowshift_batches_total{migration=\"0001_copy\",status=\"done\"}");
      EXPECT_LE(done, 20);
      scraped_running = done > 0 && done < 20;
    }
    if (!scraped_running) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(scraped_running) << "no scrape of /metrics with the run part done";
  bool seen_running = false;
  for (int i = 0; i < 100 && !seen_running; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::string text = read_file(metrics);
    if (text.empty()) continue;
    ASSERT_NE(text.find("# TYPE rowshift_batches_total counter"), std::string::npos) << text;
    if (metric(text, "rowshift_up") == 1) {
      double done = metric(text, "rowshift_batches_total{migration=\"0001_copy\",status=\"done\"}");
      EXPECT_GE(done, 0);
      EXPECT_LE(done, 20);
      EXPECT_EQ(metric(text, "rowshift_rows_estimated{migration=\"0001_copy\"}"), 20000);
      seen_running = done > 0 && done < 20;
    }
  }
  EXPECT_TRUE(seen_running) << "no metrics file with the run part done";
  EXPECT_EQ(wait_process(pid), 0) << read_file(dir.file("out.txt"));
  const std::string text = read_file(metrics);
  EXPECT_EQ(metric(text, "rowshift_up"), 0) << text;
  auto store = open_db(db);
  const auto done = db::query_row(*store, "SELECT count(*) FROM rowshift_batches WHERE status = 'done'")[0].as_int();
  const auto rows = db::query_row(*store, "SELECT sum(rows_written) FROM rowshift_batches")[0].as_int();
  EXPECT_EQ(done, 20);
  EXPECT_EQ(metric(text, "rowshift_batches_total{migration=\"0001_copy\",status=\"done\"}"), done) << text;
  EXPECT_EQ(metric(text, "rowshift_rows_written_total{migration=\"0001_copy\"}"), rows) << text;
  EXPECT_EQ(metric(text, "rowshift_batch_duration_seconds_count{migration=\"0001_copy\"}"), 20) << text;
  EXPECT_EQ(metric(text, "rowshift_batch_duration_seconds_bucket{migration=\"0001_copy\",le=\"+Inf\"}"), 20) << text;
  EXPECT_GT(metric(text, "rowshift_last_progress_timestamp_seconds{migration=\"0001_copy\"}"), 1.7e9) << text;
  EXPECT_NE(text.find("rowshift_breaker_open{endpoint=\"target sqlite:"), std::string::npos) << text;
  EXPECT_FALSE(std::filesystem::exists(metrics + ".tmp"));
}

// A builder setter that does not apply to the kind (.map() on a copy, .column() on a
// transform) was silently ignored. It is refused, naming the migration, when a Runner
// loads it; registration itself (a static initialiser) never throws.
TEST(Issue16, BuilderSettersThatDoNotApplyAreRefused) {
  TempDir dir;
  RunOptions o;
  o.db_url = dir.sqlite_url("b.db");
  o.include_registered = false;
  o.migrations.push_back(Migration::copy("0001_copy")
                             .from("a")
                             .key("id")
                             .to("b")
                             .column("id", "id")
                             .map([](const Row&, Emitter&) {})
                             .def());
  try {
    Runner r(o);
    FAIL() << "a copy with .map() was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::config);
    EXPECT_STREQ(e.what(), "migration 0001_copy: .map() does not apply to a copy migration (it is for transform)");
  }
  o.migrations = {Migration::transform("0002_t").from("a").key("id").column("x", "y").def()};
  try {
    Runner r(o);
    FAIL() << "a transform with .column() was accepted";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "migration 0002_t: .column() does not apply to a transform migration (it is for copy)");
  }
}

// `rowshift new NAME [--kind ...]` writes the next numbered file, a template every
// directive of its kind is in; the templates load as they are (once their tables exist).
TEST(Issue16, NewWritesTheNextNumberedTemplate) {
  TempDir dir;
  const std::string mig = dir.file("migrations");
  const std::string db = "sqlite:" + dir.file("n.db");
  open_db(dir.sqlite_url("n.db"))->execute_script(
      "CREATE TABLE source_table (id INTEGER PRIMARY KEY, name TEXT);"
      "CREATE TABLE target_table (id INTEGER PRIMARY KEY, name TEXT);"
      "CREATE TABLE table_name (id INTEGER PRIMARY KEY, total INTEGER, price INTEGER, quantity INTEGER)");
  auto first = rowshift_with({}, {"--migrations", mig, "new", "create_things"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out, mig + "/0001_create_things.sql\n");
  auto copy = rowshift_with({}, {"new", "copy_things", "--kind", "copy", "--migrations", mig});
  ASSERT_EQ(copy.exit_code, 0) << copy.err;
  EXPECT_EQ(copy.out, mig + "/0002_copy_things.sql\n");
  std::ofstream(mig + "/0010_later.sql") << "SELECT 1;\n";
  auto update = rowshift_with({}, {"--migrations", mig, "new", "backfill_total", "--kind", "update"});
  ASSERT_EQ(update.exit_code, 0) << update.err;
  EXPECT_EQ(update.out, mig + "/0011_backfill_total.sql\n");
  const std::string copy_text = read_file(mig + "/0002_copy_things.sql");
  for (const char* directive : {"rowshift:from", "rowshift:key", "rowshift:to", "rowshift:target-key", "rowshift:where",
                                "rowshift:source-db", "rowshift:batch-size"}) {
    EXPECT_NE(copy_text.find(directive), std::string::npos) << directive << " missing:\n" << copy_text;
  }
  // The schema template holds no SQL yet: refused until its author writes some.
  auto unedited = rowshift_with({}, {"--db", db, "--migrations", mig, "plan"});
  EXPECT_EQ(unedited.exit_code, 3) << unedited.out;
  EXPECT_NE(unedited.err.find("schema migration has no SQL"), std::string::npos) << unedited.err;
  std::ofstream(mig + "/0001_create_things.sql", std::ios::app) << "CREATE TABLE things (id INTEGER PRIMARY KEY);\n";
  auto plan = rowshift_with({}, {"--db", db, "--migrations", mig, "plan"});
  EXPECT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_NE(plan.out.find("0002_copy_things"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("0011_backfill_total"), std::string::npos) << plan.out;

  auto bad = rowshift_with({}, {"--migrations", mig, "new", "Copy Orders"});
  EXPECT_EQ(bad.exit_code, 3);
  EXPECT_NE(bad.err.find("must be lower-case letters, digits and _"), std::string::npos) << bad.err;
  auto kind = rowshift_with({}, {"--migrations", mig, "new", "x", "--kind", "transform"});
  EXPECT_EQ(kind.exit_code, 2) << kind.err;
}
