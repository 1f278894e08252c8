// rowshift/error.hpp — the one error type and the process exit codes.
#pragma once

#include <stdexcept>
#include <string>

namespace rowshift {

// What a caller can do about an error decides its kind:
//  transient  — retry later (busy database, lost connection, serialization failure);
//  permanent  — retrying cannot help (constraint, syntax, type); fails one batch;
//  config     — the user's input is wrong (bad URL, flag, migration file, missing table);
//               nothing has been written;
//  cancelled  — the run was asked to stop;
//  conflict   — another process changed the checkpoint store under this one (a `reset`
//               during a run); what was written is kept, nothing is marked done;
//  partly_applied — a config error that could only be found after earlier migrations of
//               the same run had committed (the message names them); fixing the input
//               and running again resumes, the applied ones are not run twice.
enum class ErrorKind { transient, permanent, config, cancelled, conflict, partly_applied };

// Why a transient error may not be retried for as long as an outage may last: the
// database answers, but a limit of its own ended the statement.
enum class ErrorLimit {
  none,
  statement_timeout,  // PostgreSQL's statement_timeout (57014): the same statement meets it again
  lock_wait,          // a SQLite file stayed locked by another process for the whole --lock-timeout
  connection_slots,   // PostgreSQL refused a new connection for lack of slots (53300): the server
                      // answers; fewer connections, not a wait for an outage, is the remedy
};

// The one exception type rowshift throws; its kind says what a caller can do about it.
class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string message, ErrorLimit limit = ErrorLimit::none)
      : std::runtime_error(std::move(message)), kind_(kind), limit_(limit) {}
  ErrorKind kind() const { return kind_; }
  bool transient() const { return kind_ == ErrorKind::transient; }
  ErrorLimit limit() const { return limit_; }

  // The database's own code for the error, where it gave one (the message shows it
  // too): PostgreSQL's SQLSTATE ("23505"), or SQLite's extended result code (2067,
  // SQLITE_CONSTRAINT_UNIQUE). Empty / 0 otherwise.
  const std::string& sqlstate() const { return sqlstate_; }
  int sqlite_code() const { return sqlite_code_; }
  Error& set_sqlstate(std::string state) {
    sqlstate_ = std::move(state);
    return *this;
  }
  Error& set_sqlite_code(int code) {
    sqlite_code_ = code;
    return *this;
  }

 private:
  ErrorKind kind_;
  ErrorLimit limit_;
  std::string sqlstate_;
  int sqlite_code_ = 0;
};

// Exit codes of the rowshift CLI; docs/cli.md lists them.
enum class ExitCode : int {
  success = 0,
  internal_error = 1,   // a bug or an unexpected failure
  usage = 2,            // unknown command or flag, bad flag value
  config = 3,           // bad URL, unreadable database, bad migration file, missing table,
                        // changed definition; nothing was written
  batches_failed = 4,   // the run finished but some batches failed (see `rowshift status`)
  verify_mismatch = 5,  // `verify` found ranges where source and target differ
  rows_rejected = 6,    // the run finished, but rows were quarantined (`rowshift rejects NAME`)
  store_changed = 7,    // another process changed this run's checkpoint rows (e.g. a reset)
  partly_applied = 8,   // an input error found after earlier migrations of the run committed
  interrupted = 75,     // stopped by SIGINT/SIGTERM or --max-outage; run again to resume
};

// The one mapping from an error that ended a command to the process's exit code (the CLI
// uses it; a program of its own can too). transient and permanent errors that reach the
// top were not handled by any retry or batch: internal_error.
ExitCode exit_code_for(ErrorKind kind);

}  // namespace rowshift
