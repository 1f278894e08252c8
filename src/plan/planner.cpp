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
  std::string cols = db::quote_list(req.key);
  std::string sql = "SELECT " + cols + " FROM " + db::quote_ident(req.table);
  if (!req.where.empty()) sql += " WHERE (" + req.where + ")";
  sql += " ORDER BY " + cols;

  Plan plan;
  std::vector<Values> boundaries;  // key of row number k*batch_size
  Values last;
  db.query(sql, {}, [&](Values& key) {
    for (std::size_t i = 0; i < key.size(); ++i) {
      if (key[i].is_null()) {
        throw Error(ErrorKind::config, "key column \"" + req.key[i] + "\" of \"" + req.table +
                                           "\" holds NULL; choose a NOT NULL key");
      }
    }
    ++plan.rows;
    if (plan.rows == 1) plan.min_key = key;
    if (plan.rows % req.batch_size == 0) boundaries.push_back(key);
    last = key;
    return true;
  });
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
