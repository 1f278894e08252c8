#include "run/commit_group.hpp"

#include <algorithm>
#include <cmath>

namespace rowshift {

void CommitGroup::observe(double seconds, bool clean) {
  if (max_ <= 1) return;
  if (!clean) {
    // A failing or retried batch: single batches until the trouble has passed, so that
    // a bad batch costs the others no rolled-back group, and retries stay per batch.
    cooldown_ = 4 * max_;
    return;
  }
  if (cooldown_ > 0) --cooldown_;
  // Halves: the first batches also paid for their worker's connections, and the size
  // must follow a database that slows down within a few batches.
  mean_seconds_ = measured_ ? 0.5 * mean_seconds_ + 0.5 * seconds : seconds;
  measured_ = true;
}

bool CommitGroup::group_failed() {
  if (max_ <= 1) return false;
  cooldown_ = 4 * max_;
  if (++failed_groups_ < kMaxFailedGroups) return false;
  max_ = 1;
  return true;
}

std::size_t CommitGroup::next(std::size_t queued, int workers) const {
  if (max_ <= 1 || !measured_ || cooldown_ > 0) return 1;
  const double fit = mean_seconds_ > 0 ? std::floor(kGroupSeconds / mean_seconds_) : max_;
  std::size_t n = static_cast<std::size_t>(std::clamp(fit, 1.0, static_cast<double>(max_)));
  // The tail: groups no bigger than each worker's share of what is left.
  const std::size_t share = queued / static_cast<std::size_t>(std::max(1, workers));
  return std::max<std::size_t>(1, std::min(n, share));
}

}  // namespace rowshift
