// Runner's read-only verbs: plan, status and rejects. They read the definitions, the
// source and the checkpoint store, and write nothing (plan does not even create the store).
#include <chrono>

#include "keys/key_codec.hpp"
#include "db/interrupt.hpp"
#include "db/sql.hpp"
#include "plan/planner.hpp"
#include "run/context.hpp"

namespace rowshift {

std::vector<PlanEntry> Runner::plan(const std::string& only) {
  auto& I = *impl_;
  std::vector<PlanEntry> out;
  bool have_store = I.store_exists();
  std::string pending_schema_sql;  // of the steps before this one that have not run
  for (const auto* def : I.select(only)) {
    PlanEntry e;
    e.name = def->name;
    e.kind = def->kind;
    e.state = "pending";
    std::optional<checkpoint::MigrationRecord> rec;
    if (have_store) rec = I.store().migration(def->name);
    if (def->kind == MigrationKind::schema && !(rec && rec->status == checkpoint::MigrationStatus::done)) {
      pending_schema_sql += lower_ascii(def->sql) + "\n";
    }
    if (rec) {
      e.state = rec->checksum != def->checksum() ? "changed" : checkpoint::to_string(rec->status);
      e.batches = rec->total_batches;
      e.rows = rec->planned_rows;
    }
    switch (def->kind) {
      case MigrationKind::schema:
        e.description = "schema step, run once";
        break;
      case MigrationKind::update:
        e.description =
            "update " + db::quote_ident(def->source_table) + " per range of (" + db::quote_list(def->key) + ")";
        break;
      default:
        e.description = db::quote_ident(def->source_table) + " -> " + db::quote_ident(def->target_table) +
                        (I.source_is_target(*def) ? "" : " from " + I.source_url(*def).redacted());
    }
    if (def->kind != MigrationKind::schema && !rec) {
      auto source = I.open_source(*def);
      db::Database& db = def->kind == MigrationKind::update ? *I.target : *source;
      if (db.table_exists(def->source_table)) {
        // The checks `run` makes before writing, so that plan accepts what run accepts
        // and refuses what it refuses; a target an earlier step creates may be missing.
        if (!I.preflight(*def, *source, pending_schema_sql)) e.description += " (target not there yet)";
        db::Interruptible cancellable(db);  // a signal ends a long scan within a second
        auto p = plan::plan_batches(db, {def->source_table, def->key, def->where, I.batch_size_for(*def)});
        e.batches = static_cast<std::int64_t>(p.batches.size());
        e.rows = p.rows;
        if (p.rows) {
          e.key_min = keys::describe_key(p.min_key);
          e.key_max = keys::describe_key(p.max_key);
        }
      } else {
        e.description += " (table not there yet)";
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<MigrationStatus> Runner::status(const std::string& only) {
  auto& I = *impl_;
  std::vector<MigrationStatus> out;
  bool have_store = I.store_exists();
  std::vector<checkpoint::MigrationRecord> records;
  if (have_store) records = I.store().migrations();
  auto record_of = [&](const std::string& name) -> const checkpoint::MigrationRecord* {
    for (const auto& r : records) {
      if (r.name == name) return &r;
    }
    return nullptr;
  };
  for (const auto* def : I.select(only)) {
    MigrationStatus s;
    s.name = def->name;
    s.kind = def->kind;
    s.state = "pending";
    if (const auto* rec = record_of(def->name)) {
      s.state = rec->checksum != def->checksum() ? "changed" : checkpoint::to_string(rec->status);
      s.started_at = rec->started_at;
      s.finished_at = rec->finished_at;
      auto c = I.store().counts(def->name);
      s.batches_total = c.total;
      s.batches_done = c.done;
      s.batches_failed = c.failed;
      s.batches_running = c.running;
      s.rows = c.rows;
      s.rejects = I.store().reject_count(def->name);
      s.seconds = rec->elapsed_seconds;
      if (s.seconds > 0) s.rows_per_second = static_cast<double>(s.rows) / s.seconds;
      for (const auto& b : I.store().batches(def->name, checkpoint::BatchStatus::failed)) {
        if (s.errors.size() >= 20) break;
        s.errors.push_back({b.number, b.range.describe(), b.attempts, b.last_error});
      }
      for (const auto& e : I.store().events(def->name, 10)) {
        s.events.push_back({e.at, e.endpoint, e.event, e.detail});
        if (s.breaker.empty() && e.event.rfind("breaker ", 0) == 0) s.breaker = e.event.substr(8);
      }
      if (s.breaker.empty()) s.breaker = "closed";
      for (const auto& r : I.store().runners(def->name)) s.runners.push_back({r.owner, r.started_at, r.heartbeat_at, r.lease_until});
      for (const auto& h : I.store().holds(def->name, 20)) {
        s.holds.push_back({h.number, h.owner, h.claimed_at, h.heartbeat_at, h.lease_until});
      }
      s.now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                  .count();
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<RejectedRow> Runner::rejects(const std::string& name) {
  auto& I = *impl_;
  std::vector<RejectedRow> out;
  if (!I.store_exists()) return out;
  for (const auto& r : I.store().rejects(name)) {
    out.push_back({keys::describe_key(r.key), r.batch, r.error, r.row_json, r.at});
  }
  if (out.empty() && !I.store().migration(name)) I.find(name);  // unknown name: say so
  return out;
}

}  // namespace rowshift
