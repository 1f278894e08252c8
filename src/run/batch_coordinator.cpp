// Runs a planned migration's pending batches on the worker pool.
//
// The calling thread is the coordinator: it feeds batches into the pool's bounded queue
// (in the order run/batch_queue.hpp gives), collects outcomes from the results channel,
// reports progress and decides when to stop. What a worker does with one batch is
// run/batch_task.hpp.
#include <algorithm>
#include <chrono>
#include <map>

#include "db/connection_slots.hpp"
#include "exec/channel.hpp"
#include "migrate/batch_executor.hpp"
#include "exec/worker_pool.hpp"
#include "run/batch_queue.hpp"
#include "run/batch_task.hpp"
#include "run/commit_group.hpp"
#include "run/context.hpp"
#include "run/target_journal.hpp"
#include "run/worker_default.hpp"

namespace rowshift {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

int Runner::Impl::workers_for(const MigrationDef& def) {
  // A SQLite file has one writer. When each batch is one statement inside the target
  // file (an update, a copy within the file or from an attached SQLite file), nothing
  // happens outside the write lock, so more workers only take turns, each with its own
  // page cache to re-read: one connection is faster (bench: 1.2x over 4 workers).
  const bool sqlite_target = target_url.scheme == db::Scheme::sqlite;
  if (sqlite_target) {
    const bool one_statement = def.kind == MigrationKind::update ||
                               (def.kind == MigrationKind::copy &&
                                (source_is_target(def) ||
                                 (source_url(def).scheme == db::Scheme::sqlite && !source_url(def).is_memory())));
    if (one_statement) return 1;
  }
  int wanted = opt.workers;
  if (wanted == 0) {  // not given: chosen by rule, and said (run/worker_default.hpp)
    const WorkerChoice choice = default_workers(endpoints_of(def), exec::WorkerPool::cores());
    wanted = choice.workers;
    const std::string line = std::to_string(wanted) + " workers (the default for " + choice.why + "; --workers to choose)";
    if (line != workers_told) {
      workers_told = line;
      emit({{}, "workers chosen", def.name, {}, 0, 0, line}, def.name + ": " + line);
    }
  }
  // Otherwise, into SQLite, one worker writes while the others read and transform the
  // next batches; past one per core, readers only take CPU from the writer that everyone
  // waits on (bench, C++ transform on 2 cores: 4 workers 1.97-2.27 s, 2 workers 1.73-1.97 s).
  if (sqlite_target) wanted = std::min(wanted, exec::WorkerPool::cores());
  return cap_to_connection_slots(def, wanted);
}

std::vector<db::DbUrl> Runner::Impl::endpoints_of(const MigrationDef& def) {
  std::vector<db::DbUrl> endpoints = {target_url};
  if (!source_is_target(def)) endpoints.push_back(source_url(def));
  if (!store_is_target) endpoints.push_back(store_url);
  return endpoints;
}

int Runner::Impl::cap_to_connection_slots(const MigrationDef& def, int wanted) {
  // Each worker opens one connection to each endpoint below; endpoints on one server
  // (host and port) share its slots.
  const std::vector<db::DbUrl> endpoints = endpoints_of(def);
  auto server_of = [](const db::DbUrl& u) { return u.host + ":" + std::to_string(u.port); };
  std::map<std::string, int> per_worker;
  for (const auto& u : endpoints) {
    if (u.scheme == db::Scheme::postgresql) ++per_worker[server_of(u)];
  }
  int cap = wanted;
  std::string why;
  for (const auto& [server, n] : per_worker) {
    std::unique_ptr<db::Database> fresh;
    db::Database* conn = nullptr;
    if (target_url.scheme == db::Scheme::postgresql && server_of(target_url) == server) {
      conn = target.get();
    } else if (!store_is_target && store_url.scheme == db::Scheme::postgresql && server_of(store_url) == server) {
      conn = store_conn.get();
    } else {
      fresh = open_source(def);
      conn = fresh.get();
    }
    std::optional<db::ConnectionSlots> slots;
    try {
      slots = db::connection_slots(*conn);
    } catch (const Error& e) {  // settings unreadable: no cap, and 53300 is still back-pressure
      if (e.transient()) throw;
    }
    if (!slots) continue;
    const int allowed = std::max(1, slots->usable() / n);
    if (allowed < cap) {
      cap = allowed;
      why = conn->url().redacted() + " has " + slots->describe();
    }
  }
  if (cap < wanted) {
    const std::string line = std::to_string(cap) + " workers instead of " + std::to_string(wanted) + ": " + why;
    emit({{}, "workers capped", def.name, {}, 0, 0, line}, def.name + ": " + line);
  }
  return cap;
}

MigrationReport Runner::Impl::run_batches(const MigrationDef& def, const checkpoint::MigrationRecord& rec) {
  MigrationReport report;
  report.name = def.name;
  report.kind = def.kind;
  BatchQueue queue(store().batches(def.name, checkpoint::BatchStatus::pending));
  auto before = store().counts(def.name);
  // This runner holds the migration from now on (`reset` refuses while it does), and
  // its heartbeat keeps its claims' leases from running out while it lives.
  const int lease_seconds = static_cast<int>(opt.lease.count());
  store().register_runner(owner, def.name, lease_seconds);
  if (journal) journal->switch_to_wal();
  const auto heartbeat_every = std::clamp<Clock::duration>(std::chrono::duration_cast<Clock::duration>(opt.lease) / 3,
                                                           std::chrono::milliseconds(200), std::chrono::seconds(10));
  auto last_heartbeat = Clock::now();
  auto heartbeat = [&] {
    try {
      if (!store_is_target) store().renew_leases(owner, lease_seconds);
      store().heartbeat_runner(owner, lease_seconds);
    } catch (const Error& e) {  // the store is down: the breaker's business; renewed next time
      if (!e.transient()) throw;
    }
  };
  report.batches_total = before.total;
  metrics.planned(def.name, rec.total_batches, rec.planned_rows);

  Progress progress;
  progress.migration = def.name;
  progress.batches_total = before.total;
  progress.batches_done = before.done;
  progress.batches_failed = before.failed;
  progress.rows_before = before.rows;
  progress.rows_estimated = rec.planned_rows;
  // The plan's batches hold batch_size source rows each, the last one the remainder.
  const std::int64_t last_batch_rows =
      std::clamp(rec.planned_rows - (rec.total_batches - 1) * rec.batch_size, std::int64_t{0}, rec.batch_size);
  auto planned_rows_of = [&](std::int64_t number) {
    return number < rec.total_batches ? rec.batch_size : last_batch_rows;
  };
  {
    std::int64_t finished = before.done + before.failed;
    std::int64_t rows = finished * rec.batch_size;
    if (finished >= rec.total_batches) rows -= rec.batch_size - last_batch_rows;
    progress.source_rows_before = progress.source_rows_done = std::clamp(rows, std::int64_t{0}, rec.planned_rows);
  }

  // Breakers exist before any worker looks one up (workers never insert).
  breaker_for(target_url);
  breaker_for(source_url(def));
  breaker_for(store_url);

  exec::Channel<BatchOutcome> results;
  const int worker_count = workers_for(def);
  connected_workers = 0;
  int slot_limit = worker_count;  // lowered when a server runs out of connection slots
  std::vector<WorkerState> workers(static_cast<std::size_t>(worker_count));
  std::atomic<bool> halted{false};
  BatchTask task(def, opt, *this, stop.get_token(), halted, results);
  const auto t0 = Clock::now();
  auto last_progress = t0 - std::chrono::seconds(1);
  // in_flight: tasks handed to workers and not ended (a task is one batch or a group).
  std::size_t offered = 0, in_flight = 0, taken_elsewhere = 0;
  CommitGroup grouping(opt.batches_per_commit,
                       store_is_target && opt.max_rows_per_second <= 0 && def.kind != MigrationKind::schema);
  constexpr int kMaxPasses = 3;  // looks for batches pending again after the queue ran out
  int passes = 0;
  bool stop_scheduling = false;
  std::int64_t rejects_total = store().reject_count(def.name);
  const double rows_per_batch = rec.batch_size > 0 ? static_cast<double>(rec.batch_size) : 1000.0;
  {
    exec::WorkerPool pool(worker_count, static_cast<std::size_t>(worker_count));
    for (;;) {  // ends when the queue is empty and nothing is in flight (below)
      if (opt.should_stop && opt.should_stop()) stop.request_stop();
      if (outage_exceeded()) stop.request_stop();  // waiting workers give their batches back
      if (stop.stop_requested()) stop_scheduling = true;
      double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
      // --max-rate budgets the batches this runner writes: one that another runner had
      // already taken costs nothing, so two throttled runners do not move in lockstep
      // with the second one finding every batch taken.
      bool throttled = opt.max_rows_per_second > 0 && static_cast<double>(offered - taken_elsewhere) * rows_per_batch >
                                                          opt.max_rows_per_second * elapsed + rows_per_batch;
      bool submitted = false;
      if (!stop_scheduling && !throttled && !queue.empty() && static_cast<int>(in_flight) < slot_limit) {
        // The next batches in the queue's order, copied: the task owns them. A group of
        // one is one batch (BatchTask::run_group runs it alone).
        const std::size_t size = grouping.next(queue.size(), worker_count);
        std::vector<checkpoint::BatchRecord> group;
        for (std::size_t k = 0; k < size && k < queue.size(); ++k) group.push_back(queue.ahead(k));
        const std::size_t n = group.size();
        submitted = pool.submit_for(
            [&task, &workers, group = std::move(group)](int w) {
              task.run_group(workers[static_cast<std::size_t>(w)], group);
            },
            std::chrono::milliseconds(0));
        if (submitted) {
          for (std::size_t k = 0; k < n; ++k) queue.pop();
          offered += n;
        }
        if (submitted) ++in_flight;
      }
      if (!submitted) {
        if (in_flight == 0 && (stop_scheduling || queue.empty())) {
          // Batches this runner counted done can be pending again: a server crash lost
          // their commits (with their marks: db/database.hpp relax_commit_durability), or
          // another runner gave back batches it had claimed. Nobody holds a pending
          // batch, so this runner takes them, a few passes at most.
          if (stop_scheduling || passes >= kMaxPasses) break;
          ++passes;
          std::vector<checkpoint::BatchRecord> again;
          try {
            again = store().batches(def.name, checkpoint::BatchStatus::pending);
          } catch (const Error& e) {  // the store is down: the end of the run reports it
            if (!e.transient()) throw;
          }
          if (again.empty()) break;
          const auto now_counts = store().counts(def.name);
          progress.batches_done = now_counts.done;
          progress.batches_failed = now_counts.failed;
          const std::string line = std::to_string(again.size()) + (again.size() == 1 ? " batch is" : " batches are") +
                                   " pending again (commits a server crash lost, or batches another runner gave "
                                   "back): running them";
          emit({{}, "batches pending again", def.name, {}, 0, 0, line}, def.name + ": " + line);
          queue = BatchQueue(std::move(again));  // no worker holds a batch of the old queue
          continue;
        }
        if (auto r = results.pop_for(std::chrono::milliseconds(throttled ? 5 : 50))) {
          if (r->ends_task) --in_flight;
          if (r->split_from_group && r->ends_task && grouping.group_failed()) {
            const std::string line = std::to_string(CommitGroup::kMaxFailedGroups) +
                                     " groups of batches failed and were run one by one: one batch per commit for "
                                     "the rest of this run";
            emit({{}, "group commit off", def.name, {}, r->number, 0, line}, def.name + ": " + line);
          }
          if (r->state == BatchOutcome::done || r->state == BatchOutcome::failed) {
            // Clean: done at the first attempt with no row set aside. After a bad row, batches
            // go one at a time again, so that --max-rejects stops the run between them.
            grouping.observe(r->seconds, r->state == BatchOutcome::done && r->retries == 0 && r->rejects == 0);
          }
          if (r->retries > 0 && r->state == BatchOutcome::done) {
            emit({{}, "batch retried", def.name, {}, r->number, r->retries, "done after " + std::to_string(r->retries + 1) + " attempts"});
          }
          if (r->state == BatchOutcome::failed) emit({{}, "batch failed", def.name, {}, r->number, r->retries, r->error});
          if (r->state == BatchOutcome::done) metrics.batch_done(def.name, r->rows, r->seconds, r->retries);
          if (r->state == BatchOutcome::failed) metrics.batch_failed(def.name, r->seconds, r->retries);
          switch (r->state) {
            case BatchOutcome::done:
              ++report.batches_done;
              ++progress.batches_done;
              report.rows += r->rows;
              progress.rows_done += r->rows;
              progress.source_rows_done += planned_rows_of(r->number);
              if (r->rejects > 0) {
                report.rejects += r->rejects;
                rejects_total += r->rejects;
                if (opt.max_rejects >= 0 && rejects_total > opt.max_rejects && !stop_scheduling) {
                  stop_scheduling = halted = true;
                  report.errors.push_back(std::to_string(rejects_total) + " rows rejected in " + def.name +
                                          ", more than --max-rejects " + std::to_string(opt.max_rejects) +
                                          "; fix the data (`rowshift rejects " + def.name + "`) and run again");
                }
              }
              break;
            case BatchOutcome::failed:
              ++report.batches_failed;
              ++progress.batches_failed;
              progress.source_rows_done += planned_rows_of(r->number);
              report.errors.push_back(r->error);
              if (opt.fail_fast) stop_scheduling = halted = true;
              break;
            case BatchOutcome::lost:
              ++taken_elsewhere;
              if (queue.lost_tells_news(r->number)) {
                // Another runner is here: go where it is not (see batch_queue.hpp). A store
                // that does not answer leaves the order as it was.
                try {
                  queue.respread(store().pending_numbers(def.name));
                } catch (const Error& e) {
                  if (!e.transient()) throw;
                }
              }
              break;
            case BatchOutcome::cancelled:
              break;
            case BatchOutcome::no_slot: {
              queue.give_back(r->number);
              const int now_connected = std::max(1, connected_workers.load());
              if (!r->error.empty() && now_connected < slot_limit) {
                const std::string line = "going on with " + std::to_string(now_connected) +
                                         (now_connected == 1 ? " worker" : " workers") +
                                         ": the server refused another connection (" + r->error + ")";
                emit({{}, "workers capped", def.name, {}, r->number, 0, line}, def.name + ": " + line);
              }
              // Connections come back when a parked worker reconnects later.
              slot_limit = std::max(now_connected, r->error.empty() ? slot_limit : now_connected);
              break;
            }
          }
          slot_limit = std::max(slot_limit, connected_workers.load());  // a parked worker reconnected
          progress.retries += r->retries;
        }
      }
      auto now = Clock::now();
      if (now - last_heartbeat >= heartbeat_every) {
        last_heartbeat = now;
        heartbeat();
      }
      if (now - last_progress >= std::chrono::milliseconds(100)) {
        last_progress = now;
        flush_events(def.name);
        progress.seconds = std::chrono::duration<double>(now - t0).count();
        progress.breaker = breaker_summary();
        if (opt.on_progress) opt.on_progress(progress);
        write_metrics(false);
      }
    }
    pool.join();
  }
  write_metrics(true);
  report.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  progress.seconds = report.seconds;
  progress.breaker = breaker_summary();
  flush_events(def.name);

  checkpoint::BatchCounts after;
  try {
    store().add_elapsed(def.name, report.seconds);
    after = store().counts(def.name);
    if (!store().migration(def.name) || after.total != before.total) {
      // Its checkpoint rows were deleted under it (`reset` from a process that did not
      // see this one): what is left is unknown, and must never pass for "done".
      throw Error(ErrorKind::conflict, "the checkpoint rows of " + def.name + " changed while this run held it (" +
                                           std::to_string(before.total) + " batches planned, " +
                                           std::to_string(after.total) + " found now: reset by another process?); "
                                           "check the target, then run again");
    }
    store().unregister_runner(owner);
  } catch (const Error& e) {
    if (!e.transient() || !stop.stop_requested()) throw;
    // Stopped because the database is gone: report what this run saw; the store is
    // consistent (each batch committed with its mark, or not at all).
    report.state = "interrupted";
    progress.finished = true;
    if (opt.on_progress) opt.on_progress(progress);
    return report;
  }
  report.batches_total = after.total;
  report.batches_done = after.done;
  report.batches_failed = after.failed;
  if (after.done == after.total) {
    report.state = "done";
    if (def.kind == MigrationKind::copy || def.kind == MigrationKind::transform) {
      // The application's next INSERT must not meet a sequence still at its start.
      db::Transaction tx(*target);
      target->lock_setup();
      for (const auto& line : target->advance_sequences(def.target_table, migrate::target_columns(def))) {
        emit({{}, "sequence advanced", def.name, {}, 0, 0, line}, def.name + ": " + line);
      }
      tx.commit();
    }
    store().set_status(def.name, checkpoint::MigrationStatus::done);
  } else if (after.failed > 0 && after.pending == 0 && after.running == 0) {
    report.state = "failed";
    store().set_status(def.name, checkpoint::MigrationStatus::failed);
  } else if (stop.stop_requested()) {
    report.state = "interrupted";
  } else if (after.failed > 0 || (opt.max_rejects >= 0 && rejects_total > opt.max_rejects)) {
    report.state = "failed";  // --fail-fast or --max-rejects left batches pending
  } else {
    report.state = "incomplete";  // another runner still holds batches
  }
  progress.finished = true;
  if (opt.on_progress) opt.on_progress(progress);
  return report;
}

void Runner::Impl::write_metrics(bool force) {
  if (opt.metrics_file.empty()) return;
  const auto now = Clock::now();
  if (!force && now - metrics_written < std::chrono::seconds(2)) return;
  metrics_written = now;
  for (const auto& [id, b] : breakers) metrics.breaker(b->endpoint(), b->state() != exec::CircuitBreaker::State::closed);
  std::string why = metrics.write(opt.metrics_file);
  if (!why.empty() && !metrics_failure_told) {
    metrics_failure_told = true;
    emit({{}, "metrics not written", {}, {}, 0, 0, why}, "metrics not written: " + why);
  }
}

}  // namespace rowshift

