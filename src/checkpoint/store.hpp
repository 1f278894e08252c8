// CheckpointStore: the rowshift_* tables that make a run resumable.
//
//   rowshift_meta        key/value; schema_version says which layout the tables have
//                        (older stores are upgraded in place, newer ones refused)
//   rowshift_migrations  one row per started migration: kind, checksum, status, plan size
//   rowshift_batches     one row per planned batch: key range, status, attempts, rows,
//                        last error, owner and lease while running
//   rowshift_events      the event log: breaker transitions, stops, outages
//   rowshift_rejects     rows set aside by --on-bad-row=quarantine, with key, error, data
//
// Batch states: pending -> running (claimed, with owner and lease) -> done | failed.
// A claim is a conditional UPDATE, so two runners never hold the same batch. The
// store works on whatever connection it is given and never opens transactions itself
// except where a method says so. When target and store are the same database, callers
// put claim() and mark_done() into the batch's own transaction: the claim is then the
// row lock on the batch's row (a second runner waits on it, then finds the batch done)
// and `running` is never committed; a failed attempt is counted afterwards with
// count_failed_attempt(), and a failure recorded with mark_failed_unclaimed().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "checkpoint/clock.hpp"
#include "checkpoint/owner.hpp"
#include "checkpoint/status.hpp"
#include "db/database.hpp"
#include "plan/planner.hpp"

namespace rowshift::checkpoint {

inline constexpr int kSchemaVersion = 5;

struct MigrationRecord {
  std::string name, kind, checksum;
  MigrationStatus status = MigrationStatus::running;
  std::int64_t batch_size = 0, total_batches = 0, planned_rows = 0;
  double elapsed_seconds = 0;
  std::string started_at, finished_at;
};

struct BatchRecord {
  std::int64_t number = 0;
  plan::KeyRange range;
  BatchStatus status = BatchStatus::pending;
  int attempts = 0;
  std::int64_t rows = 0;
  std::string last_error;
};

struct EventRecord {
  std::string at, endpoint, event, detail;
};

struct RejectRecord {
  Values key;
  std::int64_t batch = 0;
  plan::KeyRange range;  // the one-row range to replay
  std::string error, row_json, at;
};

// A runner working on a migration, as it registered itself (rowshift_runners).
struct RunnerRecord {
  std::string owner, started_at, heartbeat_at;
  std::int64_t lease_until = 0;  // seconds since 1970; renewed by its heartbeat
};

// A batch claimed and not finished: who holds it, since when, until when.
struct BatchHold {
  std::int64_t number = 0;
  std::string owner, claimed_at, heartbeat_at;  // UTC, ISO 8601
  std::int64_t lease_until = 0;                 // seconds since 1970
};

struct BatchCounts {
  std::int64_t total = 0, pending = 0, running = 0, done = 0, failed = 0;
  std::int64_t rows = 0;
};

class CheckpointStore {
 public:
  explicit CheckpointStore(db::Database& db) : db_(db) {}

  // True when the tables exist (a read-only check, for plan/status).
  bool exists();
  // Creates the tables on first use (in its own transaction); refuses a store written
  // by a newer rowshift.
  void ensure_schema();
  // The same inside the caller's transaction, so a failing first step leaves no tables.
  void ensure_schema_in_transaction();
  // Throws Error(config) when the stored schema version is newer than this build's.
  void check_version();
  // The stored schema version; 0 when there is no store yet.
  int version();

  void add_event(const std::string& migration, const std::string& endpoint, const std::string& event,
                 const std::string& detail);
  // Newest first.
  std::vector<EventRecord> events(const std::string& migration, int limit);

  // Quarantined rows (replaces an earlier reject of the same key).
  void add_reject(const std::string& migration, std::int64_t batch, const Values& key, const plan::KeyRange& range,
                  const std::string& error, const std::string& row_json);
  std::vector<RejectRecord> rejects(const std::string& migration);
  std::int64_t reject_count(const std::string& migration);
  void remove_reject(const std::string& migration, const Values& key);
  void update_reject(const std::string& migration, const Values& key, const std::string& error);

  std::optional<MigrationRecord> migration(const std::string& name);
  std::vector<MigrationRecord> migrations();
  // Inserts the migration row and, for batched kinds, its plan. Call inside a transaction.
  void record_start(const MigrationRecord& rec, const std::vector<plan::Batch>& batches);
  void set_status(const std::string& name, MigrationStatus status);
  void add_elapsed(const std::string& name, double seconds);

  // Batches in the given state, in batch order.
  std::vector<BatchRecord> batches(const std::string& name, BatchStatus status);
  // The numbers of the batches still pending, in order (no keys decoded).
  std::vector<std::int64_t> pending_numbers(const std::string& name);
  // Puts `running` batches back to pending when their lease has expired or their owner
  // is gone: a process of this host that no longer exists, or an earlier runner of this
  // process (self is the caller's owner id). Returns how many.
  std::int64_t release_dead(const std::string& name, const std::string& self);

  // Claims batch `number` for owner: pending, or running but owned by owner or expired.
  // Increments attempts and raises the batch's epoch, the fencing token that the
  // target checks (checkpoint/fence.hpp). Returns that epoch, or nullopt when another
  // runner holds the batch or it is finished.
  std::optional<std::int64_t> claim(const std::string& name, std::int64_t number, const std::string& owner,
                                    int lease_seconds);
  // Inside the open transaction of a group of batches (store = target, group commit):
  // claims those of `numbers` that are free, as claim() does one, in one statement.
  // Returns the numbers claimed, in order; the others another runner holds or finished.
  std::vector<std::int64_t> claim_group(const std::string& name, const std::vector<std::int64_t>& numbers,
                                        const std::string& owner, int lease_seconds);
  // The heartbeat: extends the lease of every batch `owner` has running. Returns how many.
  std::int64_t renew_leases(const std::string& owner, int lease_seconds);

  // Which runners hold a migration: each registers when it starts the migration's
  // batches, renews its lease with its heartbeat, and unregisters at the end.
  void register_runner(const std::string& owner, const std::string& migration, int lease_seconds);
  void heartbeat_runner(const std::string& owner, int lease_seconds);
  void unregister_runner(const std::string& owner);
  // The runners of `migration` (of any migration when it is "") whose lease has not run
  // out and whose process (on this host) is alive, other than `self`.
  std::vector<RunnerRecord> live_runners(const std::string& migration, const std::string& self);
  // Every runner registered for `migration` ("" for any), live or not (status shows them all, with
  // their heartbeat: a paused process still holds its place until its lease runs out).
  std::vector<RunnerRecord> runners(const std::string& migration);
  // The batches of `migration` in state running (committed claims: a store elsewhere),
  // at most `limit`, oldest claim first.
  std::vector<BatchHold> holds(const std::string& migration, int limit);
  // rowshift_meta entries other than schema_version (run/target_journal.hpp keeps the
  // journal mode a SQLite target had before runs changed it).
  std::optional<std::string> meta(const std::string& key);
  void put_meta_if_absent(const std::string& key, const std::string& value);
  void delete_meta(const std::string& key);
  // done, guarded by ownership; false when the claim was lost (caller rolls back).
  bool mark_done(const std::string& name, std::int64_t number, const std::string& owner, std::int64_t rows,
                 std::int64_t duration_ms);
  // For a batch claimed inside the open transaction `tx` on this store's connection:
  // marks it done as the transaction's last statement and commits tx. The claim's row
  // lock guarantees the mark matches, so it can travel with the COMMIT in one message.
  void mark_done_and_commit(db::Transaction& tx, const std::string& name, std::int64_t number,
                            const std::string& owner, std::int64_t rows, std::int64_t duration_ms);
  // mark_done_and_commit() for a group claimed with claim_group(): (batch, rows) each,
  // one statement, then the commit. duration_ms is each batch's share of the group's time.
  void mark_group_done_and_commit(db::Transaction& tx, const std::string& name,
                                  const std::vector<std::pair<std::int64_t, std::int64_t>>& rows_of,
                                  const std::string& owner, std::int64_t duration_ms);
  void mark_failed(const std::string& name, std::int64_t number, const std::string& owner,
                   const std::string& error);
  // Back to pending without counting the attempt (a stop interrupted it).
  void release(const std::string& name, std::int64_t number, const std::string& owner);
  // Records an error of an attempt that will be retried.
  void note_error(const std::string& name, std::int64_t number, const std::string& error);
  // For claims made inside the batch's transaction, which a failure rolled back: count
  // the attempt and record its error (a retry follows), or mark the batch failed (the
  // last attempt). Neither touches a batch that is done.
  void count_failed_attempt(const std::string& name, std::int64_t number, const std::string& error);
  void mark_failed_unclaimed(const std::string& name, std::int64_t number, const std::string& error);

  BatchCounts counts(const std::string& name);
  // failed -> pending, attempts reset; returns how many.
  std::int64_t retry_failed(const std::string& name);
  // Deletes the migration's rows. Returns false when there were none.
  bool reset(const std::string& name);

 private:
  // The claim of claim() and claim_group(): (batch, epoch) of each batch claimed.
  std::vector<std::pair<std::int64_t, std::int64_t>> claim_each(const std::string& name,
                                                                const std::vector<std::int64_t>& numbers,
                                                                const std::string& owner, int lease_seconds);
  db::Database& db_;
};

}  // namespace rowshift::checkpoint
