// The SQLite backend, on SQLite's C API (see docs/architecture.md for why not SOCI here).
#pragma once

#include <memory>

#include "db/database.hpp"

namespace rowshift::db {

// Opens the file named by url (mode=ro|rw|rwc, default rw: the file must exist).
// Read-write connections use WAL and synchronous=NORMAL, and wait up to `timeout`
// milliseconds (default 5000) for locks before reporting a transient error.
std::unique_ptr<Database> open_sqlite(const DbUrl& url);

}  // namespace rowshift::db
