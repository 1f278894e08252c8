// The PostgreSQL backend, on libpqxx 6.4: parameterised statements (prepared once per
// connection), COPY for writing rows, SQLSTATE-based error classification.
#pragma once

#include <memory>
#include <string>

#include "db/database.hpp"

namespace rowshift::db {

// Connects with url.libpq_conninfo(); libpq fills missing parts from PG* variables.
// Throws Error(config) when the first connection fails.
std::unique_ptr<Database> open_postgres(const DbUrl& url);

}  // namespace rowshift::db
