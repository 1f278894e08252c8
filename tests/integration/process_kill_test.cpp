// Real rowshift processes killed with SIGKILL (and stopped with SIGINT) mid-run, resumed,
// and the result compared with the source row by row.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include "support/process.hpp"
#include "support/sqlite_fixture.hpp"
#include "support/temp_dir.hpp"

using namespace rowshift;
using namespace rowshift::testing;
using namespace std::chrono_literals;

namespace {

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v ? std::atoi(v) : fallback;
}

class ProcessTest : public ::testing::Test {
 protected:
  void SetUp() override { make_orders(*open_db(url), rows); }

  std::vector<std::string> cli(std::vector<std::string> args) {
    std::vector<std::string> argv = {ROWSHIFT_BIN, "--db", "sqlite:" + dir.file("k.db"), "--migrations",
                                     std::string(ROWSHIFT_SOURCE_DIR) + "/migrations", "--quiet"};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }
  std::int64_t count(const std::string& sql) { return count_rows(*open_db(url), sql); }
  // Rows where orders_v2 is not exactly what the three bundled migrations make of orders.
  std::int64_t wrong_rows() {
    return count(
        "SELECT count(*) FROM orders o LEFT JOIN orders_v2 v ON v.id = o.id WHERE v.id IS NULL"
        " OR v.customer_name IS NOT coalesce(trim(o.customer), '(unknown)')"
        " OR v.total_cents IS NOT CAST(round(o.amount * 100) AS INTEGER) OR v.currency IS NOT o.currency"
        " OR v.note IS NOT o.note OR v.ordered_on IS NOT date(o.created_at)"
        " OR v.total_with_vat_cents IS NOT CAST(round(v.total_cents * 1.2) AS INTEGER)");
  }

  int rows = env_int("ROWSHIFT_KILL_ROWS", 200000);
  TempDir dir;
  std::string url = dir.sqlite_url("k.db");
};

}  // namespace

TEST_F(ProcessTest, SigkillAtRandomPointsThenResumeLosesAndDuplicatesNothing) {
  const int kills = env_int("ROWSHIFT_KILLS", 5);
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> when_ms(150, 900);
  int killed_mid_run = 0;
  for (int i = 0; i < kills; ++i) {
    // Throttled so that a kill lands inside the copy or the backfill, not after them.
    pid_t pid = start_process(cli({"run", "--max-rate", "150000"}), dir.file("run.log"));
    int delay = when_ms(rng);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    kill(pid, SIGKILL);
    int code = wait_process(pid);
    if (code == -SIGKILL) ++killed_mid_run;
    std::printf("kill %d after %d ms: %s; orders_v2 has %lld rows\n", i + 1, delay,
                code == -SIGKILL ? "killed" : ("exited " + std::to_string(code)).c_str(),
                static_cast<long long>(count("SELECT count(*) FROM orders_v2")));
  }
  EXPECT_GE(killed_mid_run, kills - 1) << "the kills must land while the migration runs";

  auto resumed = run_process(cli({"run"}));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  EXPECT_EQ(count("SELECT count(*) FROM orders_v2"), rows) << "no row lost, none duplicated";
  EXPECT_EQ(wrong_rows(), 0) << "every value equal";
  EXPECT_EQ(count("SELECT count(*) FROM rowshift_batches WHERE status != 'done'"), 0);
  auto verify = run_process(cli({"verify", "0002_copy_orders"}));
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("OK: source and target agree"), std::string::npos) << verify.out;
}

TEST_F(ProcessTest, SigintStopsGracefullyAndResumes) {
  pid_t pid = start_process(cli({"run", "--max-rate", "60000"}), dir.file("run.log"));
  std::this_thread::sleep_for(1000ms);
  kill(pid, SIGINT);
  int code = wait_process(pid);
  ASSERT_EQ(code, 75) << read_file(dir.file("run.log"));
  EXPECT_NE(read_file(dir.file("run.log")).find("interrupted: run the same command again to resume"), std::string::npos);
  EXPECT_EQ(count("SELECT count(*) FROM rowshift_batches WHERE status = 'running'"), 0)
      << "in-flight batches committed or rolled back";
  std::int64_t partial = count("SELECT count(*) FROM orders_v2");
  EXPECT_GT(partial, 0);
  EXPECT_LT(partial, rows);

  auto status = run_process(cli({"status", "--json"}));
  ASSERT_EQ(status.exit_code, 0);
  EXPECT_NE(status.out.find("\"state\": \"running\""), std::string::npos) << status.out;

  auto resumed = run_process(cli({"run"}));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  EXPECT_EQ(count("SELECT count(*) FROM orders_v2"), rows);
  EXPECT_EQ(wrong_rows(), 0);
}
