// SIGINT/SIGTERM/SIGHUP: the first asks for a graceful stop (and cuts planning and
// verify statements short), the second exits at once.
#pragma once

namespace rowshift::cli {

class SignalGuard {
 public:
  SignalGuard();   // installs the handlers
  ~SignalGuard();  // restores the previous ones
  SignalGuard(const SignalGuard&) = delete;
  SignalGuard& operator=(const SignalGuard&) = delete;
  static bool stop_requested();
};

}  // namespace rowshift::cli
