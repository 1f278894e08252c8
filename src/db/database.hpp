// The narrow database interface. Everything above src/db/ talks to databases only
// through it, so a wrapper (tests/support/faulty_database.hpp) can inject faults.
//
// A Database is one connection: not thread-safe, used by one thread at a time.
// Every method throws rowshift::Error classified as transient or permanent.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "db/url.hpp"
#include "rowshift/value.hpp"

namespace rowshift::db {

enum class Dialect { sqlite, postgresql };

// The steps of a savepoint inside the open transaction (db/batch_sql.hpp writes them).
enum class SavepointStep { set, release, roll_back };

// Receives each row; returning false stops reading.
using RowFn = std::function<bool(Values& row)>;

// One statement and its parameters, for the calls that send several at once.
struct Statement {
  std::string sql;
  Values params;
};

class Database {
 public:
  virtual ~Database() = default;

  virtual Dialect dialect() const = 0;
  virtual const DbUrl& url() const = 0;

  // Runs one or more ;-separated statements without parameters.
  virtual void execute_script(const std::string& sql) = 0;
  // Runs one statement with positional parameters (?); returns rows changed.
  virtual std::int64_t execute(const std::string& sql, const Values& params = {}) = 0;
  // The statements in order, as execute() would run them, in one message where the
  // engine can (a group's writes: one round trip instead of one each). Returns the rows
  // each changed; the first that fails throws, and those after it do not run.
  virtual std::vector<std::int64_t> execute_each(const std::vector<Statement>& statements);
  // Runs a query and hands each row to fn. Column names go to *names when given.
  virtual void query(const std::string& sql, const Values& params, const RowFn& fn,
                     std::vector<std::string>* names = nullptr) = 0;

  // A write transaction (SQLite: BEGIN IMMEDIATE, so writers queue on the busy timeout
  // instead of failing at commit). Use db::Transaction rather than calling these.
  virtual void begin() = 0;
  virtual void commit() = 0;
  virtual void rollback() = 0;
  // Runs `sql` as the open transaction's last statement, then commits. PostgreSQL sends
  // both in one message, so the caller learns nothing of the rows changed: only for a
  // statement that cannot fail to match, such as the done mark of a batch whose claim
  // this transaction holds (the claim's row lock keeps everyone else off that row).
  virtual void commit_after(const std::string& sql, const Values& params) {
    execute(sql, params);
    commit();
  }

  // Sets, releases or rolls back to the savepoint `name` in the open transaction. Rolling
  // back to it undoes a failed statement's effects, and the transaction goes on (on
  // PostgreSQL it is what makes an aborted transaction usable again).
  virtual void savepoint(SavepointStep step, const std::string& name) = 0;

  // Inside a transaction: waits until no other runner is in its own setup section
  // (first-time schema steps, storing a plan), held until the transaction ends. SQLite's
  // BEGIN IMMEDIATE already holds the database's write lock; PostgreSQL takes an
  // advisory transaction lock.
  virtual void lock_setup() {}

  // Makes another database of the same engine readable on this connection as
  // schema.table (SQLite: ATTACH, read-only), so one statement can copy between them.
  // Idempotent; false when this engine or state cannot (then read through `other`).
  virtual bool attach(const DbUrl& other, const std::string& schema) {
    (void)other;
    (void)schema;
    return false;
  }

  // After a schema step (user SQL) on this connection: puts back the session settings
  // the step may have changed (a pg_dump file empties search_path), so that rowshift's
  // own statements mean what they say.
  virtual void reset_session() {}
  // Lets this connection's commits return before their write-ahead log is on disk
  // (PostgreSQL: synchronous_commit = off for the session, kept across reconnects). Only
  // for a connection each of whose transactions a resume redoes when a server crash
  // loses it: a batch's rows with its own done mark, in the store that is the target.
  // Such a crash loses the last commits whole and in order, never half of one; the run
  // then finds those batches pending again and runs them (run/batch_coordinator.cpp).
  virtual void relax_commit_durability() {}
  // Whether this connection's statements end when a stop is requested (db/interrupt.hpp;
  // use the Interruptible scope rather than calling this).
  virtual void set_interruptible(bool on) = 0;

  // After a copy into `table` finished: every sequence that a written column owns
  // (serial, identity) is set past the largest value now in the column, never lowered.
  // Returns one line per sequence moved, for the run's output. Call inside a
  // transaction holding lock_setup(), so that runners finishing together take turns.
  virtual std::vector<std::string> advance_sequences(const std::string& table, const std::vector<std::string>& columns) {
    (void)table;
    (void)columns;
    return {};
  }

  virtual bool table_exists(const std::string& table) = 0;
  // True when a primary key or unique index covers exactly these columns (any order):
  // what INSERT ... ON CONFLICT (columns) needs.
  virtual bool has_unique_key(const std::string& table, const std::vector<std::string>& columns) = 0;
  // True when this connection cannot write (SQLite mode=ro, a read-only file).
  virtual bool read_only() = 0;
  virtual std::vector<std::string> table_columns(const std::string& table) = 0;

  // Writes rows into table(columns). With a non-empty upsert_key, a row whose key is
  // already present replaces the old values (idempotent re-runs).
  virtual void insert_rows(const std::string& table, const std::vector<std::string>& columns,
                           const std::vector<Values>& rows,
                           const std::vector<std::string>& upsert_key) = 0;

  // The COPY fast path (db/copy_text.hpp). query_copy_text appends a query's rows to
  // `out` as PostgreSQL COPY text and returns how many; this default goes through
  // query(), engines override it to skip Values. copy_text_in writes such a block (its
  // last newline may be left off, which spares PostgreSQL a copy of the block) into
  // table(columns) like insert_rows does; only engines whose accepts_copy_text() is
  // true implement it. The COPY writers return the rows the server says it copied.
  virtual std::int64_t query_copy_text(const std::string& sql, const Values& params, std::string& out);
  virtual bool accepts_copy_text() const { return false; }
  virtual std::int64_t copy_text_in(const std::string& table, const std::vector<std::string>& columns,
                            const std::string& text, const std::vector<std::string>& upsert_key);

  // Binary COPY from one PostgreSQL database into another: the block is passed through
  // untouched, so no value is printed or parsed as text on either server. Only when
  // every result column of the query has the same built-in type as its target column:
  // result_types and column_types give those type ids (asking the server each time: a
  // worker's GuardedDatabase keeps them), or nothing where the engine cannot or a type
  // is not built in (type ids of user types differ between databases, and binary
  // formats carry them).
  virtual std::vector<unsigned> result_types(const std::string& sql, const Values& params);
  virtual std::vector<unsigned> column_types(const std::string& table, const std::vector<std::string>& columns);
  virtual std::int64_t query_copy_binary(const std::string& sql, const Values& params, std::string& out);
  // query_copy_binary of each query, into out[i] (resized to the queries' number), in
  // one message where the engine can (a group's reads: one round trip, not one each).
  virtual std::vector<std::int64_t> query_copy_binary_each(const std::vector<Statement>& queries,
                                                           std::vector<std::string>& out);
  virtual std::int64_t copy_binary_in(const std::string& table, const std::vector<std::string>& columns,
                              const std::string& block, const std::vector<std::string>& upsert_key);
  // From another engine into PostgreSQL in binary COPY: the query's rows appended to
  // `out` as a block for a target whose column types are `types`, encoded by
  // db/copy_binary.hpp. nullopt, with `out` as it was, when a value is not one binary
  // takes exactly as PostgreSQL's text input would: the batch then goes as COPY text.
  virtual std::optional<std::int64_t> query_copy_binary_for(const std::string& sql, const Values& params,
                                                           const std::vector<unsigned>& types, std::string& out);
};

// Opens a connection; throws Error(config) naming the database when it cannot.
std::unique_ptr<Database> open_database(const DbUrl& url);
std::unique_ptr<Database> open_database(const std::string& url);

// Test seam: when set, every connection open_database() makes is passed through the
// hook, which may wrap it (tests/support/faulty_database.hpp injects faults this way).
// Set it before a Runner starts and clear it after; it is not synchronised.
using OpenHook = std::function<std::unique_ptr<Database>(std::unique_ptr<Database>)>;
void set_open_hook(OpenHook hook);

// Rolls back on destruction unless committed (RAII, like SOCI's transaction).
class Transaction {
 public:
  explicit Transaction(Database& db) : db_(db) { db_.begin(); }
  ~Transaction() {
    if (!done_) {
      try {
        db_.rollback();
      } catch (...) {  // the connection may be gone; the server rolls back anyway
      }
    }
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit() {
    db_.commit();
    done_ = true;
  }
  void commit_after(const std::string& sql, const Values& params) {
    db_.commit_after(sql, params);
    done_ = true;
  }

 private:
  Database& db_;
  bool done_ = false;
};

// Convenience readers on top of query().
std::vector<Values> query_all(Database& db, const std::string& sql, const Values& params = {});
// The first row, or an empty vector when there is none.
Values query_row(Database& db, const std::string& sql, const Values& params = {});

}  // namespace rowshift::db
