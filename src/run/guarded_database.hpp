// GuardedDatabase: a worker's connection seen through its endpoint's circuit breaker.
// Every call first waits for the breaker (open: wait; half-open: one probe), then tells
// it how the call went: transient errors count toward opening it, anything else
// (success, or a permanent error, which proves the database answers) closes it.
#pragma once

#include <memory>
#include <stop_token>
#include <unordered_map>

#include "db/database.hpp"
#include "exec/circuit_breaker.hpp"
#include "rowshift/error.hpp"

namespace rowshift {

class GuardedDatabase final : public db::Database {
 public:
  GuardedDatabase(std::unique_ptr<db::Database> inner, exec::CircuitBreaker& breaker, std::stop_token stop)
      : inner_(std::move(inner)), breaker_(breaker), stop_(std::move(stop)) {}

  exec::CircuitBreaker& breaker() { return breaker_; }

  db::Dialect dialect() const override { return inner_->dialect(); }
  const db::DbUrl& url() const override { return inner_->url(); }
  void execute_script(const std::string& sql) override {
    guard([&] { inner_->execute_script(sql); });
  }
  std::int64_t execute(const std::string& sql, const Values& params = {}) override {
    std::int64_t n = 0;
    guard([&] { n = inner_->execute(sql, params); });
    return n;
  }
  void query(const std::string& sql, const Values& params, const db::RowFn& fn,
             std::vector<std::string>* names = nullptr) override {
    guard([&] { inner_->query(sql, params, fn, names); });
  }
  void begin() override {
    guard([&] { inner_->begin(); });
  }
  void commit() override {
    guard([&] { inner_->commit(); });
  }
  void commit_after(const std::string& sql, const Values& params) override {
    guard([&] { inner_->commit_after(sql, params); });
  }
  void rollback() override { inner_->rollback(); }  // never waits: it must always run
  void set_interruptible(bool on) override { inner_->set_interruptible(on); }
  void lock_setup() override {
    guard([&] { inner_->lock_setup(); });
  }
  bool attach(const db::DbUrl& other, const std::string& schema) override {
    bool r = false;
    guard([&] { r = inner_->attach(other, schema); });
    return r;
  }
  bool table_exists(const std::string& t) override {
    bool r = false;
    guard([&] { r = inner_->table_exists(t); });
    return r;
  }
  bool has_unique_key(const std::string& t, const std::vector<std::string>& c) override {
    bool r = false;
    guard([&] { r = inner_->has_unique_key(t, c); });
    return r;
  }
  bool read_only() override {
    bool r = false;
    guard([&] { r = inner_->read_only(); });
    return r;
  }
  std::vector<std::string> table_columns(const std::string& t) override {
    std::vector<std::string> r;
    guard([&] { r = inner_->table_columns(t); });
    return r;
  }
  void insert_rows(const std::string& table, const std::vector<std::string>& columns, const std::vector<Values>& rows,
                   const std::vector<std::string>& upsert_key) override {
    guard([&] { inner_->insert_rows(table, columns, rows, upsert_key); });
  }
  std::int64_t query_copy_text(const std::string& sql, const Values& params, std::string& out) override {
    std::int64_t n = 0;
    guard([&] { n = inner_->query_copy_text(sql, params, out); });
    return n;
  }
  bool accepts_copy_text() const override { return inner_->accepts_copy_text(); }
  void copy_text_in(const std::string& table, const std::vector<std::string>& columns, const std::string& text,
                    const std::vector<std::string>& upsert_key) override {
    guard([&] { inner_->copy_text_in(table, columns, text, upsert_key); });
  }
  // Type lists are asked for before every batch, and the connection answers from its
  // cache: counted as successes, those answers would reset the run of failures that is
  // to open the breaker while the server is down. Only the first asking goes through it.
  std::vector<unsigned> result_types(const std::string& sql, const Values& params) override {
    auto it = types_.find(sql);
    if (it != types_.end()) return it->second;
    std::vector<unsigned> r;
    guard([&] { r = inner_->result_types(sql, params); });
    return types_[sql] = r;
  }
  std::vector<unsigned> column_types(const std::string& table, const std::vector<std::string>& columns) override {
    std::string key(1, '\0');  // cannot be a query's text
    key += table;
    for (const auto& c : columns) key += '\0' + c;
    auto it = types_.find(key);
    if (it != types_.end()) return it->second;
    std::vector<unsigned> r;
    guard([&] { r = inner_->column_types(table, columns); });
    return types_[key] = r;
  }
  std::int64_t query_copy_binary(const std::string& sql, const Values& params, std::string& out) override {
    std::int64_t n = 0;
    guard([&] { n = inner_->query_copy_binary(sql, params, out); });
    return n;
  }
  void copy_binary_in(const std::string& table, const std::vector<std::string>& columns, const std::string& block,
                      const std::vector<std::string>& upsert_key) override {
    guard([&] { inner_->copy_binary_in(table, columns, block, upsert_key); });
  }
  std::optional<std::int64_t> query_copy_binary_for(const std::string& sql, const Values& params,
                                                    const std::vector<unsigned>& types, std::string& out) override {
    std::optional<std::int64_t> n;
    guard([&] { n = inner_->query_copy_binary_for(sql, params, types, out); });
    return n;
  }

 private:
  template <typename F>
  void guard(F&& f) {
    breaker_.before_call(stop_);
    try {
      f();
    } catch (const Error& e) {
      if (e.transient()) breaker_.on_transient_failure();
      else breaker_.on_success();
      throw;
    }
    breaker_.on_success();
  }

  std::unique_ptr<db::Database> inner_;
  std::unordered_map<std::string, std::vector<unsigned>> types_;  // result_types and column_types
  exec::CircuitBreaker& breaker_;
  std::stop_token stop_;
};

}  // namespace rowshift
