// Running the rowshift binary from tests: capture its output, or start it and kill it.
#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

namespace rowshift::testing {

struct ProcessResult {
  int exit_code = -1;   // -1 when killed by a signal
  int signal = 0;
  std::string out, err;
};

// Runs argv to completion (stdin closed) and collects stdout and stderr.
ProcessResult run_process(const std::vector<std::string>& argv);
// Starts argv with stdout/stderr sent to the given file; returns its pid. With
// max_file_bytes > 0 the process may not grow any file beyond that size (RLIMIT_FSIZE,
// SIGXFSZ ignored so that writes fail with EFBIG): a full disk, for one process.
pid_t start_process(const std::vector<std::string>& argv, const std::string& output_file,
                    long long max_file_bytes = 0);
// Waits for pid; returns exit code, or -signal when a signal ended it.
int wait_process(pid_t pid);

}  // namespace rowshift::testing
