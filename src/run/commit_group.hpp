// Group commit: how many batches a worker's next task writes in one transaction.
//
// When the checkpoint store is the target, a batch's claim, rows and done mark are one
// transaction; several fast batches can share one (run/batch_task.hpp run_group) and pay
// once for what each transaction costs the server: the COPY statement's setup (PostgreSQL
// 15 builds its multi-insert buffers per statement), the commit, the round trips. Each
// batch keeps its own done mark, so a crash still loses nothing a resume does not redo.
//
// Groups are sized from how long batches take: as many as fit in about kGroupSeconds, at
// most the configured maximum. They stay single while nothing has been measured, under
// --max-rate (the throttle paces batches), near the end of the queue (every worker keeps
// a share of the last batches), for a while after a batch failed or needed a retry, and
// for the rest of the run once a few groups have failed.
#pragma once

#include <cstddef>

namespace rowshift {

class CommitGroup {
 public:
  static constexpr double kGroupSeconds = 0.2;
  // A group stops taking batches once their rows hold this much memory (wide rows), so
  // that memory stays bounded by workers x (batch + this).
  static constexpr std::size_t kMaxGroupBytes = std::size_t{16} << 20;

  // max_batches 1, or allowed false: every task is one batch.
  CommitGroup(int max_batches, bool allowed) : max_(allowed ? max_batches : 1) {}

  // A batch finished: its time on the worker (its share of its group's), and whether it
  // went cleanly (done at the first attempt, no row quarantined).
  void observe(double seconds, bool clean);
  // A group's transaction failed and its batches were run alone. After kMaxFailedGroups
  // of those in a run, groups are not formed again in it: whatever failed them (bad
  // batches, or a database that refuses what a group does) costs each group a rollback.
  static constexpr int kMaxFailedGroups = 3;
  // True when this failure turned grouping off.
  bool group_failed();
  // The size of the next task, with `queued` batches still to offer to `workers`.
  std::size_t next(std::size_t queued, int workers) const;

 private:
  int max_;
  double mean_seconds_ = 0;  // moving average of clean batches' times (recent ones weigh most)
  bool measured_ = false;
  int cooldown_ = 0;         // clean batches still to see before groups form again
  int failed_groups_ = 0;
};

}  // namespace rowshift
