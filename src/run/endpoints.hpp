// The databases one Runner talks to: the target, the checkpoint store (the target's own
// connection unless --store names another database) and each migration's source; one
// circuit breaker per endpoint, shared by all workers; and the events those breakers
// raise, which the coordinator reports and logs. Part of Runner::Impl (run/context.hpp).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "checkpoint/store.hpp"
#include "db/database.hpp"
#include "exec/channel.hpp"
#include "exec/circuit_breaker.hpp"
#include "rowshift/migration.hpp"
#include "rowshift/runner.hpp"

namespace rowshift {

struct Endpoints {
  // Keeps what it needs of the options; connects nothing yet (connect() does).
  explicit Endpoints(const RunOptions& opt);

  db::DbUrl target_url, store_url;
  bool store_is_target = true;
  std::unique_ptr<db::Database> target;      // the coordinator's connection
  std::unique_ptr<db::Database> store_conn;  // only when the store is elsewhere

  // One circuit breaker per database endpoint (URL identity), shared by all workers.
  // Created by the coordinator before workers start; workers only look them up.
  std::map<std::string, std::unique_ptr<exec::CircuitBreaker>> breakers;
  // Breaker transitions, pushed by workers, drained by the coordinator.
  exec::Channel<checkpoint::EventRecord> events;
  std::vector<checkpoint::EventRecord> unsaved_events;  // coordinator only

  // Parses both URLs and opens the coordinator's connections to them.
  void connect(const std::string& db_url, const std::string& store_url_text);

  // url with --lock-timeout as its busy timeout (SQLite URLs that set none).
  db::DbUrl with_lock_timeout(db::DbUrl url) const;
  // The source database's URL for a migration (the target's when it names none).
  db::DbUrl source_url(const MigrationDef& def) const;
  bool source_is_target(const MigrationDef& def) const;
  // A new connection to the migration's source (read-only for a SQLite file elsewhere).
  std::unique_ptr<db::Database> open_source(const MigrationDef& def) const;

  // The breaker of url's endpoint (created on first use by the coordinator).
  exec::CircuitBreaker& breaker_for(const db::DbUrl& url);
  // Reports pending events (on_event, on_run_event) and writes them to the event log
  // when it can.
  void flush_events(const std::string& migration);
  // Tells the caller of one event: `text` to on_event (when not empty), the record to
  // on_run_event. Coordinator thread only.
  void emit(RunEvent event, const std::string& text = {}) const;
  // "target open 12s (probe in 18s)"; empty while all breakers are closed.
  std::string breaker_summary() const;
  bool outage_exceeded() const;

  db::Database& store_db() { return store_is_target ? *target : *store_conn; }
  checkpoint::CheckpointStore store() { return checkpoint::CheckpointStore(store_db()); }
  bool store_exists() { return store().exists(); }

 private:
  std::chrono::milliseconds lock_timeout_;
  exec::CircuitBreaker::Options breaker_options_;
  std::function<void(const std::string& event)> on_event_;
  std::function<void(const RunEvent& event)> on_run_event_;
};

}  // namespace rowshift
