// Loading migrations: SQL files from a folder, plus those registered in C++.
// docs/migrations.md describes the file format.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "rowshift/migration.hpp"

namespace rowshift::migrate {

// Parses one migration file's text. `name` is the file name without ".sql".
// Throws Error(config) "FILE:LINE: what is wrong" on any problem.
MigrationDef parse_migration_file(const std::string& text, const std::string& name, const std::string& origin);

// All *.sql files of dir in file-name order. Throws Error(config) when dir is missing.
// `skipped`, when given, receives "NAME (why)" for each entry of dir that is not loaded
// (other extensions, ".SQL", folders, dangling links, hidden files), for `plan` to list.
std::vector<MigrationDef> load_migration_dir(const std::filesystem::path& dir,
                                             std::vector<std::string>* skipped = nullptr);

// Checks that a definition is complete for its kind (e.g. a copy has a source, a key,
// a target and columns). Throws Error(config) naming the migration.
void check_definition(const MigrationDef& def);

// Merges migrations from all sources, sorted by name; duplicate names are an error.
std::vector<MigrationDef> merge_migrations(std::vector<MigrationDef> all);

}  // namespace rowshift::migrate
