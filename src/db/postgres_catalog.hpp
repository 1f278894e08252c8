// PostgreSQL's catalog questions, asked through any connection to it with plain queries:
// tables, columns, unique keys, column types and owned sequences. The backend
// (db/postgres_database.cpp) answers Database's catalog methods with these.
#pragma once

#include <string>
#include <vector>

namespace rowshift::db {

class Database;

namespace pg_catalog {

bool table_exists(Database& db, const std::string& table);
bool has_unique_key(Database& db, const std::string& table, const std::vector<std::string>& columns);
bool read_only(Database& db);
std::vector<std::string> table_columns(Database& db, const std::string& table);
// The built-in type ids of table(columns), or nothing when one is a user type or missing.
std::vector<unsigned> column_types(Database& db, const std::string& table, const std::vector<std::string>& columns);
// Database::advance_sequences.
std::vector<std::string> advance_sequences(Database& db, const std::string& table,
                                           const std::vector<std::string>& columns);

}  // namespace pg_catalog
}  // namespace rowshift::db
