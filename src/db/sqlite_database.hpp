// The SQLite backend, on SQLite's C API (see docs/architecture.md for why not SOCI here).
#pragma once

#include <memory>

#include "db/database.hpp"

namespace rowshift::db {

// Opens the file named by url (mode=ro|rw|rwc, default rw: the file must exist), and
// waits up to `timeout` milliseconds (default 5000) for locks before reporting a
// transient error. Opening writes nothing: the journal mode changes only when the URL
// asks for one (journal_mode=...) or a run calls set_sqlite_journal_mode().
std::unique_ptr<Database> open_sqlite(const DbUrl& url);

// The file's journal mode ("delete", "wal", ...), read without changing anything.
std::string sqlite_journal_mode(Database& db);
// Sets the file's journal mode (synchronous=NORMAL on this connection for WAL); returns
// false when the file is busy elsewhere (leaving WAL needs every other connection
// closed): the mode then stays as it was. Waits at most `wait_ms` for the lock.
bool set_sqlite_journal_mode(Database& db, const std::string& mode, int wait_ms);

// Why rowshift could not write the SQLite database at `url` although it opens: the
// folder is not writable (SQLite creates its journal, -wal and -shm files beside the
// database), or the file is not. Empty when both are writable, or for :memory:.
std::string sqlite_unwritable_reason(const DbUrl& url);

}  // namespace rowshift::db
