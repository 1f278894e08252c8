// One batch on a worker: its attempts (retries with backoff, excused outages behind the
// circuit breakers), its claim and done mark, quarantine of bad rows, and its outcome
// sent to the coordinator (run/batch_coordinator.cpp), which feeds batches and collects
// outcomes. Workers never print; each owns its connections (WorkerState).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <random>
#include <stop_token>
#include <string>
#include <vector>

#include "checkpoint/store.hpp"
#include "db/planner_sql.hpp"
#include "exec/channel.hpp"
#include "exec/circuit_breaker.hpp"
#include "exec/retry_policy.hpp"
#include "migrate/batch_executor.hpp"
#include "run/batch_claim.hpp"
#include "run/context.hpp"

namespace rowshift {

struct BatchOutcome {
  // no_slot: the worker could not connect, the server being out of connection slots
  // (or it is parked after that); the batch is unclaimed, for another worker.
  enum State { done, failed, cancelled, lost, no_slot } state = done;
  std::int64_t number = 0;
  std::int64_t rows = 0;
  std::int64_t rejects = 0;
  int retries = 0;
  bool fenced = false;  // lost: the target refused the writes of a claim taken over
  std::string error;
  std::chrono::steady_clock::time_point started{};  // when its worker took it
  double seconds = 0;   // the batch's wall time on its worker, retries included
  // The last outcome of its task (a task runs one batch, or a group: run_group).
  bool ends_task = true;
  bool split_from_group = false;  // run alone after its group's transaction failed
};


struct WorkerState {
  std::unique_ptr<db::Database> target, source, store;
  std::vector<exec::CircuitBreaker*> breakers;  // of the endpoints above
  bool connected = false;  // all its connections opened once (counted in connected_workers)
  // After a connection refused for lack of slots: until then, batches go to others.
  std::chrono::steady_clock::time_point parked_until{};
  std::mt19937_64 rng{std::random_device{}()};
  bool breaker_engaged() const {
    for (auto* b : breakers) {
      if (b->state() != exec::CircuitBreaker::State::closed) return true;
    }
    return false;
  }
  // How often this worker's breakers have opened, all told.
  int outages() const {
    int n = 0;
    for (auto* b : breakers) n += b->times_opened();
    return n;
  }
  // Pings every connection (through its breaker). False when one fails transiently.
  bool endpoints_answer() const {
    for (db::Database* db : {target.get(), source.get(), store.get()}) {
      if (!db) continue;
      try {
        db->query(db::kPing, {}, [](Values&) { return false; });
      } catch (const Error& e) {
        if (e.transient()) return false;
      }
    }
    return true;
  }
  migrate::Connections connections() const {
    migrate::Connections c;
    c.target = target.get();
    c.source = source ? source.get() : target.get();
    c.store = store ? store.get() : target.get();
    return c;
  }
};

class BatchTask {
 public:
  BatchTask(const MigrationDef& def, const RunOptions& opt, Runner::Impl& ctx, std::stop_token stop,
            std::atomic<bool>& halted, exec::Channel<BatchOutcome>& results);
  // ends_task: this batch's outcome is its task's last (false for a group's batches but
  // the last, which run_group runs here one by one after the group failed).
  void run(WorkerState& ws, const checkpoint::BatchRecord& batch, bool ends_task = true,
           bool split_from_group = false) const;
  // Group commit (store = target): the batches' claims, rows and done marks in one
  // transaction. When the group fails (any error), its batches are run one by one with
  // run(), each with its own attempts: a group is never retried as a group, and a bad
  // batch fails alone.
  void run_group(WorkerState& ws, const std::vector<checkpoint::BatchRecord>& group) const;

 private:
  // Bisects the batch; records each failing row with its error and data. Returns false
  // when the claim was lost meanwhile (then claim.state() says whether it was fenced).
  bool quarantine(const checkpoint::BatchRecord& batch, const migrate::Connections& c,
                  checkpoint::CheckpointStore& store, BatchClaim& claim, BatchOutcome& out) const;
  // The batch is not ours (another runner holds it, or the target fenced us off).
  void lost(const BatchClaim& claim, const checkpoint::BatchRecord& batch, BatchOutcome& out) const;
  // A "lease lost" event for the coordinator to print and log.
  void report_fenced(const checkpoint::BatchRecord& batch, std::int64_t epoch, BatchOutcome& out) const;
  // Opens the worker's connections, each behind its endpoint's breaker. The coordinator
  // has reached every endpoint already, so a failure here is an outage (transient).
  void open(WorkerState& ws) const;
  std::unique_ptr<db::Database> open_guarded(const db::DbUrl& url, WorkerState& ws) const;
  std::string context(const checkpoint::BatchRecord& b) const;
  // A SQLite file locked elsewhere past --lock-timeout: the run stops, resumable.
  void stop_for_lock(const Error& e) const;
  // Opens the worker's connections once (run's first attempt does the same).
  migrate::Connections connect(WorkerState& ws) const;
  void finish(BatchOutcome& out, BatchOutcome::State s) const;

  const MigrationDef& def_;
  const RunOptions& opt_;
  Runner::Impl& ctx_;
  std::stop_token stop_;
  std::atomic<bool>& halted_;  // --fail-fast: set by the first failure; queued batches must not start
  exec::Channel<BatchOutcome>& results_;
  exec::RetryPolicy policy_;
  std::string owner_;
};

}  // namespace rowshift
