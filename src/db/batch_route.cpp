#include "db/batch_route.hpp"

#include <stdexcept>

#include "db/batch_sql.hpp"
#include "db/database.hpp"

namespace rowshift::db {
namespace {

// Whether a batch can travel as binary COPY untouched: both ends are PostgreSQL and every
// result column has the same built-in type as its target column. A worker's connections
// keep both lists (run/guarded_database.hpp): two catalog queries per worker, not per batch.
bool binary_passes(Database& source, Database& target, const std::string& select, const Values& params,
                   const std::string& table, const std::vector<std::string>& columns) {
  if (source.dialect() != Dialect::postgresql || target.dialect() != Dialect::postgresql) return false;
  auto from = source.result_types(select, params);
  return !from.empty() && from == target.column_types(table, columns);
}

// Whether another engine could write the batch as binary COPY for the target's column
// types (db/copy_binary.hpp: only values the server's text input would read the same way).
bool encoded_binary(Database& source, Database& target, const std::string& select, const Values& params,
                    const std::string& table, const std::vector<std::string>& columns, RowBlock& out) {
  if (source.dialect() == Dialect::postgresql) return false;  // binary_passes, or text
  auto n = source.query_copy_binary_for(select, params, target.column_types(table, columns), out.block);
  if (n) out.count = *n;
  return n.has_value();
}

}  // namespace

const char* route_name(Route r) {
  switch (r) {
    case Route::engine: return "engine";
    case Route::engine_attached: return "engine_attached";
    case Route::copy_binary: return "copy_binary";
    case Route::copy_text: return "copy_text";
    case Route::values: return "values";
  }
  return "?";
}

Route engine_route(Database& target, Database& source, bool same) {
  if (same) return Route::engine;
  if (target.dialect() == Dialect::sqlite && source.dialect() == Dialect::sqlite &&
      target.attach(source.url(), kAttachedSource)) {
    return Route::engine_attached;
  }
  return Route::values;
}

RowBlock read_rows(Database& source, Database& target, const std::string& select, const Values& params,
                   const std::string& table, const std::vector<std::string>& columns) {
  RowBlock out;
  if (target.accepts_copy_text() && binary_passes(source, target, select, params, table, columns)) {
    out.route = Route::copy_binary;
    out.count = source.query_copy_binary(select, params, out.block);
  } else if (target.accepts_copy_text() && encoded_binary(source, target, select, params, table, columns, out)) {
    out.route = Route::copy_binary;
  } else if (target.accepts_copy_text()) {
    out.route = Route::copy_text;
    out.count = source.query_copy_text(select, params, out.block);
    // The COPY writer puts the last newline back itself; dropping it here spares copying
    // the whole block to drop it there.
    if (!out.block.empty() && out.block.back() == '\n') out.block.pop_back();
  } else {
    out.route = Route::values;
    source.query(select, params, [&](Values& row) {
      out.rows.push_back(std::move(row));
      return true;
    });
  }
  return out;
}

std::int64_t write_rows(Database& target, const std::string& table, const std::vector<std::string>& columns,
                        const RowBlock& rows, const std::vector<std::string>& upsert_key) {
  switch (rows.route) {
    case Route::copy_binary:
      target.copy_binary_in(table, columns, rows.block, upsert_key);
      return rows.count;
    case Route::copy_text:
      target.copy_text_in(table, columns, rows.block, upsert_key);
      return rows.count;
    case Route::values:
      target.insert_rows(table, columns, rows.rows, upsert_key);
      return static_cast<std::int64_t>(rows.rows.size());
    case Route::engine:
    case Route::engine_attached:
      break;
  }
  throw std::logic_error("write_rows: the engine routes write with insert_select");
}

}  // namespace rowshift::db
