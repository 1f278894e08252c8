// rowshift/runner.hpp — running migrations from a program, without the CLI.
//
// Example:
//   rowshift::RunOptions opt;
//   opt.db_url = "sqlite:app.db";
//   opt.migrations_dir = "migrations";
//   rowshift::Runner runner(opt);
//   rowshift::RunReport report = runner.run();
//   if (report.exit_code() != rowshift::ExitCode::success) { ... }
//
// Errors: the constructor and every method throw rowshift::Error; kind config means the
// input was wrong and nothing was written. Failed batches are not exceptions: they are
// counted in the report. A Runner is used from one thread; request_stop() may be called
// from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rowshift/error.hpp"
#include "rowshift/migration.hpp"

namespace rowshift {

// What RunOptions::on_progress receives about the migration whose batches are running.
struct Progress {
  std::string migration;
  std::int64_t batches_total = 0;
  std::int64_t batches_done = 0;     // including those done by earlier runs
  std::int64_t batches_failed = 0;
  std::int64_t rows_done = 0;        // rows written by this run
  std::int64_t rows_before = 0;      // rows written by earlier runs
  // Progress is measured in source rows (a 1:N transform writes N rows per source row):
  std::int64_t rows_estimated = 0;     // source rows the plan counted
  std::int64_t source_rows_done = 0;   // source rows of the finished batches, earlier runs included
  std::int64_t source_rows_before = 0; // of those, finished by earlier runs
  double seconds = 0;                // since this run of the migration started
  std::int64_t retries = 0;
  std::string breaker;               // "" while every circuit breaker is closed
  bool finished = false;
};

// One thing that happened during a run, for logs (`--log-format json`) and tools. The
// set of `event` names: "breaker open", "breaker half-open", "breaker closed" (an
// endpoint's circuit breaker), "lease lost" (the target refused a taken-over claim's
// writes), "batch retried" (a batch needed more than one attempt), "batch failed",
// "migration done", "migration failed", "migration interrupted", "retrying" (coordinator
// work after a transient error), "workers capped" (connection slots), "sequence advanced".
struct RunEvent {
  std::string at;          // UTC, microseconds: 2026-12-02T05:14:07.123456Z
  std::string event;
  std::string migration;   // empty when not about one migration
  std::string endpoint;    // "target postgresql://app:***@db/shop", or empty
  std::int64_t batch = 0;  // 0 when not about one batch
  int attempts = 0;        // batch events: the retries it took
  std::string detail;
};

// Everything a Runner is told; the CLI fills it from flags, environment and config file.
struct RunOptions {
  std::string db_url;          // target database; the migrations apply to it
  std::string store_url;       // checkpoint store; empty = the target database
  std::string migrations_dir;  // SQL-file migrations; empty = none
  bool include_registered = true;            // also run migrations registered in C++
  std::vector<MigrationDef> migrations;      // extra migrations (tests, embedding tools)

  // 0: chosen by rule and said (one per core, at least 2, when the PostgreSQL servers are
  // on this host; else 2 per core, 4 to 16). A SQLite target with one-statement batches uses 1.
  int workers = 0;
  std::optional<int> batch_size;             // default 1000; a migration may override
  // When the checkpoint store is the target, a batch's rows and its done mark commit in
  // one transaction, and by default that commit does not wait for the server's disk
  // (PostgreSQL synchronous_commit = off): a server crash loses the last batches whole,
  // with their marks, and the run (or the next) does them again. The run's own end
  // (the migration marked done, sequences) always commits synchronously. True: every
  // batch commit waits, as with the store elsewhere (which always does).
  bool synchronous_batches = false;
  // Group commit, when the checkpoint store is the target: a worker may write up to this
  // many consecutive batches in one transaction (their claims, rows and done marks
  // together; each batch keeps its own mark and row count). Groups grow only while
  // batches are fast (a group aims at about 0.2 s), never under --max-rate, and a group
  // that fails is split, its batches retried one by one. 1: one transaction per batch.
  int batches_per_commit = 16;
  int max_attempts = 3;
  std::chrono::milliseconds backoff_base{100};
  std::chrono::milliseconds backoff_cap{5000};
  bool fail_fast = false;
  // --on-bad-row=quarantine: a batch failing with a row-level permanent error is bisected;
  // the failing rows go to rowshift_rejects, the rest commit. More than max_rejects
  // rejected rows in a migration stop the run (batches failed).
  bool quarantine_bad_rows = false;
  std::int64_t max_rejects = 1000;
  double max_rows_per_second = 0;            // 0 = unthrottled; this runner's writes only
  // A claimed batch stays this runner's for `lease` after its last heartbeat (the
  // coordinator renews its claims every lease/3, at most every 10 s); a runner silent
  // for longer (paused, frozen, cut off) is taken over, and the target refuses its
  // writes when it wakes (fencing, docs/architecture.md).
  std::chrono::seconds lease{120};
  // How long a statement waits for a SQLite file that another process holds locked
  // (its busy timeout; a URL's ?timeout=MS wins). Past it the run stops, resumable
  // (exit code interrupted), naming the file, instead of retrying for max_outage.
  std::chrono::milliseconds lock_timeout{30000};

  // Circuit breaker, one per database endpoint: opens after this many consecutive
  // transient failures, lets one probe through after the cool-down; an outage longer
  // than max_outage stops the run (exit code interrupted, resumable).
  int breaker_threshold = 5;
  std::chrono::milliseconds breaker_cooldown{30000};
  std::chrono::milliseconds max_outage{600000};

  // Called on the calling thread about ten times a second while batches run.
  std::function<void(const Progress&)> on_progress;
  // Polled on the calling thread; returning true stops the run gracefully (signals).
  std::function<bool()> should_stop;
  // Events for people (breaker opened/closed, outage), on the calling thread. They are
  // also written to the store's event log (rowshift_events) when it can be reached.
  std::function<void(const std::string& event)> on_event;
  // Prometheus text exposition of the run (run/metrics.hpp), written atomically every
  // few seconds and at the end; empty: none.
  std::string metrics_file;
  // The same metrics served at http://metrics_bind:metrics_port/metrics while the Runner
  // lives; -1: none, 0: any free port (told through on_event / on_run_event
  // "metrics served"). Only 127.0.0.1 by default: the metrics name databases.
  int metrics_port = -1;
  std::string metrics_bind = "127.0.0.1";
  // The same events and more (every RunEvent above), as records; on the calling thread.
  std::function<void(const RunEvent& event)> on_run_event;
};

// What one run did to one migration (Runner::run, retry).
struct MigrationReport {
  std::string name;
  MigrationKind kind = MigrationKind::schema;
  std::string state;  // done | failed | interrupted | incomplete (another runner holds batches)
  std::int64_t batches_total = 0, batches_done = 0, batches_failed = 0;
  std::int64_t rows = 0;    // rows written by this run
  std::int64_t rejects = 0; // rows quarantined by this run
  std::int64_t replayed = 0;  // `retry`: quarantined rows written now
  double seconds = 0;
  std::vector<std::string> errors;  // one line per failed batch
};

// What Runner::run or retry did: one MigrationReport per migration it got to.
struct RunReport {
  std::vector<MigrationReport> migrations;
  bool interrupted = false;
  std::string stop_reason;  // why an interrupted run stopped (signal, outage)
  ExitCode exit_code() const;
};

// One migration as Runner::plan shows it.
struct PlanEntry {
  std::string name;
  MigrationKind kind = MigrationKind::schema;
  std::string state;        // pending | running | done | failed
  std::string description;  // e.g. "orders -> orders_v2 by (id)"
  std::int64_t batches = 0; // planned (stored) or would-be batch count
  std::int64_t rows = 0;
  std::string key_min, key_max;
};

// A failed batch as Runner::status shows it: its range, attempts and last error.
struct BatchError {
  std::int64_t batch = 0;
  std::string range;
  int attempts = 0;
  std::string error;
};

// One migration as Runner::status shows it, from the checkpoint store.
struct MigrationStatus {
  std::string name;
  MigrationKind kind = MigrationKind::schema;
  std::string state;  // pending | running | done | failed | changed
  std::int64_t batches_total = 0, batches_done = 0, batches_failed = 0, batches_running = 0;
  std::int64_t rows = 0;
  std::int64_t rejects = 0; // rows in quarantine (rowshift rejects NAME)
  double seconds = 0;       // time spent in batches
  double rows_per_second = 0;
  std::string started_at, finished_at;
  std::vector<BatchError> errors;  // failed batches (at most 20)
  struct Event {
    std::string at, endpoint, event, detail;
  };
  std::vector<Event> events;       // newest first (at most 10)
  std::string breaker;             // last breaker state logged: closed | open | half-open
  // Who works on it: the runners registered for it, and the batches claimed and not
  // finished (with --store elsewhere; into the same database a claim is never committed
  // until its batch is done). Times are UTC ISO 8601, lease ends seconds since 1970.
  struct Runner {
    std::string owner, started_at, heartbeat_at;  // owner: host:pid:n
    std::int64_t lease_until = 0;
  };
  std::vector<Runner> runners;
  struct Hold {
    std::int64_t batch = 0;
    std::string owner, claimed_at, heartbeat_at;
    std::int64_t lease_until = 0;
  };
  std::vector<Hold> holds;  // oldest claim first (at most 20)
  std::int64_t now = 0;     // when status was read, seconds since 1970 (for ages)
};

// A row in quarantine (Runner::rejects): its key, batch, error and source row as JSON.
struct RejectedRow {
  std::string key;       // for people: 42 or ('eu', 7)
  std::int64_t batch = 0;
  std::string error;
  std::string row_json;  // the source row
  std::string at;
};

// One key range where verify found source and target different.
struct RangeMismatch {
  std::int64_t batch = 0;  // 0: not one batch's range (rows with a NULL key, rows no source row made)
  std::string range;
  std::int64_t source_rows = 0;  // rows the source produces for the range
  std::int64_t target_rows = 0;  // target rows found with their keys
  std::string detail;            // the first differing row: its key, and the column that differs
};

// What Runner::verify found; ok() when source and target agree.
struct VerifyReport {
  std::string name;
  std::int64_t ranges = 0;
  std::int64_t source_rows = 0;  // rows the source produces (with the column expressions or the transform)
  std::int64_t target_rows = 0;  // rows in the target table
  std::string source_checksum, target_checksum;
  // How rows were compared: ranges in the source's own key order, target rows found by
  // key equality, so the target's collation orders nothing.
  std::string order;
  std::vector<RangeMismatch> mismatches;
  bool ok() const { return mismatches.empty() && source_checksum == target_checksum; }
};

// Runs migrations against one target database; see docs/api.md. One Runner per
// thread; request_stop() may be called from anywhere.
class Runner {
 public:
  explicit Runner(RunOptions options);
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // Migrations in order, with what `run` would do; writes nothing.
  std::vector<PlanEntry> plan(const std::string& only = {});
  // Runs pending migrations in name order (only `only` when given), resuming any
  // that an earlier run left unfinished.
  RunReport run(const std::string& only = {});
  std::vector<MigrationStatus> status(const std::string& only = {});
  // Compares source and target per planned key range (copy and transform migrations).
  VerifyReport verify(const std::string& name);
  // Puts the failed batches of `name` back to pending and runs it, then writes its
  // quarantined rows again (those that still fail stay in quarantine).
  RunReport retry(const std::string& name);
  // The rows of `name` in quarantine.
  std::vector<RejectedRow> rejects(const std::string& name);
  // Forgets all progress of `name` (its checkpoint rows); the target data stays.
  void reset(const std::string& name);
  // Records `name`, a migration that has not run, as done without running it: for a
  // step applied by hand (Flyway's baseline, golang-migrate's force). Refused (config)
  // for a migration that is done already or has a stored plan (reset it first).
  void mark_done(const std::string& name);
  // Stops a run gracefully: no new batch is claimed, running ones finish. Thread-safe.
  void request_stop();
  // The entries of the migrations folder that are not migrations, "NAME (why)": a file
  // named .SQL or .txt, a folder, a dangling link, a hidden file. `plan` lists them.
  const std::vector<std::string>& skipped_files() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace rowshift
