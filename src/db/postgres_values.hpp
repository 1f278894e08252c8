// Values between PostgreSQL's text forms and rowshift's Value.
#pragma once

#include <pqxx/pqxx>  // libpqxx 6.4: <pqxx/field> alone does not compile

#include <optional>
#include <string>

#include "rowshift/value.hpp"

namespace rowshift::db::pg {

// A result field in text form, typed by its column's type id: integers, floats, booleans
// and bytea become numbers and blobs; anything else stays text (numeric stays exact).
Value to_value(const pqxx::field& f, pqxx::oid type);

// The text form of a value, for parameters and COPY; nullopt is NULL.
std::optional<std::string> to_text(const Value& v);

}  // namespace rowshift::db::pg
