#include "db/sql.hpp"

#include <string_view>

#include "rowshift/error.hpp"

namespace rowshift::db {

namespace {

std::string quote_part(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace

std::string quote_ident(const std::string& name) {
  const auto sep = name.find(kSchemaSeparator);
  if (sep == std::string::npos) return quote_part(name);
  return quote_part(std::string_view(name).substr(0, sep)) + "." + quote_part(std::string_view(name).substr(sep + 1));
}

TableRef split_table(const std::string& table) {
  const auto sep = table.find(kSchemaSeparator);
  if (sep == std::string::npos) return {"", table};
  return {table.substr(0, sep), table.substr(sep + 1)};
}

std::size_t read_quoted_name(const std::string& text, std::size_t at, std::string& name) {
  name.clear();
  for (std::size_t i = at + 1; i < text.size(); ++i) {
    if (text[i] != '"') {
      name += text[i];
    } else if (i + 1 < text.size() && text[i + 1] == '"') {
      name += '"';
      ++i;
    } else {
      return i + 1;
    }
  }
  return std::string::npos;
}

std::string parse_table_name(const std::string& text) {
  auto bad = [&](const std::string& why) -> Error {
    return Error(ErrorKind::config, "table name '" + text + "': " + why);
  };
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20) throw bad("holds a control character");
  }
  std::vector<std::string> parts;
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (true) {
    std::string part;
    if (i < n && text[i] == '"') {
      i = read_quoted_name(text, i, part);
      if (i == std::string::npos) throw bad("a quoted name is not closed");
      if (i < n && text[i] != '.') {
        throw bad("unexpected text after the quoted name " + quote_part(part) + " (a quote inside a name is written \"\")");
      }
    } else {
      std::size_t dot = text.find('.', i);
      part = text.substr(i, dot == std::string::npos ? std::string::npos : dot - i);
      i = dot == std::string::npos ? n : dot;
    }
    if (part.empty()) throw bad("an empty name (write a dot inside a name in quotes: \"a.b\")");
    parts.push_back(part);
    if (i >= n) break;
    ++i;  // the dot
  }
  if (parts.size() > 2) throw bad("write TABLE or SCHEMA.TABLE (a dot inside a name goes in quotes: \"a.b\")");
  return parts.size() == 1 ? parts[0] : parts[0] + kSchemaSeparator + parts[1];
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
