// How many more connections a PostgreSQL server takes, read from its settings and its
// sessions, so that `--workers 256` does not take the slots an administrator needs.
#pragma once

#include <optional>
#include <string>

#include "db/database.hpp"

namespace rowshift::db {

struct ConnectionSlots {
  int max_connections = 0;
  int reserved = 0;  // superuser_reserved_connections (+ reserved_connections, PostgreSQL 16)
  int in_use = 0;    // client sessions now, this one included
  // Left under the role's and the database's CONNECTION LIMIT; nullopt: no limit.
  std::optional<int> role_left, database_left;

  // Connections rowshift may still open, keeping `headroom()` free for everyone else.
  int usable() const;
  // max(3, a tenth of max_connections): room for an operator's psql, the application's
  // pool reconnecting, a monitoring agent.
  int headroom() const;
  // "max_connections 100, 3 reserved for superusers, 12 in use, 10 kept free"
  std::string describe() const;
};

// The server's slots, or nullopt for a backend without connection slots (SQLite).
std::optional<ConnectionSlots> connection_slots(Database& db);

// Whether a connection error is the server refusing for lack of slots (SQLSTATE 53300:
// too many clients, slots reserved for superusers, a role's or database's limit).
bool is_out_of_slots(const std::string& message);

}  // namespace rowshift::db
