#include "db/batch_sql.hpp"

#include <algorithm>

#include "db/database.hpp"
#include "db/placeholders.hpp"
#include "db/sql.hpp"
#include "db/sql_lexer.hpp"

namespace rowshift::db {
namespace {

// "(range) AND (where)" without the outer parentheses: the rows of the batch.
std::string batch_condition(const BatchRead& r) {
  std::string w = range_predicate(r.key, r.has_lo, r.has_hi);
  if (!r.where.empty()) w += " AND (" + user_sql(r.where) + ")";
  return w;
}

std::string order_by_key(const BatchRead& r) { return " ORDER BY " + quote_list(r.key); }

}  // namespace

std::string copy_select(const BatchRead& r, const std::vector<std::string>& exprs, bool attached) {
  std::string list;
  for (const auto& e : exprs) list += (list.empty() ? "(" : ", (") + user_sql(e) + ")";
  std::string from = quote_ident(r.table);
  if (attached) {
    // The source file's own tables are in its main schema, attached here as one schema.
    std::string table = quote_ident(split_table(r.table).name);
    from = std::string(kAttachedSource) + "." + table + " AS " + table;
  }
  return "SELECT " + list + " FROM " + from + " WHERE " + batch_condition(r);
}

std::string columns_select(const BatchRead& r, const std::vector<std::string>& columns, bool ordered) {
  std::string list = columns.empty() ? "*" : quote_list(columns);
  return "SELECT " + list + " FROM " + quote_ident(r.table) + " WHERE " + batch_condition(r) +
         (ordered ? order_by_key(r) : "");
}

std::string keys_select(const BatchRead& r) { return columns_select(r, r.key, true); }

std::string exists_select(const BatchRead& r) {
  return "SELECT 1 FROM " + quote_ident(r.table) + " WHERE " + batch_condition(r);
}

std::string without_rows(const std::string& select) { return select + " AND 1=0"; }

std::string row_by_key(const std::string& table, const std::vector<std::string>& key) {
  std::string where;
  for (const auto& k : key) where += (where.empty() ? "" : " AND ") + quote_ident(k) + " = ?";
  return "SELECT * FROM " + quote_ident(table) + " WHERE " + where;
}

std::string upsert_clause(const std::vector<std::string>& columns, const std::vector<std::string>& key) {
  std::string set;
  for (const auto& c : columns) {
    if (std::find(key.begin(), key.end(), c) != key.end()) continue;
    set += (set.empty() ? "" : ", ") + quote_ident(c) + " = excluded." + quote_ident(c);
  }
  return " ON CONFLICT (" + quote_list(key) + ") DO " + (set.empty() ? "NOTHING" : "UPDATE SET " + set);
}

std::string insert_select(const Database& target, const std::string& table, const std::vector<std::string>& columns,
                          const std::string& select, const std::vector<std::string>& upsert_key) {
  // GENERATED ALWAYS identity columns take the copied values only when told so (COPY,
  // the other routes, always may). SQLite has no such columns.
  const char* overriding = target.dialect() == Dialect::postgresql ? "OVERRIDING SYSTEM VALUE " : "";
  std::string sql = "INSERT INTO " + quote_ident(table) + " (" + quote_list(columns) + ") " + overriding + select;
  if (!upsert_key.empty()) sql += upsert_clause(columns, upsert_key);
  return sql;
}

std::string update_statement(const std::string& statement, const BatchRead& r, const Values& range_params,
                             Values& params) {
  const std::string pred = "(" + batch_condition(r) + ")";
  const std::string token = "{{batch}}";
  std::string sql;
  std::size_t pos = 0;
  // Only the markers in code: one inside a string literal or a comment is the user's text.
  for (std::size_t at : find_in_code(statement, token)) {
    sql += user_sql(statement.substr(pos, at - pos));
    sql += pred;
    for (const auto& v : range_params) params.push_back(v);
    pos = at + token.size();
  }
  sql += user_sql(statement.substr(pos));
  return sql;
}

std::string savepoint_sql(SavepointStep step, const std::string& name) {
  switch (step) {
    case SavepointStep::set: return "SAVEPOINT " + quote_ident(name);
    case SavepointStep::release: return "RELEASE SAVEPOINT " + quote_ident(name);
    case SavepointStep::roll_back: return "ROLLBACK TO SAVEPOINT " + quote_ident(name);
  }
  return {};
}

}  // namespace rowshift::db
