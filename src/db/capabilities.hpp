// What an engine can do, asked by the layers above src/db/ instead of its dialect: they
// decide by capability, and a new backend answers these questions once, here.
#pragma once

#include "db/database.hpp"

namespace rowshift::db {

// Whether a statement can lock rows and skip those another transaction holds (SELECT ...
// FOR UPDATE SKIP LOCKED). SQLite locks the whole file instead.
inline bool skips_locked_rows(const Database& db) { return db.dialect() == Dialect::postgresql; }

// Whether a "?" in the code of the user's SQL is taken by the engine as a parameter of its
// own (SQLite), rather than as an operator (PostgreSQL's jsonb `?`, which db::user_sql
// passes through).
inline bool question_mark_is_parameter(const Database& db) { return db.dialect() == Dialect::sqlite; }

}  // namespace rowshift::db
