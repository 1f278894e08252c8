// PostgreSQL's COPY text format, written straight from native values.
//
// Copies into PostgreSQL move each batch as one block of COPY text: the source
// appends its rows here (SQLite from its column values, PostgreSQL with COPY ... TO
// STDOUT), and the target sends the block with COPY ... FROM STDIN. No row becomes a
// rowshift::Value on the way, which is where the cross-database paths spent their CPU.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "rowshift/value.hpp"

namespace rowshift::db::copy_text {

// One field each; the caller puts '\t' between fields and '\n' after a row.
void append_null(std::string& out);
void append_int(std::string& out, std::int64_t v);
// Shortest text that reads back as the same double (what PostgreSQL 12+ prints).
void append_double(std::string& out, double v);
void append_text(std::string& out, std::string_view text);  // escapes \ \n \r \t
void append_bytea(std::string& out, const unsigned char* bytes, std::size_t n);
void append_value(std::string& out, const Value& v);

// The text of a double as above, for parameters.
std::string format_double(double v);

}  // namespace rowshift::db::copy_text
