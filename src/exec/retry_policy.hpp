// RetryPolicy: which errors to retry, and how long to wait before the next attempt.
#pragma once

#include <chrono>
#include <random>
#include <stop_token>

#include "rowshift/error.hpp"

namespace rowshift::exec {

class RetryPolicy {
 public:
  RetryPolicy(int max_attempts, std::chrono::milliseconds base, std::chrono::milliseconds cap)
      : max_attempts_(max_attempts), base_(base), cap_(cap) {}

  // True when `error` on attempt number `attempt` (1-based) deserves another attempt.
  bool should_retry(const Error& error, int attempt) const {
    return error.transient() && attempt < max_attempts_;
  }
  // Exponential backoff with full jitter: uniform in [0, min(cap, base * 2^(attempt-1))].
  // Spreading retries this way keeps many workers from hitting a recovering database
  // at the same instant.
  std::chrono::milliseconds delay(int attempt, std::mt19937_64& rng) const;
  // The upper bound delay() draws from for this attempt.
  std::chrono::milliseconds ceiling(int attempt) const;

 private:
  int max_attempts_;
  std::chrono::milliseconds base_, cap_;
};

// Sleeps for d unless stop is requested first. Returns false when stopped.
bool sleep_for(std::chrono::milliseconds d, const std::stop_token& stop);

}  // namespace rowshift::exec
