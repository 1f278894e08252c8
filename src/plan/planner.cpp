#include "plan/planner.hpp"

#include "checkpoint/key_codec.hpp"
#include "db/sql.hpp"
#include "rowshift/error.hpp"

namespace rowshift::plan {

Values KeyRange::params() const {
  Values p = lo;
  p.insert(p.end(), hi.begin(), hi.end());
  return p;
}

std::string KeyRange::describe() const {
  return std::string(has_lo() ? "(" + checkpoint::describe_key(lo) : "(start") + ".." +
         (has_hi() ? checkpoint::describe_key(hi) + "]" : "end)");
}

Plan plan_batches(db::Database& db, const PlanRequest& req) {
  if (req.batch_size <= 0) throw Error(ErrorKind::config, "batch size must be positive");
  // Keyset pages of kPage keys: memory stays flat however large the table, and every
  // page is an index range scan (SQLite and PostgreSQL both compare row values).
  constexpr int kPage = 10000;
  const std::string cols = db::quote_list(req.key);
  const std::string filter = req.where.empty() ? "" : "(" + req.where + ") AND ";
  const std::string base = "SELECT " + cols + " FROM " + db::quote_ident(req.table) + " WHERE " + filter;
  const std::string order = " ORDER BY " + cols + " LIMIT " + std::to_string(kPage);
  const std::string first_sql = base + "1=1" + order;
  const std::string next_sql = base + db::range_predicate(req.key, true, false) + order;

  Plan plan;
  std::vector<Values> boundaries;  // key of row number k*batch_size
  Values last;
  for (;;) {
    int seen = 0;
    db.query(last.empty() ? first_sql : next_sql, last, [&](Values& key) {
      for (std::size_t i = 0; i < key.size(); ++i) {
        if (key[i].is_null()) {
          throw Error(ErrorKind::config, "key column \"" + req.key[i] + "\" of \"" + req.table +
                                             "\" holds NULL; choose a NOT NULL key");
        }
      }
      ++seen;
      ++plan.rows;
      if (plan.rows == 1) plan.min_key = key;
      if (plan.rows % req.batch_size == 0) boundaries.push_back(key);
      last = key;
      return true;
    });
    if (seen < kPage) break;
  }
  plan.max_key = last;
  if (plan.rows == 0) return plan;

  std::int64_t count = (plan.rows + req.batch_size - 1) / req.batch_size;
  Values lo;
  for (std::int64_t n = 1; n <= count; ++n) {
    Batch b;
    b.number = n;
    b.range.lo = lo;
    if (n < count) b.range.hi = boundaries[static_cast<std::size_t>(n - 1)];
    lo = b.range.hi;
    plan.batches.push_back(std::move(b));
  }
  return plan;
}

}  // namespace rowshift::plan
