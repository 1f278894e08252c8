// The PostgreSQL backend, on libpqxx 6.4: parameterised statements (prepared once per
// connection), COPY for writing rows, SQLSTATE-based error classification.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "db/database.hpp"

namespace rowshift::db {

// Connects with url.libpq_conninfo(); libpq fills missing parts from PG* variables.
// Throws Error(config) when the first connection fails.
std::unique_ptr<Database> open_postgres(const DbUrl& url);

// "?" placeholders outside quotes and comments -> $1, $2, ... (exposed for tests).
std::string to_dollar_placeholders(const std::string& sql);
// Each "?" outside quotes and comments replaced by what next() returns, in order.
std::string substitute_placeholders(const std::string& sql, const std::function<std::string()>& next);

}  // namespace rowshift::db
