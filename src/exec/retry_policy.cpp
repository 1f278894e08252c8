#include "exec/retry_policy.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>

namespace rowshift::exec {

std::chrono::milliseconds RetryPolicy::ceiling(int attempt) const {
  long long ms = base_.count();
  for (int i = 1; i < attempt && ms < cap_.count(); ++i) ms *= 2;
  return std::chrono::milliseconds(std::min(ms, static_cast<long long>(cap_.count())));
}

std::chrono::milliseconds RetryPolicy::delay(int attempt, std::mt19937_64& rng) const {
  std::uniform_int_distribution<long long> dist(0, ceiling(attempt).count());
  return std::chrono::milliseconds(dist(rng));
}

bool sleep_for(std::chrono::milliseconds d, const std::stop_token& stop) {
  std::mutex mu;
  std::condition_variable_any cv;
  std::unique_lock lock(mu);
  cv.wait_for(lock, stop, d, [] { return false; });  // wakes only on stop or timeout
  return !stop.stop_requested();
}

}  // namespace rowshift::exec
