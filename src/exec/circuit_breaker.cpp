#include "exec/circuit_breaker.hpp"

#include <algorithm>

#include "rowshift/error.hpp"

namespace rowshift::exec {

const char* to_string(CircuitBreaker::State s) {
  switch (s) {
    case CircuitBreaker::State::closed: return "closed";
    case CircuitBreaker::State::open: return "open";
    case CircuitBreaker::State::half_open: return "half-open";
  }
  return "?";
}

CircuitBreaker::CircuitBreaker(std::string endpoint, Options options, Listener listener)
    : endpoint_(std::move(endpoint)), options_(options), listener_(std::move(listener)) {}

void CircuitBreaker::before_call(const std::stop_token& stop) {
  std::unique_lock lock(mu_);
  for (;;) {
    if (state_ == State::closed) return;  // a stop lets calls through: running batches finish
    if (stop.stop_requested()) throw Error(ErrorKind::cancelled, "stopped while " + endpoint_ + " was unavailable");
    auto now = Clock::now();
    if (now - outage_started_ >= options_.max_outage) {
      if (!outage_exceeded_) {
        outage_exceeded_ = true;
        changed_.notify_all();
      }
      throw Error(ErrorKind::cancelled,
                  endpoint_ + " unreachable for longer than --max-outage (" +
                      std::to_string(std::chrono::duration_cast<std::chrono::seconds>(options_.max_outage).count()) +
                      " s); run again to resume");
    }
    if (state_ == State::open && now >= opened_at_ + options_.cooldown && !probe_in_flight_) {
      state_ = State::half_open;
      probe_in_flight_ = true;
      lock.unlock();
      if (listener_) listener_(endpoint_, State::half_open, "cool-down over, one probe goes through");
      return;  // this caller is the probe
    }
    auto wake = std::min(opened_at_ + options_.cooldown, outage_started_ + options_.max_outage);
    if (state_ == State::half_open) wake = now + std::chrono::milliseconds(200);
    changed_.wait_until(lock, stop, wake, [&] { return state_ == State::closed; });
  }
}

void CircuitBreaker::on_success() {
  std::unique_lock lock(mu_);
  consecutive_failures_ = 0;
  if (state_ == State::closed) return;
  auto down = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - outage_started_);
  state_ = State::closed;
  probe_in_flight_ = false;
  changed_.notify_all();
  lock.unlock();
  if (listener_) listener_(endpoint_, State::closed, "recovered after " + std::to_string(down.count() / 1000.0).substr(0, 5) + " s");
}

void CircuitBreaker::on_transient_failure() {
  std::unique_lock lock(mu_);
  auto now = Clock::now();
  if (state_ == State::half_open) {
    probe_in_flight_ = false;
    state_ = State::open;
    opened_at_ = now;
    changed_.notify_all();
    lock.unlock();
    if (listener_) listener_(endpoint_, State::open, "probe failed; waiting another cool-down");
    return;
  }
  if (state_ == State::open) return;
  if (++consecutive_failures_ < options_.failure_threshold) return;
  open_locked(now, std::to_string(consecutive_failures_) + " consecutive transient failures");
  lock.unlock();
  if (listener_) listener_(endpoint_, State::open, std::to_string(options_.failure_threshold) + " consecutive transient failures");
}

void CircuitBreaker::open_locked(Clock::time_point now, const std::string&) {
  state_ = State::open;
  opened_at_ = now;
  outage_started_ = now;
  ++times_opened_;
  changed_.notify_all();
}

CircuitBreaker::State CircuitBreaker::state() const {
  std::lock_guard lock(mu_);
  return state_;
}

bool CircuitBreaker::outage_exceeded() const {
  std::lock_guard lock(mu_);
  return outage_exceeded_;
}

int CircuitBreaker::times_opened() const {
  std::lock_guard lock(mu_);
  return times_opened_;
}

std::string CircuitBreaker::describe() const {
  std::lock_guard lock(mu_);
  auto now = Clock::now();
  auto secs = [](Clock::duration d) {
    return std::to_string(std::max<long long>(0, std::chrono::duration_cast<std::chrono::seconds>(d).count())) + "s";
  };
  switch (state_) {
    case State::closed: return "closed";
    case State::half_open: return "half-open (probing)";
    case State::open: return "open " + secs(now - outage_started_) + " (probe in " + secs(opened_at_ + options_.cooldown - now) + ")";
  }
  return "?";
}

}  // namespace rowshift::exec
