#include "migrate/batch_executor.hpp"

#include <algorithm>
#include <memory>

#include "db/sql.hpp"
#include "rowshift/error.hpp"

namespace rowshift::migrate {
namespace {

std::string range_where(const MigrationDef& def, const std::vector<std::string>& key, const plan::KeyRange& r) {
  std::string w = " WHERE " + db::range_predicate(key, r.has_lo(), r.has_hi());
  if (!def.where.empty()) w += " AND (" + def.where + ")";
  return w;
}

std::string copy_select(const MigrationDef& def, const plan::KeyRange& r) {
  std::string exprs;
  for (const auto& [target, expr] : def.columns) exprs += (exprs.empty() ? "" : ", ") + expr;
  return "SELECT " + exprs + " FROM " + db::quote_ident(def.source_table) + range_where(def, def.key, r);
}

std::string upsert_suffix(const std::vector<std::string>& cols, const std::vector<std::string>& key) {
  std::string set;
  for (const auto& c : cols) {
    if (std::find(key.begin(), key.end(), c) != key.end()) continue;
    set += (set.empty() ? "" : ", ") + db::quote_ident(c) + " = excluded." + db::quote_ident(c);
  }
  return " ON CONFLICT (" + db::quote_list(key) + ") DO " + (set.empty() ? "NOTHING" : "UPDATE SET " + set);
}

std::int64_t copy_batch(const MigrationDef& def, const plan::KeyRange& r, const Connections& c) {
  auto cols = target_columns(def);
  bool upsert = !c.same_store();
  if (c.same_source()) {
    // Source and target share a database: the engine moves the rows, none enter C++.
    std::string sql = "INSERT INTO " + db::quote_ident(def.target_table) + " (" + db::quote_list(cols) + ") " +
                      copy_select(def, r);
    if (upsert) sql += upsert_suffix(cols, def.effective_target_key());
    return c.target->execute(sql, r.params());
  }
  std::vector<Values> rows;
  c.source->query(copy_select(def, r), r.params(), [&](Values& row) {
    rows.push_back(std::move(row));
    return true;
  });
  c.target->insert_rows(def.target_table, cols, rows,
                        upsert ? def.effective_target_key() : std::vector<std::string>{});
  return static_cast<std::int64_t>(rows.size());
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

std::int64_t transform_batch(const MigrationDef& def, const plan::KeyRange& r, const Connections& c) {
  std::vector<Values> rows;
  transform_rows(def, r, *c.source, [&](Values& row) { rows.push_back(std::move(row)); });
  c.target->insert_rows(def.target_table, def.target_columns, rows,
                        c.same_store() ? std::vector<std::string>{} : def.effective_target_key());
  return static_cast<std::int64_t>(rows.size());
}

std::int64_t update_batch(const MigrationDef& def, const plan::KeyRange& r, const Connections& c) {
  std::string pred = "(" + db::range_predicate(def.key, r.has_lo(), r.has_hi()) + ")";
  if (!def.where.empty()) pred = "(" + pred + " AND (" + def.where + "))";
  std::string sql;
  Values params;
  const std::string token = "{{batch}}";
  std::size_t pos = 0;
  for (;;) {
    auto at = def.sql.find(token, pos);
    sql += def.sql.substr(pos, at == std::string::npos ? std::string::npos : at - pos);
    if (at == std::string::npos) break;
    sql += pred;
    for (const auto& v : r.params()) params.push_back(v);
    pos = at + token.size();
  }
  return c.target->execute(sql, params);
}

}  // namespace

std::vector<std::string> target_columns(const MigrationDef& def) {
  if (def.kind == MigrationKind::transform) return def.target_columns;
  std::vector<std::string> cols;
  for (const auto& [target, expr] : def.columns) cols.push_back(target);
  return cols;
}

std::int64_t write_range(const MigrationDef& def, const plan::KeyRange& range, const Connections& c) {
  switch (def.kind) {
    case MigrationKind::copy: return copy_batch(def, range, c);
    case MigrationKind::transform: return transform_batch(def, range, c);
    case MigrationKind::update: return update_batch(def, range, c);
    case MigrationKind::schema: break;
  }
  throw Error(ErrorKind::permanent, "schema migrations have no batches");
}

std::int64_t run_batch(const MigrationDef& def, const plan::KeyRange& range, const Connections& c,
                       const std::function<void(std::int64_t rows)>& in_transaction) {
  db::Transaction tx(*c.target);
  std::int64_t rows = write_range(def, range, c);
  if (in_transaction) in_transaction(rows);
  tx.commit();
  return rows;
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
                                    std::vector<Reject>& rejects,
                                    const std::function<void(std::int64_t rows)>& in_transaction) {
  // The keys of the batch, from the table the batches were planned on.
  db::Database& keyed = def.kind == MigrationKind::update ? *c.target : *c.source;
  std::string sql = "SELECT " + db::quote_list(def.key) + " FROM " + db::quote_ident(def.source_table) + " WHERE " +
                    db::range_predicate(def.key, range.has_lo(), range.has_hi());
  if (!def.where.empty()) sql += " AND (" + def.where + ")";
  sql += " ORDER BY " + db::quote_list(def.key);
  std::vector<Values> keys;
  keyed.query(sql, range.params(), [&](Values& k) {
    keys.push_back(k);
    return true;
  });
  db::Transaction tx(*c.target);
  std::int64_t rows = Bisector(def, range, c, std::move(keys)).run(rejects);
  if (in_transaction) in_transaction(rows);
  tx.commit();
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

}  // namespace rowshift::migrate
