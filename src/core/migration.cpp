// The C++ builder, definition checksums and the process-wide registry.
#include "rowshift/migration.hpp"

#include "db/sql.hpp"
#include "core/hash.hpp"
#include "rowshift/error.hpp"

#include <initializer_list>

namespace rowshift {
namespace {

// A table name as SQL writes it (db::parse_table_name: `app.actor`, `"we""ird"`). One
// that does not parse is kept as written: a builder runs during static initialisation,
// where a throw would end the program; preflight then names the table it cannot find.
std::string table_name(const std::string& text) {
  try {
    return db::parse_table_name(text);
  } catch (const Error&) {
    return text;
  }
}

}  // namespace

const char* to_string(MigrationKind kind) {
  switch (kind) {
    case MigrationKind::schema: return "schema";
    case MigrationKind::copy: return "copy";
    case MigrationKind::update: return "update";
    case MigrationKind::transform: return "transform";
  }
  return "?";
}

std::string MigrationDef::checksum() const {
  core::Hasher h;
  auto list = [&](const std::vector<std::string>& v) {
    h.add_tagged(std::to_string(v.size()));
    for (const auto& s : v) h.add_tagged(s);
  };
  h.add_tagged(to_string(kind));
  h.add_tagged(sql);
  h.add_tagged(source_db);
  h.add_tagged(source_table);
  list(key);
  h.add_tagged(where);
  h.add_tagged(target_table);
  h.add_tagged(std::to_string(columns.size()));
  for (const auto& [t, e] : columns) {
    h.add_tagged(t);
    h.add_tagged(e);
  }
  list(target_columns);
  list(target_key);
  list(source_columns);
  h.add_tagged(version);
  // batch_size is left out on purpose: a resumed run keeps its stored plan anyway.
  return h.hex();
}

const std::vector<std::string>& MigrationDef::effective_target_key() const {
  return target_key.empty() ? key : target_key;
}

Migration::Migration(std::string name, MigrationKind kind) {
  def_.name = std::move(name);
  def_.kind = kind;
  def_.origin = "C++";
}

Migration Migration::schema(std::string name, std::string sql) {
  Migration m(std::move(name), MigrationKind::schema);
  m.def_.sql = std::move(sql);
  return m;
}
Migration Migration::copy(std::string name) { return Migration(std::move(name), MigrationKind::copy); }
Migration Migration::update(std::string name) { return Migration(std::move(name), MigrationKind::update); }
Migration Migration::transform(std::string name) { return Migration(std::move(name), MigrationKind::transform); }

// Records a setter that does not apply to this kind (see misused_setters).
void Migration::applies(const char* setter, std::initializer_list<MigrationKind> kinds) {
  for (auto k : kinds) {
    if (k == def_.kind) return;
  }
  std::string for_kinds;
  for (auto k : kinds) for_kinds += std::string(for_kinds.empty() ? "" : " or ") + to_string(k);
  def_.misused_setters.push_back(std::string(".") + setter + "() does not apply to a " + to_string(def_.kind) +
                                 " migration (it is for " + for_kinds + ")");
}

using K = MigrationKind;

Migration& Migration::from(std::string t) {
  applies("from", {K::copy, K::transform});
  def_.source_table = table_name(t);
  return *this;
}
Migration& Migration::table(std::string t) {
  applies("table", {K::update});
  def_.source_table = table_name(t);
  return *this;
}
Migration& Migration::source_db(std::string url) {
  applies("source_db", {K::copy, K::transform});
  def_.source_db = std::move(url);
  return *this;
}
Migration& Migration::key(std::string c) {
  applies("key", {K::copy, K::update, K::transform});
  def_.key.push_back(std::move(c));
  return *this;
}
Migration& Migration::keys(std::vector<std::string> c) {
  applies("keys", {K::copy, K::update, K::transform});
  def_.key = std::move(c);
  return *this;
}
Migration& Migration::where(std::string p) {
  applies("where", {K::copy, K::update, K::transform});
  def_.where = std::move(p);
  return *this;
}
Migration& Migration::to(std::string t) {
  applies("to", {K::copy});
  def_.target_table = table_name(t);
  return *this;
}
Migration& Migration::to(std::string t, std::vector<std::string> cols) {
  applies("to", {K::transform});
  def_.target_table = table_name(t);
  def_.target_columns = std::move(cols);
  return *this;
}
Migration& Migration::column(std::string target, std::string expr) {
  applies("column", {K::copy});
  def_.columns.emplace_back(std::move(target), std::move(expr));
  return *this;
}
Migration& Migration::target_key(std::vector<std::string> c) {
  applies("target_key", {K::copy, K::transform});
  def_.target_key = std::move(c);
  return *this;
}
Migration& Migration::read_columns(std::vector<std::string> c) {
  applies("read_columns", {K::transform});
  def_.source_columns = std::move(c);
  return *this;
}
Migration& Migration::sql(std::string s) {
  applies("sql", {K::update});
  def_.sql = std::move(s);
  return *this;
}
Migration& Migration::map(TransformFn fn) {
  applies("map", {K::transform});
  def_.transform = std::move(fn);
  return *this;
}
Migration& Migration::version(std::string v) {
  applies("version", {K::transform});
  def_.version = std::move(v);
  return *this;
}
Migration& Migration::batch_size(int rows) {
  applies("batch_size", {K::copy, K::update, K::transform});
  def_.batch_size = rows;
  return *this;
}

namespace {
std::vector<MigrationDef>& registry() {
  static std::vector<MigrationDef> r;
  return r;
}
}  // namespace

void register_migration(MigrationDef def) { registry().push_back(std::move(def)); }
const std::vector<MigrationDef>& registered_migrations() { return registry(); }

}  // namespace rowshift
