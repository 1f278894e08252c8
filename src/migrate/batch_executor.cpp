#include "migrate/batch_executor.hpp"

#include <algorithm>
#include <memory>

#include "db/placeholders.hpp"
#include "db/sql.hpp"
#include "db/sql_lexer.hpp"
#include "rowshift/error.hpp"

namespace rowshift::migrate {
namespace {

// The schema name a SQLite source file is attached under on a SQLite target connection.
constexpr const char* kAttachedSource = "rowshift_source";

std::string range_where(const MigrationDef& def, const std::vector<std::string>& key, const plan::KeyRange& r) {
  std::string w = " WHERE " + db::range_predicate(key, r.has_lo(), r.has_hi());
  if (!def.where.empty()) w += " AND (" + db::user_sql(def.where) + ")";
  return w;
}

// The FROM clause of a copy's read: the source table itself, or the same table in a
// source SQLite file attached to the target connection (aliased to its own name so that
// column expressions naming the table still resolve).
std::string copy_from(const MigrationDef& def, bool attached) {
  if (!attached) return db::quote_ident(def.source_table);
  // The source file's own tables are in its main schema, attached here as one schema.
  std::string table = db::quote_ident(db::split_table(def.source_table).name);
  return std::string(kAttachedSource) + "." + table + " AS " + table;
}

std::string copy_select(const MigrationDef& def, const plan::KeyRange& r, bool attached = false) {
  std::string exprs;
  // Each expression in its own parentheses: a top-level comma or FROM in one cannot
  // change the select list (migrate/loader.cpp checks they stay balanced).
  for (const auto& [target, expr] : def.columns) exprs += (exprs.empty() ? "(" : ", (") + db::user_sql(expr) + ")";
  return "SELECT " + exprs + " FROM " + copy_from(def, attached) + range_where(def, def.key, r);
}

std::string upsert_suffix(const std::vector<std::string>& cols, const std::vector<std::string>& key) {
  std::string set;
  for (const auto& c : cols) {
    if (std::find(key.begin(), key.end(), c) != key.end()) continue;
    set += (set.empty() ? "" : ", ") + db::quote_ident(c) + " = excluded." + db::quote_ident(c);
  }
  return " ON CONFLICT (" + db::quote_list(key) + ") DO " + (set.empty() ? "NOTHING" : "UPDATE SET " + set);
}

// True when the target connection can read the source table itself, so that the
// engine moves the rows and none enter C++: the same database, or a SQLite source file
// attached to a SQLite target (attaching happens outside transactions, on first use).
bool engine_side(const MigrationDef& def, const Connections& c, bool& attached) {
  attached = false;
  if (def.kind != MigrationKind::copy) return def.kind == MigrationKind::update;
  if (c.same_source()) return true;
  attached = c.target->dialect() == db::Dialect::sqlite && c.source->dialect() == db::Dialect::sqlite &&
             c.target->attach(c.source->url(), kAttachedSource);
  return attached;
}

std::int64_t engine_copy(const MigrationDef& def, const plan::KeyRange& r, const Connections& c, bool attached) {
  auto cols = target_columns(def);
  // GENERATED ALWAYS identity columns take the copied values only when told so
  // (COPY, the other routes, always may).
  const char* overriding = c.target->dialect() == db::Dialect::postgresql ? "OVERRIDING SYSTEM VALUE " : "";
  std::string sql = "INSERT INTO " + db::quote_ident(def.target_table) + " (" + db::quote_list(cols) + ") " +
                    overriding + copy_select(def, r, attached);
  if (!c.same_store()) sql += upsert_suffix(cols, def.effective_target_key());
  return c.target->execute(sql, r.params());
}

std::string transform_select(const MigrationDef& def, const plan::KeyRange& r) {
  std::string cols = def.source_columns.empty() ? "*" : db::quote_list(def.source_columns);
  return "SELECT " + cols + " FROM " + db::quote_ident(def.source_table) + range_where(def, def.key, r) +
         " ORDER BY " + db::quote_list(def.key);
}

void transform_rows(const MigrationDef& def, const plan::KeyRange& r, db::Database& source,
                    const std::function<void(Values&)>& out) {
  std::vector<std::string> names;
  std::vector<Values> input;
  source.query(transform_select(def, r), r.params(), [&](Values& row) {
    input.push_back(std::move(row));
    return true;
  }, &names);
  auto shared_names = std::make_shared<const std::vector<std::string>>(std::move(names));
  Emitter emitter;
  for (auto& values : input) {
    Row row(shared_names, std::move(values));
    def.transform(row, emitter);
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

std::int64_t update_batch(const MigrationDef& def, const plan::KeyRange& r, const Connections& c) {
  std::string pred = "(" + db::range_predicate(def.key, r.has_lo(), r.has_hi()) + ")";
  if (!def.where.empty()) pred = "(" + pred + " AND (" + db::user_sql(def.where) + "))";
  std::string sql;
  Values params;
  const std::string token = "{{batch}}";
  std::size_t pos = 0;
  // Only the markers in code: one inside a string literal or a comment is the user's text.
  for (std::size_t at : db::find_in_code(def.sql, token)) {
    sql += db::user_sql(def.sql.substr(pos, at - pos));
    sql += pred;
    for (const auto& v : r.params()) params.push_back(v);
    pos = at + token.size();
  }
  sql += db::user_sql(def.sql.substr(pos));
  return c.target->execute(sql, params);
}

}  // namespace

std::vector<std::string> target_columns(const MigrationDef& def) {
  if (def.kind == MigrationKind::transform) return def.target_columns;
  std::vector<std::string> cols;
  for (const auto& [target, expr] : def.columns) cols.push_back(target);
  return cols;
}

namespace {
// Whether a batch can travel as binary COPY: both ends speak it (PostgreSQL) and every
// result column has the same built-in type as its target column. A worker's connections
// keep both lists (run/guarded_database.hpp): two catalog queries per worker, not per batch.
bool binary_passes(const MigrationDef& def, const std::string& select, const plan::KeyRange& range,
                   const Connections& c) {
  if (c.source->dialect() != db::Dialect::postgresql || c.target->dialect() != db::Dialect::postgresql) return false;
  auto from = c.source->result_types(select, range.params());
  return !from.empty() && from == c.target->column_types(def.target_table, target_columns(def));
}

// Whether the source could write the batch as binary COPY for the target's column types
// (db/copy_binary.hpp: only values the server's text input would read the same way).
bool encoded_binary(const MigrationDef& def, const std::string& select, const plan::KeyRange& range,
                    const Connections& c, BatchRows& out) {
  if (c.source->dialect() == db::Dialect::postgresql) return false;  // binary_passes, or text
  auto types = c.target->column_types(def.target_table, target_columns(def));
  auto n = c.source->query_copy_binary_for(select, range.params(), types, out.copy_text);
  if (n) out.count = *n;
  return n.has_value();
}
}  // namespace

BatchRows read_batch(const MigrationDef& def, const plan::KeyRange& range, const Connections& c) {
  BatchRows out;
  if (def.kind == MigrationKind::schema) throw Error(ErrorKind::permanent, "schema migrations have no batches");
  if (engine_side(def, c, out.attached)) {
    out.engine_side = true;
    return out;
  }
  if (def.kind == MigrationKind::transform) {
    transform_rows(def, range, *c.source, [&](Values& row) { out.rows.push_back(std::move(row)); });
    return out;
  }
  const std::string select = copy_select(def, range);
  if (c.target->accepts_copy_text() && binary_passes(def, select, range, c)) {
    // PostgreSQL into PostgreSQL with the same column types: one binary COPY block.
    out.as_copy_binary = true;
    out.count = c.source->query_copy_binary(select, range.params(), out.copy_text);
  } else if (c.target->accepts_copy_text() && encoded_binary(def, select, range, c, out)) {
    // Another engine into PostgreSQL, every value encoded for its column's type.
    out.as_copy_binary = true;
  } else if (c.target->accepts_copy_text()) {
    // Into PostgreSQL: the rows travel as one block of COPY text (db/copy_text.hpp).
    out.as_copy_text = true;
    out.count = c.source->query_copy_text(select, range.params(), out.copy_text);
    // The COPY writer puts the last newline back itself; dropping it here spares copying
    // the whole block to drop it there.
    if (!out.copy_text.empty() && out.copy_text.back() == '\n') out.copy_text.pop_back();
  } else {
    c.source->query(select, range.params(), [&](Values& row) {
      out.rows.push_back(std::move(row));
      return true;
    });
  }
  return out;
}

std::int64_t write_batch(const MigrationDef& def, const plan::KeyRange& range, const Connections& c,
                         const BatchRows& rows) {
  if (def.kind == MigrationKind::update) return update_batch(def, range, c);
  if (rows.engine_side) return engine_copy(def, range, c, rows.attached);
  auto upsert_key = c.same_store() ? std::vector<std::string>{} : def.effective_target_key();
  if (rows.as_copy_binary) {
    c.target->copy_binary_in(def.target_table, target_columns(def), rows.copy_text, upsert_key);
    return rows.count;
  }
  if (rows.as_copy_text) {
    c.target->copy_text_in(def.target_table, target_columns(def), rows.copy_text, upsert_key);
    return rows.count;
  }
  c.target->insert_rows(def.target_table, target_columns(def), rows.rows, upsert_key);
  return static_cast<std::int64_t>(rows.rows.size());
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

std::int64_t run_batch(const MigrationDef& def, const plan::KeyRange& range, const Connections& c,
                       const TransactionHooks& hooks) {
  // Read (and transform) before the write transaction starts: other workers' writes
  // are not held up while this one reads, and SQLite's single write lock is held only
  // for the write itself.
  BatchRows rows = read_batch(def, range, c);
  if (hooks.before_begin) hooks.before_begin();
  db::Transaction tx(*c.target);
  if (hooks.after_begin) hooks.after_begin();
  std::int64_t n = write_batch(def, range, c, rows);
  finish(tx, hooks, n);
  return n;
}

namespace {

// Writes keys[i..j] (by key range), splitting in halves on a permanent error until the
// rows that fail are alone; each of those becomes a Reject. Runs inside the caller's
// transaction, each try inside a savepoint so that a failed half leaves nothing behind.
class Bisector {
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
    c_.target->execute_script("SAVEPOINT rowshift_bisect");
    try {
      std::int64_t n = write_range(def_, r, c_);
      c_.target->execute_script("RELEASE SAVEPOINT rowshift_bisect");
      return n;
    } catch (const Error& e) {
      if (e.transient()) throw;  // the whole batch is retried
      c_.target->execute_script("ROLLBACK TO SAVEPOINT rowshift_bisect");
      c_.target->execute_script("RELEASE SAVEPOINT rowshift_bisect");
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

std::int64_t run_batch_quarantining(const MigrationDef& def, const plan::KeyRange& range, const Connections& c,
                                    std::vector<Reject>& rejects, const TransactionHooks& hooks) {
  // The keys of the batch, from the table the batches were planned on.
  db::Database& keyed = def.kind == MigrationKind::update ? *c.target : *c.source;
  std::string sql = "SELECT " + db::quote_list(def.key) + " FROM " + db::quote_ident(def.source_table) + " WHERE " +
                    db::range_predicate(def.key, range.has_lo(), range.has_hi());
  if (!def.where.empty()) sql += " AND (" + db::user_sql(def.where) + ")";
  sql += " ORDER BY " + db::quote_list(def.key);
  std::vector<Values> keys;
  keyed.query(sql, range.params(), [&](Values& k) {
    keys.push_back(k);
    return true;
  });
  db::Transaction tx(*c.target);
  if (hooks.after_begin) hooks.after_begin();
  std::int64_t rows = Bisector(def, range, c, std::move(keys)).run(rejects);
  finish(tx, hooks, rows);
  return rows;
}

Values source_row(const MigrationDef& def, const Values& key, const Connections& c, std::vector<std::string>& names) {
  db::Database& db = def.kind == MigrationKind::update ? *c.target : *c.source;
  std::string where;
  for (const auto& k : def.key) where += (where.empty() ? "" : " AND ") + db::quote_ident(k) + " = ?";
  Values row;
  db.query("SELECT * FROM " + db::quote_ident(def.source_table) + " WHERE " + where, key, [&](Values& r) {
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
  const plan::KeyRange everything;
  std::string sql;
  switch (def.kind) {
    case MigrationKind::copy:
      sql = copy_select(def, everything);
      break;
    case MigrationKind::transform: {
      std::string cols = def.source_columns.empty() ? "*" : db::quote_list(def.source_columns);
      sql = "SELECT " + cols + " FROM " + db::quote_ident(def.source_table) + range_where(def, def.key, everything);
      break;
    }
    case MigrationKind::update:
      sql = "SELECT 1 FROM " + db::quote_ident(def.source_table) + range_where(def, def.key, everything);
      break;
    case MigrationKind::schema:
      return;
  }
  try {
    db.query(sql + " AND 1=0", {}, [](Values&) { return false; });
  } catch (const Error& e) {
    if (e.transient() || e.kind() == ErrorKind::cancelled) throw;
    throw Error(ErrorKind::config, "migration " + def.name + ": its read fails before any row is written: " + e.what());
  }
}

}  // namespace rowshift::migrate
