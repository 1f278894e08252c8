// Cutting long statements short when the process is asked to stop (SIGINT, SIGTERM,
// SIGHUP): planning's scans and verify's reads, never a batch's writes (a graceful stop
// lets running batches finish; a second signal ends the process).
//
// A connection opts in for a scope (Interruptible). request() is async-signal-safe so
// that the signal handler itself can call it: it sets a flag, which SQLite's progress
// handler reads every few thousand VM steps, and sends PostgreSQL's cancel request for
// each PostgreSQL connection in a scope (PQcancel on a cancel object made beforehand,
// which libpq documents as safe in a signal handler). The statement then fails with
// ErrorKind::cancelled: planning stores nothing, so the store stays as it was.
#pragma once

#include "db/database.hpp"

namespace rowshift::db {

namespace interrupt {
void request() noexcept;  // async-signal-safe
bool requested() noexcept;
void clear() noexcept;  // for a new run in the same process (tests)

// Slots for PostgreSQL cancel objects (a PGcancel*, as void* so that this header needs
// no libpq). register_cancel returns -1 when all slots are taken (the statement then
// runs to its end); unregister_cancel returns once no signal handler still uses it.
int register_cancel(void* pg_cancel) noexcept;
void* unregister_cancel(int slot) noexcept;
}  // namespace interrupt

// While alive, db's statements end with ErrorKind::cancelled once interrupt::request()
// is called. Throws at once when a stop was already requested.
class Interruptible {
 public:
  explicit Interruptible(Database& db);
  ~Interruptible();
  Interruptible(const Interruptible&) = delete;
  Interruptible& operator=(const Interruptible&) = delete;

 private:
  Database& db_;
};

// Throws Error(cancelled) when a stop was requested: for loops of statements, between them.
void throw_if_interrupted(const char* what);

}  // namespace rowshift::db
