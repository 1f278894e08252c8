// verify: compares source and target per planned key range, in parallel (map), and
// combines the per-range results (reduce).
//
// A range's rows are produced on the source, in the order the plan was made in (the
// source's own collation), and the target rows are found by their target key (IN
// lookups through the target's index), never by evaluating the source's range on the
// target: a target whose collation orders text differently, or whose key is computed
// from the source key, would put rows in other ranges. Rows are paired by key and
// compared value by value (run/row_matcher.hpp). Rows in the target that no source row
// produced are found by counting: the target's rows against the rows paired.
#include <algorithm>

#include "db/placeholders.hpp"
#include "db/interrupt.hpp"
#include "db/planner_sql.hpp"
#include "db/sql.hpp"
#include "exec/channel.hpp"
#include "exec/worker_pool.hpp"
#include "migrate/batch_executor.hpp"
#include "core/hash.hpp"
#include "run/context.hpp"
#include "run/row_matcher.hpp"
#include "run/worker_default.hpp"

namespace rowshift {
namespace {

// Keys per lookup statement, rounded up to a power of two by repeating the last key so
// that a connection prepares a handful of statements, not one per range size.
constexpr std::size_t kLookupKeys = 512;

struct RangeResult {
  std::int64_t batch = 0;
  std::string range;
  RangeComparison cmp;
  std::string error;
  ErrorKind error_kind = ErrorKind::permanent;
};

struct VerifyConnections {
  std::unique_ptr<db::Database> source, target;
};

std::vector<Values> find_in_target(db::Database& target, const MigrationDef& def,
                                   const std::vector<std::string>& cols, const std::vector<Values>& keys) {
  const auto& tkey = def.effective_target_key();
  std::vector<Values> found;
  for (std::size_t at = 0; at < keys.size(); at += kLookupKeys) {
    std::size_t n = std::min(kLookupKeys, keys.size() - at);
    std::size_t padded = 1;
    while (padded < n) padded *= 2;
    Values params;
    params.reserve(padded * tkey.size());
    for (std::size_t i = 0; i < padded; ++i) {
      const Values& k = keys[at + std::min(i, n - 1)];
      params.insert(params.end(), k.begin(), k.end());
    }
    target.query(db::select_by_keys(def.target_table, cols, tkey, padded), params, [&](Values& row) {
      found.push_back(std::move(row));
      return true;
    });
  }
  return found;
}

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
  using checkpoint::BatchStatus;
  for (auto s : {BatchStatus::pending, BatchStatus::running, BatchStatus::done, BatchStatus::failed}) {
    auto part = store().batches(def.name, s);
    ranges.insert(ranges.end(), part.begin(), part.end());
  }
  std::sort(ranges.begin(), ranges.end(), [](const auto& a, const auto& b) { return a.number < b.number; });

  const auto cols = migrate::target_columns(def);
  const RowMatcher matcher(cols, def.effective_target_key());
  exec::Channel<RangeResult> results;
  const int workers = cap_to_connection_slots(
      def, opt.workers > 0 ? opt.workers : default_workers(endpoints_of(def), exec::WorkerPool::cores()).workers);
  std::vector<VerifyConnections> conns(static_cast<std::size_t>(workers));
  {
    exec::WorkerPool pool(workers, static_cast<std::size_t>(workers) * 2);
    for (const auto& b : ranges) {
      pool.submit([&, b](int w) {
        RangeResult r;
        r.batch = b.number;
        r.range = b.range.describe();
        try {
          auto& c = conns[static_cast<std::size_t>(w)];
          if (!c.target) {
            try {
              c.target = db::open_database(target_url);
              c.source = open_source(def);
            } catch (const Error& e) {  // the coordinator got in a moment ago: an outage
              c.target.reset();
              throw Error(ErrorKind::transient, e.what());
            }
          }
          // A signal ends verify within a second: running reads are cancelled, and no
          // further range starts.
          db::Interruptible source_reads(*c.source), target_reads(*c.target);
          std::vector<Values> expected;
          migrate::produce_rows(def, b.range, *c.source, [&](const Values& row) { expected.push_back(row); });
          r.cmp = matcher.compare(expected, find_in_target(*c.target, def, cols, matcher.keys_of(expected)));
        } catch (const Error& e) {
          r.error = e.what();
          r.error_kind = e.kind();
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
  report.order = "source ranges in the source's key order; target rows found by key equality";
  std::uint64_t src_sum = 0, tgt_sum = 0;
  std::int64_t paired = 0;
  while (auto r = results.pop()) {
    if (!r->error.empty()) {
      if (r->error_kind == ErrorKind::cancelled) throw Error(ErrorKind::cancelled, "verify " + def.name + ": " + r->error);
      // A transient error (a lost connection) keeps its kind: Runner::verify starts over.
      throw Error(r->error_kind == ErrorKind::transient ? ErrorKind::transient : ErrorKind::permanent,
                  "verify " + def.name + " range " + r->range + ": " + r->error);
    }
    ++report.ranges;
    report.source_rows += r->cmp.expected;
    src_sum += r->cmp.source_hash;
    tgt_sum += r->cmp.target_hash;
    paired += r->cmp.matched + r->cmp.changed;
    if (!r->cmp.ok()) {
      report.mismatches.push_back({r->batch, r->range, r->cmp.expected, r->cmp.matched + r->cmp.changed,
                                   r->cmp.first_difference});
    }
  }
  report.target_rows = [&] {
    db::Interruptible cancellable(*target);
    return db::query_row(*target, db::count_rows(def.target_table))[0].as_int();
  }();
  if (report.target_rows > paired) {
    report.mismatches.push_back({0, "target rows that no source row produced", 0, report.target_rows - paired,
                                 "the target holds " + std::to_string(report.target_rows - paired) +
                                     " rows whose keys no source row has"});
  } else if (report.target_rows < paired) {
    // More pairs than rows: some target row was paired in two ranges (two source rows
    // produced the same target key, and one overwrote the other).
    report.mismatches.push_back({0, "target rows produced twice", paired - report.target_rows,
                                 report.target_rows, "source rows in different ranges produced the same target key"});
  }
  // Rows whose key is NULL are in no range (planning refuses them, but they may have come
  // in since): they were not copied, and verify must say so rather than pass them over.
  {
    auto source = open_source(def);
    db::Interruptible cancellable(*source);
    std::int64_t unkeyed =
        db::query_row(*source, db::count_null_keys(def.source_table, def.key, db::user_sql(def.where)))[0].as_int();
    if (unkeyed > 0) {
      report.source_rows += unkeyed;
      report.mismatches.push_back({0, "rows with a NULL key (in no batch)", unkeyed, 0, "not copied"});
    }
  }
  std::sort(report.mismatches.begin(), report.mismatches.end(),
            [](const auto& a, const auto& b) { return a.batch < b.batch; });
  report.source_checksum = core::to_hex(src_sum);
  report.target_checksum = core::to_hex(tgt_sum);
  return report;
}

}  // namespace rowshift
