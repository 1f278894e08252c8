// verify: compares source and target per planned key range, in parallel (map), and
// combines the per-range counts and checksums (reduce).
//
// Each range's checksum is the sum of its rows' hashes (order-independent, so the two
// sides may return rows in any order); the combined checksum is the sum over ranges.
#include <algorithm>

#include "db/sql.hpp"
#include "exec/channel.hpp"
#include "exec/worker_pool.hpp"
#include "migrate/batch_executor.hpp"
#include "migrate/hash.hpp"
#include "run/context.hpp"

namespace rowshift {
namespace {

struct RangeSum {
  std::int64_t rows = 0;
  std::uint64_t hash = 0;
  void add(const Values& row) {
    migrate::Hasher h;
    for (const auto& v : row) h.add(v);
    hash += h.digest();
    ++rows;
  }
};

struct RangeResult {
  std::int64_t batch = 0;
  std::string range;
  RangeSum source, target;
  std::string error;
};

struct VerifyConnections {
  std::unique_ptr<db::Database> source, target;
};

}  // namespace

VerifyReport Runner::Impl::verify(const MigrationDef& def) {
  if (def.kind != MigrationKind::copy && def.kind != MigrationKind::transform) {
    throw Error(ErrorKind::config, "verify compares copies: " + def.name + " is a " + to_string(def.kind) +
                                       " migration");
  }
  if (!store_exists() || !store().migration(def.name)) {
    throw Error(ErrorKind::config, "migration " + def.name + " has not run yet; nothing to verify");
  }
  check_drift(def);
  std::vector<checkpoint::BatchRecord> ranges;
  for (const char* s : {"pending", "running", "done", "failed"}) {
    auto part = store().batches(def.name, s);
    ranges.insert(ranges.end(), part.begin(), part.end());
  }
  std::sort(ranges.begin(), ranges.end(), [](const auto& a, const auto& b) { return a.number < b.number; });

  const auto cols = migrate::target_columns(def);
  const auto& tkey = def.effective_target_key();
  exec::Channel<RangeResult> results;
  std::vector<VerifyConnections> conns(static_cast<std::size_t>(opt.workers));
  {
    exec::WorkerPool pool(opt.workers, static_cast<std::size_t>(opt.workers) * 2);
    for (const auto& b : ranges) {
      pool.submit([&, b](int w) {
        RangeResult r;
        r.batch = b.number;
        r.range = b.range.describe();
        try {
          auto& c = conns[static_cast<std::size_t>(w)];
          if (!c.target) {
            c.target = db::open_database(target_url);
            c.source = open_source(def);
          }
          migrate::produce_rows(def, b.range, *c.source, [&](const Values& row) { r.source.add(row); });
          std::string sql = "SELECT " + db::quote_list(cols) + " FROM " + db::quote_ident(def.target_table) +
                            " WHERE " + db::range_predicate(tkey, b.range.has_lo(), b.range.has_hi());
          c.target->query(sql, b.range.params(), [&](Values& row) {
            r.target.add(row);
            return true;
          });
        } catch (const std::exception& e) {
          r.error = e.what();
        }
        results.push(std::move(r));
      });
    }
    pool.join();
  }
  results.close();

  VerifyReport report;
  report.name = def.name;
  std::uint64_t src_sum = 0, tgt_sum = 0;
  while (auto r = results.pop()) {
    if (!r->error.empty()) throw Error(ErrorKind::permanent, "verify " + def.name + " range " + r->range + ": " + r->error);
    ++report.ranges;
    report.source_rows += r->source.rows;
    report.target_rows += r->target.rows;
    src_sum += r->source.hash;
    tgt_sum += r->target.hash;
    if (r->source.rows != r->target.rows || r->source.hash != r->target.hash) {
      report.mismatches.push_back({r->batch, r->range, r->source.rows, r->target.rows});
    }
  }
  // Rows whose key is NULL are in no range (planning refuses them, but they may have come
  // in since): they were not copied, and verify must say so rather than pass them over.
  {
    auto source = open_source(def);
    std::string null_key;
    for (const auto& k : def.key) null_key += (null_key.empty() ? "" : " OR ") + db::quote_ident(k) + " IS NULL";
    std::string sql = "SELECT count(*) FROM " + db::quote_ident(def.source_table) + " WHERE (" + null_key + ")";
    if (!def.where.empty()) sql += " AND (" + def.where + ")";
    std::int64_t unkeyed = db::query_row(*source, sql)[0].as_int();
    if (unkeyed > 0) {
      report.source_rows += unkeyed;
      report.mismatches.push_back({0, "rows with a NULL key (in no batch)", unkeyed, 0});
    }
  }
  std::sort(report.mismatches.begin(), report.mismatches.end(),
            [](const auto& a, const auto& b) { return a.batch < b.batch; });
  report.source_checksum = migrate::to_hex(src_sum);
  report.target_checksum = migrate::to_hex(tgt_sum);
  return report;
}

}  // namespace rowshift
