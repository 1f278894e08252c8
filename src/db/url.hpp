// Database URLs: sqlite:PATH[?mode=ro|rw|rwc&timeout=MS], sqlite::memory:,
// postgresql://user:password@host:port/dbname?param=value (postgres:// too), or a libpq
// key=value string ("host=/tmp port=5432 dbname=app user=me"). Missing PostgreSQL parts
// come from the PG* environment variables, as libpq does.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rowshift::db {

enum class Scheme { sqlite, postgresql };

// Seconds a PostgreSQL connection may take to start when the user set no limit.
inline constexpr int kDefaultConnectTimeoutSeconds = 10;

struct DbUrl {
  Scheme scheme = Scheme::sqlite;
  std::string original;
  // sqlite
  std::string path;  // file path, or ":memory:"
  // postgresql
  std::string user, password, host, dbname;
  int port = 0;
  bool keyword_form = false;  // a libpq key=value string rather than a URL
  std::map<std::string, std::string> params;

  bool is_memory() const { return scheme == Scheme::sqlite && path == ":memory:"; }
  // The URL with any password replaced by "***": the only form ever printed.
  std::string redacted() const;
  // text with the password (as given and as decoded) replaced by ***: for messages of
  // libpq's that may quote a part of the connection string.
  std::string scrubbed(std::string text) const;
  // A normalised identity: two URLs with equal identity name the same database.
  std::string identity() const;
  std::string param(const std::string& key, const std::string& fallback = {}) const;
  // What libpq is given: the text as the user wrote it (libpq reads PG* itself), plus
  // network time limits the user did not set (connect_timeout unless PGCONNECT_TIMEOUT
  // is set, and TCP keepalives): a server that accepts and never answers, or a network
  // that drops packets, then fails the connection (a transient error, the breaker's
  // business) instead of holding a worker, and the run, forever.
  std::string libpq_conninfo() const;
  // Whether libpq_conninfo() brings its own connect_timeout (the user gave none).
  bool uses_default_connect_timeout() const;
};

// Throws rowshift::Error (config) naming the URL (redacted) and what is wrong.
DbUrl parse_url(std::string_view url);

// A SQLite URL's ?attach=NAME:PATH[,NAME:PATH...]: databases each connection attaches
// under NAME, so that migrations can name NAME.table (the main file stays the one
// whose journal mode and writer lock rowshift manages).
std::vector<std::pair<std::string, std::string>> sqlite_attachments(const DbUrl& url);

// A URL as a migration names it: a URL, or env:NAME for the URL in environment variable
// NAME (so that a password need not be written into a migration file, nor show in `ps`).
// Throws Error (config) naming the variable when it is not set.
DbUrl parse_url_reference(std::string_view reference);

}  // namespace rowshift::db
