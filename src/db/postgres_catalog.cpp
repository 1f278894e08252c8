#include "db/postgres_catalog.hpp"

#include <algorithm>

#include "db/database.hpp"
#include "db/pg_types.hpp"
#include "db/sql.hpp"

namespace rowshift::db::pg_catalog {

bool table_exists(Database& db, const std::string& table) {
  Values r = query_row(db, "SELECT to_regclass(?) IS NOT NULL", {quote_ident(table)});
  return !r.empty() && r[0].as_int() == 1;
}

bool has_unique_key(Database& db, const std::string& table, const std::vector<std::string>& columns) {
  std::string want;
  std::vector<std::string> sorted = columns;
  std::sort(sorted.begin(), sorted.end());
  for (const auto& c : sorted) want += c + ",";
  bool found = false;
  db.query(
      "SELECT string_agg(a.attname::text, ',' ORDER BY a.attname::text) || ','"
      " FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)"
      " WHERE i.indrelid = to_regclass(?) AND i.indisunique AND i.indpred IS NULL"
      " GROUP BY i.indexrelid",
      {quote_ident(table)}, [&](Values& r) {
        found = found || (!r[0].is_null() && r[0].as_text() == want);
        return !found;
      });
  return found;
}

bool read_only(Database& db) {
  Values r = query_row(db, "SELECT current_setting('transaction_read_only') = 'on'");
  return !r.empty() && r[0].as_int() == 1;
}

std::vector<std::string> table_columns(Database& db, const std::string& table) {
  std::vector<std::string> cols;
  db.query(
      "SELECT attname::text FROM pg_attribute WHERE attrelid = to_regclass(?) AND attnum > 0"
      " AND NOT attisdropped ORDER BY attnum",
      {quote_ident(table)}, [&](Values& r) {
        cols.push_back(r[0].as_text());
        return true;
      });
  return cols;
}

std::vector<unsigned> column_types(Database& db, const std::string& table, const std::vector<std::string>& columns) {
  std::vector<unsigned> types;
  for (const auto& c : columns) {
    Values r = query_row(db,
                         "SELECT atttypid::bigint FROM pg_attribute WHERE attrelid = to_regclass(?)"
                         " AND attname = ? AND NOT attisdropped",
                         {quote_ident(table), c});
    if (r.empty() || r[0].is_null() || r[0].as_int() >= pg_type::kFirstUserType) {
      types.clear();
      break;
    }
    types.push_back(static_cast<unsigned>(r[0].as_int()));
  }
  return types;
}

std::vector<std::string> advance_sequences(Database& db, const std::string& table,
                                           const std::vector<std::string>& columns) {
  std::vector<std::string> moved;
  for (const auto& column : columns) {
    Values seq = query_row(db, "SELECT pg_get_serial_sequence(?, ?)", {quote_ident(table), column});
    if (seq.empty() || seq[0].is_null()) continue;
    // Only upwards: a sequence already past the column's largest value stays.
    Values r = query_row(db,
                         "SELECT setval(CAST(? AS regclass), m) FROM (SELECT CAST(max(" + quote_ident(column) +
                             ") AS BIGINT) AS m FROM " + quote_ident(table) +
                             ") AS rowshift_max WHERE m IS NOT NULL AND m > coalesce(pg_sequence_last_value(CAST(? "
                             "AS regclass)), 0)",
                         {seq[0], seq[0]});
    if (!r.empty())
      moved.push_back("sequence " + seq[0].as_text() + " of " + table + "." + column + " set to " +
                      std::to_string(r[0].as_int()) + " (the column's largest value)");
  }
  return moved;
}

}  // namespace rowshift::db::pg_catalog
