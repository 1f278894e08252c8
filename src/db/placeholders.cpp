#include "db/placeholders.hpp"

namespace rowshift::db {

std::string substitute_placeholders(const std::string& sql, const std::function<std::string()>& next) {
  std::string out;
  out.reserve(sql.size() + 16);
  for (std::size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (c == '\'' || c == '"') {  // copy a quoted literal or identifier whole
      std::size_t end = i + 1;
      while (end < sql.size()) {
        if (sql[end] == c) {
          if (end + 1 < sql.size() && sql[end + 1] == c) {
            end += 2;
            continue;
          }
          break;
        }
        ++end;
      }
      out.append(sql, i, end - i + 1);
      i = end;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      auto end = sql.find('\n', i);
      if (end == std::string::npos) end = sql.size() - 1;
      out.append(sql, i, end - i + 1);
      i = end;
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      auto end = sql.find("*/", i + 2);
      end = end == std::string::npos ? sql.size() - 1 : end + 1;
      out.append(sql, i, end - i + 1);
      i = end;
    } else if (c == '?') {
      out += next();
    } else {
      out += c;
    }
  }
  return out;
}

std::string to_dollar_placeholders(const std::string& sql) {
  int n = 0;
  return substitute_placeholders(sql, [&] { return "$" + std::to_string(++n); });
}

}  // namespace rowshift::db
