// PostgreSQL's binary COPY format, written from native values for the target's column
// types.
//
// A copy from SQLite into PostgreSQL normally moves COPY text, which the server parses
// field by field (timestamps above all); in binary the server only checks and stores,
// which takes it about a quarter less CPU for the same rows (docs/performance.md).
// Binary leaves no room for interpretation, though: each encoder takes a value only
// where the result is exactly what PostgreSQL's text input would have made of the
// same value written as COPY text, and returns false otherwise; the batch then goes as
// text, so every value keeps its meaning and every bad value its error from the server.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rowshift::db::copy_binary {

// Whether every column type is one the encoders below take (built-in type ids).
bool encodes_all(const std::vector<unsigned>& types);

void append_header(std::string& out);
void append_trailer(std::string& out);
void begin_row(std::string& out, std::size_t fields);

// One field each, for a column of type `type`; false when the value is not taken.
void append_null(std::string& out);
bool append_int(std::string& out, unsigned type, std::int64_t v);
bool append_double(std::string& out, unsigned type, double v);
bool append_text(std::string& out, unsigned type, std::string_view text);
bool append_blob(std::string& out, unsigned type, const unsigned char* bytes, std::size_t n);

// Strict ISO 8601 forms only: YYYY-MM-DD, optionally followed by T or a space,
// HH:MM:SS, up to 6 digits of fraction, then optionally Z or +-HH[[:]MM]. Years 1-9999.
// Microseconds since 2000-01-01 00:00: UTC for timestamptz (no zone means UTC, the
// session time zone rowshift sets), the wall time for timestamp (whose text input
// ignores a zone). nullopt for anything else, however PostgreSQL would read it.
std::optional<std::int64_t> timestamp_micros(std::string_view text, bool with_zone);
// Days since 2000-01-01 for exactly YYYY-MM-DD.
std::optional<std::int32_t> date_days(std::string_view text);

}  // namespace rowshift::db::copy_binary
