#include "cli/scaffold.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "rowshift/error.hpp"

namespace rowshift::cli {
namespace {

std::string template_for(const std::string& file, const std::string& kind) {
  std::string head = "-- " + file + "\n";
  if (kind == "schema") {
    return head +
           "-- A schema step: runs once, in one transaction with its record in the checkpoint store.\n"
           "-- Write plain SQL statements below; leave BEGIN/COMMIT out (savepoints are fine).\n"
           "-- An empty step is refused: write its SQL before `rowshift run`.\n";
  }
  if (kind == "copy") {
    return head +
           "-- A batched copy: rows of the source table, 1000 per batch by key, into the target table.\n"
           "-- rowshift:kind copy\n"
           "-- rowshift:from source_table\n"
           "-- rowshift:key id\n"
           "-- rowshift:to target_table\n"
           "-- Optional: move a line up among the directives and drop its \"optional: \".\n"
           "--   optional: rowshift:target-key id             (the target's unique key, default the key)\n"
           "--   optional: rowshift:where deleted_at IS NULL  (only these source rows)\n"
           "--   optional: rowshift:source-db env:LEGACY_DB   (another database, its URL in $LEGACY_DB)\n"
           "--   optional: rowshift:batch-size 1000\n"
           "-- One line per target column: a bare name copies it, NAME = EXPR computes it.\n"
           "id\n"
           "name = trim(name)\n";
  }
  return head +
         "-- A batched update (a backfill): the statement runs once per key range, {{batch}} being the range.\n"
         "-- rowshift:kind update\n"
         "-- rowshift:table table_name\n"
         "-- rowshift:key id\n"
         "-- Optional: move a line up among the directives and drop its \"optional: \".\n"
         "--   optional: rowshift:where total IS NULL  (only these rows)\n"
         "--   optional: rowshift:batch-size 1000\n"
         "UPDATE table_name SET total = price * quantity WHERE {{batch}}\n";
}

}  // namespace

std::string new_migration(const std::string& folder, const std::string& name, const std::string& kind) {
  if (kind != "schema" && kind != "copy" && kind != "update") {
    throw Error(ErrorKind::config, "--kind must be schema, copy or update, got '" + kind +
                                       "' (transforms are C++: see docs/migrations.md)");
  }
  const bool good_name = !name.empty() && name.size() <= 100 &&
                         std::all_of(name.begin(), name.end(), [](unsigned char c) {
                           return std::islower(c) || std::isdigit(c) || c == '_';
                         });
  if (!good_name) {
    throw Error(ErrorKind::config, "migration name '" + name +
                                       "' must be lower-case letters, digits and _ (at most 100), e.g. copy_orders");
  }
  std::error_code ec;
  if (std::filesystem::exists(folder, ec) && !std::filesystem::is_directory(folder, ec)) {
    throw Error(ErrorKind::config, "migrations path '" + folder + "' is a file, not a directory");
  }
  std::filesystem::create_directories(folder, ec);
  if (ec) throw Error(ErrorKind::config, "cannot create migrations folder '" + folder + "': " + ec.message());
  long long largest = 0;
  std::size_t width = 4;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    const std::string file = entry.path().filename().string();
    std::size_t digits = 0;
    while (digits < file.size() && std::isdigit(static_cast<unsigned char>(file[digits]))) ++digits;
    if (digits == 0 || digits > 18 || entry.path().extension() != ".sql") continue;
    largest = std::max(largest, std::stoll(file.substr(0, digits)));
    width = std::max(width, digits);
  }
  if (ec) throw Error(ErrorKind::config, "cannot list '" + folder + "': " + ec.message());
  std::string number = std::to_string(largest + 1);
  if (number.size() < width) number.insert(0, width - number.size(), '0');
  const std::string file = number + "_" + name + ".sql";
  const std::string path = (std::filesystem::path(folder) / file).string();
  // O_EXCL: two `new` at once, or a file that appeared meanwhile, never overwrite one.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0) throw Error(ErrorKind::config, "cannot create " + path + ": " + std::strerror(errno));
  const std::string text = template_for(file, kind);
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    throw Error(ErrorKind::config, "cannot write " + path);
  }
  return path;
}

}  // namespace rowshift::cli
