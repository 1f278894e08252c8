// rowshift/migration.hpp — defining migrations in C++.
//
// Example:
//   #include <rowshift/rowshift.hpp>
//   static rowshift::Registration split_names{
//       rowshift::Migration::transform("0004_split_name")
//           .from("users").key("id")
//           .to("people", {"id", "first_name", "last_name"})
//           .version("1")  // bump when the callback changes: it is part of the checksum
//           .map([](const rowshift::Row& in, rowshift::Emitter& out) {
//             auto name = in.get<std::optional<std::string>>("name");
//             if (!name) return;  // a NULL name: no person
//             const std::string& full = *name;
//             auto sp = full.find(' ');
//             out.emit({in["id"], full.substr(0, sp),
//                       sp == std::string::npos ? rowshift::Value{} : rowshift::Value{full.substr(sp + 1)}});
//           })};
//   int main(int argc, char** argv) { return rowshift::cli_main(argc, argv); }
//
// SQL-file migrations (migrations/*.sql) produce the same MigrationDef; see
// docs/migrations.md for the file format.
#pragma once

#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rowshift/value.hpp"

namespace rowshift {

// The largest batch a migration or --batch-size may ask for (rows per transaction).
inline constexpr int kMaxBatchSize = 10000000;

// What a migration does: schema (SQL run once), copy (rows by key range into another
// table, with column expressions), update (a statement per key range), transform (rows
// through a C++ callback). to_string() gives the lower-case name.
enum class MigrationKind { schema, copy, update, transform };
const char* to_string(MigrationKind kind);

// Receives the rows a transform produces for one source row (zero or more).
class Emitter {
 public:
  void emit(Values row) { rows_.push_back(std::move(row)); }
  std::vector<Values>& rows() { return rows_; }

 private:
  std::vector<Values> rows_;
};

// Called once per source row, possibly from several worker threads at once: it must
// not touch shared state without its own locking. Throwing rowshift::Error fails the
// batch (permanent unless its kind says otherwise); any other exception too.
using TransformFn = std::function<void(const Row& in, Emitter& out)>;

// A migration as the runner sees it, whatever it was written in.
struct MigrationDef {
  std::string name;
  MigrationKind kind = MigrationKind::schema;
  std::string origin;  // file path, or "C++"

  std::string sql;  // schema: the script; update: statement containing {{batch}}

  std::string source_db;     // URL of the database rows are read from; empty = target
  std::string source_table;  // copy/transform: table read; update: table updated
  std::vector<std::string> key;         // key columns of source_table, in order
  std::string where;                    // optional filter on source rows (SQL)
  std::string target_table;             // copy/transform
  std::vector<std::pair<std::string, std::string>> columns;  // copy: target column = source expr
  std::vector<std::string> target_columns;  // transform: columns emitted rows fill, in order
  std::vector<std::string> target_key;      // target key columns; defaults to `key`
  std::vector<std::string> source_columns;  // transform: columns read; empty = all
  TransformFn transform;
  std::string version;                 // transform: bump to mark a changed callback
  std::optional<int> batch_size;       // overrides --batch-size for this migration
  // Builder setters called that do not apply to this kind (".map() on a copy"), found
  // when the migration is built and refused, naming it, when it is loaded (exit 3), not
  // thrown from a static initialiser.
  std::vector<std::string> misused_setters;

  // A stable hash of everything that defines what the migration does. A changed
  // checksum after the migration started makes `run` refuse it until `reset`.
  std::string checksum() const;
  // The target key columns (target_key, or key when not given).
  const std::vector<std::string>& effective_target_key() const;
};

// Fluent builder producing a MigrationDef. Each setter returns *this. A setter that does
// not apply to the migration's kind is recorded (MigrationDef::misused_setters) and the
// migration is refused when a Runner loads it.
class Migration {
 public:
  static Migration schema(std::string name, std::string sql);
  static Migration copy(std::string name);
  static Migration update(std::string name);
  static Migration transform(std::string name);

  Migration& from(std::string table);                  // copy/transform source table
  Migration& table(std::string table);                 // update: table to update
  Migration& source_db(std::string url);               // read from another database
  Migration& key(std::string column);                  // appends a key column
  Migration& keys(std::vector<std::string> columns);   // composite key, in order
  Migration& where(std::string predicate);
  Migration& to(std::string table);
  Migration& to(std::string table, std::vector<std::string> columns);  // transform
  Migration& column(std::string target, std::string source_expr);      // copy mapping
  Migration& target_key(std::vector<std::string> columns);
  Migration& read_columns(std::vector<std::string> columns);           // transform input
  Migration& sql(std::string statement);               // update: must contain {{batch}}
  Migration& map(TransformFn fn);
  Migration& version(std::string v);
  Migration& batch_size(int rows);

  const MigrationDef& def() const& { return def_; }
  MigrationDef def() && { return std::move(def_); }

 private:
  Migration(std::string name, MigrationKind kind);
  void applies(const char* setter, std::initializer_list<MigrationKind> kinds);
  MigrationDef def_;
};

// Adds a migration to the process-wide registry read by cli_main() and Runner.
// Not thread-safe: register from static initialisers or before starting a Runner.
void register_migration(MigrationDef def);
const std::vector<MigrationDef>& registered_migrations();

// Registers at static-initialisation time: `static rowshift::Registration r{Migration::...};`
struct Registration {
  explicit Registration(Migration m) { register_migration(std::move(m).def()); }
};

}  // namespace rowshift
