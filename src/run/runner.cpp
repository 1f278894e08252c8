// Runner: the public entry point; run, retry, reset and verify (the read-only views,
// plan, status and rejects, are in runner_views.cpp).
#include <algorithm>
#include <cstdio>
#include <random>

#include "checkpoint/fence.hpp"
#include "db/interrupt.hpp"
#include "db/sql_lexer.hpp"
#include "db/sqlite_database.hpp"
#include "exec/retry_policy.hpp"
#include "migrate/batch_executor.hpp"
#include "migrate/loader.hpp"
#include "plan/planner.hpp"
#include "run/context.hpp"
#include "run/target_journal.hpp"

namespace rowshift {

ExitCode RunReport::exit_code() const {
  if (interrupted) return ExitCode::interrupted;
  bool rejected = false;
  for (const auto& m : migrations) {
    // Another runner still holds batches of it: not finished, and resumable.
    if (m.state == "incomplete") return ExitCode::interrupted;
    if (m.batches_failed > 0 || m.state == "failed") return ExitCode::batches_failed;
    rejected = rejected || m.rejects > 0;
  }
  return rejected ? ExitCode::rows_rejected : ExitCode::success;
}

Runner::Impl::Impl(RunOptions options) : Endpoints(options), opt(std::move(options)) {
  if (opt.workers < 0) throw Error(ErrorKind::config, "--workers must be at least 1 (or 0: the default by rule)");
  if (opt.workers > 256) throw Error(ErrorKind::config, "--workers must be at most 256");
  if (opt.batch_size && *opt.batch_size <= 0)
    throw Error(ErrorKind::config, "--batch-size must be a positive number of rows");
  if (opt.batches_per_commit < 1 || opt.batches_per_commit > 64)
    throw Error(ErrorKind::config, "--batches-per-commit must be between 1 and 64");
  if (opt.max_attempts <= 0) throw Error(ErrorKind::config, "--max-attempts must be at least 1");
  if (opt.max_rows_per_second < 0) throw Error(ErrorKind::config, "--max-rate must not be negative");

  std::vector<MigrationDef> all = opt.migrations;
  if (!opt.migrations_dir.empty()) {
    auto files = migrate::load_migration_dir(opt.migrations_dir, &skipped_files);
    all.insert(all.end(), files.begin(), files.end());
  }
  if (opt.include_registered) {
    const auto& reg = registered_migrations();
    all.insert(all.end(), reg.begin(), reg.end());
  }
  migrations = migrate::merge_migrations(std::move(all));

  target_url = with_lock_timeout(db::parse_url(opt.db_url));  // a bad URL fails first
  for (const auto& m : migrations) {
    if (!m.source_db.empty()) db::parse_url_reference(m.source_db);  // a bad URL fails before any work
  }
  connect(opt.db_url, opt.store_url);
  if (store_exists()) store().check_version();
  if (opt.metrics_port >= 0) {
    metrics_server = std::make_unique<MetricsServer>(metrics, opt.metrics_bind, opt.metrics_port);
    const std::string where = "http://" + opt.metrics_bind + ":" + std::to_string(metrics_server->port()) + "/metrics";
    emit({{}, "metrics served", {}, {}, 0, 0, where}, "metrics at " + where);
  }
}

const MigrationDef& Runner::Impl::find(const std::string& name) const {
  for (const auto& m : migrations) {
    if (m.name == name) return m;
  }
  throw Error(ErrorKind::config, "no migration named '" + name + "'");
}

std::vector<const MigrationDef*> Runner::Impl::select(const std::string& only) const {
  std::vector<const MigrationDef*> out;
  if (!only.empty()) {
    out.push_back(&find(only));
    return out;
  }
  for (const auto& m : migrations) out.push_back(&m);
  return out;
}

int Runner::Impl::batch_size_for(const MigrationDef& def) const {
  if (def.batch_size) return *def.batch_size;
  return opt.batch_size.value_or(1000);
}

void Runner::Impl::check_drift(const MigrationDef& def) {
  if (!store_exists()) return;
  auto rec = store().migration(def.name);
  if (rec && rec->checksum != def.checksum()) {
    throw Error(ErrorKind::config, "migration " + def.name + " changed after it started (checksum " + rec->checksum +
                                       " stored, " + def.checksum() + " now); undo the edit, or run `rowshift reset " +
                                       def.name + " --yes` to start it over");
  }
}

void Runner::Impl::check_renames(const std::vector<const MigrationDef*>& selected) {
  if (!store_exists()) return;
  auto records = store().migrations();
  for (const auto* def : selected) {
    bool known = false;
    for (const auto& r : records) known = known || r.name == def->name;
    if (known) continue;
    for (const auto& r : records) {
      bool still_defined = false;
      for (const auto& m : migrations) still_defined = still_defined || m.name == r.name;
      if (!still_defined && r.checksum == def->checksum()) {
        throw Error(ErrorKind::config, "migration " + def->name + " has the same definition as " + r.name +
                                           ", which already ran and is no longer defined: was it renamed? Give it its "
                                           "old name back, or `rowshift reset " +
                                           r.name + " --yes` to run it anew");
      }
    }
  }
}

Runner::Runner(RunOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Runner::~Runner() = default;

void Runner::request_stop() { impl_->stop.request_stop(); }

const std::vector<std::string>& Runner::skipped_files() const { return impl_->skipped_files; }

RunReport Runner::run(const std::string& only) {
  auto& I = *impl_;
  auto selected = I.select(only);
  if (I.target->read_only()) {
    throw Error(ErrorKind::config, "database " + I.target_url.redacted() + " is read-only; migrations write to it");
  }
  for (const auto* url : {&I.target_url, &I.store_url}) {
    if (url->scheme != db::Scheme::sqlite) continue;
    if (auto why = db::sqlite_unwritable_reason(*url); !why.empty()) {
      throw Error(ErrorKind::config, "database " + url->redacted() + " cannot be written: " + why);
    }
  }
  I.check_renames(selected);
  if (!I.store_is_target && I.store_db().read_only()) {
    throw Error(ErrorKind::config, "checkpoint store " + I.store_url.redacted() + " is read-only; runs record progress in it");
  }
  // Preflight: catch what can be caught before anything is written. A table or column
  // that is missing now, and that an earlier pending schema step mentions, is checked
  // in a rehearsal of those steps (rolled back); every other check runs on the spot.
  std::vector<const MigrationDef*> pending;
  // Read-only, so repeated after a lost connection as the migrations' own work is.
  auto checked = I.resilient("preflight", [&] {
    std::string pending_schema_sql;
    pending.clear();
    bool needs_rehearsal = false;
    for (const auto* def : selected) {
      I.check_drift(*def);
      bool done = I.store_exists() && [&] {
        auto rec = I.store().migration(def->name);
        return rec && rec->status == checkpoint::MigrationStatus::done;
      }();
      if (done) continue;
      pending.push_back(def);
      if (def->kind == MigrationKind::schema) {
        pending_schema_sql += lower_ascii(def->sql) + "\n";
        continue;
      }
      auto source = I.open_source(*def);
      if (!I.preflight(*def, *source, pending_schema_sql)) needs_rehearsal = true;
    }
    if (needs_rehearsal) I.rehearse(pending);
    return true;
  });
  if (!checked) {
    RunReport stopped;
    stopped.interrupted = true;
    stopped.stop_reason = "stop requested (signal)";
    return stopped;
  }
  RunReport report;
  RunJournalMode journal(I);
  std::vector<std::string> applied;  // migrations this run committed, for a later error
  for (const auto* def : selected) {
    if (I.stop.stop_requested() || (I.opt.should_stop && I.opt.should_stop())) {
      report.interrupted = true;
      break;
    }
    const bool was_pending = std::find(pending.begin(), pending.end(), def) != pending.end();
    MigrationReport r = [&] {
      try {
        return I.run_one_resilient(*def);
      } catch (const Error& e) {
        if (e.kind() != ErrorKind::config || applied.empty()) throw;
        // Exit 3 promises that nothing was written: not true any more.
        std::string names;
        for (const auto& n : applied) names += (names.empty() ? "" : ", ") + n;
        throw Error(ErrorKind::partly_applied,
                    std::string(e.what()) + "; " + std::to_string(applied.size()) +
                        (applied.size() == 1 ? " migration was" : " migrations were") +
                        " applied before this error (" + names + "): fix the cause and run again, they are not run twice");
      }
    }();
    report.migrations.push_back(r);
    if (was_pending || r.kind != MigrationKind::schema) {
      char detail[160];
      std::snprintf(detail, sizeof detail, "%lld/%lld batches done, %lld failed, %lld rows in %.3fs",
                    static_cast<long long>(r.batches_done), static_cast<long long>(r.batches_total),
                    static_cast<long long>(r.batches_failed), static_cast<long long>(r.rows), r.seconds);
      I.emit({{}, "migration " + r.state, def->name, {}, 0, 0, detail});
    }
    if (r.state == "done" && was_pending) applied.push_back(def->name);
    if (r.state == "interrupted") {
      report.interrupted = true;
      std::string locked;
      {
        std::lock_guard<std::mutex> guard(I.lock_timeout_mu);
        locked = I.lock_timeout_reason;
      }
      report.stop_reason = !locked.empty()      ? locked
                           : I.outage_exceeded() ? "a database stayed unreachable longer than --max-outage"
                                                 : "stop requested (signal)";
      break;
    }
    if (r.state != "done") break;  // later migrations may depend on this one's data
  }
  I.metrics.finished();
  I.write_metrics(true);
  return report;
}

MigrationReport Runner::Impl::run_one_resilient(const MigrationDef& def) {
  // The coordinator's own work (setup, planning, schema steps, bookkeeping) meets the
  // same busy or restarting databases as the workers. run_one() is safe to repeat — a
  // recorded step is skipped, a stored plan reused, finished batches skipped.
  std::optional<MigrationReport> r = resilient(def.name, [&] { return run_one(def); });
  if (r) return *r;
  MigrationReport stopped;
  stopped.name = def.name;
  stopped.kind = def.kind;
  stopped.state = "interrupted";
  return stopped;
}

bool Runner::Impl::wait_before_retry(const std::string& what, const Error& e, int attempt,
                                     std::chrono::steady_clock::time_point deadline) {
  if (e.limit() == ErrorLimit::lock_wait) {
    // Another process holds the file: waiting again is the next run's business.
    throw Error(ErrorKind::cancelled, e.what());
  }
  if (e.limit() == ErrorLimit::statement_timeout && attempt >= opt.max_attempts) {
    throw Error(ErrorKind::config, what + ": " + e.what());
  }
  if (!e.transient() || std::chrono::steady_clock::now() >= deadline) throw;
  emit({{}, "retrying", {}, {}, 0, attempt, what + " after: " + e.what()}, "retrying " + what + " after: " + e.what());
  if (opt.should_stop && opt.should_stop()) stop.request_stop();
  static thread_local std::mt19937_64 rng(std::random_device{}());
  exec::RetryPolicy backoff(1000000, opt.backoff_base, opt.backoff_cap);
  // No reconnecting here: a PostgreSQL connection found dead reconnects on its next use.
  return exec::sleep_for(backoff.delay(std::min(attempt, 8), rng), stop.get_token());
}

MigrationReport Runner::Impl::run_one(const MigrationDef& def) {
  check_drift(def);
  if (store_exists()) {
    auto rec = store().migration(def.name);
    if (rec && rec->status == checkpoint::MigrationStatus::done) {
      MigrationReport r;
      r.name = def.name;
      r.kind = def.kind;
      r.state = "done";
      r.batches_total = r.batches_done = rec->total_batches;
      return r;
    }
  }
  return def.kind == MigrationKind::schema ? run_schema(def) : run_batched(def);
}

MigrationReport Runner::Impl::run_batched(const MigrationDef& def) {
  if (store_exists()) store().ensure_schema();  // a store of an older rowshift is upgraded in place
  auto source = open_source(def);
  check_tables(def, *source);
  std::optional<checkpoint::MigrationRecord> rec;
  if (store_exists()) rec = store().migration(def.name);
  if (!rec) {
    // Plan before writing anything: a bad key (NULLs) must leave the database as it was.
    db::Database& keys = def.kind == MigrationKind::update ? *target : *source;
    auto p = [&] {
      db::Interruptible cancellable(keys);  // nothing is stored yet: a stop leaves no trace
      return plan::plan_batches(keys, {def.source_table, def.key, def.where, batch_size_for(def)});
    }();
    checkpoint::MigrationRecord fresh;
    fresh.name = def.name;
    fresh.kind = to_string(def.kind);
    fresh.checksum = def.checksum();
    fresh.status = checkpoint::MigrationStatus::running;
    fresh.batch_size = batch_size_for(def);
    fresh.planned_rows = p.rows;
    db::Transaction tx(store_db());
    store_db().lock_setup();  // a runner started at the same time stores one plan, not two
    store().ensure_schema_in_transaction();
    bool stored = false;
    if (!store().migration(def.name)) {
      store().record_start(fresh, p.batches);
      stored = true;
    }
    tx.commit();
    // A new plan raises the target's fence floor: writes of claims from an earlier plan
    // (one that was reset while its runner was paused) are refused on every batch.
    if (stored && !store_is_target) {
      checkpoint::Fence fence(*target);
      fence.ensure();
      fence.raise_floor(def.name, checkpoint::new_epoch_floor());
    }
    rec = store().migration(def.name);
  }
  if (!store_is_target) checkpoint::Fence(*target).ensure();
  store().release_dead(def.name, owner);
  return run_batches(def, *rec);
}

RunReport Runner::retry(const std::string& name) {
  auto& I = *impl_;
  const auto& def = I.find(name);
  if (!I.store_exists() || !I.store().migration(name)) {
    throw Error(ErrorKind::config, "migration " + name + " has not run yet; use `rowshift run " + name + "`");
  }
  I.check_drift(def);
  I.store().batches(name, checkpoint::BatchStatus::failed);  // a corrupted row is found before anything changes
  I.store().rejects(name);
  I.store().retry_failed(name);
  RunReport report;
  RunJournalMode journal(I);
  auto r = I.run_one_resilient(def);
  if (r.state == "done") {
    r.replayed = I.replay_rejects(def, r);
    // Rows that this retry's batches quarantined were replayed (and failed) again as
    // well: the rows in quarantine now are the count, not the sum of both passes.
    r.rejects = I.store().reject_count(def.name);
  }
  report.interrupted = r.state == "interrupted";
  report.migrations.push_back(std::move(r));
  I.metrics.finished();
  I.write_metrics(true);
  return report;
}

void Runner::reset(const std::string& name) {
  auto& I = *impl_;
  bool defined = false;
  for (const auto& m : I.migrations) defined = defined || m.name == name;
  // A migration no longer defined (renamed, deleted) can still be forgotten.
  if (!defined && !(I.store_exists() && I.store().migration(name))) I.find(name);
  if (!I.store_exists()) throw Error(ErrorKind::config, "migration " + name + " has no progress to reset");
  I.store().check_version();
  db::Transaction tx(I.store_db());
  // A runner that holds the migration would go on writing batches the store no longer
  // knows. Asked inside the transaction, so a runner registering now waits for it.
  auto holders = I.store().live_runners(name, I.owner);
  if (!holders.empty()) {
    const auto& h = holders.front();
    throw Error(ErrorKind::config, "migration " + name + " is being run by " + h.owner + " (last heartbeat " +
                                       h.heartbeat_at + "); stop that run first (SIGINT or SIGTERM), then reset");
  }
  bool had = I.store().reset(name);
  tx.commit();
  if (!had) throw Error(ErrorKind::config, "migration " + name + " has no progress to reset");
}

void Runner::mark_done(const std::string& name) {
  auto& I = *impl_;
  const MigrationDef& def = I.find(name);
  I.store().ensure_schema();
  db::Transaction tx(I.store_db());
  I.store_db().lock_setup();  // against a runner that is applying it right now
  if (auto rec = I.store().migration(name)) {
    if (rec->status == checkpoint::MigrationStatus::done) {
      throw Error(ErrorKind::config, "migration " + name + " is done already");
    }
    throw Error(ErrorKind::config, "migration " + name + " has a stored plan (" + std::to_string(rec->total_batches) +
                                       " batches, " + checkpoint::to_string(rec->status) +
                                       "): let it finish, or `reset` it first");
  }
  checkpoint::MigrationRecord rec;
  rec.name = def.name;
  rec.kind = to_string(def.kind);
  rec.checksum = def.checksum();
  rec.status = checkpoint::MigrationStatus::done;
  I.store().record_start(rec, {});
  I.store().set_status(def.name, checkpoint::MigrationStatus::done);  // stamps finished_at
  I.store().add_event(def.name, "store " + I.store_url.redacted(), "marked done",
                      "recorded as done by hand (mark-done); it was not run");
  tx.commit();
}

std::int64_t Runner::Impl::replay_rejects(const MigrationDef& def, MigrationReport& report) {
  // Each quarantined row again, alone: written and forgotten, or kept with its new error.
  std::int64_t replayed = 0;
  auto source = source_is_target(def) ? nullptr : open_source(def);
  migrate::Connections c;
  c.target = target.get();
  c.source = source ? source.get() : target.get();
  c.store = &store_db();
  for (const auto& r : store().rejects(def.name)) {
    try {
      db::Transaction tx(*target);
      migrate::write_range(def, r.range, c);
      if (store_is_target) store().remove_reject(def.name, r.key);
      tx.commit();
      if (!store_is_target) store().remove_reject(def.name, r.key);
      ++replayed;
    } catch (const Error& e) {
      if (e.transient()) throw;
      store().update_reject(def.name, r.key, e.what());
      ++report.rejects;
    }
  }
  return replayed;
}

VerifyReport Runner::verify(const std::string& name) {
  auto& I = *impl_;
  const auto& def = I.find(name);
  // verify only reads: after a lost connection it starts over, for as long as an
  // outage may last, as a run's coordinator does.
  auto r = I.resilient("verify " + name, [&] { return I.verify(def); });
  if (!r) throw Error(ErrorKind::cancelled, "verify " + name + ": stop requested (signal)");
  return *r;
}

}  // namespace rowshift
