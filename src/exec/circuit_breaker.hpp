// CircuitBreaker: one per database endpoint, shared by all workers, so that a sick
// database is not hammered (the article's "database storm").
//
//   closed --N consecutive transient failures--> open --cooldown--> half-open
//   half-open: exactly one call (the probe) goes through; success -> closed,
//   failure -> open again for another cooldown.
//
// While open, callers wait in before_call() instead of failing: batches keep their
// attempts. An outage longer than max_outage makes before_call() throw
// Error(cancelled) so that the run stops cleanly and can be resumed later.
// Thread-safe; every member may be called from any worker.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <stop_token>
#include <string>

namespace rowshift::exec {

class CircuitBreaker {
 public:
  enum class State { closed, open, half_open };
  using Clock = std::chrono::steady_clock;
  struct Options {
    int failure_threshold = 5;
    std::chrono::milliseconds cooldown{30000};
    std::chrono::milliseconds max_outage{600000};
  };
  // Told of every state change (from the thread that caused it), e.g. for the event log.
  using Listener = std::function<void(const std::string& endpoint, State state, const std::string& detail)>;

  CircuitBreaker(std::string endpoint, Options options, Listener listener = {});

  // Returns when a call may go through (at once while closed, even after a stop, so that
  // running batches finish). Throws Error(cancelled) when stop is requested while it
  // waits, or when the endpoint has been unreachable for longer than max_outage.
  void before_call(const std::stop_token& stop);
  void on_success();
  void on_transient_failure();

  State state() const;
  bool outage_exceeded() const;
  // "closed", "open 12s (probe in 18s)", "half-open (probing)".
  std::string describe() const;
  const std::string& endpoint() const { return endpoint_; }
  int times_opened() const;

 private:
  void open_locked(Clock::time_point now, const std::string& why);

  const std::string endpoint_;
  const Options options_;
  const Listener listener_;
  mutable std::mutex mu_;
  std::condition_variable_any changed_;
  State state_ = State::closed;           // guarded by mu_
  int consecutive_failures_ = 0;          // guarded by mu_
  bool probe_in_flight_ = false;          // guarded by mu_
  bool outage_exceeded_ = false;          // guarded by mu_
  int times_opened_ = 0;                  // guarded by mu_
  Clock::time_point opened_at_{}, outage_started_{};  // guarded by mu_
};

const char* to_string(CircuitBreaker::State s);

}  // namespace rowshift::exec
