#include "db/batch_route.hpp"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <stdexcept>

#include "db/batch_sql.hpp"
#include "db/copy_pieces.hpp"
#include "db/database.hpp"
#include "rowshift/error.hpp"

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

// The rows a COPY wrote must be the rows read: a block cut or joined wrongly must fail
// its batch (rolled back), never pass for done with rows missing.
std::int64_t copied(std::int64_t n, const RowBlock& rows, const std::string& table) {
  if (n != rows.count) {
    throw Error(ErrorKind::permanent, "COPY into \"" + table + "\" wrote " + std::to_string(n) + " rows of the " +
                                          std::to_string(rows.count) + " read (internal error)");
  }
  return n;
}

}  // namespace

std::size_t RowBlock::bytes() const {
  std::size_t n = block.size();
  for (const auto& row : rows) {
    for (const auto& v : row) {
      n += sizeof(Value);
      if (v.is_text()) n += v.as_text().size();
      if (v.is_blob()) n += v.as_blob().bytes.size();
    }
  }
  return n;
}

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

std::vector<RowBlock> read_rows_each(Database& source, Database& target, const std::vector<Statement>& selects,
                                     const std::string& table, const std::vector<std::string>& columns) {
  std::vector<RowBlock> out;
  const bool together =
      selects.size() > 1 && target.accepts_copy_text() && std::all_of(selects.begin(), selects.end(), [&](const auto& s) {
        return binary_passes(source, target, s.sql, s.params, table, columns);
      });
  if (!together) {
    for (const auto& s : selects) out.push_back(read_rows(source, target, s.sql, s.params, table, columns));
    return out;
  }
  std::vector<std::string> blocks;
  const std::vector<std::int64_t> counts = source.query_copy_binary_each(selects, blocks);
  out.resize(selects.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i].route = Route::copy_binary;
    out[i].count = counts.at(i);
    out[i].block = std::move(blocks.at(i));
  }
  return out;
}

std::optional<RowBlock> merge_blocks(std::vector<RowBlock>& blocks) {
  if (blocks.empty()) return std::nullopt;
  const Route route = blocks.front().route;
  for (const auto& b : blocks) {
    if (b.route != route) return std::nullopt;
  }
  RowBlock out;
  out.route = route;
  switch (route) {
    case Route::engine:
    case Route::engine_attached:
      return std::nullopt;
    case Route::values:
      for (auto& b : blocks) {
        out.rows.insert(out.rows.end(), std::make_move_iterator(b.rows.begin()), std::make_move_iterator(b.rows.end()));
        b.rows.clear();
      }
      return out;
    case Route::copy_text: {
      std::size_t bytes = 0;
      for (const auto& b : blocks) bytes += b.block.size() + 1;
      out.block.reserve(bytes);
      for (auto& b : blocks) {
        if (b.block.empty()) continue;  // no rows (an empty block has no newline to add)
        if (!out.block.empty()) out.block += '\n';  // read_rows dropped each block's last newline
        out.block += b.block;
        out.count += b.count;
        std::string().swap(b.block);
      }
      return out;
    }
    case Route::copy_binary: {
      // One header, every batch's rows, one trailer.
      std::vector<copy_pieces::BinaryPieces> parsed;
      std::size_t bytes = 0;
      for (const auto& b : blocks) {
        if (b.block.empty()) continue;
        auto p = copy_pieces::cut_binary(b.block, SIZE_MAX);
        // The rows walked must be the rows read: the merged count is what the batches'
        // done marks will say was written.
        if (!p || p->rows != static_cast<std::size_t>(b.count) ||
            (!parsed.empty() && p->header != parsed.front().header)) {
          return std::nullopt;
        }
        bytes += b.block.size();
        out.count += b.count;
        parsed.push_back(std::move(*p));
      }
      if (parsed.empty()) return out;
      out.block.reserve(bytes);
      out.block += parsed.front().header;
      for (const auto& p : parsed) {
        for (auto run : p.runs) out.block += run;
      }
      out.block += copy_pieces::kBinaryTrailer;
      return out;
    }
  }
  return std::nullopt;
}

std::int64_t write_rows(Database& target, const std::string& table, const std::vector<std::string>& columns,
                        const RowBlock& rows, const std::vector<std::string>& upsert_key) {
  switch (rows.route) {
    case Route::copy_binary:
      return copied(target.copy_binary_in(table, columns, rows.block, upsert_key), rows, table);
    case Route::copy_text:
      return copied(target.copy_text_in(table, columns, rows.block, upsert_key), rows, table);
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
