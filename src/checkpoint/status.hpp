// The states a batch and a migration go through in the checkpoint store, as enums: the
// store writes them as the text below (rowshift_batches.status, rowshift_migrations.status),
// and nothing above it spells them.
//
//   batch      pending -> running (a claim committed apart) -> done | failed; back to
//              pending when released or its runner is gone; failed -> pending by `retry`
//   migration  running -> done | failed; a failed one runs again (running) on the next run
#pragma once

#include <string_view>

namespace rowshift::checkpoint {

enum class BatchStatus { pending, running, done, failed };
enum class MigrationStatus { running, done, failed };

const char* to_string(BatchStatus s);
const char* to_string(MigrationStatus s);
// The stored text back to its state. Throws Error(config) naming the text for anything
// else: a store edited by hand, or written by a newer rowshift.
BatchStatus batch_status(std::string_view text);
MigrationStatus migration_status(std::string_view text);

}  // namespace rowshift::checkpoint
