// GuardedDatabase: a worker's connection seen through its endpoint's circuit breaker.
// Every call first waits for the breaker (open: wait; half-open: one probe), then tells
// it how the call went: transient errors count toward opening it, anything else
// (success, or a permanent error, which proves the database answers) closes it. A
// rollback never waits (db::DatabaseWrapper does not wrap it).
#pragma once

#include <memory>
#include <stop_token>
#include <unordered_map>

#include "db/database_wrapper.hpp"
#include "exec/circuit_breaker.hpp"
#include "rowshift/error.hpp"

namespace rowshift {

class GuardedDatabase final : public db::DatabaseWrapper {
 public:
  GuardedDatabase(std::unique_ptr<db::Database> inner, exec::CircuitBreaker& breaker, std::stop_token stop)
      : DatabaseWrapper(std::move(inner)), breaker_(breaker), stop_(std::move(stop)) {}

  // Type lists are asked for before every batch, and the connection answers from its
  // cache: counted as successes, those answers would reset the run of failures that is
  // to open the breaker while the server is down. Only the first asking goes through it.
  std::vector<unsigned> result_types(const std::string& sql, const Values& params) override {
    auto it = types_.find(sql);
    if (it != types_.end()) return it->second;
    return types_[sql] = DatabaseWrapper::result_types(sql, params);
  }
  std::vector<unsigned> column_types(const std::string& table, const std::vector<std::string>& columns) override {
    std::string key(1, '\0');  // cannot be a query's text
    key += table;
    for (const auto& c : columns) key += '\0' + c;
    auto it = types_.find(key);
    if (it != types_.end()) return it->second;
    return types_[key] = DatabaseWrapper::column_types(table, columns);
  }

 private:
  void around(std::string_view, const std::string&, const Values&, const std::function<void()>& call) override {
    breaker_.before_call(stop_);
    try {
      call();
    } catch (const Error& e) {
      if (e.transient()) breaker_.on_transient_failure();
      else breaker_.on_success();
      throw;
    }
    breaker_.on_success();
  }

  std::unordered_map<std::string, std::vector<unsigned>> types_;  // result_types and column_types
  exec::CircuitBreaker& breaker_;
  std::stop_token stop_;
};

}  // namespace rowshift
