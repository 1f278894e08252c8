// SQL text built from identifiers and key ranges. Identifiers are always quoted.
#pragma once

#include <string>
#include <vector>

namespace rowshift::db {

// A table name that names its schema holds the schema, this byte, and the table (the
// byte is never in a name: parse_table_name() refuses control characters).
inline constexpr char kSchemaSeparator = '\x1f';

// "name" with embedded quotes doubled; works in SQLite and PostgreSQL. A schema-qualified
// table name (kSchemaSeparator) becomes "schema"."table".
std::string quote_ident(const std::string& name);

struct TableRef {
  std::string schema;  // empty: the connection's own (search_path, or SQLite's main)
  std::string name;
};
TableRef split_table(const std::string& table);

// A table name as SQL writes it: `orders`, `app.actor`, `"my schema"."my table"`,
// `"a.b"` (one table with a dot in its name). A bare part is taken as written up to a
// dot; a quoted part reads "" as one quote. Returns the name (schema-qualified with
// kSchemaSeparator). Throws Error(config) saying what is wrong.
std::string parse_table_name(const std::string& text);
// Reads a quoted name starting at text[at] (a double quote) into `name`, "" as one quote.
// Returns the offset after the closing quote, or npos when the name is not closed.
std::size_t read_quoted_name(const std::string& text, std::size_t at, std::string& name);

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
