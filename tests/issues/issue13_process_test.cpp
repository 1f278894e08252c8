// Issue 13 with real processes: a paused runner that wakes after it was taken over
// (item 2, fencing), and `reset --yes` while a runner holds the migration (item 3).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "rowshift/rowshift.hpp"
#include "support/backend.hpp"
#include "support/process.hpp"
#include "support/sqlite_fixture.hpp"
#include "support/temp_dir.hpp"

using namespace rowshift;
using namespace rowshift::testing;
using namespace std::chrono_literals;

namespace {

// The state letter of /proc/PID/stat: 'T' once the process is stopped.
char process_state(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = all.rfind(')');
  return close == std::string::npos || close + 2 >= all.size() ? '?' : all[close + 2];
}

bool wait_until(const std::function<bool()>& cond, std::chrono::seconds limit = 60s) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (cond()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

class Issue13Process : public ::testing::TestWithParam<Backend> {
 protected:
  // The source is a database of the other engine, so that a batch's rows are read into
  // the runner before its write transaction: the stale copy a paused runner holds.
  void SetUp() override {
    url = backend.new_database(dir, "t.db");
    source = backend.is_postgres() ? dir.sqlite_url("source.db") : new_pg_database();
    open_db(url)->execute_script("CREATE TABLE dst (id BIGINT PRIMARY KEY, v TEXT)");
    open_db(source)->execute_script(
        "CREATE TABLE src (id BIGINT PRIMARY KEY, v TEXT NOT NULL);"
        "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < " + std::to_string(kRows) +
        ") INSERT INTO src SELECT n, 'old' FROM s");
    std::filesystem::create_directory(dir.file("mig"));
    std::ofstream(dir.file("mig/0001_copy.sql")) << "-- rowshift:kind copy\n-- rowshift:source-db " << source
                                                 << "\n-- rowshift:from src\n-- rowshift:key id\n-- rowshift:to dst\n"
                                                    "id = id\nv = v\n";
  }
  std::vector<std::string> cli(std::vector<std::string> args, std::vector<std::string> env = {}) {
    std::vector<std::string> argv = {"/usr/bin/env"};
    argv.insert(argv.end(), env.begin(), env.end());
    for (std::string a : {std::string(ROWSHIFT_BIN), std::string("--db"), url, std::string("--migrations"),
                          dir.file("mig"), std::string("--quiet")})
      argv.push_back(a);
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }
  std::int64_t count(const std::string& sql) { return count_rows(*open_db(url), sql); }

  static constexpr int kRows = 3000;
  const Backend backend = GetParam();
  TempDir dir;
  std::string url, source;
};

}  // namespace

// Item 2: with --store elsewhere, runner A is paused (SIGSTOP) after reading batch 2 and
// before writing it; its lease runs out, the source rows of batch 2 change, runner B
// takes the batch over and writes the new rows. When A wakes, the target must refuse
// its stale copy (fencing) instead of letting it overwrite B's rows.
TEST_P(Issue13Process, PausedRunnerTakenOverCannotOverwriteNewerRows) {
  const std::string store = dir.sqlite_url("store.db");
  pid_t a = start_process(cli({"--store", store, "run", "--workers", "1", "--lease", "2"},
                              {"ROWSHIFT_TEST_STOP_BEFORE_WRITE=2"}),
                          dir.file("a.log"));
  ASSERT_TRUE(wait_until([&] { return process_state(a) == 'T'; })) << read_file(dir.file("a.log"));
  open_db(source)->execute("UPDATE src SET v = 'new' WHERE id > 1000 AND id <= 2000");
  // A's lease (2 s, kept in whole seconds: up to 3 s) runs out: no heartbeat while stopped.
  std::this_thread::sleep_for(3500ms);

  auto b = run_process(cli({"--store", store, "run", "--lease", "2"}));
  ASSERT_EQ(b.exit_code, 0) << b.out << b.err;
  ASSERT_EQ(count("SELECT count(*) FROM dst WHERE v = 'new'"), 1000) << "B wrote the newer rows";

  ::kill(a, SIGCONT);
  int a_code = wait_process(a);
  std::string a_log = read_file(dir.file("a.log"));
  EXPECT_EQ(a_code, 0) << a_log;
  EXPECT_EQ(count("SELECT count(*) FROM dst WHERE v = 'new'"), 1000)
      << "the woken runner's stale copy must not overwrite the newer rows\n" << a_log;
  EXPECT_EQ(count("SELECT count(*) FROM dst"), kRows);
  EXPECT_NE(a_log.find("lease lost"), std::string::npos) << a_log;

  auto status = run_process(cli({"--store", store, "status"}));
  EXPECT_EQ(status.exit_code, 0);
  EXPECT_NE(status.out.find("lease lost: batch 2 of 0001_copy"), std::string::npos) << status.out;
  EXPECT_EQ(count_rows(*open_db(store), "SELECT count(*) FROM rowshift_batches WHERE status = 'done'"), 3);
}

// Item 3: `reset --yes` while a run held the migration made that run report "done,
// 0/0 batches" and exit 0. Now the reset is refused while the runner lives, and a runner
// whose checkpoint rows vanish anyway (deleted by hand) ends with exit 7, never "done".
TEST_P(Issue13Process, ResetDuringRunIsRefusedAndVanishedRowsAreNotDone) {
  pid_t a = start_process(cli({"run", "--workers", "1", "--batch-size", "100", "--max-rate", "500"}),
                          dir.file("a.log"));
  ASSERT_TRUE(wait_until([&] {
    try {
      return count("SELECT count(*) FROM rowshift_batches WHERE status = 'done'") > 0;
    } catch (const std::exception&) {
      return false;
    }
  })) << read_file(dir.file("a.log"));
  auto reset = run_process(cli({"reset", "0001_copy", "--yes"}));
  EXPECT_EQ(reset.exit_code, 3) << reset.out << reset.err;
  EXPECT_NE(reset.err.find("is being run by"), std::string::npos) << reset.err;
  EXPECT_EQ(count("SELECT count(*) FROM rowshift_batches"), kRows / 100) << "the refused reset deleted nothing";

  // Rows deleted behind the runner's back: it must not call that "done".
  open_db(url)->execute_script("DELETE FROM rowshift_batches; DELETE FROM rowshift_migrations;");
  int code = wait_process(a);
  std::string log = read_file(dir.file("a.log"));
  EXPECT_EQ(code, 7) << log;
  EXPECT_NE(log.find("changed while this run held it"), std::string::npos) << log;
  EXPECT_EQ(log.find("done"), std::string::npos) << log;
}

INSTANTIATE_TEST_SUITE_P(Backends, Issue13Process, ::testing::ValuesIn(all_backends()), backend_name);
