// What one batch of each migration kind does to the databases.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "db/batch_route.hpp"
#include "db/database.hpp"
#include "plan/planner.hpp"
#include "rowshift/migration.hpp"

namespace rowshift::migrate {

// The connections one worker uses. source and store may point at target itself.
struct Connections {
  db::Database* target = nullptr;
  db::Database* source = nullptr;
  db::Database* store = nullptr;
  bool same_source() const { return source == target; }
  bool same_store() const { return store == target; }
};

// What the caller does inside a batch's write transaction. When the store is the
// target, the claim goes in after_begin and the done mark in before_commit, so the
// claim, the rows and the mark are one transaction (one commit, one WAL flush).
struct TransactionHooks {
  std::function<void()> before_begin;  // after the batch's rows were read
  // False: the batch is not ours to write (its claim or the fence refused); the
  // transaction rolls back and the run_batch functions return nullopt.
  std::function<bool()> after_begin;
  std::function<void(std::int64_t rows)> before_commit;
  // When set, it commits the transaction (with a last statement of its own) instead of
  // a plain commit.
  std::function<void(db::Transaction& tx, std::int64_t rows)> commit;
};

// Runs the writes of one batch in one transaction on the target and returns the rows
// written. Rows that must pass through C++ (another database, a transform) are read
// before the transaction starts. When the store is elsewhere, writes are upserts by
// the target key so that repeating a batch after a crash changes nothing. nullopt, with
// nothing written, when hooks.after_begin refused.
std::optional<std::int64_t> run_batch(const MigrationDef& def, const plan::KeyRange& range, const Connections& c,
                                      const TransactionHooks& hooks);

// Group commit: several batches' writes in one transaction on the target, which is also
// the checkpoint store. Each batch is read as run_batch reads it (before the transaction,
// so the rows written per batch are known); then `claim` takes those that are free, and
// only their rows are written, as one write where their route allows (db::merge_blocks).
// `commit` puts the done marks in and commits. Returns (batch index, rows) of each batch
// written; empty, with nothing written, when none could be claimed. The group ends early
// at the batch whose rows take its reading past max_bytes: `taken` says how many of the
// ranges it holds (at least one), the rest are the caller's to run.
struct GroupHooks {
  // After begin: of the first `taken` batches, the indexes of those that are ours.
  std::function<std::vector<std::size_t>(std::size_t taken)> claim;
  std::function<void(db::Transaction& tx, const std::vector<std::pair<std::size_t, std::int64_t>>& rows)> commit;
  std::size_t max_bytes = SIZE_MAX;
};
struct GroupResult {
  std::size_t taken = 0;
  std::vector<std::pair<std::size_t, std::int64_t>> written;  // (index, rows) of each batch written
};
GroupResult run_group(const MigrationDef& def, const std::vector<plan::KeyRange>& ranges, const Connections& c,
                      const GroupHooks& hooks);

// A batch's rows as read from the source, on the route db/ chose for them
// (db/batch_route.hpp): none for the engine routes, one COPY block into PostgreSQL, else
// Values (a transform's rows are always Values).
using BatchRows = db::RowBlock;
BatchRows read_batch(const MigrationDef& def, const plan::KeyRange& range, const Connections& c);
std::int64_t write_batch(const MigrationDef& def, const plan::KeyRange& range, const Connections& c,
                         const BatchRows& rows);

// Reads and writes the batch's rows without a transaction of its own.
std::int64_t write_range(const MigrationDef& def, const plan::KeyRange& range, const Connections& c);

// A row that failed with a permanent error and was set aside (--on-bad-row=quarantine).
struct Reject {
  Values key;
  plan::KeyRange range;  // the one-row range that failed: replayed by `rowshift retry`
  std::string error;
};

// run_batch() for a batch that failed with a permanent error: bisects it by key until
// the failing rows are alone, writes all the others, and returns those in `rejects`.
// Everything, including the hooks' statements, commits in one transaction; nullopt as
// for run_batch.
std::optional<std::int64_t> run_batch_quarantining(const MigrationDef& def, const plan::KeyRange& range,
                                                   const Connections& c, std::vector<Reject>& rejects,
                                                   const TransactionHooks& hooks);

// The source row with this key (all columns), for the reject log.
Values source_row(const MigrationDef& def, const Values& key, const Connections& c, std::vector<std::string>& names);

// Reads the rows a copy or transform produces for `range`, in target column order
// (for verify). fn gets each row; for transforms, each emitted row.
void produce_rows(const MigrationDef& def, const plan::KeyRange& range, db::Database& source,
                  const std::function<void(const Values&)>& fn);

// The target columns a copy or transform writes, in order.
std::vector<std::string> target_columns(const MigrationDef& def);

// Runs the migration's read with no rows: its where, its column expressions and the
// columns it reads, as its batches will run them. A missing column or a syntax error
// fails here (Error config, naming the migration) before anything is written, instead
// of in every batch after the plan was stored. `db` is where the batches read: the
// source, or the target for an update.
void probe_read(const MigrationDef& def, db::Database& db);

}  // namespace rowshift::migrate
