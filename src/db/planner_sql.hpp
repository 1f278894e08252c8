// The statements the planner and verify run against a source table: SQL text built from
// a table, its key and a migration's where (already passed through db::user_sql). The
// planner (src/plan/) decides what to ask; this file says how it is asked.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace rowshift::db {

// SELECT 1 FROM t WHERE (where) AND k IS NULL LIMIT 1: does key column k hold a NULL?
std::string null_key_probe(const std::string& table, const std::string& key_column, const std::string& where);

// A one-column unique key walked in the engine (a recursive CTE whose OFFSET skips
// inside the key's index).
struct KeyWalkSql {
  std::string ends;         // the smallest key, the largest key, and 1 if any row (else 0)
  std::string walk;         // every (skip+1)-th key; parameters: skip, skip
  std::string count_all;    // the rows the where takes
  std::string count_after;  // those with a key above the parameter
};
KeyWalkSql key_walk_sql(const std::string& table, const std::string& key_column, const std::string& where);

// Every key in pages of `page` rows, in key order: `first` has no parameter, `next` the
// last key of the page before.
struct KeyPageSql {
  std::string first, next;
};
KeyPageSql key_page_sql(const std::string& table, const std::vector<std::string>& key, const std::string& where,
                        std::size_t page);

// SELECT count(*) of the rows the where takes whose key has a NULL in any column: rows
// that are in no batch.
std::string count_null_keys(const std::string& table, const std::vector<std::string>& key, const std::string& where);

// Asked of a database to tell "the database is down" from "this batch keeps failing".
inline constexpr const char* kPing = "SELECT 1 AS rowshift_ping";

}  // namespace rowshift::db
