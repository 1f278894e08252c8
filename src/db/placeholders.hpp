// "?" placeholders in SQL text, found outside quoted literals, quoted identifiers and
// comments: rowshift writes "?" everywhere; PostgreSQL wants $1, $2, ... or literals.
#pragma once

#include <functional>
#include <string>

namespace rowshift::db {

// "?" placeholders outside quotes and comments -> $1, $2, ...; "??" -> a literal "?".
std::string to_dollar_placeholders(const std::string& sql);

// A fragment of the user's SQL (a where, a column expression, an update's body) as it is
// put into a statement with rowshift's own "?" placeholders: each "?" in its code is an
// operator of the user's (PostgreSQL's jsonb `tags ? 'vip'`, `?|`, `?&`), never a
// placeholder, so it is doubled, and to_dollar_placeholders() writes it back single.
std::string user_sql(const std::string& fragment);
// Whether the fragment has a "?" in its code (outside literals, quoted names, comments).
// SQLite reads one as a parameter of its own, which rowshift would bind wrongly.
bool has_question_mark(const std::string& fragment);
// Each "?" outside quotes and comments replaced by what next() returns, in order.
std::string substitute_placeholders(const std::string& sql, const std::function<std::string()>& next);

}  // namespace rowshift::db
