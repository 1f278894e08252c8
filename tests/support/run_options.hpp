// RunOptions for in-process tests: only the given migrations, fast backoff.
#pragma once

#include <string>
#include <vector>

#include "rowshift/runner.hpp"

namespace rowshift::testing {

inline RunOptions test_options(const std::string& url, std::vector<MigrationDef> migrations) {
  RunOptions o;
  o.db_url = url;
  o.include_registered = false;
  o.migrations = std::move(migrations);
  o.backoff_base = std::chrono::milliseconds(1);
  o.backoff_cap = std::chrono::milliseconds(5);
  return o;
}

}  // namespace rowshift::testing
