#include "run/target_journal.hpp"

#include "db/sqlite_database.hpp"
#include "run/context.hpp"

namespace rowshift {
namespace {
// How long changing the mode may wait for another connection to let go of the file.
constexpr int kSwitchWaitMs = 200;
constexpr int kRestoreWaitMs = 200;

// Whether the journal mode of url's file is rowshift's to change for a run.
bool ours_to_change(const db::DbUrl& url) {
  return url.scheme == db::Scheme::sqlite && !url.is_memory() && url.param("journal_mode").empty();
}
}  // namespace

RunJournalMode::RunJournalMode(Runner::Impl& impl) : impl_(impl) {
  auto add = [&](db::Database& conn, const db::DbUrl& url) {
    if (ours_to_change(url)) files_.push_back({&conn, url, "journal_mode_before_runs " + url.identity(), false});
  };
  add(*impl.target, impl.target_url);
  if (!impl.store_is_target) add(*impl.store_conn, impl.store_url);
  impl.journal = this;
}

void RunJournalMode::switch_to_wal() {
  for (auto& f : files_) {
    if (f.switched) continue;
    const std::string now = db::sqlite_journal_mode(*f.conn);
    if (now != "wal") {
      impl_.store().put_meta_if_absent(f.key, now);  // before the change: a kill after it finds the entry
      // Busy elsewhere: the run writes in the file's own mode, and tries again for its next migration.
      // A short wait: the file is busy when another runner uses it, and that runner has
      // switched it or will; waiting out its transactions would only keep this one idle.
      if (!db::set_sqlite_journal_mode(*f.conn, "wal", kSwitchWaitMs)) continue;
    }
    f.switched = true;
  }
}

RunJournalMode::~RunJournalMode() {
  impl_.journal = nullptr;
  if (files_.empty()) return;
  try {
    auto store = impl_.store();
    if (!store.exists() || !store.live_runners("", impl_.owner).empty()) return;  // the last runner puts it back
    // The store's file last: its entry is deleted only once the mode is back.
    for (auto it = files_.begin(); it != files_.end(); ++it) {
      auto before = store.meta(it->key);
      if (before && db::set_sqlite_journal_mode(*it->conn, *before, kRestoreWaitMs)) store.delete_meta(it->key);
    }
  } catch (const std::exception&) {
    // The file stays in WAL (safe, only not as found); the next run that ends puts it back.
  }
}

}  // namespace rowshift
