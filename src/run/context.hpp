// State shared by the pieces of a Runner: options, URLs, migrations, the coordinator's
// own connections and the one stop source that cancels everything.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <mutex>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "checkpoint/store.hpp"
#include "db/database.hpp"
#include "exec/channel.hpp"
#include "exec/circuit_breaker.hpp"
#include "rowshift/runner.hpp"
#include "run/endpoints.hpp"
#include "run/metrics.hpp"
#include "run/metrics_http.hpp"

namespace rowshift {

class RunJournalMode;

// ASCII lower case: how preflight finds a table's name in earlier schema steps' SQL.
inline std::string lower_ascii(std::string s) {
  for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return s;
}

// A table or column a migration needs is not there (yet).
class MissingObject : public Error {
 public:
  MissingObject(std::string object, std::vector<std::string> columns, const std::string& message)
      : Error(ErrorKind::config, message), object_(std::move(object)), columns_(std::move(columns)) {}
  const std::string& object() const { return object_; }
  // For a missing table: the columns the migration needs in it.
  const std::vector<std::string>& columns() const { return columns_; }

 private:
  std::string object_;
  std::vector<std::string> columns_;
};

// Runner::Impl is its endpoints (run/endpoints.hpp: URLs, connections, breakers, events)
// plus the run's state below; its work is spread by concern over runner.cpp (run, retry,
// reset), schema_step.cpp, preflight.cpp, batch_coordinator.cpp, verifier.cpp and
// runner_views.cpp (plan, status, rejects).
struct Runner::Impl : Endpoints {
  RunOptions opt;
  std::vector<MigrationDef> migrations;  // merged, in name order
  std::vector<std::string> skipped_files;  // entries of the migrations folder not loaded, "NAME (why)"
  std::stop_source stop;
  // Set once, by the first worker that found a SQLite file locked for the whole
  // --lock-timeout; the run then stops as if asked to (exit 75) and says why.
  std::mutex lock_timeout_mu;
  std::string lock_timeout_reason;
  const std::string owner = checkpoint::new_owner();  // claims of this runner
  RunJournalMode* journal = nullptr;  // while run() or retry() writes (run/target_journal.hpp)
  // Workers of the current migration that hold all their connections: the number of
  // batches in flight falls back to it when a server runs out of connection slots.
  std::atomic<int> connected_workers{0};


  explicit Impl(RunOptions options);

  // --metrics-file: the run's metrics, and when they were last written.
  RunMetrics metrics;
  std::unique_ptr<MetricsServer> metrics_server;  // --metrics-port
  std::chrono::steady_clock::time_point metrics_written{};
  // Writes the metrics file when one is asked for and `force` or a few seconds passed;
  // a failure is told once (on_event) and the run goes on.
  void write_metrics(bool force);
  bool metrics_failure_told = false;

  // How many workers run def's batches: opt.workers (or, 0, the default by rule,
  // run/worker_default.hpp), or 1 where more cannot help.
  int workers_for(const MigrationDef& def);
  std::string workers_told;  // the last default choice said, so that it is said once
  // What def's batches connect to: the target, the source unless it is the target, the
  // store unless it is the target.
  std::vector<db::DbUrl> endpoints_of(const MigrationDef& def);
  // wanted, or fewer: as many workers as the PostgreSQL servers they connect to have
  // slots for, leaving headroom (db/connection_slots.hpp); says so through on_event.
  int cap_to_connection_slots(const MigrationDef& def, int wanted);

  const MigrationDef& find(const std::string& name) const;
  std::vector<const MigrationDef*> select(const std::string& only) const;
  int batch_size_for(const MigrationDef& def) const;

  // Table and column checks that need no write. Throws MissingObject (an Error(config)).
  void check_tables(const MigrationDef& def, db::Database& source);
  // check_tables as `run` and `plan` both apply it before anything is written: a missing
  // table or column is accepted (false) only when an earlier pending schema step, whose
  // lower-cased SQL is in pending_schema_sql, mentions it. True: everything is there.
  bool preflight(const MigrationDef& def, db::Database& source, const std::string& pending_schema_sql);
  // For migrations preflight() could not check yet: runs the pending migrations' schema
  // steps in a transaction that is rolled back, checking each later migration against
  // what they leave (run/preflight.cpp). Throws config errors; writes nothing.
  void rehearse(const std::vector<const MigrationDef*>& pending);
  // Refuses a "?" in the user's SQL that a SQLite reader would take for a parameter.
  void refuse_sqlite_parameters(const MigrationDef& def, db::Database& reader);
  // Refuses a new migration whose definition equals that of a recorded migration that
  // is no longer defined (a renamed file would otherwise run twice).
  void check_renames(const std::vector<const MigrationDef*>& selected);
  // Refuses a migration whose stored checksum differs from its definition.
  void check_drift(const MigrationDef& def);

  MigrationReport run_one(const MigrationDef& def);
  // run_one(), re-entered after transient errors for up to max_outage.
  MigrationReport run_one_resilient(const MigrationDef& def);
  // fn(), called again after a transient error (a lost connection, a restarting server)
  // with backoff, for up to max_outage; nullopt when a stop was requested meanwhile.
  // Used for every piece of coordinator work that is safe to repeat.
  template <typename F>
  auto resilient(const std::string& what, F&& fn) -> std::optional<decltype(fn())> {
    const auto deadline = std::chrono::steady_clock::now() + opt.max_outage;
    for (int attempt = 1;; ++attempt) {
      try {
        return fn();
      } catch (const Error& e) {
        if (!wait_before_retry(what, e, attempt, deadline)) return std::nullopt;
      }
    }
  }
  // Rethrows e (called inside its catch) unless it is worth another attempt; then
  // sleeps the backoff: false when a stop was requested meanwhile.
  bool wait_before_retry(const std::string& what, const Error& e, int attempt,
                         std::chrono::steady_clock::time_point deadline);
  MigrationReport run_schema(const MigrationDef& def);
  MigrationReport run_batched(const MigrationDef& def);
  // Runs the pending batches of a planned migration on the worker pool.
  MigrationReport run_batches(const MigrationDef& def, const checkpoint::MigrationRecord& rec);
  VerifyReport verify(const MigrationDef& def);
  // `retry`: writes each quarantined row of def again; returns how many succeeded and
  // counts those still failing into report.rejects.
  std::int64_t replay_rejects(const MigrationDef& def, MigrationReport& report);
};

}  // namespace rowshift
