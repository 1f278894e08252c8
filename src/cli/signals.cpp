#include "cli/signals.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>

#include "db/interrupt.hpp"
#include "rowshift/error.hpp"

namespace rowshift::cli {
namespace {

std::atomic<int> g_signals{0};
struct sigaction g_old_int, g_old_term, g_old_hup;

extern "C" void on_signal(int) {
  if (g_signals.fetch_add(1) == 0) {
    const char msg[] = "\nrowshift: stopping: running batches finish, no new ones start (again to abort)\n";
    ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)ignored;
    // Planning scans and verify's reads end now (async-signal-safe, see db/interrupt.hpp).
    db::interrupt::request();
    return;
  }
  // A second signal: leave now. Open transactions roll back (SQLite journal, server
  // side), so the checkpoint store stays consistent and the run stays resumable.
  const char msg[] = "\nrowshift: aborted\n";
  ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
  (void)ignored;
  _exit(static_cast<int>(ExitCode::interrupted));
}

}  // namespace

SignalGuard::SignalGuard() {
  g_signals = 0;
  db::interrupt::clear();
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &g_old_int);
  sigaction(SIGTERM, &sa, &g_old_term);
  // A closed terminal or ssh session (nohup'd daemons expect it) stops gracefully too.
  sigaction(SIGHUP, &sa, &g_old_hup);
  signal(SIGPIPE, SIG_IGN);  // a lost server connection must be an error, not a death
}

SignalGuard::~SignalGuard() {
  sigaction(SIGINT, &g_old_int, nullptr);
  sigaction(SIGTERM, &g_old_term, nullptr);
  sigaction(SIGHUP, &g_old_hup, nullptr);
}

bool SignalGuard::stop_requested() { return g_signals.load() > 0; }

}  // namespace rowshift::cli
