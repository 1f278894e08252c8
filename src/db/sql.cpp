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

}  // namespace rowshift::db
