// The SQLite backend: one connection through SQLite's C API, with its busy handling,
// attachments, interrupts and the COPY blocks it writes for a PostgreSQL target. Longer
// than ~400 lines on purpose: one class whose members share the connection's handle,
// its statement cache and its attachments.
#include "db/sqlite_database.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <memory>
#include <mutex>
#include <system_error>

#include <unistd.h>

#include "db/batch_sql.hpp"
#include "db/copy_binary.hpp"
#include "db/copy_text.hpp"
#include "db/interrupt.hpp"
#include "db/sql.hpp"
#include "db/sql_lexer.hpp"
#include "rowshift/error.hpp"

namespace rowshift::db {
namespace {

// Busy, locked and I/O hiccups may pass; everything else (constraint, type mismatch,
// syntax, missing table) will fail the same way again.
ErrorKind classify(int code) {
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_PROTOCOL:
      return ErrorKind::transient;
    // SQLITE_FULL (disk or file-size limit) stays permanent: retrying at once cannot
    // free space; the run stops with the message and resumes after space is freed.
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
      return ErrorKind::config;
    default:
      return ErrorKind::permanent;
  }
}

bool same_set(std::vector<std::string> a, std::vector<std::string> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return !a.empty() && a == b;
}

// A database file has one write lock. Connections of one process queue for it here and
// are woken the moment it is free; left to SQLite's busy handler they would poll it,
// sleeping 1 to 100 ms between tries, and leave the lock idle in between. Other
// processes still meet the file lock itself (busy timeout).
std::shared_ptr<std::mutex> writer_lock_for(const std::string& file) {
  static std::mutex registry_mu;
  static std::unordered_map<std::string, std::weak_ptr<std::mutex>> registry;
  std::lock_guard<std::mutex> guard(registry_mu);
  auto& slot = registry[file];
  auto lock = slot.lock();
  if (!lock) {
    lock = std::make_shared<std::mutex>();
    slot = lock;
  }
  return lock;
}

// A file path as an SQLite URI (absolute, %, ? and # escaped), read-only when asked.
std::string file_uri(const std::string& path, bool read_only) {
  std::string uri = "file:";
  for (char ch : std::filesystem::absolute(path).string()) {
    if (ch == '%' || ch == '?' || ch == '#') {
      static const char* hex = "0123456789ABCDEF";
      uri += '%';
      uri += hex[(static_cast<unsigned char>(ch) >> 4) & 0xf];
      uri += hex[static_cast<unsigned char>(ch) & 0xf];
    } else {
      uri += ch;
    }
  }
  return read_only ? uri + "?mode=ro" : uri;
}

class SqliteDatabase final : public Database {
 public:
  explicit SqliteDatabase(const DbUrl& url) : url_(url) {
    std::string mode = url.param("mode", "rw");
    int flags = SQLITE_OPEN_NOMUTEX;
    std::string file = url.path;
    if (url.is_memory()) {
      // One in-memory database shared by all connections of the process.
      file = "file:rowshift_memory?mode=memory&cache=shared";
      flags |= SQLITE_OPEN_URI | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    } else if (mode == "ro") {
      flags |= SQLITE_OPEN_READONLY;
    } else if (mode == "rwc") {
      flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    } else {
      flags |= SQLITE_OPEN_READWRITE;
    }
    if (!url.is_memory() && mode != "rwc" && !std::filesystem::exists(url.path)) {
      throw Error(ErrorKind::config, "cannot open database " + url.redacted() +
                                         ": file not found (add ?mode=rwc to create it)");
    }
    // SQLite takes an empty file for an empty database: a mistyped or truncated file
    // would quietly become one (with checkpoint tables). Only ?mode=rwc makes one.
    std::error_code size_ec;
    if (!url.is_memory() && mode != "rwc" && std::filesystem::is_regular_file(url.path, size_ec) &&
        std::filesystem::file_size(url.path, size_ec) == 0 && !size_ec) {
      throw Error(ErrorKind::config, "cannot open database " + url.redacted() +
                                         ": the file is empty (0 bytes), not a database (add ?mode=rwc to make one in it)");
    }
    // URI filenames let attach() open the other file read-only. The main file is named
    // by path; one that itself starts with "file:" is passed as "./file:...".
    if (!url.is_memory() && file.rfind("file:", 0) == 0) file = "./" + file;
    flags |= SQLITE_OPEN_URI;
    int rc = sqlite3_open_v2(file.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      sqlite3_close(db_);
      db_ = nullptr;
      throw Error(ErrorKind::config, "cannot open database " + url.redacted() + ": " + msg);
    }
    std::error_code ec;
    auto canonical = url.is_memory() ? std::filesystem::path(file) : std::filesystem::weakly_canonical(url.path, ec);
    writer_lock_ = writer_lock_for(ec ? url.path : canonical.string());
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, std::stoi(url.param("timeout", "5000")));
    try {
      // Reading the schema proves the file is a database before anything is written.
      execute("SELECT count(*) FROM sqlite_master");
      // Opening changes nothing in the file: the journal mode is the user's (asked for
      // in the URL) or a writing run's (run/target_journal.hpp), never a reader's.
      if (!url.is_memory() && mode != "ro" && !url.param("journal_mode").empty()) {
        execute_script("PRAGMA journal_mode=" + url.param("journal_mode"));
      }
      // In WAL mode a commit need not wait for fsync to be safe from corruption (the
      // batch and its done mark still commit together); other modes keep FULL.
      if (sqlite_journal_mode(*this) == "wal") execute_script("PRAGMA synchronous=NORMAL");
      for (const auto& [name, path] : sqlite_attachments(url)) {
        if (!std::filesystem::exists(path)) {
          throw Error(ErrorKind::config, "attach " + name + ":" + path + ": file not found");
        }
        execute("ATTACH DATABASE ? AS " + quote_ident(name), {Value(file_uri(path, mode == "ro"))});
      }
    } catch (const Error& e) {
      close();
      throw Error(ErrorKind::config, "cannot open database " + url.redacted() + ": " + e.what());
    }
  }

  ~SqliteDatabase() override { close(); }

  void set_interruptible(bool on) override {
    // Every 1000 VM steps (microseconds): the check is one relaxed atomic load.
    int (*check)(void*) = [](void*) { return interrupt::requested() ? 1 : 0; };
    sqlite3_progress_handler(db_, on ? 1000 : 0, on ? check : nullptr, nullptr);
  }

  Dialect dialect() const override { return Dialect::sqlite; }
  const DbUrl& url() const override { return url_; }

  void execute_script(const std::string& sql) override {
    // sqlite3_exec stops at a NUL byte: what follows would silently not run.
    if (sql.find('\0') != std::string::npos) throw Error(ErrorKind::config, "SQL text holds a NUL byte");
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errstr(rc);
      sqlite3_free(err);
      fail(rc, msg);
    }
  }

  std::int64_t execute(const std::string& sql, const Values& params = {}) override {
    sqlite3_stmt* st = prepare(sql);
    bind_all(st, params);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    }
    if (rc != SQLITE_DONE) fail_stmt(st, rc);
    sqlite3_reset(st);
    return sqlite3_changes64(db_);
  }

  void query(const std::string& sql, const Values& params, const RowFn& fn,
             std::vector<std::string>* names = nullptr) override {
    sqlite3_stmt* st = prepare(sql);
    bind_all(st, params);
    int ncol = sqlite3_column_count(st);
    if (names) {
      names->clear();
      for (int i = 0; i < ncol; ++i) names->emplace_back(sqlite3_column_name(st, i));
    }
    Values row(static_cast<std::size_t>(ncol));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      for (int i = 0; i < ncol; ++i) row[static_cast<std::size_t>(i)] = column(st, i);
      bool more;
      try {
        more = fn(row);
      } catch (...) {
        sqlite3_reset(st);
        throw;
      }
      if (!more) {
        sqlite3_reset(st);
        return;
      }
      row.resize(static_cast<std::size_t>(ncol));
    }
    if (rc != SQLITE_DONE) fail_stmt(st, rc);
    sqlite3_reset(st);
  }

  std::int64_t query_copy_text(const std::string& sql, const Values& params, std::string& out) override {
    sqlite3_stmt* st = prepare(sql);
    bind_all(st, params);
    const int ncol = sqlite3_column_count(st);
    std::int64_t rows = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      for (int i = 0; i < ncol; ++i) {
        if (i) out += '\t';
        switch (sqlite3_column_type(st, i)) {
          case SQLITE_INTEGER: copy_text::append_int(out, sqlite3_column_int64(st, i)); break;
          case SQLITE_FLOAT: copy_text::append_double(out, sqlite3_column_double(st, i)); break;
          case SQLITE_TEXT: {
            auto p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
            copy_text::append_text(out, std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(st, i))));
            break;
          }
          case SQLITE_BLOB: {
            auto p = static_cast<const unsigned char*>(sqlite3_column_blob(st, i));
            copy_text::append_bytea(out, p, static_cast<std::size_t>(sqlite3_column_bytes(st, i)));
            break;
          }
          default: copy_text::append_null(out);
        }
      }
      out += '\n';
      ++rows;
    }
    if (rc != SQLITE_DONE) fail_stmt(st, rc);
    sqlite3_reset(st);
    return rows;
  }

  std::optional<std::int64_t> query_copy_binary_for(const std::string& sql, const Values& params,
                                                    const std::vector<unsigned>& types, std::string& out) override {
    // A query whose batches keep needing text stops trying binary first: each miss
    // costs reading the batch twice.
    int& misses = binary_misses_[sql];
    if (misses >= kBinaryMissesBeforeText || !copy_binary::encodes_all(types)) return std::nullopt;
    sqlite3_stmt* st = prepare(sql);
    const int ncol = sqlite3_column_count(st);
    if (static_cast<std::size_t>(ncol) != types.size()) return std::nullopt;
    bind_all(st, params);
    const std::size_t start = out.size();
    copy_binary::append_header(out);
    std::int64_t rows = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      copy_binary::begin_row(out, types.size());
      for (int i = 0; i < ncol; ++i) {
        const unsigned type = types[static_cast<std::size_t>(i)];
        bool taken = true;
        switch (sqlite3_column_type(st, i)) {
          case SQLITE_INTEGER: taken = copy_binary::append_int(out, type, sqlite3_column_int64(st, i)); break;
          case SQLITE_FLOAT: taken = copy_binary::append_double(out, type, sqlite3_column_double(st, i)); break;
          case SQLITE_TEXT: {
            auto p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
            taken = copy_binary::append_text(out, type, std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(st, i))));
            break;
          }
          case SQLITE_BLOB: {
            auto p = static_cast<const unsigned char*>(sqlite3_column_blob(st, i));
            taken = copy_binary::append_blob(out, type, p, static_cast<std::size_t>(sqlite3_column_bytes(st, i)));
            break;
          }
          default: copy_binary::append_null(out);
        }
        if (!taken) {  // this batch goes as text
          ++misses;
          sqlite3_reset(st);
          out.resize(start);
          return std::nullopt;
        }
      }
      ++rows;
    }
    if (rc != SQLITE_DONE) {
      out.resize(start);
      fail_stmt(st, rc);
    }
    sqlite3_reset(st);
    copy_binary::append_trailer(out);
    return rows;
  }

  void begin() override {
    writing_ = std::unique_lock<std::mutex>(*writer_lock_);
    try {
      execute_script("BEGIN IMMEDIATE");
    } catch (...) {
      writing_.unlock();
      throw;
    }
  }
  void commit() override {
    execute_script("COMMIT");  // on failure the transaction stays open until rollback()
    if (writing_.owns_lock()) writing_.unlock();
  }
  void savepoint(SavepointStep step, const std::string& name) override { execute_script(savepoint_sql(step, name)); }

  void rollback() override {
    struct Release {
      std::unique_lock<std::mutex>& l;
      ~Release() {
        if (l.owns_lock()) l.unlock();
      }
    } release{writing_};
    if (!sqlite3_get_autocommit(db_)) execute_script("ROLLBACK");
  }

  bool attach(const DbUrl& other, const std::string& schema) override {
    if (other.scheme != Scheme::sqlite || other.is_memory() || url_.is_memory()) return false;
    if (attached_.count(schema)) return true;
    if (!sqlite3_get_autocommit(db_)) return false;  // SQLite refuses ATTACH inside a transaction
    execute("ATTACH DATABASE ? AS " + quote_ident(schema), {Value(file_uri(other.path, true))});
    attached_.insert(schema);
    return true;
  }

  // A schema-qualified name (db/sql.hpp) names an attached database, or main or temp;
  // SQLite's pragma functions take the schema as their last argument.
  bool table_exists(const std::string& table) override {
    const auto t = split_table(table);
    bool found = false;
    if (!t.schema.empty()) {
      bool attached = false;
      query("SELECT 1 FROM pragma_database_list WHERE name = ?", {t.schema}, [&](Values&) { return !(attached = true); });
      if (!attached) return false;
    }
    const std::string master = t.schema.empty() ? "sqlite_master" : quote_ident(t.schema) + ".sqlite_master";
    query("SELECT 1 FROM " + master + " WHERE type IN ('table','view') AND name = ?", {t.name},
          [&](Values&) { return !(found = true); });
    return found;
  }

  bool has_unique_key(const std::string& table, const std::vector<std::string>& columns) override {
    const auto t = split_table(table);
    const std::string schema = t.schema.empty() ? "main" : t.schema;
    std::vector<std::string> unique_indexes;
    query("SELECT name FROM pragma_index_list(?, ?) WHERE \"unique\" = 1", {t.name, schema}, [&](Values& r) {
      unique_indexes.push_back(r[0].as_text());
      return true;
    });
    for (const auto& index : unique_indexes) {
      std::vector<std::string> cols;
      query("SELECT name FROM pragma_index_info(?, ?)", {index, schema}, [&](Values& r) {
        cols.push_back(r[0].is_null() ? "" : r[0].as_text());
        return true;
      });
      if (same_set(cols, columns)) return true;
    }
    // An INTEGER PRIMARY KEY is the rowid and has no index of its own.
    std::vector<std::string> pk;
    query("SELECT name FROM pragma_table_info(?, ?) WHERE pk > 0 ORDER BY pk", {t.name, schema}, [&](Values& r) {
      pk.push_back(r[0].as_text());
      return true;
    });
    return same_set(pk, columns);
  }

  bool read_only() override { return sqlite3_db_readonly(db_, "main") == 1; }

  std::vector<std::string> table_columns(const std::string& table) override {
    const auto t = split_table(table);
    std::vector<std::string> cols;
    query("SELECT name FROM pragma_table_info(?, ?) ORDER BY cid", {t.name, t.schema.empty() ? "main" : t.schema},
          [&](Values& r) {
      cols.push_back(r[0].as_text());
      return true;
    });
    return cols;
  }

  void insert_rows(const std::string& table, const std::vector<std::string>& columns,
                   const std::vector<Values>& rows, const std::vector<std::string>& upsert_key) override {
    std::string sql = "INSERT INTO " + quote_ident(table) + " (" + quote_list(columns) + ") VALUES (" +
                      placeholders(columns.size()) + ")";
    if (!upsert_key.empty()) sql += upsert_clause(columns, upsert_key);
    sqlite3_stmt* st = prepare(sql);
    for (const auto& r : rows) {
      if (r.size() != columns.size()) {
        throw Error(ErrorKind::permanent, "row has " + std::to_string(r.size()) + " values for " +
                                              std::to_string(columns.size()) + " columns of " +
                                              quote_ident(table));
      }
      bind_all(st, r);
      int rc = sqlite3_step(st);
      if (rc != SQLITE_DONE) fail_stmt(st, rc);
      sqlite3_reset(st);
    }
  }

 private:
  static std::string upsert_clause(const std::vector<std::string>& columns,
                                   const std::vector<std::string>& key) {
    std::string set;
    for (const auto& c : columns) {
      bool is_key = false;
      for (const auto& k : key) is_key = is_key || k == c;
      if (is_key) continue;
      set += (set.empty() ? "" : ", ") + quote_ident(c) + " = excluded." + quote_ident(c);
    }
    return " ON CONFLICT (" + quote_list(key) + ") DO " + (set.empty() ? "NOTHING" : "UPDATE SET " + set);
  }

  sqlite3_stmt* prepare(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) {
      sqlite3_reset(it->second);
      sqlite3_clear_bindings(it->second);
      return it->second;
    }
    sqlite3_stmt* st = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &st,
                                &tail);
    if (rc != SQLITE_OK) fail(rc, sqlite3_errmsg(db_));
    // sqlite3_prepare compiles the first statement and ignores the rest: a second one
    // would silently not run (PostgreSQL refuses such a statement itself).
    if (tail && has_code(std::string_view(tail, static_cast<std::size_t>(sql.c_str() + sql.size() - tail)))) {
      sqlite3_finalize(st);
      throw Error(ErrorKind::permanent, "sqlite: more than one statement where one is expected: " +
                                            std::string(sql.substr(0, 120)));
    }
    cache_.emplace(sql, st);
    return st;
  }

  void bind_all(sqlite3_stmt* st, const Values& params) {
    int n = sqlite3_bind_parameter_count(st);
    if (n != static_cast<int>(params.size())) {
      throw Error(ErrorKind::permanent, "statement expects " + std::to_string(n) + " parameters, got " +
                                            std::to_string(params.size()));
    }
    for (int i = 0; i < n; ++i) {
      const Value& v = params[static_cast<std::size_t>(i)];
      int rc = SQLITE_OK;
      if (v.is_null()) rc = sqlite3_bind_null(st, i + 1);
      else if (v.is_int()) rc = sqlite3_bind_int64(st, i + 1, v.as_int());
      else if (v.is_double()) rc = sqlite3_bind_double(st, i + 1, v.as_double());
      // SQLITE_TRANSIENT: SQLite copies the value. A caller may change the Values it
      // passed while the statement still steps (the planner's next page key is the
      // last row read), and a static binding would then compare against moving bytes.
      else if (v.is_text()) {
        const auto& s = v.as_text();
        rc = sqlite3_bind_text64(st, i + 1, s.data(), s.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
      } else {
        // An empty vector's data() may be null, which SQLite binds as NULL: an empty
        // blob must stay an empty blob.
        const auto& b = v.as_blob().bytes;
        rc = b.empty() ? sqlite3_bind_zeroblob(st, i + 1, 0)
                       : sqlite3_bind_blob64(st, i + 1, b.data(), b.size(), SQLITE_TRANSIENT);
      }
      if (rc != SQLITE_OK) fail(rc, sqlite3_errmsg(db_));
    }
  }

  static Value column(sqlite3_stmt* st, int i) {
    switch (sqlite3_column_type(st, i)) {
      case SQLITE_INTEGER:
        return Value(static_cast<long long>(sqlite3_column_int64(st, i)));
      case SQLITE_FLOAT:
        return Value(sqlite3_column_double(st, i));
      case SQLITE_TEXT: {
        auto p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
        return Value(std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(st, i))));
      }
      case SQLITE_BLOB: {
        auto p = static_cast<const unsigned char*>(sqlite3_column_blob(st, i));
        Blob b;
        b.bytes.assign(p, p + sqlite3_column_bytes(st, i));
        return Value(std::move(b));
      }
      default:
        return Value();
    }
  }

  [[noreturn]] void fail_stmt(sqlite3_stmt* st, int rc) {
    std::string msg = sqlite3_errmsg(db_);
    int sys = sqlite3_system_errno(db_);  // before reset, which may do more I/O
    sqlite3_reset(st);
    fail(rc, msg, sys);
  }

  [[noreturn]] void fail(int rc, const std::string& msg, int sys = -1) {
    // A write refused for lack of space (ENOSPC) or by a file-size limit (EFBIG) comes
    // back as SQLITE_FULL or as an I/O error on write; either way the disk is full, and
    // retrying at once cannot help.
    if (sys < 0) sys = sqlite3_system_errno(db_);
    if ((rc & 0xff) == SQLITE_FULL || rc == SQLITE_IOERR_WRITE || sys == ENOSPC || sys == EFBIG) {
      throw Error(ErrorKind::permanent, "sqlite: database or disk is full (" + url_.redacted() +
                                            "): free space and run again (code " + std::to_string(rc) + ")")
          .set_sqlite_code(rc);
    }
    if ((rc & 0xff) == SQLITE_INTERRUPT) {
      throw Error(ErrorKind::cancelled, "sqlite: statement interrupted: stop requested").set_sqlite_code(rc);
    }
    if (rc == SQLITE_BUSY) {
      // Plain BUSY comes after the busy handler waited the whole busy timeout, which is
      // the lock wait limit (--lock-timeout). (BUSY_SNAPSHOT and BUSY_RECOVERY come at
      // once and stay ordinary transient errors.)
      throw Error(ErrorKind::transient,
                  "sqlite: " + url_.path + " stayed locked by another process for " + url_.param("timeout", "5000") +
                      " ms (--lock-timeout): " + msg + " (code " + std::to_string(rc) + ")",
                  ErrorLimit::lock_wait)
          .set_sqlite_code(rc);
    }
    std::string hint;
    if ((rc & 0xff) == SQLITE_READONLY || (rc & 0xff) == SQLITE_CANTOPEN) {
      hint = sqlite_unwritable_reason(url_);
      if (!hint.empty()) hint = " (" + hint + ")";
    }
    throw Error(classify(rc), "sqlite: " + msg + " (code " + std::to_string(rc) + ")" + hint).set_sqlite_code(rc);
  }

  void close() noexcept {
    for (auto& [sql, st] : cache_) sqlite3_finalize(st);
    cache_.clear();
    if (db_) sqlite3_close_v2(db_);
    db_ = nullptr;
  }

  DbUrl url_;
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
  static constexpr int kBinaryMissesBeforeText = 3;
  std::unordered_map<std::string, int> binary_misses_;  // query_copy_binary_for, by query
  std::unordered_set<std::string> attached_;  // schemas attach() added
  std::shared_ptr<std::mutex> writer_lock_;    // this file's, shared by the process
  std::unique_lock<std::mutex> writing_;       // held from begin() to commit()/rollback()
};

}  // namespace

std::unique_ptr<Database> open_sqlite(const DbUrl& url) {
  // Before SQLite's first use: no global memory statistics, which take a process-wide
  // mutex on every allocation SQLite makes (rowshift never reads them).
  static std::once_flag configured;
  std::call_once(configured, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  return std::make_unique<SqliteDatabase>(url);
}

std::string sqlite_journal_mode(Database& db) {
  Values r = query_row(db, "PRAGMA journal_mode");
  return r.empty() || !r[0].is_text() ? std::string() : r[0].as_text();
}

bool set_sqlite_journal_mode(Database& db, const std::string& mode, int wait_ms) {
  const std::string timeout = db.url().param("timeout", "5000");
  db.execute_script("PRAGMA busy_timeout=" + std::to_string(wait_ms));
  bool changed = false;
  try {
    // The pragma answers with the mode now in effect, which is the old one when it could not
    // take the lock it needs.
    Values r = query_row(db, "PRAGMA journal_mode=" + mode);
    changed = !r.empty() && r[0].is_text() && r[0].as_text() == mode;
  } catch (const Error&) {
    changed = false;  // busy: another connection has the file open
  }
  db.execute_script("PRAGMA busy_timeout=" + timeout);
  if (changed && mode == "wal") db.execute_script("PRAGMA synchronous=NORMAL");
  return changed;
}

std::string sqlite_unwritable_reason(const DbUrl& url) {
  if (url.is_memory() || url.path.empty()) return {};
  std::filesystem::path file(url.path);
  std::filesystem::path dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  if (::access(dir.c_str(), W_OK) != 0) {
    return "the folder " + dir.string() + " is not writable, and SQLite writes its journal files beside " +
           file.filename().string() + ": make the folder writable, or move the file";
  }
  if (::access(file.c_str(), F_OK) == 0 && ::access(file.c_str(), W_OK) != 0) {
    return "the file " + file.string() + " is not writable: check its permissions";
  }
  return {};
}

}  // namespace rowshift::db
