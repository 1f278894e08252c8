// DatabaseWrapper: a Database that forwards every call to another one (LevelDB's
// EnvWrapper). A wrapper overrides only what it changes. Every call that reaches the
// server first passes through around(), so that one override sees them all: the
// circuit breaker's guard (run/guarded_database.hpp) and the test fault injector
// (tests/support/faulty_database.hpp) are each little more than that override, and the
// calls they wrap take the same routes (COPY, commit_after, the setup lock) as the
// unwrapped connection would.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "db/batch_sql.hpp"
#include "db/database.hpp"

namespace rowshift::db {

class DatabaseWrapper : public Database {
 public:
  explicit DatabaseWrapper(std::unique_ptr<Database> inner) : inner_(std::move(inner)) {}

  Dialect dialect() const override { return inner_->dialect(); }
  const DbUrl& url() const override { return inner_->url(); }
  void execute_script(const std::string& sql) override {
    around("execute_script", sql, {}, [&] { inner_->execute_script(sql); });
  }
  std::int64_t execute(const std::string& sql, const Values& params = {}) override {
    std::int64_t n = 0;
    around("execute", sql, params, [&] { n = inner_->execute(sql, params); });
    return n;
  }
  // The statements as one call to around(): what `text` names is their SQL joined by
  // "; ", `params` all their parameters in order.
  std::vector<std::int64_t> execute_each(const std::vector<Statement>& statements) override {
    std::vector<std::int64_t> n;
    around("execute_each", joined(statements), all_params(statements), [&] { n = inner_->execute_each(statements); });
    return n;
  }
  void query(const std::string& sql, const Values& params, const RowFn& fn,
             std::vector<std::string>* names = nullptr) override {
    around("query", sql, params, [&] { inner_->query(sql, params, fn, names); });
  }
  void begin() override {
    around("begin", "BEGIN", {}, [&] { inner_->begin(); });
  }
  void commit() override {
    around("commit", "COMMIT", {}, [&] { inner_->commit(); });
  }
  void commit_after(const std::string& sql, const Values& params) override {
    around("commit_after", sql, params, [&] { inner_->commit_after(sql, params); });
  }
  // Never wrapped: a rollback must always run, and never waits.
  void rollback() override { inner_->rollback(); }
  void savepoint(SavepointStep step, const std::string& name) override {
    around("savepoint", savepoint_sql(step, name), {}, [&] { inner_->savepoint(step, name); });
  }
  void lock_setup() override {
    around("lock_setup", "lock_setup", {}, [&] { inner_->lock_setup(); });
  }
  bool attach(const DbUrl& other, const std::string& schema) override {
    bool r = false;
    around("attach", schema, {}, [&] { r = inner_->attach(other, schema); });
    return r;
  }
  void relax_commit_durability() override {
    around("relax_commit_durability", "SET synchronous_commit", {}, [&] { inner_->relax_commit_durability(); });
  }
  void reset_session() override {
    around("reset_session", "RESET ALL", {}, [&] { inner_->reset_session(); });
  }
  void set_interruptible(bool on) override { inner_->set_interruptible(on); }
  std::vector<std::string> advance_sequences(const std::string& table, const std::vector<std::string>& columns) override {
    std::vector<std::string> r;
    around("advance_sequences", table, {}, [&] { r = inner_->advance_sequences(table, columns); });
    return r;
  }
  bool table_exists(const std::string& table) override {
    bool r = false;
    around("catalog", table, {}, [&] { r = inner_->table_exists(table); });
    return r;
  }
  bool has_unique_key(const std::string& table, const std::vector<std::string>& columns) override {
    bool r = false;
    around("catalog", table, {}, [&] { r = inner_->has_unique_key(table, columns); });
    return r;
  }
  bool read_only() override {
    bool r = false;
    around("catalog", "read_only", {}, [&] { r = inner_->read_only(); });
    return r;
  }
  std::vector<std::string> table_columns(const std::string& table) override {
    std::vector<std::string> r;
    around("catalog", table, {}, [&] { r = inner_->table_columns(table); });
    return r;
  }
  void insert_rows(const std::string& table, const std::vector<std::string>& columns, const std::vector<Values>& rows,
                   const std::vector<std::string>& upsert_key) override {
    around("insert_rows", table, {}, [&] { inner_->insert_rows(table, columns, rows, upsert_key); });
  }
  std::int64_t query_copy_text(const std::string& sql, const Values& params, std::string& out) override {
    std::int64_t n = 0;
    around("query_copy_text", sql, params, [&] { n = inner_->query_copy_text(sql, params, out); });
    return n;
  }
  bool accepts_copy_text() const override { return inner_->accepts_copy_text(); }
  std::int64_t copy_text_in(const std::string& table, const std::vector<std::string>& columns, const std::string& text,
                            const std::vector<std::string>& upsert_key) override {
    std::int64_t n = 0;
    around("copy_text_in", table, {}, [&] { n = inner_->copy_text_in(table, columns, text, upsert_key); });
    return n;
  }
  std::vector<unsigned> result_types(const std::string& sql, const Values& params) override {
    std::vector<unsigned> r;
    around("catalog", sql, params, [&] { r = inner_->result_types(sql, params); });
    return r;
  }
  std::vector<unsigned> column_types(const std::string& table, const std::vector<std::string>& columns) override {
    std::vector<unsigned> r;
    around("catalog", table, {}, [&] { r = inner_->column_types(table, columns); });
    return r;
  }
  std::int64_t query_copy_binary(const std::string& sql, const Values& params, std::string& out) override {
    std::int64_t n = 0;
    around("query_copy_binary", sql, params, [&] { n = inner_->query_copy_binary(sql, params, out); });
    return n;
  }
  std::vector<std::int64_t> query_copy_binary_each(const std::vector<Statement>& queries,
                                                   std::vector<std::string>& out) override {
    std::vector<std::int64_t> n;
    around("query_copy_binary_each", joined(queries), all_params(queries),
           [&] { n = inner_->query_copy_binary_each(queries, out); });
    return n;
  }
  std::int64_t copy_binary_in(const std::string& table, const std::vector<std::string>& columns,
                              const std::string& block, const std::vector<std::string>& upsert_key) override {
    std::int64_t n = 0;
    around("copy_binary_in", table, {}, [&] { n = inner_->copy_binary_in(table, columns, block, upsert_key); });
    return n;
  }
  std::optional<std::int64_t> query_copy_binary_for(const std::string& sql, const Values& params,
                                                    const std::vector<unsigned>& types, std::string& out) override {
    std::optional<std::int64_t> n;
    around("query_copy_binary_for", sql, params, [&] { n = inner_->query_copy_binary_for(sql, params, types, out); });
    return n;
  }

 protected:
  // One call to the inner connection. `what` names the method ("query", "commit_after",
  // "copy_binary_in", "catalog" for the lookups of tables, columns and types); `text` is
  // its statement, or the table it writes; `params` its parameters. Runs `call` once.
  virtual void around(std::string_view what, const std::string& text, const Values& params,
                      const std::function<void()>& call) {
    (void)what;
    (void)text;
    (void)params;
    call();
  }
  Database& inner() { return *inner_; }

  static std::string joined(const std::vector<Statement>& statements) {
    std::string text;
    for (const auto& s : statements) text += (text.empty() ? "" : "; ") + s.sql;
    return text;
  }
  static Values all_params(const std::vector<Statement>& statements) {
    Values params;
    for (const auto& s : statements) params.insert(params.end(), s.params.begin(), s.params.end());
    return params;
  }

 private:
  std::unique_ptr<Database> inner_;
};

}  // namespace rowshift::db
