// The statements one batch runs: SQL text built from what a migration reads (a table,
// its key, its where) and writes. src/migrate/ says what a batch does; this file says how
// it is written in SQL. User fragments (where, expressions, update statements) are taken
// as the user wrote them and passed through db::user_sql here.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "rowshift/value.hpp"

namespace rowshift::db {

class Database;
enum class SavepointStep;

// The schema name a SQLite source file is attached under on a SQLite target connection.
inline constexpr const char* kAttachedSource = "rowshift_source";

// The rows a batch reads: those of `table` whose key is in the batch's range and that
// the migration's where (user SQL, empty for none) takes.
struct BatchRead {
  std::string table;
  std::vector<std::string> key;
  std::string where;
  bool has_lo = false, has_hi = false;  // which bounds the range has (its parameters)
};

// SELECT (e1), (e2) FROM table WHERE range AND (where). Each expression stands in its own
// parentheses: a top-level comma or FROM in one cannot change the select list. With
// `attached`, the table is read from the source file attached as kAttachedSource, aliased
// to its own name so that expressions naming the table still resolve.
std::string copy_select(const BatchRead& r, const std::vector<std::string>& exprs, bool attached = false);

// SELECT "c1", ... (or *, for no columns) FROM table WHERE range AND (where), in key
// order when `ordered`.
std::string columns_select(const BatchRead& r, const std::vector<std::string>& columns, bool ordered = true);

// SELECT key FROM table WHERE range AND (where) ORDER BY key: the keys of a batch.
std::string keys_select(const BatchRead& r);

// SELECT 1 FROM table WHERE range AND (where): an update's read, for the probe.
std::string exists_select(const BatchRead& r);

// `select` (one of the above, unordered) made to return no row: run to find a missing column or a
// syntax error before anything is written.
std::string without_rows(const std::string& select);

// SELECT * FROM table WHERE k1 = ? AND ...: one row by its key (the reject log).
std::string row_by_key(const std::string& table, const std::vector<std::string>& key);

// INSERT INTO target (columns) <select>, with the clause that lets PostgreSQL's GENERATED
// ALWAYS identity columns take the copied values, and with a non-empty upsert_key an
// ON CONFLICT clause that replaces the row (idempotent re-runs).
std::string insert_select(const Database& target, const std::string& table, const std::vector<std::string>& columns,
                          const std::string& select, const std::vector<std::string>& upsert_key);

// ON CONFLICT (key) DO UPDATE SET c = excluded.c, ... (DO NOTHING when every column is in
// the key). The same clause in SQLite and PostgreSQL.
std::string upsert_clause(const std::vector<std::string>& columns, const std::vector<std::string>& key);

// An update migration's statement for one batch: each {{batch}} in code (not one in a
// string literal or a comment) becomes "(range AND (where))", and `params` gets the
// range's parameters once per marker.
std::string update_statement(const std::string& statement, const BatchRead& r, const Values& range_params,
                             Values& params);

// SAVEPOINT name / RELEASE SAVEPOINT name / ROLLBACK TO SAVEPOINT name (the same in SQLite
// and PostgreSQL).
std::string savepoint_sql(SavepointStep step, const std::string& name);

}  // namespace rowshift::db
