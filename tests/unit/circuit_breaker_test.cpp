#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "exec/circuit_breaker.hpp"
#include "rowshift/error.hpp"

using namespace std::chrono_literals;
using rowshift::Error;
using rowshift::ErrorKind;
using rowshift::exec::CircuitBreaker;
using State = CircuitBreaker::State;

namespace {

struct Log {
  std::mutex mu;
  std::vector<State> states;
  CircuitBreaker::Listener listener() {
    return [this](const std::string&, State s, const std::string&) {
      std::lock_guard lock(mu);
      states.push_back(s);
    };
  }
};

CircuitBreaker::Options opts(int threshold, std::chrono::milliseconds cooldown, std::chrono::milliseconds outage = 60s) {
  CircuitBreaker::Options o;
  o.failure_threshold = threshold;
  o.cooldown = cooldown;
  o.max_outage = outage;
  return o;
}

}  // namespace

TEST(CircuitBreaker, OpensAfterConsecutiveFailuresOnly) {
  CircuitBreaker b("db", opts(3, 1s));
  b.on_transient_failure();
  b.on_transient_failure();
  b.on_success();  // resets the streak
  b.on_transient_failure();
  b.on_transient_failure();
  EXPECT_EQ(b.state(), State::closed);
  b.on_transient_failure();
  EXPECT_EQ(b.state(), State::open);
  EXPECT_EQ(b.times_opened(), 1);
  EXPECT_NE(b.describe().find("open"), std::string::npos);
}

TEST(CircuitBreaker, OneProbeAfterCooldownThenClosed) {
  Log log;
  CircuitBreaker b("db", opts(1, 100ms), log.listener());
  std::stop_source stop;
  b.on_transient_failure();
  ASSERT_EQ(b.state(), State::open);
  auto t0 = std::chrono::steady_clock::now();
  b.before_call(stop.get_token());  // waits for the cool-down, then is the probe
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 90ms);
  EXPECT_EQ(b.state(), State::half_open);

  std::atomic<bool> second_through{false};
  std::jthread other([&] {
    b.before_call(stop.get_token());  // must wait while the probe is out
    second_through = true;
  });
  std::this_thread::sleep_for(150ms);
  EXPECT_FALSE(second_through) << "only one probe in half-open";
  b.on_success();
  other.join();
  EXPECT_TRUE(second_through);
  EXPECT_EQ(b.state(), State::closed);
  std::lock_guard lock(log.mu);
  EXPECT_EQ(log.states, (std::vector<State>{State::open, State::half_open, State::closed}));
}

TEST(CircuitBreaker, FailedProbeReopens) {
  CircuitBreaker b("db", opts(1, 50ms));
  std::stop_source stop;
  b.on_transient_failure();
  b.before_call(stop.get_token());
  ASSERT_EQ(b.state(), State::half_open);
  b.on_transient_failure();
  EXPECT_EQ(b.state(), State::open);
  EXPECT_EQ(b.times_opened(), 1) << "the same outage";
}

TEST(CircuitBreaker, OutageLongerThanMaxStopsCallers) {
  CircuitBreaker b("db", opts(1, 10s, 200ms));
  std::stop_source stop;
  b.on_transient_failure();
  auto t0 = std::chrono::steady_clock::now();
  try {
    b.before_call(stop.get_token());
    FAIL() << "went through during an outage";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::cancelled);
    EXPECT_NE(std::string(e.what()).find("--max-outage"), std::string::npos);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_TRUE(b.outage_exceeded());
}

TEST(CircuitBreaker, StopWakesWaiters) {
  CircuitBreaker b("db", opts(1, 60s));
  std::stop_source stop;
  b.on_transient_failure();
  std::jthread stopper([&] {
    std::this_thread::sleep_for(50ms);
    stop.request_stop();
  });
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_THROW(b.before_call(stop.get_token()), Error);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
}
