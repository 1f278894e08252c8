// A test that runs once per backend (SQLite, PostgreSQL) on a new, empty database.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "support/backend.hpp"
#include "support/temp_dir.hpp"

namespace rowshift::testing {

class BackendTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { url = backend.new_database(dir, "t.db"); }

  const Backend backend = GetParam();
  TempDir dir;     // SQLite files
  std::string url;  // the new database
};

}  // namespace rowshift::testing
