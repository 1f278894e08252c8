// The PostgreSQL backend: one connection through libpqxx, its transactions sent by hand
// (BEGIN with the first statement, COMMIT with the last), COPY in and out, and the
// classification of its errors. Longer than ~400 lines on purpose: it is one class whose
// members share the connection's state (the open transaction, whether it failed, the
// prepared statements, the cancel handle), and splitting it would expose that state to
// other files. Its catalog queries are in db/postgres_catalog.cpp.
#include "db/postgres_database.hpp"

#include <libpq-fe.h>
#include <pqxx/pqxx>
#include <pqxx/tablereader>

#include <algorithm>
#include <functional>
#include <initializer_list>
#include <optional>
#include <unordered_map>

#include "db/batch_sql.hpp"
#include "db/connection_slots.hpp"
#include "db/postgres_catalog.hpp"
#include "db/copy_pieces.hpp"
#include "db/copy_text.hpp"
#include "db/interrupt.hpp"
#include "db/pg_types.hpp"
#include "db/placeholders.hpp"
#include "db/postgres_values.hpp"
#include "db/sql.hpp"
#include "rowshift/error.hpp"

namespace rowshift::db {
namespace {

// libpqxx 6.4 keeps its libpq connection to itself, except for its large-object class,
// which hands it to subclasses: every COPY ... FROM STDIN, and binary COPY TO STDOUT,
// reach PQputCopyData and PQgetCopyData this way (libpqxx's own COPY writer appends a
// newline to every block it sends, and its writer and reader are text only).
struct RawConnection : pqxx::largeobject {
  static PGconn* of(const pqxx::dbtransaction& t) { return raw_connection(t); }
};

bool transient_sqlstate(const std::string& s) {
  if (s.rfind("08", 0) == 0) return true;   // connection exceptions
  if (s.rfind("57P", 0) == 0) return true;  // admin shutdown, crash shutdown, cannot connect now
  return s == "40001" || s == "40P01" || s == "55P03" || s == "57014" || s == "53300" || s == "53400";
}

// The server's message (ERROR, DETAIL, CONTEXT lines, and row data that may hold line
// breaks of its own) joined into one line: it ends up in a checkpoint row and in `status`.
// A break and the indent after it ("...refused\n\tIs the server running") become one
// space; spaces alone are kept, they may be the data's.
std::string on_one_line(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t j = s.find_first_not_of(" \t\r\n", i);
    if (j == std::string::npos) break;  // trailing white space goes
    if (j > i) {
      std::string_view run(s.data() + i, j - i);
      bool breaks = run.find_first_of("\t\r\n") != std::string_view::npos;
      if (!out.empty()) out += breaks ? std::string_view(" ") : run;
    }
    std::size_t k = s.find_first_of(" \t\r\n", j);
    if (k == std::string::npos) k = s.size();
    out.append(s, j, k - j);
    i = k;
  }
  return out;
}

class PostgresDatabase final : public Database {
 public:
  explicit PostgresDatabase(const DbUrl& url) : url_(url) {
    try {
      connect();
    } catch (const Error& e) {
      throw Error(ErrorKind::config, "cannot open database " + url_.redacted() + ": " + e.what(), e.limit());
    }
  }

  ~PostgresDatabase() override {
    unregister_cancel();
    try {
      tx_.reset();
    } catch (...) {
    }
  }

  void set_interruptible(bool on) override {
    interruptible_ = on;
    if (on) register_cancel();
    else unregister_cancel();
  }

  Dialect dialect() const override { return Dialect::postgresql; }
  const DbUrl& url() const override { return url_; }

  void execute_script(const std::string& sql) override {
    // libpq sends C strings: a NUL byte would end the script there, silently.
    if (sql.find('\0') != std::string::npos) throw Error(ErrorKind::config, "SQL text holds a NUL byte");
    run([&](pqxx::transaction_base& t) {
      t.exec(begin_pending_ ? "BEGIN; " + sql : sql);
      begin_pending_ = false;
      return 0;
    });
  }

  std::int64_t execute(const std::string& sql, const Values& params = {}) override {
    return run([&](pqxx::transaction_base& t) { return static_cast<std::int64_t>(exec(t, sql, params).affected_rows()); });
  }

  void query(const std::string& sql, const Values& params, const RowFn& fn,
             std::vector<std::string>* names = nullptr) override {
    pqxx::result r = run([&](pqxx::transaction_base& t) { return exec(t, sql, params); });
    const auto ncol = r.columns();
    std::vector<pqxx::oid> types(ncol);
    if (names) names->clear();
    for (pqxx::row::size_type i = 0; i < ncol; ++i) {
      types[i] = r.column_type(i);
      if (names) names->emplace_back(r.column_name(i));
    }
    Values row(ncol);
    for (const auto& rr : r) {
      row.resize(ncol);
      for (pqxx::row::size_type i = 0; i < ncol; ++i) row[i] = pg::to_value(rr[i], types[i]);
      if (!fn(row)) return;
    }
  }

  // BEGIN is not sent here but with the transaction's first statement, in one message
  // (and COMMIT with the last, see commit_after): a batch costs three round trips
  // instead of five. The transaction block is run by hand on a pqxx::nontransaction.
  void begin() override {
    if (tx_) throw Error(ErrorKind::permanent, "postgresql: a transaction is already open");
    try {
      ensure_connected();
      tx_ = std::make_unique<pqxx::nontransaction>(*conn_);
    } catch (...) {
      tx_.reset();
      rethrow_classified();
    }
    begin_pending_ = true;
    tx_failed_ = false;
    tx_lost_ = false;
  }
  void commit() override { finish_with(""); }
  void commit_after(const std::string& sql, const Values& params) override {
    if (!tx_) throw Error(ErrorKind::permanent, "commit without a transaction");
    std::string last;
    try {
      ensure_connected();
      if (!tx_) throw Error(ErrorKind::transient, "postgresql: connection lost inside a transaction");
      last = execute_text(*tx_, sql, params) + "; ";
    } catch (...) {
      rollback();
      rethrow_classified();
    }
    finish_with(last);
  }
  void savepoint(SavepointStep step, const std::string& name) override {
    execute_script(savepoint_sql(step, name));
    // Going back to a savepoint is what makes an aborted transaction usable again.
    if (tx_ && step == SavepointStep::roll_back) tx_failed_ = false;
  }

  void rollback() override {
    if (tx_ && !begin_pending_ && !broken_) {
      try {
        tx_->exec("ROLLBACK");
      } catch (const pqxx::broken_connection&) {
        broken_ = true;  // the server rolls back anyway
      } catch (...) {
      }
    }
    end_transaction();
  }

  void lock_setup() override {
    execute("SELECT pg_advisory_xact_lock(7349187209387)");  // any constant unique to rowshift
    // The runner we waited for may have created tables meanwhile. Catalog lookups of
    // missing names are cached, and the cache hears of other sessions' DDL only when a
    // relation is locked: lock one, or to_regclass() still says the tables are missing.
    execute("SELECT 1 FROM pg_catalog.pg_class WHERE false");
  }

  void reset_session() override {
    execute_script("RESET ALL; SET TimeZone = 'UTC'");
    if (relaxed_commits_) execute_script("SET synchronous_commit = off");
  }
  void relax_commit_durability() override {
    relaxed_commits_ = true;
    if (conn_ && !broken_) execute_script("SET synchronous_commit = off");
  }

  std::vector<std::string> advance_sequences(const std::string& table, const std::vector<std::string>& columns) override {
    return pg_catalog::advance_sequences(*this, table, columns);
  }
  bool table_exists(const std::string& table) override { return pg_catalog::table_exists(*this, table); }
  bool has_unique_key(const std::string& table, const std::vector<std::string>& columns) override {
    return pg_catalog::has_unique_key(*this, table, columns);
  }
  bool read_only() override { return pg_catalog::read_only(*this); }
  std::vector<std::string> table_columns(const std::string& table) override {
    return pg_catalog::table_columns(*this, table);
  }
  std::vector<unsigned> column_types(const std::string& table, const std::vector<std::string>& columns) override {
    return pg_catalog::column_types(*this, table, columns);
  }

  void insert_rows(const std::string& table, const std::vector<std::string>& columns, const std::vector<Values>& rows,
                   const std::vector<std::string>& upsert_key) override {
    if (rows.empty()) return;
    for (const auto& r : rows) {
      if (r.size() != columns.size()) {
        throw Error(ErrorKind::permanent, "row has " + std::to_string(r.size()) + " values for " +
                                              std::to_string(columns.size()) + " columns of " + quote_ident(table));
      }
    }
    std::string text;
    for (const auto& r : rows) {
      for (std::size_t i = 0; i < r.size(); ++i) {
        if (i) text += '\t';
        copy_text::append_value(text, r[i]);
      }
      text += '\n';
    }
    copy_text_in(table, columns, text, upsert_key);
  }

  // Parameters go into the COPY statement as quoted literals (COPY takes none); like
  // untyped parameters, a quoted literal takes the type of what it is compared with.
  std::int64_t query_copy_text(const std::string& sql, const Values& params, std::string& out) override {
    const std::size_t start = out.size();
    return run([&](pqxx::transaction_base& t) {
      out.resize(start);  // run() may retry on a new connection: drop what a cut attempt read
      send_begin(t);
      std::string inlined = inline_params(t, sql, params);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
      pqxx::tablereader reader(t, "(" + inlined + ")");  // COPY (query) TO STDOUT
#pragma GCC diagnostic pop
      std::int64_t rows = 0;
      std::string line;
      while (reader.get_raw_line(line)) {
        out += line;
        if (line.empty() || line.back() != '\n') out += '\n';  // libpqxx may keep it or not
        ++rows;
      }
      reader.complete();
      return rows;
    });
  }

  bool accepts_copy_text() const override { return true; }

  std::vector<unsigned> result_types(const std::string& sql, const Values& params) override {
    pqxx::result r = run([&](pqxx::transaction_base& t) {
      return exec(t, "SELECT * FROM (" + sql + ") AS rowshift_types LIMIT 0", params);
    });
    std::vector<unsigned> types;
    for (pqxx::row::size_type i = 0; i < r.columns(); ++i) types.push_back(r.column_type(i));
    if (std::any_of(types.begin(), types.end(), [](unsigned t) { return t >= pg_type::kFirstUserType; })) types.clear();
    return types;
  }

  std::int64_t query_copy_binary(const std::string& sql, const Values& params, std::string& out) override {
    const std::size_t start = out.size();
    return run([&](pqxx::transaction_base& t) {
      out.resize(start);  // run() may retry on a new connection: drop what a cut attempt read
      send_begin(t);
      const std::string cmd = "COPY (" + inline_params(t, sql, params) + ") TO STDOUT (FORMAT binary)";
      raw_expect(PQexec(raw_, cmd.c_str()), PGRES_COPY_OUT, cmd);
      char* buf = nullptr;
      int n = 0;
      while ((n = PQgetCopyData(raw_, &buf, 0)) > 0) {
        out.append(buf, static_cast<std::size_t>(n));
        PQfreemem(buf);
      }
      return raw_finish_copy(cmd);
    });
  }

  // All the COPY statements in one simple query: the server runs them back to back and
  // the rows stream in without a round trip between two queries.
  std::vector<std::int64_t> query_copy_binary_each(const std::vector<Statement>& queries,
                                                   std::vector<std::string>& out) override {
    return run([&](pqxx::transaction_base& t) {
      out.assign(queries.size(), std::string());  // run() may retry: drop what a cut attempt read
      send_begin(t);
      std::string cmd;
      for (const auto& q : queries) {
        cmd += "COPY (" + inline_params(t, q.sql, q.params) + ") TO STDOUT (FORMAT binary);";
      }
      return raw_each(cmd, queries.size(), &out);
    });
  }

  // The statements as EXECUTEs of their prepared plans in one simple query (with BEGIN
  // when it is pending): a group's writes cost one round trip.
  std::vector<std::int64_t> execute_each(const std::vector<Statement>& statements) override {
    if (statements.empty()) return {};
    return run([&](pqxx::transaction_base& t) {
      std::string cmd = begin_pending_ ? "BEGIN;" : "";
      for (const auto& s : statements) cmd += execute_text(t, s.sql, s.params) + ";";
      auto rows = raw_each(cmd, statements.size() + (begin_pending_ ? 1 : 0), nullptr);
      if (begin_pending_) rows.erase(rows.begin());
      begin_pending_ = false;
      return rows;
    });
  }

  std::int64_t copy_binary_in(const std::string& table, const std::vector<std::string>& columns,
                              const std::string& block, const std::vector<std::string>& upsert_key) override {
    if (block.empty()) return 0;
    return copy_in(table, columns, upsert_key, " (FORMAT binary)", [&](const std::string& cmd) {
      // A batch's block costs the server less as a few statements of at most
      // copy_pieces::kRowsPerCopy rows than as one; a group's block (more rows than
      // kWholeAbove) less as one (copy_pieces.hpp). A block that does not parse goes whole.
      std::int64_t n = 0;
      auto pieces = copy_pieces::cut_binary(block);
      if (pieces && pieces->rows > copy_pieces::kWholeAbove) pieces.reset();
      if (pieces) {
        for (auto rows : pieces->runs) n += raw_copy_in(cmd, {pieces->header, rows, copy_pieces::kBinaryTrailer});
      } else {
        n = raw_copy_in(cmd, {block});
      }
      return n;
    });
  }

  std::int64_t copy_text_in(const std::string& table, const std::vector<std::string>& columns,
                            const std::string& text, const std::vector<std::string>& upsert_key) override {
    if (text.empty()) return 0;
    return copy_in(table, columns, upsert_key, "", [&](const std::string& cmd) {
      // One statement (copy_pieces.hpp says why text is not cut); the block may come
      // without the newline that ends its last row.
      return raw_copy_in(cmd, {text, text.back() == '\n' ? "" : "\n"});
    });
  }

 private:
  void connect() {
    try {
      conn_ = std::make_unique<pqxx::connection>(url_.libpq_conninfo());
      conn_->set_variable("TimeZone", "'UTC'");  // timestamptz read back the same everywhere
      if (relaxed_commits_) conn_->set_variable("synchronous_commit", "off");  // a reconnect keeps it
      {
        pqxx::work w(*conn_);  // the only way to the libpq connection (RawConnection)
        raw_ = RawConnection::of(w);
        w.abort();
      }
      unregister_cancel();  // the old connection's, if any: cancels go to the new one
      register_cancel();
      prepared_.clear();
      stages_.clear();
      broken_ = false;
    } catch (const pqxx::broken_connection& e) {
      // Not "connection lost": there was none yet (refused, unknown host, timed out).
      conn_.reset();
      std::string msg = url_.scrubbed(on_one_line(e.what()));
      if (msg.find("timeout expired") != std::string::npos && url_.uses_default_connect_timeout()) {
        msg += " (after rowshift's default connect_timeout of " + std::to_string(kDefaultConnectTimeoutSeconds) +
               " s; a connect_timeout in the URL changes it)";
      }
      throw Error(ErrorKind::transient, "postgresql: cannot connect: " + msg,
                  is_out_of_slots(msg) ? ErrorLimit::connection_slots : ErrorLimit::none);
    } catch (...) {
      conn_.reset();
      rethrow_classified();
    }
  }

  void ensure_connected() {
    if (conn_ && !broken_) return;
    // A transaction nothing was sent for yet moves to the new connection whole.
    const bool unsent = tx_ && begin_pending_;
    tx_.reset();
    connect();
    if (unsent) tx_ = std::make_unique<pqxx::nontransaction>(*conn_);
  }

  // Runs f in the open transaction, or in autocommit mode. A statement that met a
  // dropped connection before anything of its transaction reached the server is
  // retried once on a new connection; inside a transaction already under way it fails,
  // and so does every later statement until rollback(): they must not run on their own.
  template <typename F>
  auto run(F&& f) -> decltype(f(std::declval<pqxx::transaction_base&>())) {
    for (int attempt = 0;; ++attempt) {
      if (tx_lost_) throw Error(ErrorKind::transient, "postgresql: connection lost inside a transaction");
      try {
        ensure_connected();
        if (tx_) return f(*tx_);
        pqxx::nontransaction t(*conn_);
        return f(t);
      } catch (const pqxx::broken_connection&) {
        broken_ = true;
        const bool under_way = tx_ && !begin_pending_;
        if (under_way) tx_lost_ = true;
        if (under_way || attempt > 0) rethrow_classified();
      } catch (...) {
        if (tx_) {
          // The server ran the BEGIN sent with a failed statement: the transaction is
          // open and aborted, and only a rollback ends it.
          begin_pending_ = false;
          tx_failed_ = true;
        }
        rethrow_classified();
      }
    }
  }

  // Sends a pending BEGIN on its own, before a statement that cannot carry it (COPY).
  void send_begin(pqxx::transaction_base& t) {
    if (!begin_pending_) return;
    t.exec("BEGIN");
    begin_pending_ = false;
  }

  // Ends the transaction with `last` (statements ending in "; ", or empty) and COMMIT,
  // in one message; with BEGIN too when nothing has been sent yet.
  void finish_with(const std::string& last) {
    if (!tx_) throw Error(ErrorKind::permanent, "commit without a transaction");
    if (tx_failed_ || tx_lost_) {
      rollback();
      throw Error(ErrorKind::permanent, "postgresql: commit of a transaction in which a statement failed");
    }
    if (begin_pending_ && last.empty()) {  // nothing happened: nothing to commit
      end_transaction();
      return;
    }
    try {
      std::string sql = (begin_pending_ ? "BEGIN; " : "") + last + "COMMIT";
      // A transaction the server has aborted would answer COMMIT with ROLLBACK, not an
      // error: tx_failed_ above is what refuses to commit after a failed statement.
      tx_->exec(sql);
    } catch (const pqxx::broken_connection&) {
      broken_ = true;
      end_transaction();
      throw Error(ErrorKind::transient, "postgresql: commit outcome unknown: connection lost");
    } catch (...) {
      // A failed last statement skipped the COMMIT after it: the transaction is still
      // open, aborted. (After a failed COMMIT, ROLLBACK only draws a warning.)
      begin_pending_ = false;  // the message carried it
      rollback();
      rethrow_classified();
    }
    end_transaction();
  }

  void end_transaction() {
    tx_.reset();
    begin_pending_ = false;
    tx_failed_ = false;
    tx_lost_ = false;
  }

  // The prepared statement for sql (prepared on the server at once when `now`).
  const std::string& prepared_name(const std::string& sql, bool now) {
    auto it = prepared_.find(sql);
    if (it == prepared_.end()) {
      std::string name = "rs" + std::to_string(prepared_.size() + 1);
      conn_->prepare(name, to_dollar_placeholders(sql));
      it = prepared_.emplace(sql, name).first;
    }
    if (now) conn_->prepare_now(it->second);
    return it->second;
  }

  // sql as an SQL-level EXECUTE of its prepared statement with literal arguments: a
  // statement that can share a message with BEGIN or COMMIT (a simple query), yet keep
  // its prepared plan.
  std::string execute_text(pqxx::transaction_base& t, const std::string& sql, const Values& params) {
    std::string text = "EXECUTE " + prepared_name(sql, true);
    for (std::size_t i = 0; i < params.size(); ++i) {
      auto v = pg::to_text(params[i]);
      text += i == 0 ? "(" : ", ";
      text += v ? t.quote(*v) : std::string("NULL");
    }
    if (!params.empty()) text += ")";
    return text;
  }

  pqxx::result exec(pqxx::transaction_base& t, const std::string& sql, const Values& params) {
    if (begin_pending_) {
      // The transaction's first statement: BEGIN goes in the same message.
      pqxx::result r = t.exec("BEGIN; " + execute_text(t, sql, params));
      begin_pending_ = false;
      return r;
    }
    const std::string& name = prepared_name(sql, false);
    std::vector<std::optional<std::string>> texts;
    texts.reserve(params.size());
    for (const auto& p : params) texts.push_back(pg::to_text(p));
    std::vector<const char*> ptrs;
    ptrs.reserve(texts.size());
    for (const auto& tx : texts) ptrs.push_back(tx ? tx->c_str() : nullptr);
    return t.exec_prepared(name, pqxx::prepare::make_dynamic_params(ptrs));
  }

  std::string stage_for(pqxx::transaction_base& t, const std::string& table) {
    auto it = stages_.find(table);
    if (it != stages_.end()) return it->second;
    // Named in pg_temp, so that a user table of the same name is never taken for it.
    std::string name = "pg_temp." + quote_ident("rowshift_stage_" + std::to_string(stages_.size() + 1));
    t.exec("CREATE TEMP TABLE IF NOT EXISTS " + name + " (LIKE " + quote_ident(table) + " INCLUDING DEFAULTS)");
    stages_.emplace(table, name);
    return name;
  }

  // COPY into table(columns), in the open transaction or on its own: send(cmd) runs the
  // COPY ... FROM STDIN statements. COPY cannot upsert: with upsert_key the rows go to a
  // temporary staging table first, then into the table with one INSERT ... ON CONFLICT.
  // Returns the rows the server copied.
  std::int64_t copy_in(const std::string& table, const std::vector<std::string>& columns,
                       const std::vector<std::string>& upsert_key, const char* options,
                       const std::function<std::int64_t(const std::string&)>& send) {
    std::int64_t copied = 0;
    run([&](pqxx::transaction_base& t) {
      send_begin(t);
      std::string into = upsert_key.empty() ? quote_ident(table) : stage_for(t, table);
      copied = send("COPY " + into + " (" + quote_list(columns) + ") FROM STDIN" + options);
      if (!upsert_key.empty()) merge_stage(t, table, columns, upsert_key, into);
      return 0;
    });
    return copied;
  }

  // Moves the rows COPYed into the staging table `stage` into table, replacing rows
  // whose key is already there.
  void merge_stage(pqxx::transaction_base& t, const std::string& table, const std::vector<std::string>& columns,
                   const std::vector<std::string>& upsert_key, const std::string& stage) {
    std::string set;
    for (const auto& c : columns) {
      if (std::find(upsert_key.begin(), upsert_key.end(), c) != upsert_key.end()) continue;
      set += (set.empty() ? "" : ", ") + quote_ident(c) + " = excluded." + quote_ident(c);
    }
    // OVERRIDING SYSTEM VALUE: GENERATED ALWAYS identity columns take the copied values.
    t.exec("INSERT INTO " + quote_ident(table) + " (" + quote_list(columns) + ") OVERRIDING SYSTEM VALUE SELECT " +
           quote_list(columns) + " FROM " + stage + " ON CONFLICT (" + quote_list(upsert_key) + ") DO " +
           (set.empty() ? "NOTHING" : "UPDATE SET " + set));
    t.exec("TRUNCATE " + stage);
  }

  // sql with its ? replaced by the parameters as quoted literals (COPY takes no
  // parameters); like an untyped parameter, a quoted literal takes the type of what it
  // is compared with.
  std::string inline_params(pqxx::transaction_base& t, const std::string& sql, const Values& params) {
    std::size_t next = 0;
    return substitute_placeholders(sql, [&] {
      if (next >= params.size()) throw Error(ErrorKind::permanent, "more ? than parameters in: " + sql);
      auto text = pg::to_text(params[next++]);
      return text ? t.quote(*text) : std::string("NULL");
    });
  }

  // One COPY ... FROM STDIN whose data is the parts, in order.
  std::int64_t raw_copy_in(const std::string& cmd, std::initializer_list<std::string_view> parts) {
    raw_expect(PQexec(raw_, cmd.c_str()), PGRES_COPY_IN, cmd);
    // Blocking mode: each call returns once libpq has the data (buffered or on the socket).
    // COPY data need not follow row boundaries: a part is sent in chunks that fit an int.
    constexpr std::size_t kChunk = std::size_t{1} << 30;
    bool sent = true;
    for (auto part : parts) {
      for (std::size_t at = 0; sent && at < part.size(); at += kChunk) {
        const auto n = std::min(kChunk, part.size() - at);
        sent = PQputCopyData(raw_, part.data() + at, static_cast<int>(n)) == 1;
      }
    }
    if (!sent || PQputCopyEnd(raw_, nullptr) != 1) {
      raw_finish_copy(cmd);  // the server's error, if it sent one
      throw pqxx::broken_connection(PQerrorMessage(raw_));
    }
    return raw_finish_copy(cmd);
  }

  // Checks a libpq result and frees it; throws what libpqxx would have: broken_connection
  // when the connection is gone, sql_error with the SQLSTATE otherwise.
  void raw_expect(PGresult* r, ExecStatusType want, const std::string& what) {
    if (r && PQresultStatus(r) == want) {
      PQclear(r);
      return;
    }
    std::string msg = r ? PQresultErrorMessage(r) : PQerrorMessage(raw_);
    const char* field = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    std::string state = field ? field : "";
    PQclear(r);
    while (PGresult* more = PQgetResult(raw_)) PQclear(more);
    if (PQstatus(raw_) == CONNECTION_BAD) throw pqxx::broken_connection(msg);
    throw pqxx::sql_error(msg, what, state.empty() ? nullptr : state.c_str());
  }

  // Sends `cmd`, `statements` statements as one simple query, and reads every result:
  // the rows each statement changed or copied, in order; the data of the i-th COPY TO
  // STDOUT goes to (*copied)[i]. The server stops at the first statement that fails (it
  // skips the rest of the message); that failure is thrown once every result is read.
  std::vector<std::int64_t> raw_each(const std::string& cmd, std::size_t statements, std::vector<std::string>* copied) {
    if (PQsendQuery(raw_, cmd.c_str()) != 1) throw pqxx::broken_connection(PQerrorMessage(raw_));
    std::vector<std::int64_t> rows;
    rows.reserve(statements);
    PGresult* failed = nullptr;
    std::size_t copies = 0;
    while (PGresult* r = PQgetResult(raw_)) {
      const ExecStatusType status = PQresultStatus(r);
      if (status == PGRES_COPY_OUT) {
        // Read to its end even when unexpected: until then every result is this COPY.
        PQclear(r);
        std::string* out = copied && copies < copied->size() ? &(*copied)[copies++] : nullptr;
        char* buf = nullptr;
        int n = 0;
        while ((n = PQgetCopyData(raw_, &buf, 0)) > 0) {
          if (out) out->append(buf, static_cast<std::size_t>(n));
          PQfreemem(buf);
        }
        // -1: this COPY is done, its outcome is the next result; -2: the connection failed.
        if (n == -2 || !out) {
          PQclear(failed);
          throw pqxx::broken_connection(n == -2 ? PQerrorMessage(raw_) : "postgresql: unexpected COPY TO STDOUT");
        }
      } else if (status == PGRES_COPY_IN) {
        PQclear(r);
        PQputCopyEnd(raw_, "rowshift sends no COPY data here");  // the server fails it: the error is next
      } else if (failed) {
        PQclear(r);
      } else if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
        rows.push_back(std::atoll(PQcmdTuples(r)));
        PQclear(r);
      } else {
        failed = r;  // kept for its message; the results after it are drained
      }
    }
    if (failed) raw_expect(failed, PGRES_COMMAND_OK, cmd.substr(0, 200));  // throws
    if (rows.size() != statements) {
      throw pqxx::broken_connection("postgresql: " + std::to_string(rows.size()) + " results for " +
                                    std::to_string(statements) + " statements");
    }
    return rows;
  }

  // After the data of a COPY: its outcome, and the rows it moved.
  std::int64_t raw_finish_copy(const std::string& what) {
    PGresult* r = PQgetResult(raw_);
    std::int64_t rows = r && PQresultStatus(r) == PGRES_COMMAND_OK ? std::atoll(PQcmdTuples(r)) : -1;
    if (rows < 0) raw_expect(r, PGRES_COMMAND_OK, what);  // throws
    PQclear(r);
    while (PGresult* more = PQgetResult(raw_)) PQclear(more);
    return rows;
  }

  // Turns the exception in flight into a classified rowshift::Error.
  [[noreturn]] void rethrow_classified() {
    try {
      throw;
    } catch (const Error&) {
      throw;
    } catch (const pqxx::broken_connection& e) {
      broken_ = true;
      throw Error(ErrorKind::transient, "postgresql: connection lost: " + url_.scrubbed(on_one_line(e.what())));
    } catch (const pqxx::in_doubt_error& e) {
      broken_ = true;
      throw Error(ErrorKind::transient, "postgresql: commit outcome unknown: " + url_.scrubbed(on_one_line(e.what())));
    } catch (const pqxx::transaction_rollback& e) {
      throw Error(ErrorKind::transient,
                  "postgresql: " + url_.scrubbed(on_one_line(e.what())) + " (serialization failure or deadlock)");
    } catch (const pqxx::sql_error& e) {
      std::string state = e.sqlstate();
      if (state.empty()) {
        // No SQLSTATE means libpq itself failed, not the server: in practice the
        // connection went away mid-statement ("server closed the connection").
        broken_ = true;
        throw Error(ErrorKind::transient, "postgresql: connection lost: " + url_.scrubbed(on_one_line(e.what())));
      }
      if (state == "57014" && interruptible_ && interrupt::requested()) {
        throw Error(ErrorKind::cancelled, "postgresql: statement cancelled: stop requested").set_sqlstate(state);
      }
      if (state == "57014") {
        // statement_timeout (or a pg_cancel_backend): worth a retry or two, never ten
        // minutes of them; say which setting ends it.
        throw Error(ErrorKind::transient,
                    "postgresql: " + url_.scrubbed(on_one_line(e.what())) +
                        " (SQLSTATE 57014; the server's statement_timeout for this role or database ended it: raise it,"
                        " e.g. ALTER ROLE ... SET statement_timeout = '1h', or add"
                        " options=-cstatement_timeout%3D0 to the URL)",
                    ErrorLimit::statement_timeout)
            .set_sqlstate(state);
      }
      if (state.rfind("08", 0) == 0 || state.rfind("57P", 0) == 0) broken_ = true;
      throw Error(transient_sqlstate(state) ? ErrorKind::transient : ErrorKind::permanent,
                  "postgresql: " + url_.scrubbed(on_one_line(e.what())) + " (SQLSTATE " + state + ")")
          .set_sqlstate(state);
    } catch (const pqxx::usage_error& e) {
      throw Error(ErrorKind::permanent, std::string("postgresql: ") + url_.scrubbed(on_one_line(e.what())));
    } catch (const pqxx::failure& e) {
      if (conn_ && !conn_->is_open()) broken_ = true;
      throw Error(broken_ ? ErrorKind::transient : ErrorKind::permanent,
                  std::string("postgresql: ") + url_.scrubbed(on_one_line(e.what())));
    }
  }

  // The cancel object of the current libpq connection in interrupt's slots (-1: none).
  void register_cancel() {
    if (!interruptible_ || !raw_ || cancel_slot_ >= 0) return;
    PGcancel* c = PQgetCancel(raw_);
    if (!c) return;
    cancel_slot_ = interrupt::register_cancel(c);
    if (cancel_slot_ < 0) PQfreeCancel(c);
  }
  void unregister_cancel() {
    if (cancel_slot_ < 0) return;
    PQfreeCancel(static_cast<PGcancel*>(interrupt::unregister_cancel(cancel_slot_)));
    cancel_slot_ = -1;
  }

  bool interruptible_ = false;
  int cancel_slot_ = -1;
  DbUrl url_;
  std::unique_ptr<pqxx::connection> conn_;
  std::unique_ptr<pqxx::nontransaction> tx_;  // runs the open transaction block
  bool begin_pending_ = false;  // BEGIN not sent yet: it goes with the next statement
  bool tx_failed_ = false;  // a statement failed: the server has aborted the transaction
  bool tx_lost_ = false;    // the connection dropped inside it: only rollback() remains
  bool broken_ = false;
  bool relaxed_commits_ = false;  // relax_commit_durability(): applied again on every connect
  std::unordered_map<std::string, std::string> prepared_;  // SQL -> prepared statement name
  std::unordered_map<std::string, std::string> stages_;    // target table -> temp staging table
  PGconn* raw_ = nullptr;  // conn_'s libpq connection, for COPY FROM STDIN and binary COPY TO STDOUT
};

}  // namespace

std::unique_ptr<Database> open_postgres(const DbUrl& url) { return std::make_unique<PostgresDatabase>(url); }

}  // namespace rowshift::db
