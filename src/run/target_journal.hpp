// The journal mode of a SQLite target (and of a SQLite store elsewhere) for the length
// of a run that writes.
//
// Workers write in WAL mode (a reader of the same file, such as a same-file copy's
// source, then never waits for the writer), but the mode is a property of the file,
// and a user's file must not be left changed by rowshift. So a run switches it to WAL
// and, when it ends and no other runner is still live on the store, puts back the mode
// the file had before the first run changed it. That mode is kept in the checkpoint
// store (rowshift_meta), so a run killed before it could put it back is made good by
// the next run that finishes. A URL that names journal_mode is the user's choice and
// is left alone; so are in-memory databases and PostgreSQL.
#pragma once

#include <string>
#include <vector>

#include "db/database.hpp"
#include "rowshift/runner.hpp"

namespace rowshift {

class RunJournalMode {
 public:
  // Registers itself as impl.journal for its lifetime; changes nothing yet.
  explicit RunJournalMode(Runner::Impl& impl);
  // Puts back the recorded modes when no other runner is live (this run's, or those a
  // killed run left).
  ~RunJournalMode();
  // WAL from now on (called when batches are about to run: schema steps and runs that
  // stop on bad input leave the file as it was). Records the mode it replaces first.
  void switch_to_wal();
  RunJournalMode(const RunJournalMode&) = delete;
  RunJournalMode& operator=(const RunJournalMode&) = delete;

 private:
  struct File {
    db::Database* conn;
    db::DbUrl url;
    std::string key;  // its rowshift_meta entry: the mode before runs changed it
    bool switched;    // in WAL for this run
  };
  Runner::Impl& impl_;
  std::vector<File> files_;  // the target's, and a SQLite store's elsewhere
};

}  // namespace rowshift
