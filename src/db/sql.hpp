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

}  // namespace rowshift::db
