#include "support/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace rowshift::testing {
namespace {

std::vector<char*> c_args(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Starts argv with stdin from /dev/null and stdout/stderr on the given descriptors.
pid_t spawn(const std::vector<std::string>& argv, int out_fd, int err_fd, long long max_file_bytes = 0) {
  auto args = c_args(argv);
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    if (max_file_bytes > 0) {
      struct rlimit limit {static_cast<rlim_t>(max_file_bytes), static_cast<rlim_t>(max_file_bytes)};
      setrlimit(RLIMIT_FSIZE, &limit);
      signal(SIGXFSZ, SIG_IGN);  // survives exec: writes past the limit fail with EFBIG
    }
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

}  // namespace

pid_t start_process(const std::vector<std::string>& argv, const std::string& output_file, long long max_file_bytes) {
  int fd = open(output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = spawn(argv, fd, fd, max_file_bytes);
  close(fd);
  return pid;
}

int wait_process(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return -WTERMSIG(status);
}

ProcessResult run_process(const std::vector<std::string>& argv) {
  char out_tmpl[] = "/tmp/rowshift-out-XXXXXX";
  char err_tmpl[] = "/tmp/rowshift-err-XXXXXX";
  int out_fd = mkstemp(out_tmpl);
  int err_fd = mkstemp(err_tmpl);
  pid_t pid = spawn(argv, out_fd, err_fd);
  close(out_fd);
  close(err_fd);
  ProcessResult r;
  int code = wait_process(pid);
  if (code < 0) r.signal = -code;
  else r.exit_code = code;
  r.out = slurp(out_tmpl);
  r.err = slurp(err_tmpl);
  unlink(out_tmpl);
  unlink(err_tmpl);
  return r;
}

}  // namespace rowshift::testing
