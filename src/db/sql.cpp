#include "db/sql.hpp"

namespace rowshift::db {

std::string quote_ident(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string quote_list(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += quote_ident(n);
  }
  return out;
}

std::string placeholders(std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += i ? ", ?" : "?";
  return out;
}

std::string range_predicate(const std::vector<std::string>& key, bool has_lo, bool has_hi) {
  std::string lhs = key.size() == 1 ? quote_ident(key[0]) : "(" + quote_list(key) + ")";
  std::string rhs = key.size() == 1 ? "?" : "(" + placeholders(key.size()) + ")";
  std::string out;
  if (has_lo) out += lhs + " > " + rhs;
  if (has_hi) out += (out.empty() ? "" : " AND ") + lhs + " <= " + rhs;
  return out.empty() ? "1=1" : out;
}

std::string select_by_keys(const std::string& table, const std::vector<std::string>& columns,
                           const std::vector<std::string>& key, std::size_t keys) {
  std::string lhs = key.size() == 1 ? quote_ident(key[0]) : "(" + quote_list(key) + ")";
  std::string one = key.size() == 1 ? "?" : "(" + placeholders(key.size()) + ")";
  std::string list;
  for (std::size_t i = 0; i < keys; ++i) list += (i ? ", " : "") + one;
  return "SELECT " + quote_list(columns) + " FROM " + quote_ident(table) + " WHERE " + lhs + " IN (" + list + ")";
}

std::string count_rows(const std::string& table) { return "SELECT count(*) FROM " + quote_ident(table); }

}  // namespace rowshift::db
