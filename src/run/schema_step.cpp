// A schema step: its SQL runs once, in one transaction with its record in the checkpoint
// store, under the setup lock, so that two runners starting together apply it once.
#include "db/sql_lexer.hpp"
#include "run/context.hpp"

namespace rowshift {

MigrationReport Runner::Impl::run_schema(const MigrationDef& def) {
  MigrationReport r;
  r.name = def.name;
  r.kind = def.kind;
  r.state = "done";
  auto t0 = std::chrono::steady_clock::now();
  checkpoint::MigrationRecord rec;
  rec.name = def.name;
  rec.kind = to_string(def.kind);
  rec.checksum = def.checksum();
  rec.status = checkpoint::MigrationStatus::done;
  auto run_script = [&] {
    try {
      target->execute_script(db::without_psql_restrict(def.sql));
      target->reset_session();  // a pg_dump file empties search_path for the session
    } catch (const Error& e) {
      // A lost connection or a restarting server is an outage: retried (resilient()),
      // the step and its record having rolled back together.
      if (e.transient() || e.kind() == ErrorKind::cancelled) throw;
      throw Error(ErrorKind::config, "migration " + def.name + " (" + def.origin + "): " + e.what());
    }
  };
  if (store_is_target) {
    // The store's tables, the step and its record commit together: a failing first
    // step leaves the database as it was. Under the setup lock a second runner finds
    // the step recorded and skips it.
    db::Transaction tx(*target);
    target->lock_setup();
    store().ensure_schema_in_transaction();
    if (!store().migration(def.name)) {
      run_script();
      store().record_start(rec, {});
    }
    tx.commit();
  } else {
    store().ensure_schema();
    db::Transaction store_tx(store_db());
    store_db().lock_setup();
    if (!store().migration(def.name)) {
      db::Transaction tx(*target);
      run_script();
      tx.commit();
      store().record_start(rec, {});
    }
    store_tx.commit();
  }
  store().set_status(def.name, checkpoint::MigrationStatus::done);  // stamps finished_at
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace rowshift
