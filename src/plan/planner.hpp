// Planner: turns a table's key order into batches of exactly batch_size rows.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "keys/key_range.hpp"

namespace rowshift::plan {

using keys::KeyRange;

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
