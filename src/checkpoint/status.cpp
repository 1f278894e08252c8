#include "checkpoint/status.hpp"

#include <string>

#include "rowshift/error.hpp"

namespace rowshift::checkpoint {

const char* to_string(BatchStatus s) {
  switch (s) {
    case BatchStatus::pending: return "pending";
    case BatchStatus::running: return "running";
    case BatchStatus::done: return "done";
    case BatchStatus::failed: return "failed";
  }
  return "?";
}

const char* to_string(MigrationStatus s) {
  switch (s) {
    case MigrationStatus::running: return "running";
    case MigrationStatus::done: return "done";
    case MigrationStatus::failed: return "failed";
  }
  return "?";
}

BatchStatus batch_status(std::string_view text) {
  for (auto s : {BatchStatus::pending, BatchStatus::running, BatchStatus::done, BatchStatus::failed}) {
    if (text == to_string(s)) return s;
  }
  throw Error(ErrorKind::config, "checkpoint store: a batch has the unknown status '" + std::string(text) +
                                     "' (edited by hand, or written by a newer rowshift)");
}

MigrationStatus migration_status(std::string_view text) {
  for (auto s : {MigrationStatus::running, MigrationStatus::done, MigrationStatus::failed}) {
    if (text == to_string(s)) return s;
  }
  throw Error(ErrorKind::config, "checkpoint store: a migration has the unknown status '" + std::string(text) +
                                     "' (edited by hand, or written by a newer rowshift)");
}

}  // namespace rowshift::checkpoint
