#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "exec/retry_policy.hpp"

using namespace std::chrono_literals;
using rowshift::Error;
using rowshift::ErrorKind;
using rowshift::exec::RetryPolicy;

TEST(RetryPolicy, RetriesOnlyTransientWithinAttempts) {
  RetryPolicy p(3, 100ms, 5s);
  Error busy(ErrorKind::transient, "busy"), constraint(ErrorKind::permanent, "unique");
  EXPECT_TRUE(p.should_retry(busy, 1));
  EXPECT_TRUE(p.should_retry(busy, 2));
  EXPECT_FALSE(p.should_retry(busy, 3)) << "3 attempts in all";
  EXPECT_FALSE(p.should_retry(constraint, 1));
}

TEST(RetryPolicy, CeilingDoublesAndCaps) {
  RetryPolicy p(10, 100ms, 1000ms);
  EXPECT_EQ(p.ceiling(1), 100ms);
  EXPECT_EQ(p.ceiling(2), 200ms);
  EXPECT_EQ(p.ceiling(3), 400ms);
  EXPECT_EQ(p.ceiling(4), 800ms);
  EXPECT_EQ(p.ceiling(5), 1000ms);
  EXPECT_EQ(p.ceiling(60), 1000ms) << "no overflow for large attempts";
}

TEST(RetryPolicy, FullJitterStaysInRangeAndVaries) {
  RetryPolicy p(5, 100ms, 10s);
  std::mt19937_64 rng(7);
  std::set<long long> seen;
  for (int i = 0; i < 200; ++i) {
    auto d = p.delay(3, rng);
    EXPECT_GE(d.count(), 0);
    EXPECT_LE(d.count(), 400);
    seen.insert(d.count());
  }
  EXPECT_GT(seen.size(), 50u) << "delays must be spread, not fixed";
}

TEST(RetryPolicy, SleepIsInterruptedByStop) {
  std::stop_source stop;
  auto t0 = std::chrono::steady_clock::now();
  std::jthread stopper([&] {
    std::this_thread::sleep_for(50ms);
    stop.request_stop();
  });
  EXPECT_FALSE(rowshift::exec::sleep_for(10s, stop.get_token()));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_TRUE(rowshift::exec::sleep_for(1ms, std::stop_source().get_token()));
}
