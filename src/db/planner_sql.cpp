#include "db/planner_sql.hpp"

#include <cctype>

#include "db/sql.hpp"

namespace rowshift::db {
namespace {

// "(where) AND ", or nothing: the start of a condition that the caller completes.
std::string filter(const std::string& where) { return where.empty() ? "" : "(" + where + ") AND "; }

// A name for the walk's own CTE that no name of the user's statement can capture: a
// table named like the CTE would otherwise be read as the CTE itself (PostgreSQL:
// "recursive reference to query must not appear within a subquery").
std::string walk_name(const std::string& table, const std::string& key, const std::string& where) {
  std::string used = table + " " + where + " " + key;
  for (char& c : used) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string name = "rowshift_walk";
  for (int n = 2; used.find(name) != std::string::npos; ++n) name = "rowshift_walk" + std::to_string(n);
  return name;
}

}  // namespace

std::string null_key_probe(const std::string& table, const std::string& key_column, const std::string& where) {
  return "SELECT 1 FROM " + quote_ident(table) + " WHERE " + filter(where) + quote_ident(key_column) + " IS NULL LIMIT 1";
}

KeyWalkSql key_walk_sql(const std::string& table, const std::string& key_column, const std::string& where) {
  const std::string k = quote_ident(key_column);
  const std::string from = " FROM " + quote_ident(table) + " WHERE " + filter(where);
  const std::string walk = walk_name(table, key_column, where);
  KeyWalkSql s;
  s.ends = "SELECT (SELECT " + k + from + "1=1 ORDER BY " + k + " LIMIT 1), (SELECT " + k + from + "1=1 ORDER BY " + k +
           " DESC LIMIT 1), (SELECT count(*) FROM (SELECT 1" + from + "1=1 LIMIT 1) AS rowshift_any_row)";
  s.walk = "WITH RECURSIVE " + walk + "(at_key) AS (SELECT (SELECT " + k + from + "1=1 ORDER BY " + k +
           " LIMIT 1 OFFSET ?) UNION ALL SELECT (SELECT " + k + from + k + " > " + walk + ".at_key ORDER BY " + k +
           " LIMIT 1 OFFSET ?) FROM " + walk + " WHERE " + walk + ".at_key IS NOT NULL) SELECT at_key FROM " + walk +
           " WHERE at_key IS NOT NULL";
  s.count_all = "SELECT count(*)" + from + "1=1";
  s.count_after = "SELECT count(*)" + from + k + " > ?";
  return s;
}

KeyPageSql key_page_sql(const std::string& table, const std::vector<std::string>& key, const std::string& where,
                        std::size_t page) {
  const std::string cols = quote_list(key);
  const std::string base = "SELECT " + cols + " FROM " + quote_ident(table) + " WHERE " + filter(where);
  const std::string order = " ORDER BY " + cols + " LIMIT " + std::to_string(page);
  return {base + "1=1" + order, base + range_predicate(key, true, false) + order};
}

std::string count_null_keys(const std::string& table, const std::vector<std::string>& key, const std::string& where) {
  std::string null_key;
  for (const auto& k : key) null_key += (null_key.empty() ? "" : " OR ") + quote_ident(k) + " IS NULL";
  std::string sql = "SELECT count(*) FROM " + quote_ident(table) + " WHERE (" + null_key + ")";
  if (!where.empty()) sql += " AND (" + where + ")";
  return sql;
}

}  // namespace rowshift::db
