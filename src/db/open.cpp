// The one place that picks a backend for a URL.
#include "db/database.hpp"
#include "db/copy_text.hpp"
#include "db/postgres_database.hpp"
#include "db/sqlite_database.hpp"
#include "rowshift/error.hpp"

namespace rowshift::db {

namespace {
OpenHook& open_hook() {
  static OpenHook hook;
  return hook;
}

std::unique_ptr<Database> open_backend(const DbUrl& url) {
  switch (url.scheme) {
    case Scheme::sqlite:
      return open_sqlite(url);
    case Scheme::postgresql:
      return open_postgres(url);
  }
  throw Error(ErrorKind::config, "cannot open database " + url.redacted());
}
}  // namespace

void set_open_hook(OpenHook hook) { open_hook() = std::move(hook); }

std::unique_ptr<Database> open_database(const DbUrl& url) {
  auto db = open_backend(url);
  if (open_hook()) db = open_hook()(std::move(db));
  return db;
}

std::unique_ptr<Database> open_database(const std::string& url) { return open_database(parse_url(url)); }

std::int64_t Database::query_copy_text(const std::string& sql, const Values& params, std::string& out) {
  std::int64_t rows = 0;
  query(sql, params, [&](Values& row) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i) out += '\t';
      copy_text::append_value(out, row[i]);
    }
    out += '\n';
    ++rows;
    return true;
  });
  return rows;
}

std::int64_t Database::copy_text_in(const std::string&, const std::vector<std::string>&, const std::string&,
                                    const std::vector<std::string>&) {
  throw Error(ErrorKind::permanent, "internal: " + url().redacted() + " does not take COPY text");
}

std::vector<unsigned> Database::result_types(const std::string&, const Values&) { return {}; }

std::vector<unsigned> Database::column_types(const std::string&, const std::vector<std::string>&) { return {}; }

std::int64_t Database::query_copy_binary(const std::string&, const Values&, std::string&) {
  throw Error(ErrorKind::permanent, "internal: " + url().redacted() + " does not give binary COPY");
}

std::int64_t Database::copy_binary_in(const std::string&, const std::vector<std::string>&, const std::string&,
                                      const std::vector<std::string>&) {
  throw Error(ErrorKind::permanent, "internal: " + url().redacted() + " does not take binary COPY");
}

std::vector<std::int64_t> Database::execute_each(const std::vector<Statement>& statements) {
  std::vector<std::int64_t> rows;
  rows.reserve(statements.size());
  for (const auto& s : statements) rows.push_back(execute(s.sql, s.params));
  return rows;
}

std::vector<std::int64_t> Database::query_copy_binary_each(const std::vector<Statement>& queries,
                                                           std::vector<std::string>& out) {
  out.assign(queries.size(), std::string());
  std::vector<std::int64_t> rows;
  rows.reserve(queries.size());
  for (std::size_t i = 0; i < queries.size(); ++i) rows.push_back(query_copy_binary(queries[i].sql, queries[i].params, out[i]));
  return rows;
}

std::optional<std::int64_t> Database::query_copy_binary_for(const std::string&, const Values&,
                                                            const std::vector<unsigned>&, std::string&) {
  return std::nullopt;
}

std::vector<Values> query_all(Database& db, const std::string& sql, const Values& params) {
  std::vector<Values> rows;
  db.query(sql, params, [&](Values& r) {
    rows.push_back(r);
    return true;
  });
  return rows;
}

Values query_row(Database& db, const std::string& sql, const Values& params) {
  Values out;
  db.query(sql, params, [&](Values& r) {
    out = r;
    return false;
  });
  return out;
}

}  // namespace rowshift::db
