// FaultyDatabase: wraps a Database and fails chosen calls (LevelDB's EnvWrapper idea).
//
// A FaultPlan is shared by every connection opened while it is installed; its random
// choices come from a seed, so a failing run can be replayed. Each rule
// matches statements by a substring (and optionally by their first bound parameter:
// for batch statements the lower key bound, which picks out one batch), and
// fails the first `times` matching calls (times < 0: every matching call) with an
// error of the given kind, or the call after the statement ran (after_success), which
// models a failure between a batch's write and its checkpoint mark.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <chrono>
#include <optional>
#include <random>
#include <thread>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "rowshift/error.hpp"

namespace rowshift::testing {

struct FaultRule {
  std::string sql_contains;
  ErrorKind kind = ErrorKind::transient;
  int times = 1;
  std::optional<Value> first_param;  // only statements whose first parameter equals this
  bool after_success = false;
  double fraction = 1.0;             // fail only this share of matching calls (seeded)
  int latency_ms = 0;                // delay every matching call this long (no failure if times = 0)
};

class FaultPlan {
 public:
  explicit FaultPlan(std::uint64_t seed = 42) : rng_(seed) {}
  void add(FaultRule rule) {
    std::lock_guard lock(mu_);
    rules_.push_back({std::move(rule), 0});
  }
  int injected() const { return injected_.load(); }
  int delayed() const { return delayed_.load(); }
  // While down, every statement, BEGIN and COMMIT fails as a lost connection would.
  void set_down(bool down) { down_ = down; }

  // Throws when a rule fires for this statement (before or after it runs).
  void check(const std::string& sql, const Values& params, bool after) {
    if (down_ && !after) {
      ++injected_;
      throw Error(ErrorKind::transient, "injected outage: server closed the connection");
    }
    std::lock_guard lock(mu_);
    for (auto& [rule, fired] : rules_) {
      if (rule.after_success != after || sql.find(rule.sql_contains) == std::string::npos) continue;
      if (rule.first_param && (params.empty() || !(params[0] == *rule.first_param))) continue;
      if (rule.latency_ms > 0) {
        ++delayed_;
        std::this_thread::sleep_for(std::chrono::milliseconds(rule.latency_ms));
      }
      if (rule.times >= 0 && fired >= rule.times) continue;
      if (rule.fraction < 1.0 && std::uniform_real_distribution<double>(0, 1)(rng_) >= rule.fraction) continue;
      ++fired;
      ++injected_;
      throw Error(rule.kind, std::string("injected ") + (rule.kind == ErrorKind::transient ? "transient" : "permanent") +
                                 " fault on: " + rule.sql_contains);
    }
  }

 private:
  std::mutex mu_;
  std::vector<std::pair<FaultRule, int>> rules_;
  std::atomic<int> injected_{0};
  std::atomic<int> delayed_{0};
  std::atomic<bool> down_{false};
  std::mt19937_64 rng_;  // guarded by mu_
};

class FaultyDatabase final : public db::Database {
 public:
  FaultyDatabase(std::unique_ptr<db::Database> inner, std::shared_ptr<FaultPlan> plan)
      : inner_(std::move(inner)), plan_(std::move(plan)) {}

  db::Dialect dialect() const override { return inner_->dialect(); }
  const db::DbUrl& url() const override { return inner_->url(); }
  void execute_script(const std::string& sql) override {
    plan_->check(sql, {}, false);
    inner_->execute_script(sql);
    plan_->check(sql, {}, true);
  }
  std::int64_t execute(const std::string& sql, const Values& params = {}) override {
    plan_->check(sql, params, false);
    auto n = inner_->execute(sql, params);
    plan_->check(sql, params, true);
    return n;
  }
  void query(const std::string& sql, const Values& params, const db::RowFn& fn,
             std::vector<std::string>* names = nullptr) override {
    plan_->check(sql, params, false);
    inner_->query(sql, params, fn, names);
  }
  void begin() override {
    plan_->check("BEGIN", {}, false);
    inner_->begin();
  }
  void commit() override {
    plan_->check("COMMIT", {}, false);
    inner_->commit();
  }
  void rollback() override { inner_->rollback(); }
  void set_interruptible(bool on) override { inner_->set_interruptible(on); }
  bool attach(const db::DbUrl& other, const std::string& schema) override { return inner_->attach(other, schema); }
  bool table_exists(const std::string& t) override { return inner_->table_exists(t); }
  std::vector<std::string> table_columns(const std::string& t) override { return inner_->table_columns(t); }
  bool has_unique_key(const std::string& t, const std::vector<std::string>& c) override {
    return inner_->has_unique_key(t, c);
  }
  bool read_only() override { return inner_->read_only(); }
  void insert_rows(const std::string& table, const std::vector<std::string>& columns, const std::vector<Values>& rows,
                   const std::vector<std::string>& upsert_key) override {
    std::string sql = "INSERT INTO \"" + table + "\"";
    for (const auto& r : rows) plan_->check(sql, r, false);
    inner_->insert_rows(table, columns, rows, upsert_key);
  }

 private:
  std::unique_ptr<db::Database> inner_;
  std::shared_ptr<FaultPlan> plan_;
};

// Installs a plan for the lifetime of the object.
class ScopedFaults {
 public:
  ScopedFaults() : plan_(std::make_shared<FaultPlan>()) {
    auto plan = plan_;
    db::set_open_hook([plan](std::unique_ptr<db::Database> inner) -> std::unique_ptr<db::Database> {
      return std::make_unique<FaultyDatabase>(std::move(inner), plan);
    });
  }
  ~ScopedFaults() { db::set_open_hook(nullptr); }
  FaultPlan& plan() { return *plan_; }

 private:
  std::shared_ptr<FaultPlan> plan_;
};

}  // namespace rowshift::testing
