// FaultyDatabase: wraps a Database and fails chosen calls (a db::DatabaseWrapper).
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
#include <map>
#include <string_view>
#include <memory>
#include <mutex>
#include <chrono>
#include <optional>
#include <random>
#include <thread>
#include <string>
#include <vector>

#include "db/database_wrapper.hpp"
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
  // How often a connection's `what` was called (db::DatabaseWrapper::around names).
  void count(std::string_view what) {
    std::lock_guard lock(mu_);
    ++calls_[std::string(what)];
  }
  int calls(const std::string& what) {
    std::lock_guard lock(mu_);
    auto it = calls_.find(what);
    return it == calls_.end() ? 0 : it->second;
  }
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
  std::map<std::string, int> calls_;
  std::atomic<int> injected_{0};
  std::atomic<int> delayed_{0};
  std::atomic<bool> down_{false};
  std::mt19937_64 rng_;  // guarded by mu_
};

// Faults on the calls that reach the server, through db::DatabaseWrapper::around(): the
// wrapped connection takes the routes production takes (binary COPY, COPY text,
// commit_after, the setup lock), and each of them can fail. Lookups of tables, columns
// and types ("catalog") are counted but never fail.
class FaultyDatabase final : public db::DatabaseWrapper {
 public:
  FaultyDatabase(std::unique_ptr<db::Database> inner, std::shared_ptr<FaultPlan> plan)
      : DatabaseWrapper(std::move(inner)), plan_(std::move(plan)) {}

  // One check per row, as "INSERT INTO \"table\"" with the row's values (so a rule's
  // first_param picks out the batch that holds a key).
  void insert_rows(const std::string& table, const std::vector<std::string>& columns, const std::vector<Values>& rows,
                   const std::vector<std::string>& upsert_key) override {
    plan_->count("insert_rows");
    std::string sql = "INSERT INTO \"" + table + "\"";
    for (const auto& r : rows) plan_->check(sql, r, false);
    inner().insert_rows(table, columns, rows, upsert_key);
  }

  // Statements sent together are matched one by one, as when they went alone: every
  // statement's rules fire before any runs, the after-success rules once all ran.
  std::vector<std::int64_t> execute_each(const std::vector<db::Statement>& statements) override {
    plan_->count("execute_each");
    for (const auto& s : statements) plan_->check(s.sql, s.params, false);
    auto n = inner().execute_each(statements);
    for (const auto& s : statements) plan_->check(s.sql, s.params, true);
    return n;
  }
  std::vector<std::int64_t> query_copy_binary_each(const std::vector<db::Statement>& queries,
                                                   std::vector<std::string>& out) override {
    plan_->count("query_copy_binary_each");
    for (const auto& q : queries) plan_->check(q.sql, q.params, false);
    return inner().query_copy_binary_each(queries, out);
  }

 private:
  void around(std::string_view what, const std::string& text, const Values& params,
              const std::function<void()>& call) override {
    plan_->count(what);
    if (what == "catalog") return call();
    // A COPY into a table is matched as "COPY \"table\"".
    const bool copy_in = what == "copy_text_in" || what == "copy_binary_in";
    const std::string sql = copy_in ? "COPY \"" + text + "\"" : text;
    plan_->check(sql, params, false);
    if (what == "commit_after") {
      // The statement and the commit are one message: a failure "after the statement"
      // comes before the commit, and the transaction rolls back.
      plan_->check(sql, params, true);
      return call();
    }
    call();
    if (what == "execute" || what == "execute_script") plan_->check(sql, params, true);
  }

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
