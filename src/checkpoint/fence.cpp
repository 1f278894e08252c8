#include "checkpoint/fence.hpp"

namespace rowshift::checkpoint {

void Fence::ensure() {
  if (db_.table_exists("rowshift_fence")) return;
  db_.execute_script(
      "CREATE TABLE IF NOT EXISTS rowshift_fence (migration TEXT NOT NULL, batch_no BIGINT NOT NULL,"
      " epoch BIGINT NOT NULL, PRIMARY KEY (migration, batch_no))");
}

void Fence::raise_floor(const std::string& migration, std::int64_t epoch) {
  db_.execute(
      "INSERT INTO rowshift_fence (migration, batch_no, epoch) VALUES (?, 0, ?) ON CONFLICT (migration, batch_no)"
      " DO UPDATE SET epoch = excluded.epoch WHERE rowshift_fence.epoch < excluded.epoch",
      {migration, epoch});
}

bool Fence::admit(const std::string& migration, std::int64_t batch, std::int64_t epoch) {
  // (The casts type the parameters for PostgreSQL, which gets them as text.)
  // One statement, so that the check and the write cannot be split by another writer:
  // the insert happens only above the floor, the update only over an older epoch.
  return db_.execute(
             "INSERT INTO rowshift_fence (migration, batch_no, epoch) SELECT CAST(? AS TEXT), CAST(? AS BIGINT),"
             " CAST(? AS BIGINT) WHERE CAST(? AS BIGINT) >= coalesce((SELECT f.epoch FROM rowshift_fence AS f"
             " WHERE f.migration = ? AND f.batch_no = 0), 0)"
             " ON CONFLICT (migration, batch_no) DO UPDATE SET epoch = excluded.epoch"
             " WHERE rowshift_fence.epoch <= excluded.epoch",
             {migration, batch, epoch, epoch, migration}) == 1;
}

}  // namespace rowshift::checkpoint
