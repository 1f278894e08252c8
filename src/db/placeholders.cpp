#include "db/placeholders.hpp"

#include "db/sql_lexer.hpp"

namespace rowshift::db {

std::string substitute_placeholders(const std::string& sql, const std::function<std::string()>& next) {
  std::string out;
  out.reserve(sql.size() + 16);
  // Only a ? in code is a placeholder: literals, quoted names, dollar quotes ($$what?$$)
  // and comments pass through untouched.
  scan_sql(sql, [&](SqlSpan kind, std::string_view text) {
    if (kind != SqlSpan::code) {
      out.append(text);
      return;
    }
    for (char c : text) {
      if (c == '?') out += next();
      else out += c;
    }
  });
  return out;
}

std::string to_dollar_placeholders(const std::string& sql) {
  int n = 0;
  return substitute_placeholders(sql, [&] { return "$" + std::to_string(++n); });
}

}  // namespace rowshift::db
