// SIGINT/SIGTERM: the first asks for a graceful stop, the second exits at once.
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
