// SQL text built from identifiers and key ranges. Identifiers are always quoted.
#pragma once

#include <string>
#include <vector>

namespace rowshift::db {

// "name" with embedded quotes doubled; works in SQLite and PostgreSQL.
std::string quote_ident(const std::string& name);
// "a", "b", "c"
std::string quote_list(const std::vector<std::string>& names);
// ?, ?, ?
std::string placeholders(std::size_t n);

// A predicate selecting keys in (lo, hi]: "id" > ? AND "id" <= ?, or for composite
// keys ("a", "b") > (?, ?) AND ("a", "b") <= (?, ?). A missing bound is left out;
// with neither it is "1=1". Parameters: lo values, then hi values.
std::string range_predicate(const std::vector<std::string>& key, bool has_lo, bool has_hi);

// SELECT "c1", "c2" FROM "t" WHERE "k" IN (?, ?, ...), or for composite keys
// ("a", "b") IN ((?, ?), ...): the rows of `keys` key values. Parameters: each key's
// values in turn. Equality finds a row whatever the column's collation orders by.
std::string select_by_keys(const std::string& table, const std::vector<std::string>& columns,
                           const std::vector<std::string>& key, std::size_t keys);

// SELECT count(*) FROM "t"
std::string count_rows(const std::string& table);

}  // namespace rowshift::db
