#include "db/sql_lexer.hpp"

#include <algorithm>
#include <cctype>

namespace rowshift::db {
namespace {

bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || (c & 0x80); }

// The end (one past) of a quoted run starting at i (sql[i] is the quote): a doubled
// quote stands for itself; with backslash escapes (E'...'), \x does too. npos when the
// quote is never closed.
std::size_t quoted_end(std::string_view sql, std::size_t i, char q, bool backslash) {
  std::size_t j = i + 1;
  while (j < sql.size()) {
    if (backslash && sql[j] == '\\') {
      j += 2;
      continue;
    }
    if (sql[j] == q) {
      if (j + 1 < sql.size() && sql[j + 1] == q) {
        j += 2;
        continue;
      }
      return j + 1;
    }
    ++j;
  }
  return std::string_view::npos;
}

// A dollar quote's opening tag at i ("$$" or "$tag$"), or 0 when none starts there
// ($1 is a parameter; a tag does not start with a digit).
std::size_t dollar_tag_length(std::string_view sql, std::size_t i) {
  std::size_t j = i + 1;
  if (j < sql.size() && std::isdigit(static_cast<unsigned char>(sql[j]))) return 0;
  while (j < sql.size() && ident_char(sql[j]) && sql[j] != '$') ++j;
  if (j < sql.size() && sql[j] == '$') return j - i + 1;
  return 0;
}

}  // namespace

void scan_sql(std::string_view sql, const std::function<void(SqlSpan, std::string_view)>& fn) {
  std::size_t code_start = 0;
  auto flush_code = [&](std::size_t upto) {
    if (upto > code_start) fn(SqlSpan::code, sql.substr(code_start, upto - code_start));
  };
  std::size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    SqlSpan kind = SqlSpan::code;
    std::size_t end = i;
    if (c == '\'') {
      // E'..' (PostgreSQL) takes backslash escapes; the E is part of the code before it.
      bool escapes = i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') && (i < 2 || !ident_char(sql[i - 2]));
      kind = SqlSpan::string;
      end = std::min(quoted_end(sql, i, '\'', escapes), sql.size());
    } else if (c == '"') {
      kind = SqlSpan::identifier;
      end = std::min(quoted_end(sql, i, '"', false), sql.size());
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      kind = SqlSpan::comment;
      auto nl = sql.find('\n', i);
      end = nl == std::string_view::npos ? sql.size() : nl + 1;
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      kind = SqlSpan::comment;  // PostgreSQL nests block comments; SQLite does not, but
      int depth = 0;            // a nested opener inside a SQLite comment is rare text
      std::size_t j = i;
      while (j < sql.size()) {
        if (sql.compare(j, 2, "/*") == 0) {
          ++depth;
          j += 2;
        } else if (sql.compare(j, 2, "*/") == 0) {
          j += 2;
          if (--depth == 0) break;
        } else {
          ++j;
        }
      }
      end = j;
    } else if (c == '$' && (i == 0 || !ident_char(sql[i - 1]))) {
      if (std::size_t tag = dollar_tag_length(sql, i)) {
        kind = SqlSpan::dollar_quoted;
        auto close = sql.find(sql.substr(i, tag), i + tag);
        end = close == std::string_view::npos ? sql.size() : close + tag;
      }
    }
    if (kind == SqlSpan::code) {
      ++i;
      continue;
    }
    flush_code(i);
    fn(kind, sql.substr(i, end - i));
    i = code_start = end;
  }
  flush_code(sql.size());
}

namespace {
std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n\f\v");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\r\n\f\v");
  return std::string(s.substr(b, e - b + 1));
}
}  // namespace

bool has_code(std::string_view sql) {
  bool code = false;
  scan_sql(sql, [&](SqlSpan kind, std::string_view text) {
    if (kind != SqlSpan::comment && text.find_first_not_of(" \t\r\n\f\v") != std::string_view::npos) code = true;
  });
  return code;
}

std::vector<std::string> split_statements(std::string_view sql) {
  std::vector<std::string> out;
  std::size_t start = 0, offset = 0;
  auto close = [&](std::size_t end) {
    std::string_view stmt = sql.substr(start, end - start);
    if (has_code(stmt)) out.push_back(trim(stmt));
  };
  scan_sql(sql, [&](SqlSpan kind, std::string_view text) {
    if (kind == SqlSpan::code) {
      for (std::size_t k = 0; k < text.size(); ++k) {
        if (text[k] == ';') {
          close(offset + k);
          start = offset + k + 1;
        }
      }
    }
    offset += text.size();
  });
  close(sql.size());
  return out;
}

std::vector<std::size_t> find_in_code(std::string_view sql, std::string_view token) {
  std::vector<std::size_t> out;
  std::size_t offset = 0;
  scan_sql(sql, [&](SqlSpan kind, std::string_view text) {
    if (kind == SqlSpan::code) {
      for (auto at = text.find(token); at != std::string_view::npos; at = text.find(token, at + token.size())) {
        out.push_back(offset + at);
      }
    }
    offset += text.size();
  });
  return out;
}

std::vector<MetaCommand> psql_meta_commands(std::string_view sql) {
  std::vector<MetaCommand> out;
  std::size_t offset = 0;
  scan_sql(sql, [&](SqlSpan kind, std::string_view text) {
    if (kind == SqlSpan::code) {
      for (std::size_t k = 0; k < text.size(); ++k) {
        if (text[k] != '\\') continue;
        std::size_t at = offset + k;
        std::size_t line_start = sql.rfind('\n', at == 0 ? 0 : at - 1);
        line_start = at == 0 || line_start == std::string_view::npos ? 0 : line_start + 1;
        if (sql.substr(line_start, at - line_start).find_first_not_of(" \t\r") != std::string_view::npos) continue;
        std::size_t end = sql.find('\n', at);
        int line = 1 + static_cast<int>(std::count(sql.begin(), sql.begin() + static_cast<long>(at), '\n'));
        out.push_back({at, line, std::string(sql.substr(at, end == std::string_view::npos ? end : end - at))});
      }
    }
    offset += text.size();
  });
  return out;
}

std::string without_psql_restrict(std::string_view sql) {
  std::string out(sql);
  for (const auto& m : psql_meta_commands(sql)) {
    if (m.text.rfind("\\restrict", 0) == 0 || m.text.rfind("\\unrestrict", 0) == 0) {
      out.replace(m.offset, m.text.size(), std::string(m.text.size(), ' '));
    }
  }
  return out;
}

namespace {
// Whether a quoted run (as scan_sql gives it) ends with its closing quote. Backslash
// escapes count or not (E'..' or standard strings: scan_sql knew, the run does not say).
bool quote_closed(std::string_view text, bool escapes) { return quoted_end(text, 0, text[0], escapes) == text.size(); }

bool closed(SqlSpan kind, std::string_view text) {
  if (kind == SqlSpan::dollar_quoted) {
    std::size_t tag = text.find('$', 1);
    return tag != std::string_view::npos && text.size() >= 2 * (tag + 1) &&
           text.substr(text.size() - tag - 1) == text.substr(0, tag + 1);
  }
  return quote_closed(text, false) || (kind == SqlSpan::string && quote_closed(text, true));
}
}  // namespace

std::string expression_problem(std::string_view expr) {
  std::string problem;
  int depth = 0;
  bool code = false;
  scan_sql(expr, [&](SqlSpan kind, std::string_view text) {
    if (!problem.empty()) return;
    if (kind == SqlSpan::comment) {
      problem = "holds a comment";
      return;
    }
    if (kind != SqlSpan::code) {
      code = true;
      if (!closed(kind, text)) {
        problem = kind == SqlSpan::string ? "leaves a string literal open"
                  : kind == SqlSpan::identifier ? "leaves a quoted name open"
                                                : "leaves a dollar quote open";
      }
      return;
    }
    for (char c : text) {
      if (c == ';') {
        problem = "holds a ';' (one expression, not statements)";
        return;
      }
      if (c == '(') ++depth;
      if (c == ')' && --depth < 0) {
        problem = "closes a parenthesis it did not open";
        return;
      }
      if (!std::isspace(static_cast<unsigned char>(c))) code = true;
    }
  });
  if (problem.empty() && depth > 0) problem = "leaves a parenthesis open";
  if (problem.empty() && !code) problem = "is empty";
  return problem;
}

std::string without_comments(std::string_view sql) {
  std::string out;
  scan_sql(sql, [&](SqlSpan kind, std::string_view text) {
    if (kind != SqlSpan::comment) {
      out += text;
      return;
    }
    out += ' ';
    if (!text.empty() && text.back() == '\n') out += '\n';
  });
  return out;
}

}  // namespace rowshift::db
