#include "db/connection_slots.hpp"

#include <algorithm>

namespace rowshift::db {

int ConnectionSlots::headroom() const { return std::max(3, max_connections / 10); }

int ConnectionSlots::usable() const {
  int left = max_connections - reserved - in_use - headroom();
  // A role or database limit has no reserved slots; keep one free under it for an operator.
  if (role_left) left = std::min(left, *role_left - 1);
  if (database_left) left = std::min(left, *database_left - 1);
  return std::max(0, left);
}

std::string ConnectionSlots::describe() const {
  std::string s = "max_connections " + std::to_string(max_connections) + ", " + std::to_string(reserved) +
                  " reserved for superusers, " + std::to_string(in_use) + " in use, " + std::to_string(headroom()) +
                  " kept free";
  if (role_left) s += ", " + std::to_string(*role_left) + " left under the role's connection limit";
  if (database_left) s += ", " + std::to_string(*database_left) + " left under the database's connection limit";
  return s;
}

std::optional<ConnectionSlots> connection_slots(Database& db) {
  if (db.dialect() != Dialect::postgresql) return std::nullopt;
  // Autovacuum, WAL senders and background workers have slots of their own: only client
  // sessions count against max_connections. A limit of -1 is "none".
  static const char* kSql =
      "SELECT current_setting('max_connections')::int,"
      " current_setting('superuser_reserved_connections')::int"
      " + coalesce(nullif(current_setting('reserved_connections', true), '')::int, 0),"
      " (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'),"
      " (SELECT rolconnlimit FROM pg_roles WHERE rolname = current_user),"
      " (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND usename = current_user),"
      " (SELECT datconnlimit FROM pg_database WHERE datname = current_database()),"
      " (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
      " AND datname = current_database())";
  ConnectionSlots s;
  db.query(kSql, {}, [&](Values& row) {
    auto num = [&](std::size_t i) { return row[i].is_null() ? -1 : static_cast<int>(row[i].as_int()); };
    s.max_connections = num(0);
    s.reserved = num(1);
    s.in_use = num(2);
    if (num(3) >= 0) s.role_left = num(3) - num(4);
    if (num(5) >= 0) s.database_left = num(5) - num(6);
    return false;
  });
  return s;
}

bool is_out_of_slots(const std::string& message) {
  for (const char* text : {"too many clients already", "remaining connection slots are reserved",
                           "too many connections for role", "too many connections for database"}) {
    if (message.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace rowshift::db
