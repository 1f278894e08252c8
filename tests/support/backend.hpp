// The conformance suite's backends (like SOCI's tests/common): each test that takes a
// Backend runs once on SQLite and once on the throwaway PostgreSQL cluster that CTest
// starts (scripts/pg-test-cluster.sh, fixture "pg").
#pragma once

#include <string>
#include <vector>

#include "db/database.hpp"
#include "support/temp_dir.hpp"

namespace rowshift::testing {

// The URL of the test cluster's maintenance database, read from the state folder CTest
// passes in ROWSHIFT_PG_STATE; empty when no cluster runs (PostgreSQL tests then fail).
std::string pg_cluster_url();
// Creates a new, empty database on the test cluster and returns its URL.
std::string new_pg_database();
// Replaces the database name in a cluster URL.
std::string pg_url_for(const std::string& dbname);

struct Backend {
  std::string name;  // "sqlite" or "postgresql"
  bool is_postgres() const { return name == "postgresql"; }

  // A new empty database; `dir` holds SQLite files.
  std::string new_database(const TempDir& dir, const std::string& file) const;
  // The demo's orders table with `rows` rows (same values on both backends).
  void make_orders(db::Database& db, int rows) const;
  // SQL name of the function turning a code point into a character.
  std::string chr() const { return is_postgres() ? "chr" : "char"; }
};

std::vector<Backend> all_backends();
std::string backend_name(const ::testing::TestParamInfo<Backend>& info);

}  // namespace rowshift::testing

namespace rowshift::testing {
inline void PrintTo(const Backend& b, std::ostream* os) { *os << b.name; }
}  // namespace rowshift::testing
