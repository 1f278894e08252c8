// How a batch's rows travel from the source to the target, chosen here from what the two
// connections are, so that src/migrate/ says what a batch reads and writes and never
// which engine it talks to.
//
//   engine           the target reads the source table itself (same database): INSERT ... SELECT
//   engine_attached  the same, from a SQLite source file attached to a SQLite target
//   copy_binary      into PostgreSQL as one binary COPY block: passed through untouched
//                    from PostgreSQL, or encoded from another engine (db/copy_binary.hpp)
//   copy_text        into PostgreSQL as one block of COPY text (db/copy_text.hpp)
//   values           rows as Values, written with insert_rows (into SQLite)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rowshift/value.hpp"

namespace rowshift::db {

class Database;
struct Statement;

enum class Route { engine, engine_attached, copy_binary, copy_text, values };
const char* route_name(Route r);

// A batch's rows as read for their route (none for the engine routes).
struct RowBlock {
  Route route = Route::values;
  std::string block;       // copy_binary, copy_text
  std::int64_t count = 0;  // rows in block
  std::vector<Values> rows;  // values
  bool engine_side() const { return route == Route::engine || route == Route::engine_attached; }
  // The rows it holds (none on the engine routes: the write reads them itself).
  std::int64_t row_count() const { return route == Route::values ? static_cast<std::int64_t>(rows.size()) : count; }
  std::size_t bytes() const;  // the memory its rows hold, roughly
};

// The engine route, when the target can read the source's tables itself: `same` (one
// connection), or a SQLite source file attached to a SQLite target (attaching happens
// outside transactions, on first use). Else values (the caller reads the rows).
Route engine_route(Database& target, Database& source, bool same);

// Reads `select` from the source in the best form the target takes for
// table(columns): binary COPY when every value passes exactly, else COPY text, else Values.
RowBlock read_rows(Database& source, Database& target, const std::string& select, const Values& params,
                   const std::string& table, const std::vector<std::string>& columns);

// read_rows of several batches' selects (one query shape, each batch its own range):
// when every batch passes as binary COPY, all are sent to the source in one message.
std::vector<RowBlock> read_rows_each(Database& source, Database& target, const std::vector<Statement>& selects,
                                     const std::string& table, const std::vector<std::string>& columns);

// The blocks of several batches as one (group commit: one write for the group). nullopt
// when they do not share a route that can be merged: the engine routes (one statement per
// batch reads the source itself) or binary blocks that do not parse or whose headers differ.
std::optional<RowBlock> merge_blocks(std::vector<RowBlock>& blocks);

// Writes a block read by read_rows (not an engine route) into table(columns); with a
// non-empty upsert_key, rows already present are replaced. Returns the rows written.
std::int64_t write_rows(Database& target, const std::string& table, const std::vector<std::string>& columns,
                        const RowBlock& rows, const std::vector<std::string>& upsert_key);

}  // namespace rowshift::db
