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
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] != '?') {
        out += text[i];
      } else if (i + 1 < text.size() && text[i + 1] == '?') {
        out += '?';  // the user's own, doubled by user_sql()
        ++i;
      } else {
        out += next();
      }
    }
  });
  return out;
}

std::string user_sql(const std::string& fragment) {
  if (fragment.find('?') == std::string::npos) return fragment;
  std::string out;
  scan_sql(fragment, [&](SqlSpan kind, std::string_view text) {
    for (char c : text) {
      out += c;
      if (c == '?' && kind == SqlSpan::code) out += '?';
    }
  });
  return out;
}

bool has_question_mark(const std::string& fragment) {
  bool found = false;
  scan_sql(fragment, [&](SqlSpan kind, std::string_view text) {
    found = found || (kind == SqlSpan::code && text.find('?') != std::string_view::npos);
  });
  return found;
}

std::string to_dollar_placeholders(const std::string& sql) {
  int n = 0;
  return substitute_placeholders(sql, [&] { return "$" + std::to_string(++n); });
}

}  // namespace rowshift::db
