// Issue 14, items 1 and 2 with real processes: SIGTERM, SIGINT and SIGHUP during
// planning and verify end the process within seconds with exit 75, leaving the store as
// it was; before, planning ran to its end whatever the signal (unbounded, for a where
// that escaped its parentheses).
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

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class Issue14Signals : public ::testing::TestWithParam<Backend> {
 protected:
  // A filter that costs as much as the table is long on SQLite (a count per row, so
  // planning 40,000 rows takes minutes), and that sleeps `slow.s` seconds once per
  // statement on PostgreSQL; `slow.s` is 0 while the test sets things up.
  void SetUp() override {
    url = backend.new_database(dir, "t.db");
    auto d = open_db(url);
    d->execute_script("CREATE TABLE big (id BIGINT PRIMARY KEY, v TEXT); CREATE TABLE dst (id BIGINT PRIMARY KEY, v TEXT);"
                      "CREATE TABLE slow (s DOUBLE PRECISION); INSERT INTO slow VALUES (0);"
                      "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 1000) "
                      "INSERT INTO big SELECT n, 'v' FROM s");
    const std::string where = backend.is_postgres()
                                  ? "(SELECT pg_sleep(s) FROM slow) IS NOT NULL"
                                  : "(SELECT count(*) FROM big AS b2 WHERE b2.v = big.v AND b2.id <= big.id) > 0";
    std::filesystem::create_directory(dir.file("mig"));
    for (const std::string name : {"0001_copy", "0002_copy"}) {
      std::ofstream(dir.file("mig/" + name + ".sql"))
          << "-- rowshift:kind copy\n-- rowshift:from big\n-- rowshift:key id\n-- rowshift:to dst\n-- rowshift:where "
          << where << "\nid\nv\n";
    }
  }
  void make_slow() {
    auto d = open_db(url);
    if (backend.is_postgres()) {
      d->execute_script("UPDATE slow SET s = 60");
    } else {
      d->execute_script("WITH RECURSIVE s(n) AS (SELECT 1001 UNION ALL SELECT n + 1 FROM s WHERE n < 40000) "
                        "INSERT INTO big SELECT n, 'v' FROM s");
    }
  }
  std::vector<std::string> cli(std::vector<std::string> args) {
    std::vector<std::string> argv = {ROWSHIFT_BIN, "--db", url, "--migrations", dir.file("mig"), "--quiet"};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }
  // Starts the command, signals it after a second, and returns its exit code and how
  // long it took to end after the signal.
  std::pair<int, double> signalled(std::vector<std::string> args, int sig) {
    pid_t pid = start_process(cli(std::move(args)), dir.file("out.log"));
    std::this_thread::sleep_for(1s);
    auto t0 = std::chrono::steady_clock::now();
    kill(pid, sig);
    int code = wait_process(pid);
    return {code, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()};
  }

  const Backend backend = GetParam();
  TempDir dir;
  std::string url;
};

}  // namespace

TEST_P(Issue14Signals, PlanRunAndVerifyEndWithin5sOfASignal) {
  ASSERT_EQ(run_process(cli({"run", "0001_copy"})).exit_code, 0);
  make_slow();

  for (int sig : {SIGTERM, SIGINT, SIGHUP}) {
    auto [code, took] = signalled({"plan"}, sig);
    EXPECT_EQ(code, 75) << strsignal(sig) << " during plan: " << read_all(dir.file("out.log"));
    EXPECT_LT(took, 5.0) << strsignal(sig) << " during plan";
  }
  {
    auto [code, took] = signalled({"run"}, SIGTERM);
    EXPECT_EQ(code, 75) << "SIGTERM while run plans: " << read_all(dir.file("out.log"));
    EXPECT_LT(took, 5.0);
    EXPECT_NE(read_all(dir.file("out.log")).find("stop requested"), std::string::npos) << read_all(dir.file("out.log"));
    // Nothing of the interrupted plan was stored: the migration is still pending.
    EXPECT_EQ(count_rows(*open_db(url), "SELECT count(*) FROM rowshift_migrations WHERE name = '0002_copy'"), 0);
  }
  {
    auto [code, took] = signalled({"verify", "0001_copy"}, SIGTERM);
    EXPECT_EQ(code, 75) << "SIGTERM during verify: " << read_all(dir.file("out.log"));
    EXPECT_LT(took, 5.0);
  }
  EXPECT_EQ(run_process(cli({"status"})).exit_code, 0) << "the store is consistent";
}

INSTANTIATE_TEST_SUITE_P(Backends, Issue14Signals, ::testing::ValuesIn(all_backends()), backend_name);
