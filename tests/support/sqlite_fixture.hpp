// Helpers to build small SQLite databases for tests.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include "db/database.hpp"

namespace rowshift::testing {

inline std::unique_ptr<db::Database> open_db(const std::string& url) { return db::open_database(url); }

inline std::int64_t count_rows(db::Database& db, const std::string& sql) {
  return db::query_row(db, sql)[0].as_int();
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The demo's 200,000-row `orders` table (examples/demo/make_orders.sql), optionally
// cut down to `rows` rows.
inline void make_orders(db::Database& db, int rows = 200000) {
  std::string sql = read_file(std::string(ROWSHIFT_SOURCE_DIR) + "/examples/demo/make_orders.sql");
  auto at = sql.find("n < 200000");
  sql.replace(at, 10, "n < " + std::to_string(rows));
  db.execute_script(sql);
}

}  // namespace rowshift::testing
