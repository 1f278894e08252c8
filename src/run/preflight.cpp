// Preflight: everything `run` checks before its first write, so that an input error
// (exit 3) leaves every database as it was. `plan` applies the same checks.
#include <algorithm>
#include <optional>

#include "db/capabilities.hpp"
#include "db/interrupt.hpp"
#include "db/placeholders.hpp"
#include "db/sql.hpp"
#include "db/sql_lexer.hpp"
#include "migrate/batch_executor.hpp"
#include "run/context.hpp"

namespace rowshift {

bool Runner::Impl::preflight(const MigrationDef& def, db::Database& source, const std::string& pending_schema_sql) {
  try {
    check_tables(def, source);
    return true;
  } catch (const MissingObject& e) {
    // Accepted only when the earlier steps mention the table and every column needed.
    if (pending_schema_sql.find(lower_ascii(db::split_table(e.object()).name)) == std::string::npos) throw;
    for (const auto& c : e.columns()) {
      if (pending_schema_sql.find(lower_ascii(c)) == std::string::npos) {
        throw Error(ErrorKind::config,
                    std::string(e.what()) + ", and no earlier migration mentions its column " + db::quote_ident(c));
      }
    }
    return false;
  }
}

void Runner::Impl::check_tables(const MigrationDef& def, db::Database& source) {
  if (def.kind == MigrationKind::schema) return;
  if (def.kind != MigrationKind::update && source_is_target(def) && def.source_table == def.target_table) {
    // Each batch would insert the rows it reads into the table it reads them from.
    throw Error(ErrorKind::config, "migration " + def.name + ": copies table " + db::quote_ident(def.source_table) +
                                       " into itself; to change rows in place, write an update migration");
  }
  // Each table with the columns the migration needs in it.
  struct Need {
    db::Database* db;
    std::string table;
    const char* role;
    std::vector<std::pair<std::string, const char*>> columns;  // name, role
  };
  std::vector<Need> needs;
  if (def.kind == MigrationKind::update) {
    Need n{target.get(), def.source_table, "update", {}};
    for (const auto& k : def.key) n.columns.emplace_back(k, "key");
    needs.push_back(n);
  } else {
    Need src{&source, def.source_table, "source", {}};
    for (const auto& k : def.key) src.columns.emplace_back(k, "key");
    for (const auto& c : def.source_columns) src.columns.emplace_back(c, "source");
    Need tgt{target.get(), def.target_table, "target", {}};
    if (def.kind == MigrationKind::copy) {
      for (const auto& c : def.columns) tgt.columns.emplace_back(c.first, "target");
    } else {
      for (const auto& c : def.target_columns) tgt.columns.emplace_back(c, "target");
    }
    needs.push_back(src);
    needs.push_back(tgt);
  }
  for (const auto& n : needs) {
    if (!n.db->table_exists(n.table)) {
      std::vector<std::string> cols;
      for (const auto& c : n.columns) cols.push_back(c.first);
      throw MissingObject(n.table, cols,
                          "migration " + def.name + ": " + n.role + " table " + db::quote_ident(n.table) + " not found in " +
                              n.db->url().redacted());
    }
    auto have = n.db->table_columns(n.table);
    for (const auto& [c, role] : n.columns) {
      if (std::find(have.begin(), have.end(), c) == have.end()) {
        throw MissingObject(
            c, {},
            "migration " + def.name + ": " + role + " column " + db::quote_ident(c) + " not found in table " + db::quote_ident(n.table));
      }
    }
    // The read side is there: its where and column expressions, as the batches will run
    // them, before the target is looked at (a target that an earlier schema step creates
    // must not keep a bad expression from being found now).
    if (&n == &needs.front()) {
      refuse_sqlite_parameters(def, *n.db);
      migrate::probe_read(def, *n.db);
    }
  }
  // An update changes rows in place and writes no upserts: it needs no target key.
  if (!store_is_target && def.kind != MigrationKind::update &&
      !target->has_unique_key(def.target_table, def.effective_target_key())) {
    std::string key;
    for (const auto& k : def.effective_target_key()) key += (key.empty() ? "" : ", ") + k;
    throw Error(ErrorKind::config, "migration " + def.name + ": target table " + db::quote_ident(def.target_table) +
                                       " has no primary key or unique index on (" + key +
                                       "); with --store elsewhere, writes are upserts on that key");
  }
}

void Runner::Impl::refuse_sqlite_parameters(const MigrationDef& def, db::Database& reader) {
  // On PostgreSQL a "?" of the user's is an operator (jsonb) and passes through
  // (db::user_sql); SQLite has no such operator and would take it for a parameter.
  if (!db::question_mark_is_parameter(reader)) return;
  std::vector<std::pair<std::string, std::string>> parts = {{"where", def.where}};
  for (const auto& [target, expr] : def.columns) parts.emplace_back("expression of column '" + target + "'", expr);
  if (def.kind == MigrationKind::update) parts.emplace_back("statement", def.sql);
  for (const auto& [what, text] : parts) {
    if (db::has_question_mark(text)) {
      throw Error(ErrorKind::config, "migration " + def.name + ": its " + what +
                                         " has a '?' outside quotes, which SQLite reads as a parameter of its own "
                                         "(rowshift binds its parameters there): write the value itself");
    }
  }
}

void Runner::Impl::rehearse(const std::vector<const MigrationDef*>& pending) {
  // A migration needs a table or column that an earlier pending schema step may create.
  // Those steps run here, in one transaction that is always rolled back, and each later
  // migration is checked against what they leave: a typo in step 3 or a missing column in
  // copy 4 is found before step 1 commits. (DDL is transactional on both backends; a step
  // that cannot run in a transaction cannot run in run_schema's either.)
  {
    // Under the setup lock that run_schema() holds (the store's when it is elsewhere,
    // taken first as there), a step another runner applied since this one looked is
    // seen as recorded, and skipped, instead of failing with "already exists".
    std::optional<db::Transaction> store_tx;
    if (!store_is_target) {
      store_tx.emplace(store_db());
      store_db().lock_setup();
    }
    db::Transaction rehearsal(*target);  // never committed
    if (store_is_target) target->lock_setup();
    const bool have_store = store_exists();
    for (const auto* def : pending) {
      if (stop.stop_requested()) throw Error(ErrorKind::cancelled, "stop requested (signal) during preflight");
      if (def->kind == MigrationKind::schema) {
        if (have_store && store().migration(def->name)) continue;  // applied meanwhile
        try {
          db::Interruptible cancellable(*target);
          target->execute_script(db::without_psql_restrict(def->sql));
          target->reset_session();  // a pg_dump step empties search_path: later checks need it
        } catch (const Error& e) {
          if (e.transient() || e.kind() == ErrorKind::cancelled) throw;
          throw Error(ErrorKind::config, "migration " + def->name + " (" + def->origin + "): " + e.what() +
                                             " (found by preflight's rehearsal of the pending schema steps, rolled "
                                             "back: nothing was written)");
        }
        continue;
      }
      if (source_is_target(*def)) {
        check_tables(*def, *target);
      } else {
        auto source = open_source(*def);
        check_tables(*def, *source);
      }
    }
  }
  target->reset_session();  // a pg_dump step empties search_path for the session
}

}  // namespace rowshift
