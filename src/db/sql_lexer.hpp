// A lexical view of SQL text: which characters are code and which are inside string
// literals, quoted identifiers, dollar quotes or comments. It knows both dialects'
// quoting (SQLite and PostgreSQL: '..', "..", E'..' escapes, $tag$..$tag$, -- and
// nested /* */ comments), not their grammars: enough to find the statements of a
// script, the placeholders and the {{batch}} markers that are really in the code.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace rowshift::db {

enum class SqlSpan { code, string, identifier, dollar_quoted, comment };

// Calls fn for each maximal run of one kind, in order; the runs cover the text. An
// unterminated quote or comment runs to the end of the text.
void scan_sql(std::string_view sql, const std::function<void(SqlSpan kind, std::string_view text)>& fn);

// The statements of a script: split at top-level semicolons, each trimmed, without its
// semicolon; statements that are only white space and comments are left out.
std::vector<std::string> split_statements(std::string_view sql);

// Whether the text holds anything but white space and comments.
bool has_code(std::string_view sql);

// The offsets of `token` where it stands in code (not in a literal or a comment).
std::vector<std::size_t> find_in_code(std::string_view sql, std::string_view token);

// Why `expr` cannot stand as one SQL expression where rowshift puts it, inside its own
// parentheses ("... WHERE range AND (expr)", "SELECT (expr), ..."); "" when it can. An
// expression that closes a parenthesis it did not open, ends a statement (;), leaves a
// quote, a parenthesis or a block comment open, or holds a comment (which would swallow
// what rowshift writes after it) could change the statement's structure instead of being
// a part of it. The server still parses what passes: this rules out structure, not typos.
std::string expression_problem(std::string_view expr);

// The text with each comment replaced by one space (a line comment's newline kept).
std::string without_comments(std::string_view sql);

// psql meta-commands (lines of code that start with a backslash: \connect, \copy, and
// the \restrict / \unrestrict pair that pg_dump writes around a dump since 15.14): they
// are psql's, not SQL, and a server answers them with a syntax error.
struct MetaCommand {
  std::size_t offset;  // of the backslash
  int line;            // 1-based
  std::string text;    // the whole line
};
std::vector<MetaCommand> psql_meta_commands(std::string_view sql);
// The script without pg_dump's \restrict and \unrestrict lines (blanked, so that line
// numbers stay): they only guard psql itself against meta-commands in the dump.
std::string without_psql_restrict(std::string_view sql);

}  // namespace rowshift::db
