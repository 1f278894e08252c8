// A PostgreSQL address that accepts connections and never answers (a hung server, a proxy
// in front of a dead one, a half-open network): rowshift gives up on it after a time
// limit instead of waiting forever, and says so in one line.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <thread>

#include "support/process.hpp"
#include "support/sqlite_fixture.hpp"
#include "support/temp_dir.hpp"

using namespace rowshift::testing;

namespace {

struct Outcome {
  int exit_code = 0;
  std::string output;  // stdout and stderr
};

// A socket that listens on a free loopback port and never accepts: the kernel completes
// the TCP handshake, the startup message is never read, nothing ever comes back.
class SilentServer : public ::testing::Test {
 protected:
  void SetUp() override {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd_, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(listen(fd_, 16), 0);
    socklen_t len = sizeof addr;
    ASSERT_EQ(getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    url_ = "postgresql://app:s3cret@127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/shop";
    unsetenv("PGCONNECT_TIMEOUT");
  }
  void TearDown() override {
    if (fd_ >= 0) close(fd_);
  }

  // Runs `rowshift plan` against the silent server, killed if it still waits after 40 s
  // (what it did before it had a time limit); returns the seconds it took.
  double plan(const std::string& url, Outcome& r) {
    auto start = std::chrono::steady_clock::now();
    pid_t pid = start_process({ROWSHIFT_BIN, "--db", url, "plan"}, dir_.file("plan.log"));
    int status = 0;
    while (waitpid(pid, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() - start > std::chrono::seconds(40)) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        ADD_FAILURE() << "rowshift plan still waited for the silent server after 40 s";
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    r.output = read_file(dir_.file("plan.log"));
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  TempDir dir_;
  int fd_ = -1;
  std::string url_;
};

}  // namespace

TEST_F(SilentServer, ConnectGivesUpAfterTheDefaultTenSeconds) {
  Outcome r;
  double seconds = plan(url_, r);
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("cannot connect"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("timeout expired (after rowshift's default connect_timeout of 10 s; a connect_timeout in "
                          "the URL changes it)"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find("s3cret"), std::string::npos) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << "one line: " << r.output;
  EXPECT_GE(seconds, 9.5);
  EXPECT_LT(seconds, 30.0);
}

TEST_F(SilentServer, TheUsersOwnTimeLimitWins) {
  Outcome r;
  double seconds = plan(url_ + "?connect_timeout=2", r);
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("timeout expired"), std::string::npos) << r.output;
  EXPECT_GE(seconds, 1.5);
  EXPECT_LT(seconds, 8.0) << "the URL's connect_timeout=2 was not used";
  EXPECT_EQ(r.output.find("default connect_timeout"), std::string::npos) << r.output;

  setenv("PGCONNECT_TIMEOUT", "2", 1);  // libpq's variable, also left alone
  seconds = plan(url_, r);
  unsetenv("PGCONNECT_TIMEOUT");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_LT(seconds, 8.0) << "PGCONNECT_TIMEOUT=2 was not used";
}
