// Planner: turns a table's key order into batches of exactly batch_size rows.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "db/database.hpp"

namespace rowshift::plan {

// Keys in (lo, hi]; an empty lo means "from the start", an empty hi "to the end", so
// rows inserted after planning with larger keys still fall in the last batch.
struct KeyRange {
  Values lo, hi;
  bool has_lo() const { return !lo.empty(); }
  bool has_hi() const { return !hi.empty(); }
  // lo values then hi values, matching db::range_predicate().
  Values params() const;
  std::string describe() const;  // "(1000..2000]" for people
};

struct Batch {
  std::int64_t number = 0;  // 1-based
  KeyRange range;
};

struct Plan {
  std::vector<Batch> batches;
  std::int64_t rows = 0;
  Values min_key, max_key;
};

struct PlanRequest {
  std::string table;
  std::vector<std::string> key;
  std::string where;  // optional filter
  int batch_size = 1000;
};

// Reads the key columns of table in key order (keyset pages of 10,000) and cuts a
// boundary after every batch_size rows. Throws Error(config) when a key value is NULL.
Plan plan_batches(db::Database& db, const PlanRequest& request);

}  // namespace rowshift::plan
