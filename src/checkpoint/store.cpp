// The checkpoint store: every statement on rowshift's own tables (their DDL and upgrade
// steps, migrations, batches, claims, runners, rejects, events). Longer than ~400 lines
// on purpose: it is the one place that knows those tables, which a change of the store's
// schema must find together (owner ids, clocks and key order are in their own files).
#include "checkpoint/store.hpp"

#include <algorithm>

#include "checkpoint/clock.hpp"
#include "keys/key_codec.hpp"
#include "checkpoint/owner.hpp"
#include "db/capabilities.hpp"
#include "rowshift/error.hpp"

namespace rowshift::checkpoint {
namespace {

std::string text_or_empty(const Value& v) { return v.is_null() ? std::string() : v.as_text(); }
std::int64_t int_or_zero(const Value& v) { return v.is_null() ? 0 : v.as_int(); }

MigrationRecord to_record(const Values& r) {
  MigrationRecord m;
  m.name = r[0].as_text();
  m.kind = r[1].as_text();
  m.checksum = r[2].as_text();
  m.status = migration_status(r[3].as_text());
  m.batch_size = int_or_zero(r[4]);
  m.total_batches = int_or_zero(r[5]);
  m.planned_rows = int_or_zero(r[6]);
  m.elapsed_seconds = r[7].is_null() ? 0 : r[7].as_double();
  m.started_at = text_or_empty(r[8]);
  m.finished_at = text_or_empty(r[9]);
  return m;
}

const char* kMigrationColumns =
    "name, kind, checksum, status, batch_size, total_batches, planned_rows, elapsed_seconds, started_at, "
    "finished_at";

}  // namespace

bool CheckpointStore::exists() { return db_.table_exists("rowshift_meta"); }

namespace {

// Upgrade steps: kSchemaSteps[v] takes a store from version v to v + 1. A new store runs
// them all; an older one only those it lacks. Append, never edit: released stores have
// run the old steps.
const char* const kSchemaSteps[] = {
    // 0 -> 1: the checkpoint tables.
    "CREATE TABLE IF NOT EXISTS rowshift_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS rowshift_migrations ("
    " name TEXT PRIMARY KEY, kind TEXT NOT NULL, checksum TEXT NOT NULL, status TEXT NOT NULL,"
    " batch_size INTEGER, total_batches INTEGER NOT NULL DEFAULT 0, planned_rows INTEGER NOT NULL DEFAULT 0,"
    " elapsed_seconds DOUBLE PRECISION NOT NULL DEFAULT 0, started_at TEXT, finished_at TEXT);"
    "CREATE TABLE IF NOT EXISTS rowshift_batches ("
    " migration TEXT NOT NULL, batch_no BIGINT NOT NULL, lo_key TEXT, hi_key TEXT, status TEXT NOT NULL,"
    " attempts INTEGER NOT NULL DEFAULT 0, rows_written BIGINT, last_error TEXT, owner TEXT,"
    " lease_until BIGINT, started_at TEXT, finished_at TEXT, duration_ms BIGINT,"
    " PRIMARY KEY (migration, batch_no));"
    "CREATE INDEX IF NOT EXISTS rowshift_batches_by_status ON rowshift_batches (migration, status, batch_no);",
    // 1 -> 2: the event log (breaker transitions, stops, outages).
    "CREATE TABLE IF NOT EXISTS rowshift_events (at TEXT NOT NULL, migration TEXT, endpoint TEXT,"
    " event TEXT NOT NULL, detail TEXT);"
    "CREATE INDEX IF NOT EXISTS rowshift_events_by_migration ON rowshift_events (migration, at);",
    // 2 -> 3: rows set aside by --on-bad-row=quarantine.
    "CREATE TABLE IF NOT EXISTS rowshift_rejects (migration TEXT NOT NULL, key_text TEXT NOT NULL,"
    " batch_no BIGINT, lo_key TEXT, hi_key TEXT, error TEXT NOT NULL, row_json TEXT, at TEXT NOT NULL,"
    " PRIMARY KEY (migration, key_text));",
    // 3 -> 4: no index on status. Every claim and done mark changes status, so the index
    // was written twice per batch, and concurrent workers met on its few hot pages
    // (PostgreSQL same-database copy: 2.9 s instead of 3.7 s). The primary key serves
    // the status queries, which read one migration's batch rows in order.
    "DROP INDEX IF EXISTS rowshift_batches_by_status;",
    // 4 -> 5: fencing and liveness. Each claim raises the batch's epoch (the fencing
    // token the target checks, checkpoint/fence.hpp) and a runner renews its claims'
    // leases while it lives (heartbeat_at); rowshift_runners says which runners hold a
    // migration, so that `reset` can refuse while one does.
    "ALTER TABLE rowshift_batches ADD COLUMN epoch BIGINT NOT NULL DEFAULT 0;"
    "ALTER TABLE rowshift_batches ADD COLUMN heartbeat_at TEXT;"
    "CREATE TABLE IF NOT EXISTS rowshift_runners (owner TEXT PRIMARY KEY, migration TEXT NOT NULL,"
    " started_at TEXT NOT NULL, heartbeat_at TEXT NOT NULL, lease_until BIGINT NOT NULL);",
};
static_assert(sizeof(kSchemaSteps) / sizeof(kSchemaSteps[0]) == kSchemaVersion);

}  // namespace

int CheckpointStore::version() {
  if (!exists()) return 0;
  Values r = db::query_row(db_, "SELECT value FROM rowshift_meta WHERE key = 'schema_version'");
  if (r.empty() || !r[0].is_text()) {
    throw Error(ErrorKind::config, "checkpoint store in " + db_.url().redacted() +
                                       " has no schema_version row in rowshift_meta (corrupted store?)");
  }
  return std::atoi(r[0].as_text().c_str());
}

void CheckpointStore::check_version() {
  int v = version();
  if (v > kSchemaVersion) {
    throw Error(ErrorKind::config, "checkpoint store in " + db_.url().redacted() + " has schema version " +
                                       std::to_string(v) + ", newer than this rowshift's " +
                                       std::to_string(kSchemaVersion) + "; upgrade rowshift");
  }
}

void CheckpointStore::ensure_schema() {
  check_version();
  if (version() == kSchemaVersion) return;
  db::Transaction tx(db_);
  db_.lock_setup();  // two runners upgrading together: the second finds it done
  ensure_schema_in_transaction();
  tx.commit();
}

void CheckpointStore::ensure_schema_in_transaction() {
  check_version();
  int v = version();
  if (v == kSchemaVersion) return;
  for (int step = v; step < kSchemaVersion; ++step) db_.execute_script(kSchemaSteps[step]);
  db_.execute("DELETE FROM rowshift_meta WHERE key = 'schema_version'");
  db_.execute("INSERT INTO rowshift_meta (key, value) VALUES ('schema_version', ?)", {std::to_string(kSchemaVersion)});
}

void CheckpointStore::add_event(const std::string& migration, const std::string& endpoint, const std::string& event,
                                const std::string& detail) {
  db_.execute("INSERT INTO rowshift_events (at, migration, endpoint, event, detail) VALUES (?, ?, ?, ?, ?)",
              {now_utc_us(), migration, endpoint, event, detail});
}

void CheckpointStore::add_reject(const std::string& migration, std::int64_t batch, const Values& key,
                                 const plan::KeyRange& range, const std::string& error, const std::string& row_json) {
  std::string key_text = keys::encode_key(key);
  db_.execute("DELETE FROM rowshift_rejects WHERE migration = ? AND key_text = ?", {migration, key_text});
  db_.execute(
      "INSERT INTO rowshift_rejects (migration, key_text, batch_no, lo_key, hi_key, error, row_json, at)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      {migration, key_text, batch, range.has_lo() ? Value(keys::encode_key(range.lo)) : Value(),
       range.has_hi() ? Value(keys::encode_key(range.hi)) : Value(), error, row_json, now_utc()});
}

std::vector<RejectRecord> CheckpointStore::rejects(const std::string& migration) {
  std::vector<RejectRecord> out;
  if (version() < 3) return out;
  db_.query("SELECT key_text, batch_no, lo_key, hi_key, error, row_json, at FROM rowshift_rejects WHERE migration = ?"
            " ORDER BY batch_no, key_text",
            {migration}, [&](Values& r) {
              RejectRecord x;
              x.key = keys::decode_key(r[0].as_text());
              x.batch = int_or_zero(r[1]);
              if (!r[2].is_null()) x.range.lo = keys::decode_key(r[2].as_text());
              if (!r[3].is_null()) x.range.hi = keys::decode_key(r[3].as_text());
              x.error = text_or_empty(r[4]);
              x.row_json = text_or_empty(r[5]);
              x.at = text_or_empty(r[6]);
              out.push_back(std::move(x));
              return true;
            });
  // In key order within each batch: key_text sorts integers as text ("10" < "9").
  std::stable_sort(out.begin(), out.end(), [](const RejectRecord& a, const RejectRecord& b) {
    if (a.batch != b.batch) return a.batch < b.batch;
    return keys::key_less(a.key, b.key);
  });
  return out;
}

std::int64_t CheckpointStore::reject_count(const std::string& migration) {
  if (version() < 3) return 0;
  return db::query_row(db_, "SELECT count(*) FROM rowshift_rejects WHERE migration = ?", {migration})[0].as_int();
}

void CheckpointStore::remove_reject(const std::string& migration, const Values& key) {
  db_.execute("DELETE FROM rowshift_rejects WHERE migration = ? AND key_text = ?", {migration, keys::encode_key(key)});
}

void CheckpointStore::update_reject(const std::string& migration, const Values& key, const std::string& error) {
  db_.execute("UPDATE rowshift_rejects SET error = ?, at = ? WHERE migration = ? AND key_text = ?",
              {error, now_utc(), migration, keys::encode_key(key)});
}

std::vector<EventRecord> CheckpointStore::events(const std::string& migration, int limit) {
  std::vector<EventRecord> out;
  if (version() < 2) return out;
  db_.query("SELECT at, endpoint, event, detail FROM rowshift_events WHERE migration = ? ORDER BY at DESC LIMIT ?",
            {migration, limit}, [&](Values& r) {
              out.push_back({text_or_empty(r[0]), text_or_empty(r[1]), text_or_empty(r[2]), text_or_empty(r[3])});
              return true;
            });
  return out;
}

std::optional<MigrationRecord> CheckpointStore::migration(const std::string& name) {
  Values r = db::query_row(db_, std::string("SELECT ") + kMigrationColumns + " FROM rowshift_migrations WHERE name = ?",
                           {name});
  if (r.empty()) return std::nullopt;
  return to_record(r);
}

std::vector<MigrationRecord> CheckpointStore::migrations() {
  std::vector<MigrationRecord> out;
  for (auto& r : db::query_all(db_, std::string("SELECT ") + kMigrationColumns +
                                        " FROM rowshift_migrations ORDER BY name")) {
    out.push_back(to_record(r));
  }
  return out;
}

void CheckpointStore::record_start(const MigrationRecord& rec, const std::vector<plan::Batch>& batches) {
  db_.execute(
      "INSERT INTO rowshift_migrations (name, kind, checksum, status, batch_size, total_batches, planned_rows,"
      " started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      {rec.name, rec.kind, rec.checksum, to_string(rec.status), rec.batch_size, static_cast<long long>(batches.size()),
       rec.planned_rows, now_utc()});
  // Many rows per statement: one statement per batch cost a round trip each, 0.3 s of a
  // 3 s copy of 1M rows into a PostgreSQL store (1000 batches). 200 rows of 4 parameters
  // stay far below either engine's limit on parameters (SQLite 32766, PostgreSQL 65535).
  constexpr std::size_t kRowsPerInsert = 200;
  for (std::size_t at = 0; at < batches.size(); at += kRowsPerInsert) {
    const std::size_t n = std::min(kRowsPerInsert, batches.size() - at);
    std::string sql = "INSERT INTO rowshift_batches (migration, batch_no, lo_key, hi_key, status) VALUES ";
    Values params;
    params.reserve(n * 4);
    for (std::size_t i = 0; i < n; ++i) {
      const auto& b = batches[at + i];
      sql += i == 0 ? "(?, ?, ?, ?, 'pending')" : ", (?, ?, ?, ?, 'pending')";
      params.insert(params.end(), {Value(rec.name), Value(b.number),
                                   b.range.has_lo() ? Value(keys::encode_key(b.range.lo)) : Value(),
                                   b.range.has_hi() ? Value(keys::encode_key(b.range.hi)) : Value()});
    }
    db_.execute(sql, params);
  }
}

void CheckpointStore::set_status(const std::string& name, MigrationStatus status) {
  const bool finished = status != MigrationStatus::running;
  db_.execute("UPDATE rowshift_migrations SET status = ?, finished_at = ? WHERE name = ?",
              {to_string(status), finished ? Value(now_utc()) : Value(), name});
}

void CheckpointStore::add_elapsed(const std::string& name, double seconds) {
  db_.execute("UPDATE rowshift_migrations SET elapsed_seconds = elapsed_seconds + ? WHERE name = ?",
              {seconds, name});
}

std::vector<BatchRecord> CheckpointStore::batches(const std::string& name, BatchStatus status) {
  std::vector<BatchRecord> out;
  db_.query(
      "SELECT batch_no, lo_key, hi_key, status, attempts, rows_written, last_error FROM rowshift_batches"
      " WHERE migration = ? AND status = ? ORDER BY batch_no",
      {name, to_string(status)}, [&](Values& r) {
        BatchRecord b;
        b.number = r[0].as_int();
        if (!r[1].is_null()) b.range.lo = keys::decode_key(r[1].as_text());
        if (!r[2].is_null()) b.range.hi = keys::decode_key(r[2].as_text());
        b.status = batch_status(r[3].as_text());
        b.attempts = static_cast<int>(r[4].as_int());
        b.rows = int_or_zero(r[5]);
        b.last_error = text_or_empty(r[6]);
        out.push_back(std::move(b));
        return true;
      });
  return out;
}

std::vector<std::int64_t> CheckpointStore::pending_numbers(const std::string& name) {
  std::vector<std::int64_t> out;
  db_.query("SELECT batch_no FROM rowshift_batches WHERE migration = ? AND status = 'pending' ORDER BY batch_no",
            {name}, [&](Values& r) {
              out.push_back(r[0].as_int());
              return true;
            });
  return out;
}

std::int64_t CheckpointStore::release_dead(const std::string& name, const std::string& self) {
  std::vector<std::pair<std::int64_t, std::string>> running;
  db_.query("SELECT batch_no, owner, lease_until FROM rowshift_batches WHERE migration = ? AND status = 'running'",
            {name}, [&](Values& r) {
              std::string owner = text_or_empty(r[1]);
              bool expired = int_or_zero(r[2]) < now_epoch();
              if (expired || owner_is_gone(owner, self)) running.emplace_back(r[0].as_int(), owner);
              return true;
            });
  for (const auto& [number, owner] : running) {
    db_.execute(
        "UPDATE rowshift_batches SET status = 'pending', owner = NULL, lease_until = NULL"
        " WHERE migration = ? AND batch_no = ? AND status = 'running' AND owner = ?",
        {name, number, owner});
  }
  return static_cast<std::int64_t>(running.size());
}

std::optional<std::int64_t> CheckpointStore::claim(const std::string& name, std::int64_t number,
                                                   const std::string& owner, int lease_seconds) {
  auto got = claim_each(name, {number}, owner, lease_seconds);
  if (got.empty()) return std::nullopt;
  return got.front().second;
}

std::vector<std::int64_t> CheckpointStore::claim_group(const std::string& name, const std::vector<std::int64_t>& numbers,
                                                       const std::string& owner, int lease_seconds) {
  std::vector<std::int64_t> out;
  for (const auto& [number, epoch] : claim_each(name, numbers, owner, lease_seconds)) out.push_back(number);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::pair<std::int64_t, std::int64_t>> CheckpointStore::claim_each(const std::string& name,
                                                                               const std::vector<std::int64_t>& numbers,
                                                                               const std::string& owner,
                                                                               int lease_seconds) {
  std::vector<std::pair<std::int64_t, std::int64_t>> out;
  if (numbers.empty()) return out;
  std::int64_t now = now_epoch();
  std::string in = "(";
  for (std::size_t i = 0; i < numbers.size(); ++i) in += i ? ", ?" : "?";
  in += ")";
  // The epoch only grows: one more than the last claim's, and at least the claimer's
  // clock in microseconds, so that a claim after `reset` (or in a new store) still
  // outranks every claim made before it (checkpoint/fence.hpp).
  const std::string epoch = "CASE WHEN epoch + 1 > ? THEN epoch + 1 ELSE ? END";
  const std::string sql =
      "UPDATE rowshift_batches SET status = 'running', owner = ?, lease_until = ?, attempts = attempts + 1,"
      " started_at = ?, heartbeat_at = ?, epoch = " + epoch +
      " WHERE migration = ? AND batch_no IN " + in + " AND (status = 'pending' OR"
      " (status = 'running' AND (owner = ? OR lease_until < ?)))";
  const std::int64_t clock = new_epoch_floor();
  const std::string at = now_utc();
  const bool pg = db::skips_locked_rows(db_);
  // PostgreSQL: a batch that another runner is writing at this moment (its claim is a
  // row lock held by that runner's transaction) is skipped at once rather than waited
  // for: waiting would only find it done, and would keep the two runners in lockstep,
  // the second one queueing behind every batch of the first.
  const std::string skip_locked = pg ? " AND batch_no IN (SELECT batch_no FROM rowshift_batches WHERE migration = ?"
                                       " AND batch_no IN " + in + " FOR UPDATE SKIP LOCKED)"
                                     : "";
  Values ids(numbers.begin(), numbers.end());
  Values params{owner, now + lease_seconds, at, at, clock, clock, name};
  params.insert(params.end(), ids.begin(), ids.end());
  params.insert(params.end(), {owner, now});
  if (pg) {
    params.insert(params.end(), {name});
    params.insert(params.end(), ids.begin(), ids.end());
  }
  db_.query(sql + skip_locked + " RETURNING batch_no, epoch", params, [&](Values& row) {
    out.emplace_back(row[0].as_int(), row[1].as_int());
    return true;
  });
  return out;
}

std::int64_t CheckpointStore::renew_leases(const std::string& owner, int lease_seconds) {
  return db_.execute("UPDATE rowshift_batches SET lease_until = ?, heartbeat_at = ? WHERE owner = ? AND"
                     " status = 'running'",
                     {now_epoch() + lease_seconds, now_utc(), owner});
}

std::vector<RunnerRecord> CheckpointStore::runners(const std::string& migration) {
  std::vector<RunnerRecord> out;
  if (version() < 5) return out;
  db_.query("SELECT owner, started_at, heartbeat_at, lease_until FROM rowshift_runners"
            " WHERE ? = '' OR migration = ? ORDER BY owner",
            {migration, migration}, [&](Values& r) {
              out.push_back({r[0].as_text(), text_or_empty(r[1]), text_or_empty(r[2]), int_or_zero(r[3])});
              return true;
            });
  return out;
}

std::vector<BatchHold> CheckpointStore::holds(const std::string& migration, int limit) {
  std::vector<BatchHold> out;
  const std::string heartbeat = version() >= 5 ? "heartbeat_at" : "NULL";
  db_.query("SELECT batch_no, owner, started_at, " + heartbeat +
                ", lease_until FROM rowshift_batches WHERE migration = ? AND status = 'running'"
                " ORDER BY started_at, batch_no LIMIT ?",
            {migration, static_cast<std::int64_t>(limit)}, [&](Values& r) {
              out.push_back({r[0].as_int(), text_or_empty(r[1]), text_or_empty(r[2]), text_or_empty(r[3]),
                             int_or_zero(r[4])});
              return true;
            });
  return out;
}

std::optional<std::string> CheckpointStore::meta(const std::string& key) {
  Values r = db::query_row(db_, "SELECT value FROM rowshift_meta WHERE key = ?", {key});
  if (r.empty() || r[0].is_null()) return std::nullopt;
  return r[0].as_text();
}

void CheckpointStore::put_meta_if_absent(const std::string& key, const std::string& value) {
  db_.execute("INSERT INTO rowshift_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", {key, value});
}

void CheckpointStore::delete_meta(const std::string& key) {
  db_.execute("DELETE FROM rowshift_meta WHERE key = ?", {key});
}

void CheckpointStore::register_runner(const std::string& owner, const std::string& migration, int lease_seconds) {
  db_.execute("DELETE FROM rowshift_runners WHERE owner = ?", {owner});
  db_.execute("INSERT INTO rowshift_runners (owner, migration, started_at, heartbeat_at, lease_until)"
              " VALUES (?, ?, ?, ?, ?)",
              {owner, migration, now_utc(), now_utc(), now_epoch() + lease_seconds});
}

void CheckpointStore::heartbeat_runner(const std::string& owner, int lease_seconds) {
  db_.execute("UPDATE rowshift_runners SET heartbeat_at = ?, lease_until = ? WHERE owner = ?",
              {now_utc(), now_epoch() + lease_seconds, owner});
}

void CheckpointStore::unregister_runner(const std::string& owner) {
  db_.execute("DELETE FROM rowshift_runners WHERE owner = ?", {owner});
}

std::vector<RunnerRecord> CheckpointStore::live_runners(const std::string& migration, const std::string& self) {
  std::vector<RunnerRecord> out;
  for (auto& r : runners(migration)) {
    if (r.lease_until >= now_epoch() && !owner_is_gone(r.owner, self)) out.push_back(std::move(r));
  }
  return out;
}

namespace {
const char* const kMarkDone =
    "UPDATE rowshift_batches SET status = 'done', rows_written = ?, finished_at = ?, duration_ms = ?,"
    " lease_until = NULL WHERE migration = ? AND batch_no = ? AND status = 'running' AND owner = ?";
}  // namespace

bool CheckpointStore::mark_done(const std::string& name, std::int64_t number, const std::string& owner,
                                std::int64_t rows, std::int64_t duration_ms) {
  return db_.execute(kMarkDone, {rows, now_utc(), duration_ms, name, number, owner}) == 1;
}

void CheckpointStore::mark_done_and_commit(db::Transaction& tx, const std::string& name, std::int64_t number,
                                           const std::string& owner, std::int64_t rows,
                                           std::int64_t duration_ms) {
  tx.commit_after(kMarkDone, {rows, now_utc(), duration_ms, name, number, owner});
}

void CheckpointStore::mark_group_done_and_commit(db::Transaction& tx, const std::string& name,
                                                 const std::vector<std::pair<std::int64_t, std::int64_t>>& rows_of,
                                                 const std::string& owner, std::int64_t duration_ms) {
  if (rows_of.size() == 1) {
    return mark_done_and_commit(tx, name, rows_of.front().first, owner, rows_of.front().second, duration_ms);
  }
  // One statement for the group: each batch gets its own row count.
  std::string sql = "UPDATE rowshift_batches SET status = 'done', rows_written = CASE batch_no";
  Values params;
  for (const auto& [number, rows] : rows_of) {
    sql += " WHEN ? THEN CAST(? AS BIGINT)";  // a CASE's parameters have no type of their own
    params.insert(params.end(), {number, rows});
  }
  sql += " END, finished_at = ?, duration_ms = ?, lease_until = NULL WHERE migration = ? AND batch_no IN (";
  params.insert(params.end(), {now_utc(), duration_ms, name});
  for (std::size_t i = 0; i < rows_of.size(); ++i) {
    sql += i ? ", ?" : "?";
    params.push_back(rows_of[i].first);
  }
  sql += ") AND status = 'running' AND owner = ?";
  params.push_back(owner);
  tx.commit_after(sql, params);
}

void CheckpointStore::mark_failed(const std::string& name, std::int64_t number, const std::string& owner,
                                  const std::string& error) {
  db_.execute(
      "UPDATE rowshift_batches SET status = 'failed', last_error = ?, finished_at = ?, lease_until = NULL"
      " WHERE migration = ? AND batch_no = ? AND owner = ?",
      {error, now_utc(), name, number, owner});
}

void CheckpointStore::release(const std::string& name, std::int64_t number, const std::string& owner) {
  db_.execute(
      "UPDATE rowshift_batches SET status = 'pending', owner = NULL, lease_until = NULL, attempts = attempts - 1"
      " WHERE migration = ? AND batch_no = ? AND status = 'running' AND owner = ?",
      {name, number, owner});
}

void CheckpointStore::note_error(const std::string& name, std::int64_t number, const std::string& error) {
  db_.execute("UPDATE rowshift_batches SET last_error = ? WHERE migration = ? AND batch_no = ?",
              {error, name, number});
}

void CheckpointStore::count_failed_attempt(const std::string& name, std::int64_t number, const std::string& error) {
  db_.execute(
      "UPDATE rowshift_batches SET attempts = attempts + 1, last_error = ? WHERE migration = ? AND batch_no = ?"
      " AND status <> 'done'",
      {error, name, number});
}

void CheckpointStore::mark_failed_unclaimed(const std::string& name, std::int64_t number, const std::string& error) {
  db_.execute(
      "UPDATE rowshift_batches SET status = 'failed', attempts = attempts + 1, last_error = ?, finished_at = ?,"
      " owner = NULL, lease_until = NULL"
      " WHERE migration = ? AND batch_no = ? AND status <> 'done'",
      {error, now_utc(), name, number});
}

BatchCounts CheckpointStore::counts(const std::string& name) {
  BatchCounts c;
  db_.query(
      "SELECT status, count(*), CAST(sum(rows_written) AS BIGINT)"
      " FROM rowshift_batches WHERE migration = ?"
      " GROUP BY status",
      {name}, [&](Values& r) {
        std::int64_t n = r[1].as_int();
        c.total += n;
        switch (batch_status(r[0].as_text())) {
          case BatchStatus::pending: c.pending = n; break;
          case BatchStatus::running: c.running = n; break;
          case BatchStatus::done: c.done = n; break;
          case BatchStatus::failed: c.failed = n; break;
        }
        c.rows += int_or_zero(r[2]);
        return true;
      });
  return c;
}

std::int64_t CheckpointStore::retry_failed(const std::string& name) {
  std::int64_t n = db_.execute(
      "UPDATE rowshift_batches SET status = 'pending', attempts = 0, owner = NULL WHERE migration = ? AND"
      " status = 'failed'",
      {name});
  db_.execute("UPDATE rowshift_migrations SET status = 'running', finished_at = NULL WHERE name = ?", {name});
  return n;
}

bool CheckpointStore::reset(const std::string& name) {
  db_.execute("DELETE FROM rowshift_batches WHERE migration = ?", {name});
  if (version() >= 5) db_.execute("DELETE FROM rowshift_runners WHERE migration = ?", {name});
  if (version() >= 3) db_.execute("DELETE FROM rowshift_rejects WHERE migration = ?", {name});
  return db_.execute("DELETE FROM rowshift_migrations WHERE name = ?", {name}) > 0;
}

}  // namespace rowshift::checkpoint
