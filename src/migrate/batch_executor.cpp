#include "migrate/batch_executor.hpp"

#include <algorithm>
#include <memory>

#include "db/batch_sql.hpp"
#include "rowshift/error.hpp"

namespace rowshift::migrate {
namespace {

// What the batch of `def` over `r` reads: the source table (or, for an update, the target
// table it rewrites), its key and its where.
db::BatchRead batch_read(const MigrationDef& def, const plan::KeyRange& r) {
  return {def.source_table, def.key, def.where, r.has_lo(), r.has_hi()};
}

std::vector<std::string> expressions(const MigrationDef& def) {
  std::vector<std::string> exprs;
  for (const auto& [target, expr] : def.columns) exprs.push_back(expr);
  return exprs;
}

std::string copy_select(const MigrationDef& def, const plan::KeyRange& r, bool attached = false) {
  return db::copy_select(batch_read(def, r), expressions(def), attached);
}

// The upsert key of the writes: with the store elsewhere, a batch repeated after a crash
// must change nothing, so rows already there are replaced by key.
std::vector<std::string> upsert_key(const MigrationDef& def, const Connections& c) {
  return c.same_store() ? std::vector<std::string>{} : def.effective_target_key();
}

db::Statement engine_copy(const MigrationDef& def, const plan::KeyRange& r, const Connections& c, bool attached) {
  return {db::insert_select(*c.target, def.target_table, target_columns(def), copy_select(def, r, attached),
                            upsert_key(def, c)),
          r.params()};
}

void transform_rows(const MigrationDef& def, const plan::KeyRange& r, db::Database& source,
                    const std::function<void(Values&)>& out) {
  std::vector<std::string> names;
  std::vector<Values> input;
  source.query(db::columns_select(batch_read(def, r), def.source_columns), r.params(), [&](Values& row) {
    input.push_back(std::move(row));
    return true;
  }, &names);
  // Where the key's columns are in each row, so that a failing read can name the row.
  auto key_columns = std::make_shared<std::vector<std::size_t>>();
  for (const auto& k : def.key) {
    auto at = std::find(names.begin(), names.end(), k);
    if (at == names.end()) {
      key_columns->clear();  // the read leaves a key column out: rows are named by their values
      break;
    }
    key_columns->push_back(static_cast<std::size_t>(at - names.begin()));
  }
  auto shared_names = std::make_shared<const std::vector<std::string>>(std::move(names));
  std::shared_ptr<const std::vector<std::size_t>> shared_key = std::move(key_columns);
  Emitter emitter;
  for (auto& values : input) {
    Row row(shared_names, std::move(values), shared_key);
    try {
      def.transform(row, emitter);
    } catch (const Error& e) {
      // A plain Value read (`in["name"].as_text()`) knows neither its column nor its row;
      // the row at least is known here. Row::get names both already.
      const std::string what = e.what();
      if (what.find(" of the row ") != std::string::npos || what.find(" in the row ") != std::string::npos) throw;
      throw Error(e.kind(), "transform of " + row.describe() + ": " + what, e.limit());
    }
    for (auto& produced : emitter.rows()) {
      if (produced.size() != def.target_columns.size()) {
        throw Error(ErrorKind::permanent, "transform emitted " + std::to_string(produced.size()) +
                                              " values for " + std::to_string(def.target_columns.size()) +
                                              " target columns");
      }
      out(produced);
    }
    emitter.rows().clear();
  }
}

db::Statement update_batch(const MigrationDef& def, const plan::KeyRange& r) {
  db::Statement s;
  s.sql = db::update_statement(def.sql, batch_read(def, r), r.params(), s.params);
  return s;
}

// The statement that writes an engine-side batch (it reads the source itself).
db::Statement engine_write(const MigrationDef& def, const plan::KeyRange& range, const Connections& c,
                           const BatchRows& rows) {
  if (def.kind == MigrationKind::update) return update_batch(def, range);
  return engine_copy(def, range, c, rows.route == db::Route::engine_attached);
}

// A group's batches as read from the source, stopping once their rows hold max_bytes.
// Reads that can go together (db::read_rows_each) go in chunks sized by the widest batch
// read so far, so that memory stays near the bound when rows are wide. Rows wider than
// any before them can take one chunk past it: the bound is then workers x batches per
// commit x batch, as documented (docs/architecture.md).
std::vector<BatchRows> read_group(const MigrationDef& def, const std::vector<plan::KeyRange>& ranges,
                                  const Connections& c, std::size_t max_bytes) {
  std::vector<BatchRows> blocks;
  blocks.reserve(ranges.size());
  if (ranges.empty()) return blocks;
  std::size_t bytes = 0;
  std::size_t widest = 0;  // the most bytes one batch read held
  std::int64_t rows = 0;
  auto add = [&](BatchRows b) {
    bytes += b.bytes();
    widest = std::max(widest, b.bytes());
    rows += b.row_count();
    blocks.push_back(std::move(b));
  };
  add(read_batch(def, ranges.front(), c));
  const bool together = def.kind == MigrationKind::copy && !blocks.back().engine_side() &&
                        c.source->dialect() == db::Dialect::postgresql;
  while (blocks.size() < ranges.size() && bytes <= max_bytes) {
    // As many as fit if each holds as much as the widest so far; one at a time while no
    // batch has held a row (nothing to go by).
    std::size_t chunk = 1;
    if (together && rows > 0) {
      chunk = std::clamp<std::size_t>((max_bytes - bytes) / std::max<std::size_t>(1, widest), 1,
                                      ranges.size() - blocks.size());
    }
    if (chunk == 1) {
      add(read_batch(def, ranges[blocks.size()], c));
      continue;
    }
    std::vector<db::Statement> selects;
    for (std::size_t i = blocks.size(); i < blocks.size() + chunk; ++i) {
      selects.push_back({copy_select(def, ranges[i]), ranges[i].params()});
    }
    for (auto& b : db::read_rows_each(*c.source, *c.target, selects, def.target_table, target_columns(def))) {
      add(std::move(b));
    }
  }
  return blocks;
}

}  // namespace

std::vector<std::string> target_columns(const MigrationDef& def) {
  if (def.kind == MigrationKind::transform) return def.target_columns;
  std::vector<std::string> cols;
  for (const auto& [target, expr] : def.columns) cols.push_back(target);
  return cols;
}


BatchRows read_batch(const MigrationDef& def, const plan::KeyRange& range, const Connections& c) {
  if (def.kind == MigrationKind::schema) throw Error(ErrorKind::permanent, "schema migrations have no batches");
  BatchRows out;
  if (def.kind == MigrationKind::update) {
    out.route = db::Route::engine;  // the statement rewrites the target's rows in place
    return out;
  }
  if (def.kind == MigrationKind::copy) {
    out.route = db::engine_route(*c.target, *c.source, c.same_source());
    if (out.engine_side()) return out;
  }
  if (def.kind == MigrationKind::transform) {
    out.route = db::Route::values;
    transform_rows(def, range, *c.source, [&](Values& row) { out.rows.push_back(std::move(row)); });
    return out;
  }
  return db::read_rows(*c.source, *c.target, copy_select(def, range), range.params(), def.target_table,
                       target_columns(def));
}

std::int64_t write_batch(const MigrationDef& def, const plan::KeyRange& range, const Connections& c,
                         const BatchRows& rows) {
  if (def.kind == MigrationKind::update || rows.engine_side()) {
    const db::Statement s = engine_write(def, range, c, rows);
    return c.target->execute(s.sql, s.params);
  }
  return db::write_rows(*c.target, def.target_table, target_columns(def), rows, upsert_key(def, c));
}

std::int64_t write_range(const MigrationDef& def, const plan::KeyRange& range, const Connections& c) {
  return write_batch(def, range, c, read_batch(def, range, c));
}

namespace {
void finish(db::Transaction& tx, const TransactionHooks& hooks, std::int64_t rows) {
  if (hooks.before_commit) hooks.before_commit(rows);
  if (hooks.commit) hooks.commit(tx, rows);
  else tx.commit();
}
}  // namespace

std::optional<std::int64_t> run_batch(const MigrationDef& def, const plan::KeyRange& range, const Connections& c,
                                      const TransactionHooks& hooks) {
  // Read (and transform) before the write transaction starts: other workers' writes
  // are not held up while this one reads, and SQLite's single write lock is held only
  // for the write itself.
  BatchRows rows = read_batch(def, range, c);
  if (hooks.before_begin) hooks.before_begin();
  db::Transaction tx(*c.target);
  if (hooks.after_begin && !hooks.after_begin()) return std::nullopt;  // tx rolls back
  std::int64_t n = write_batch(def, range, c, rows);
  finish(tx, hooks, n);
  return n;
}

GroupResult run_group(const MigrationDef& def, const std::vector<plan::KeyRange>& ranges, const Connections& c,
                      const GroupHooks& hooks) {
  GroupResult result;
  // Past max_bytes the rest of the group go alone: memory stays bounded when rows are wide.
  std::vector<BatchRows> blocks = read_group(def, ranges, c, hooks.max_bytes);
  result.taken = blocks.size();
  auto& written = result.written;
  db::Transaction tx(*c.target);
  const std::vector<std::size_t> ours = hooks.claim(result.taken);
  if (ours.empty()) return result;  // tx rolls back
  std::vector<BatchRows> mine;
  for (std::size_t i : ours) {
    written.emplace_back(i, blocks[i].row_count());
    mine.push_back(std::move(blocks[i]));
  }
  if (auto merged = db::merge_blocks(mine)) {
    write_batch(def, ranges[ours.front()], c, *merged);  // db::write_rows checks the rows copied are the rows read
  } else if (std::all_of(mine.begin(), mine.end(), [](const auto& b) { return b.engine_side(); })) {
    // Engine statements read the source themselves: all of them in one message.
    std::vector<db::Statement> statements;
    for (std::size_t k = 0; k < ours.size(); ++k) statements.push_back(engine_write(def, ranges[ours[k]], c, mine[k]));
    const std::vector<std::int64_t> n = c.target->execute_each(statements);
    for (std::size_t k = 0; k < ours.size(); ++k) written[k].second = n.at(k);
  } else {
    // One write per batch (an engine route, or blocks that do not merge), one commit.
    for (std::size_t k = 0; k < ours.size(); ++k) written[k].second = write_batch(def, ranges[ours[k]], c, mine[k]);
  }
  hooks.commit(tx, written);
  return result;
}

namespace {

// Writes keys[i..j] (by key range), splitting in halves on a permanent error until the
// rows that fail are alone; each of those becomes a Reject. Runs inside the caller's
// transaction, each try inside a savepoint so that a failed half leaves nothing behind.
class Bisector {
  static constexpr const char* kSavepoint = "rowshift_bisect";

 public:
  Bisector(const MigrationDef& def, const plan::KeyRange& range, const Connections& c, std::vector<Values> keys)
      : def_(def), range_(range), c_(c), keys_(std::move(keys)) {}

  std::int64_t run(std::vector<Reject>& rejects) {
    if (keys_.empty()) return 0;
    return attempt(0, keys_.size() - 1, rejects);
  }

 private:
  plan::KeyRange sub(std::size_t i, std::size_t j) const {
    plan::KeyRange r;
    r.lo = i == 0 ? range_.lo : keys_[i - 1];
    r.hi = j + 1 == keys_.size() ? range_.hi : keys_[j];
    return r;
  }

  std::int64_t attempt(std::size_t i, std::size_t j, std::vector<Reject>& rejects) {
    plan::KeyRange r = sub(i, j);
    c_.target->savepoint(db::SavepointStep::set, kSavepoint);
    try {
      std::int64_t n = write_range(def_, r, c_);
      c_.target->savepoint(db::SavepointStep::release, kSavepoint);
      return n;
    } catch (const Error& e) {
      if (e.transient()) throw;  // the whole batch is retried
      c_.target->savepoint(db::SavepointStep::roll_back, kSavepoint);
      c_.target->savepoint(db::SavepointStep::release, kSavepoint);
      if (i == j) {
        rejects.push_back({keys_[i], r, e.what()});
        return 0;
      }
      std::size_t mid = i + (j - i) / 2;
      return attempt(i, mid, rejects) + attempt(mid + 1, j, rejects);
    }
  }

  const MigrationDef& def_;
  const plan::KeyRange& range_;
  const Connections& c_;
  std::vector<Values> keys_;
};

}  // namespace

std::optional<std::int64_t> run_batch_quarantining(const MigrationDef& def, const plan::KeyRange& range,
                                                   const Connections& c, std::vector<Reject>& rejects,
                                                   const TransactionHooks& hooks) {
  // The keys of the batch, from the table the batches were planned on.
  db::Database& keyed = def.kind == MigrationKind::update ? *c.target : *c.source;
  std::vector<Values> keys;
  keyed.query(db::keys_select(batch_read(def, range)), range.params(), [&](Values& k) {
    keys.push_back(k);
    return true;
  });
  db::Transaction tx(*c.target);
  if (hooks.after_begin && !hooks.after_begin()) return std::nullopt;  // tx rolls back
  std::int64_t rows = Bisector(def, range, c, std::move(keys)).run(rejects);
  finish(tx, hooks, rows);
  return rows;
}

Values source_row(const MigrationDef& def, const Values& key, const Connections& c, std::vector<std::string>& names) {
  db::Database& db = def.kind == MigrationKind::update ? *c.target : *c.source;
  Values row;
  db.query(db::row_by_key(def.source_table, def.key), key, [&](Values& r) {
    row = r;
    return false;
  }, &names);
  return row;
}

void produce_rows(const MigrationDef& def, const plan::KeyRange& range, db::Database& source,
                  const std::function<void(const Values&)>& fn) {
  if (def.kind == MigrationKind::transform) {
    transform_rows(def, range, source, [&](Values& row) { fn(row); });
    return;
  }
  source.query(copy_select(def, range), range.params(), [&](Values& row) {
    fn(row);
    return true;
  });
}

void probe_read(const MigrationDef& def, db::Database& db) {
  const db::BatchRead everything = batch_read(def, plan::KeyRange{});
  std::string sql;
  switch (def.kind) {
    case MigrationKind::copy:
      sql = db::copy_select(everything, expressions(def));
      break;
    case MigrationKind::transform:
      sql = db::columns_select(everything, def.source_columns, false);
      break;
    case MigrationKind::update:
      sql = db::exists_select(everything);
      break;
    case MigrationKind::schema:
      return;
  }
  try {
    db.query(db::without_rows(sql), {}, [](Values&) { return false; });
  } catch (const Error& e) {
    if (e.transient() || e.kind() == ErrorKind::cancelled) throw;
    throw Error(ErrorKind::config, "migration " + def.name + ": its read fails before any row is written: " + e.what());
  }
}

}  // namespace rowshift::migrate
