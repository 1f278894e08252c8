// Issue 13, item 12: reading a SQLite file rewrote it. plan, status, verify and runs
// that stopped on bad input switched files (sources too) to WAL for good, and a
// read-only file failed even for plan. Now a source is opened read-only, a target's
// journal mode is changed only by a run that writes, and put back afterwards; plan,
// status and verify change nothing in any database (file bytes, pg_dump).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "rowshift/rowshift.hpp"
#include "support/backend.hpp"
#include "support/process.hpp"
#include "support/sqlite_fixture.hpp"
#include "support/temp_dir.hpp"

using namespace rowshift;
using namespace rowshift::testing;
namespace fs = std::filesystem;

namespace {

std::string bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The file and any sidecar SQLite made next to it.
struct FileState {
  std::string bytes;
  bool wal = false, shm = false, journal = false;
  bool operator==(const FileState&) const = default;
};
FileState state_of(const std::string& path) {
  return {bytes_of(path), fs::exists(path + "-wal"), fs::exists(path + "-shm"), fs::exists(path + "-journal")};
}
std::string journal_mode(const std::string& path) {
  return db::query_row(*open_db("sqlite:" + path + "?mode=ro"), "PRAGMA journal_mode")[0].as_text();
}

class Issue13ReadOnly : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::permissions(dir.path(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                    fs::perms::others_read | fs::perms::others_exec);
    auto s = open_db(dir.sqlite_url("src.db"));
    s->execute_script(
        "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT);"
        "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 5000) "
        "INSERT INTO items SELECT n, 'item ' || n FROM s");
    open_db(dir.sqlite_url("dst.db"))->execute_script("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)");
    fs::create_directory(dir.file("mig"));
    std::ofstream(dir.file("mig/0001_copy.sql"))
        << "-- rowshift:kind copy\n-- rowshift:source-db sqlite:" << dir.file("src.db")
        << "\n-- rowshift:from items\n-- rowshift:key id\n-- rowshift:to items\nid\nname\n";
  }
  std::vector<std::string> cli(std::vector<std::string> args, const std::string& migrations = "") const {
    std::vector<std::string> argv = {ROWSHIFT_BIN, "--db", "sqlite:" + dst, "--migrations",
                                     migrations.empty() ? dir.file("mig") : migrations, "--quiet"};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }
  void expect_readers_change_nothing(const std::string& when) {
    const FileState src_before = state_of(src), dst_before = state_of(dst);
    for (const std::string cmd : {"plan", "status", "verify"}) {
      if (cmd == "verify" && when == "before any run") continue;  // nothing to verify yet
      std::vector<std::string> args = {cmd};
      if (cmd == "verify") args.push_back("0001_copy");
      auto r = run_process(cli(args));
      EXPECT_EQ(r.exit_code, 0) << when << ", " << cmd << ": " << r.err;
      EXPECT_TRUE(state_of(src) == src_before) << when << ", " << cmd << " changed the source file (or made sidecars)";
      EXPECT_TRUE(state_of(dst) == dst_before) << when << ", " << cmd << " changed the target file (or made sidecars)";
    }
  }

  TempDir dir;
  const std::string src = dir.file("src.db"), dst = dir.file("dst.db");
};

}  // namespace

TEST_F(Issue13ReadOnly, SqliteFilesChangeOnlyWhenARunWrites) {
  ASSERT_EQ(journal_mode(dst), "delete");
  expect_readers_change_nothing("before any run");

  // A run that stops on bad input (a column the target lacks) leaves the files alone.
  fs::create_directory(dir.file("bad"));
  std::ofstream(dir.file("bad/0001_copy.sql"))
      << "-- rowshift:kind copy\n-- rowshift:source-db sqlite:" << src
      << "\n-- rowshift:from items\n-- rowshift:key id\n-- rowshift:to items\nid\nnickname = name\n";
  {
    const FileState s0 = state_of(src), d0 = state_of(dst);
    auto r = run_process(cli({"run"}, dir.file("bad")));
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_TRUE(state_of(src) == s0) << "a refused run changed the source";
    EXPECT_TRUE(state_of(dst) == d0) << "a refused run changed the target";
  }

  // A run writes the target, reads the source, and puts the target's mode back.
  const FileState src_before = state_of(src);
  auto r = run_process(cli({"run"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(state_of(src) == src_before) << "the source was read read-only, byte for byte unchanged";
  EXPECT_EQ(journal_mode(dst), "delete") << "the target's journal mode is put back after the run";
  EXPECT_FALSE(fs::exists(dst + "-wal"));
  expect_readers_change_nothing("after the run");

  // Files nobody may write: plan, status and verify still answer.
  fs::permissions(src, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  fs::permissions(dst, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  for (const std::string cmd : {"plan", "status", "verify"}) {
    std::vector<std::string> args = cli(cmd == "verify" ? std::vector<std::string>{cmd, "0001_copy"}
                                                        : std::vector<std::string>{cmd});
    // root writes any file whatever its mode: run as nobody for the mode to count.
    if (geteuid() == 0) args.insert(args.begin(), {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"});
    auto ro = run_process(args);
    EXPECT_EQ(ro.exit_code, 0) << cmd << " on read-only files: " << ro.err;
  }
}

// A run killed while its batches write leaves the file in WAL; the mode it had is kept
// in the checkpoint store, and the next run that finishes puts it back.
TEST_F(Issue13ReadOnly, KilledRunsModeIsPutBackByTheNextRun) {
  pid_t pid = start_process(cli({"run", "--batch-size", "100", "--max-rate", "2000"}), dir.file("run.log"));
  bool writing = false;
  for (int i = 0; i < 200 && !writing; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    writing = fs::exists(dst + "-wal");
  }
  ASSERT_TRUE(writing) << bytes_of(dir.file("run.log"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill(pid, SIGKILL);
  wait_process(pid);
  EXPECT_EQ(journal_mode(dst), "wal") << "killed mid-run: still WAL";
  auto r = run_process(cli({"run"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(journal_mode(dst), "delete") << "the next run that finished put the recorded mode back";
  EXPECT_EQ(count_rows(*open_db("sqlite:" + dst), "SELECT count(*) FROM items"), 5000);
  EXPECT_EQ(count_rows(*open_db("sqlite:" + dst), "SELECT count(*) FROM rowshift_meta WHERE key LIKE 'journal%'"), 0);
}

// A URL that names journal_mode is the user's choice: left as asked.
TEST_F(Issue13ReadOnly, AskedForWalStaysWal) {
  std::vector<std::string> args = cli({"run"});
  args[2] = "sqlite:" + dst + "?journal_mode=wal";
  auto r = run_process(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(journal_mode(dst), "wal");
}

// PostgreSQL: plan, status and verify leave the target as pg_dump saw it, and a SQLite
// source of a copy into PostgreSQL byte for byte unchanged.
TEST_F(Issue13ReadOnly, PostgresPlanStatusVerifyChangeNothing) {
  const std::string pg = new_pg_database();
  open_db(pg)->execute_script("CREATE TABLE items (id bigint PRIMARY KEY, name text)");
  auto dump = [&] {
    auto r = run_process({"/usr/bin/pg_dump", "--no-owner", "--dbname=" + pg});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    // Without pg_dump's \restrict lines, whose key is new on every dump.
    std::istringstream in(r.out);
    std::string out, line;
    while (std::getline(in, line)) {
      if (line.rfind("\\restrict ", 0) != 0 && line.rfind("\\unrestrict ", 0) != 0) out += line + "\n";
    }
    return out;
  };
  auto pg_cli = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {ROWSHIFT_BIN, "--db", pg, "--migrations", dir.file("mig"), "--quiet"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv);
  };
  const FileState src_before = state_of(src);
  ASSERT_EQ(pg_cli({"run"}).exit_code, 0);
  EXPECT_TRUE(state_of(src) == src_before) << "the SQLite source is unchanged";
  const std::string before = dump();
  ASSERT_NE(before.find("COPY public.rowshift_batches"), std::string::npos) << "the dump holds the store";
  for (std::vector<std::string> cmd : {std::vector<std::string>{"plan"}, {"status"}, {"verify", "0001_copy"}}) {
    auto r = pg_cli(cmd);
    EXPECT_EQ(r.exit_code, 0) << cmd[0] << ": " << r.err;
    EXPECT_TRUE(dump() == before) << cmd[0] << " changed the PostgreSQL database (pg_dump differs)";
  }
  EXPECT_TRUE(state_of(src) == src_before);
}
