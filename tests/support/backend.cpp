#include <gtest/gtest.h>

#include "support/backend.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <unistd.h>

#include "support/sqlite_fixture.hpp"

namespace rowshift::testing {

std::string pg_cluster_url() {
  const char* state = std::getenv("ROWSHIFT_PG_STATE");
  if (!state) return {};
  std::ifstream in(std::string(state) + "/url");
  std::string url;
  std::getline(in, url);
  return url;
}

std::string pg_url_for(const std::string& dbname) {
  std::string url = pg_cluster_url();
  return url.substr(0, url.rfind('/') + 1) + dbname;
}

std::string new_pg_database() {
  std::string url = pg_cluster_url();
  if (url.empty()) throw std::runtime_error("no PostgreSQL test cluster (ROWSHIFT_PG_STATE unset): run through ctest");
  static std::atomic<int> counter{0};
  std::string name = "t_" + std::to_string(getpid()) + "_" + std::to_string(++counter) + "_" +
                     std::to_string(std::random_device{}() % 100000);
  // CREATE DATABASE copies template1 and fails while another session uses it (tests
  // run in parallel): try again a few times.
  for (int attempt = 1;; ++attempt) {
    try {
      auto admin = db::open_database(url);
      admin->execute_script("CREATE DATABASE " + name);
      return pg_url_for(name);
    } catch (const std::exception& e) {
      if (attempt >= 20) throw;
      std::fprintf(stderr, "CREATE DATABASE %s failed (%s), retrying\n", name.c_str(), e.what());
      usleep(200000);
    }
  }
}

std::string Backend::new_database(const TempDir& dir, const std::string& file) const {
  return is_postgres() ? new_pg_database() : dir.sqlite_url(file);
}

void Backend::make_orders(db::Database& db, int rows) const {
  if (!is_postgres()) {
    testing::make_orders(db, rows);
    return;
  }
  // The same rows as examples/demo/make_orders.sql, in PostgreSQL's dialect.
  db.execute_script(
      "CREATE TABLE orders (id BIGINT PRIMARY KEY, customer TEXT, amount DOUBLE PRECISION, currency TEXT NOT NULL,"
      " note TEXT, created_at TEXT NOT NULL);"
      "INSERT INTO orders SELECT n * 3 + (n % 3) + CASE WHEN n > 150000 THEN 10000000 ELSE 0 END,"
      " CASE n % 10 WHEN 0 THEN NULL WHEN 1 THEN 'O''Brien ' || n WHEN 2 THEN '  Zoë Ångström ' || n || '  '"
      "   WHEN 3 THEN '李小龍 ' || n WHEN 4 THEN 'Robert\"); DROP TABLE orders; -- ' || n ELSE 'Customer ' || n END,"
      " CASE WHEN n % 17 = 0 THEN NULL ELSE (n % 100000) / 100.0 END,"
      " CASE n % 3 WHEN 0 THEN 'EUR' WHEN 1 THEN 'USD' ELSE 'JPY' END,"
      " CASE WHEN n % 13 = 0 THEN 'line one' || chr(10) || 'line \"two\" ✓' WHEN n % 5 = 0 THEN NULL"
      "   ELSE 'note ' || n END,"
      " to_char(to_timestamp(1700000000 + n * 61) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"
      " FROM generate_series(1, " + std::to_string(rows) + ") AS n");
}

std::vector<Backend> all_backends() { return {Backend{"sqlite"}, Backend{"postgresql"}}; }

std::string backend_name(const ::testing::TestParamInfo<Backend>& info) { return info.param.name; }

}  // namespace rowshift::testing
