// Runs a planned migration's pending batches on the worker pool.
//
// The calling thread is the coordinator: it feeds batches into the pool's bounded queue,
// collects outcomes from the results channel, reports progress and decides when to stop.
// Workers never print; each owns its connections (indexed by worker number).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <random>

#include "exec/channel.hpp"
#include "exec/retry_policy.hpp"
#include "exec/worker_pool.hpp"
#include "migrate/batch_executor.hpp"
#include "run/batch_queue.hpp"
#include "run/context.hpp"
#include "checkpoint/row_json.hpp"
#include "run/guarded_database.hpp"

namespace rowshift {
namespace {

using Clock = std::chrono::steady_clock;

struct BatchOutcome {
  enum State { done, failed, cancelled, lost } state = done;
  std::int64_t number = 0;
  std::int64_t rows = 0;
  std::int64_t rejects = 0;
  int retries = 0;
  std::string error;
};

// Asked of a database to tell "the database is down" from "this batch keeps failing".
constexpr const char* kPing = "SELECT 1 AS rowshift_ping";

// A batch whose claim another runner took over while we worked on it.
struct ClaimLost {};

struct WorkerState {
  std::unique_ptr<db::Database> target, source, store;
  std::vector<exec::CircuitBreaker*> breakers;  // of the endpoints above
  std::mt19937_64 rng{std::random_device{}()};
  bool breaker_engaged() const {
    for (auto* b : breakers) {
      if (b->state() != exec::CircuitBreaker::State::closed) return true;
    }
    return false;
  }
  // How often this worker's breakers have opened, all told.
  int outages() const {
    int n = 0;
    for (auto* b : breakers) n += b->times_opened();
    return n;
  }
  // Pings every connection (through its breaker). False when one fails transiently.
  bool endpoints_answer() const {
    for (db::Database* db : {target.get(), source.get(), store.get()}) {
      if (!db) continue;
      try {
        db->query(kPing, {}, [](Values&) { return false; });
      } catch (const Error& e) {
        if (e.transient()) return false;
      }
    }
    return true;
  }
  migrate::Connections connections() const {
    migrate::Connections c;
    c.target = target.get();
    c.source = source ? source.get() : target.get();
    c.store = store ? store.get() : target.get();
    return c;
  }
};

class BatchTask {
 public:
  BatchTask(const MigrationDef& def, const RunOptions& opt, Runner::Impl& ctx, std::stop_token stop,
            std::atomic<bool>& halted, exec::Channel<BatchOutcome>& results)
      : def_(def), opt_(opt), ctx_(ctx), stop_(std::move(stop)), halted_(halted), results_(results),
        policy_(opt.max_attempts, opt.backoff_base, opt.backoff_cap), owner_(ctx.owner) {}

  void run(WorkerState& ws, const checkpoint::BatchRecord& batch) const {
    BatchOutcome out;
    out.number = batch.number;
    if (stop_.stop_requested() || halted_) return finish(out, BatchOutcome::cancelled);
    std::unique_ptr<checkpoint::CheckpointStore> store_holder;
    auto store = [&]() -> checkpoint::CheckpointStore& { return *store_holder; };
    migrate::Connections c;
    // Whether this batch's claims commit with its rows (store = target) or on their own.
    auto claims_in_tx = [&] { return store_holder && c.same_store(); };
    auto claims_apart = [&] { return store_holder && !c.same_store(); };
    // Attempts lost to an unreachable database do not count, but only for as long as
    // an outage may last: past that, transient errors fail the batch as usual.
    const auto give_up_excusing = Clock::now() + opt_.max_outage;
    int outages_before = -1;  // ws.outages() when this batch's attempts began
    for (int attempt = 1;; ++attempt) {
      try {
        if (!store_holder) {
          open(ws);
          c = ws.connections();
          store_holder = std::make_unique<checkpoint::CheckpointStore>(*c.store);
        }
        if (outages_before < 0) outages_before = ws.outages();
        auto t0 = Clock::now();
        auto ms = [&] { return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count(); };
        migrate::TransactionHooks hooks;
        if (c.same_store()) {
          // One transaction: claim, rows, done mark (see checkpoint/store.hpp).
          in_transaction_claim(store(), batch, hooks, ms, [] {});
        } else if (!claim(store(), batch)) {
          return finish(out, BatchOutcome::lost);
        }
        out.rows = migrate::run_batch(def_, batch.range, c, hooks);
        if (!c.same_store() && !store().mark_done(def_.name, batch.number, owner_, out.rows, ms())) {
          return finish(out, BatchOutcome::lost);
        }
        return finish(out, BatchOutcome::done);
      } catch (const ClaimLost&) {
        return finish(out, BatchOutcome::lost);
      } catch (const Error& e) {
        std::string msg = context(batch) + e.what();
        if (e.kind() == ErrorKind::cancelled) {  // stop requested, or --max-outage passed
          if (claims_apart()) best_effort([&] { store().release(def_.name, batch.number, owner_); });
          return finish(out, BatchOutcome::cancelled);
        }
        const bool excusable = e.transient() && Clock::now() < give_up_excusing;
        if (excusable && ws.breaker_engaged()) {
          // The endpoint is down, not the batch: the attempt does not count, and the
          // breaker (not a backoff) paces the next one.
          --attempt;
          ++out.retries;
          continue;
        }
        if (excusable && !policy_.should_retry(e, attempt) &&
            (!ws.endpoints_answer() || (outages_before >= 0 && ws.outages() > outages_before))) {
          // Out of attempts, but the database does not even answer a ping, or an outage
          // began and ended while this batch was failing: it is the database, not this
          // batch. Keep the last attempt and let the breaker (or the outage limit)
          // decide, rather than mark the batch failed.
          outages_before = ws.outages();  // the same outage excuses once
          --attempt;
          ++out.retries;
          if (exec::sleep_for(policy_.delay(attempt, ws.rng), stop_)) continue;
          if (claims_apart()) best_effort([&] { store().release(def_.name, batch.number, owner_); });
          return finish(out, BatchOutcome::cancelled);
        }
        if (policy_.should_retry(e, attempt)) {
          ++out.retries;
          std::string note = "attempt " + std::to_string(attempt) + ": " + msg;
          // A claim made inside the rolled-back transaction took its attempt count along.
          if (claims_in_tx()) best_effort([&] { store().count_failed_attempt(def_.name, batch.number, note); });
          if (claims_apart()) best_effort([&] { store().note_error(def_.name, batch.number, note); });
          if (exec::sleep_for(policy_.delay(attempt, ws.rng), stop_)) continue;
          if (claims_apart()) best_effort([&] { store().release(def_.name, batch.number, owner_); });
          return finish(out, BatchOutcome::cancelled);
        }
        out.error = msg;
      } catch (const std::exception& e) {
        out.error = context(batch) + e.what();
      }
      if (opt_.quarantine_bad_rows && store_holder) {
        // A row-level permanent error: set the bad rows aside, commit the others.
        try {
          if (quarantine(batch, c, store(), out)) return finish(out, BatchOutcome::done);
          return finish(out, BatchOutcome::lost);
        } catch (const std::exception& e) {
          out.error = context(batch) + "while quarantining: " + e.what();
        }
      }
      if (claims_in_tx()) best_effort([&] { store().mark_failed_unclaimed(def_.name, batch.number, out.error); });
      if (claims_apart()) best_effort([&] { store().mark_failed(def_.name, batch.number, owner_, out.error); });
      return finish(out, BatchOutcome::failed);
    }
  }

 private:
  // Bisects the batch; records each failing row with its error and data. Returns false
  // when the claim was lost meanwhile.
  bool quarantine(const checkpoint::BatchRecord& batch, const migrate::Connections& c, checkpoint::CheckpointStore& store,
                  BatchOutcome& out) const {
    std::vector<migrate::Reject> rejects;
    auto t0 = Clock::now();
    auto ms = [&] { return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count(); };
    auto record = [&] {
      for (const auto& r : rejects) {
        std::vector<std::string> names;
        Values row = migrate::source_row(def_, r.key, c, names);
        store.add_reject(def_.name, batch.number, r.key, r.range, r.error, checkpoint::row_to_json(names, row));
      }
    };
    migrate::TransactionHooks hooks;
    // The claim, rejects, rows and the done mark commit together.
    if (c.same_store()) in_transaction_claim(store, batch, hooks, ms, record);
    try {
      out.rows = migrate::run_batch_quarantining(def_, batch.range, c, rejects, hooks);
    } catch (const ClaimLost&) {
      return false;
    }
    if (!c.same_store()) {
      record();
      if (!store.mark_done(def_.name, batch.number, owner_, out.rows, ms())) return false;
    }
    out.rejects = static_cast<std::int64_t>(rejects.size());
    out.error.clear();
    return true;
  }

  // Puts the claim and the done mark into the batch's transaction (store = target). The
  // claim comes first, so that a batch another runner has done (or, on PostgreSQL, is
  // writing) is given up before anything is written.
  template <typename Ms, typename Before>
  void in_transaction_claim(checkpoint::CheckpointStore& store, const checkpoint::BatchRecord& batch,
                            migrate::TransactionHooks& hooks, Ms& ms, Before before) const {
    hooks.after_begin = [this, &store, &batch] {
      if (!claim(store, batch)) throw ClaimLost{};
    };
    hooks.before_commit = [before](std::int64_t) { before(); };
    hooks.commit = [this, &store, &batch, &ms](db::Transaction& tx, std::int64_t rows) {
      store.mark_done_and_commit(tx, def_.name, batch.number, owner_, rows, ms());
    };
  }

  bool claim(checkpoint::CheckpointStore& store, const checkpoint::BatchRecord& batch) const {
    return store.claim(def_.name, batch.number, owner_, static_cast<int>(opt_.lease.count()));
  }

  // Opens the worker's connections, each behind its endpoint's breaker. The coordinator
  // has reached every endpoint already, so a failure here is an outage (transient).
  void open(WorkerState& ws) const {
    if (!ws.target) ws.target = open_guarded(ctx_.target_url, ws);
    if (!ctx_.source_is_target(def_) && !ws.source) ws.source = open_guarded(ctx_.source_url(def_), ws);
    if (!ctx_.store_is_target && !ws.store) ws.store = open_guarded(ctx_.store_url, ws);
  }
  std::unique_ptr<db::Database> open_guarded(const db::DbUrl& url, WorkerState& ws) const {
    exec::CircuitBreaker& breaker = *ctx_.breakers.at(url.identity());  // created by the coordinator
    breaker.before_call(stop_);
    std::unique_ptr<db::Database> db;
    try {
      db = db::open_database(url);
    } catch (const Error& e) {
      breaker.on_transient_failure();
      throw Error(ErrorKind::transient, e.what());
    }
    breaker.on_success();
    if (std::find(ws.breakers.begin(), ws.breakers.end(), &breaker) == ws.breakers.end()) ws.breakers.push_back(&breaker);
    return std::make_unique<GuardedDatabase>(std::move(db), breaker, stop_);
  }
  std::string context(const checkpoint::BatchRecord& b) const {
    return "batch " + std::to_string(b.number) + " of " + def_.name + " " + b.range.describe() + ": ";
  }
  template <typename F>
  static void best_effort(F&& f) {
    try {
      f();
    } catch (...) {  // the store is unreachable too; the next run's release_dead repairs it
    }
  }
  void finish(BatchOutcome& out, BatchOutcome::State s) const {
    out.state = s;
    if (s == BatchOutcome::failed && opt_.fail_fast) halted_ = true;
    results_.push(std::move(out));
  }

  const MigrationDef& def_;
  const RunOptions& opt_;
  Runner::Impl& ctx_;
  std::stop_token stop_;
  std::atomic<bool>& halted_;  // --fail-fast: set by the first failure; queued batches must not start
  exec::Channel<BatchOutcome>& results_;
  exec::RetryPolicy policy_;
  std::string owner_;
};

}  // namespace

int Runner::Impl::workers_for(const MigrationDef& def) const {
  // A SQLite file has one writer. When each batch is one statement inside the target
  // file (an update, a copy within the file or from an attached SQLite file), nothing
  // happens outside the write lock, so more workers only take turns, each with its own
  // page cache to re-read: one connection is faster (bench: 1.2x over 4 workers).
  if (target_url.scheme != db::Scheme::sqlite) return opt.workers;
  const bool one_statement = def.kind == MigrationKind::update ||
                             (def.kind == MigrationKind::copy &&
                              (source_is_target(def) ||
                               (source_url(def).scheme == db::Scheme::sqlite && !source_url(def).is_memory())));
  if (one_statement) return 1;
  // Otherwise one worker writes while the others read and transform the next batches;
  // past one per core, readers only take CPU from the writer that everyone waits on
  // (bench, C++ transform on 2 cores: 4 workers 1.97-2.27 s, 2 workers 1.73-1.97 s).
  return std::min(opt.workers, exec::WorkerPool::cores());
}

MigrationReport Runner::Impl::run_batches(const MigrationDef& def, const checkpoint::MigrationRecord& rec) {
  MigrationReport report;
  report.name = def.name;
  report.kind = def.kind;
  BatchQueue queue(store().batches(def.name, "pending"));
  auto before = store().counts(def.name);
  report.batches_total = before.total;

  Progress progress;
  progress.migration = def.name;
  progress.batches_total = before.total;
  progress.batches_done = before.done;
  progress.batches_failed = before.failed;
  progress.rows_before = before.rows;
  progress.rows_estimated = rec.planned_rows;

  // Breakers exist before any worker looks one up (workers never insert).
  breaker_for(target_url);
  breaker_for(source_url(def));
  breaker_for(store_url);

  exec::Channel<BatchOutcome> results;
  const int worker_count = workers_for(def);
  std::vector<WorkerState> workers(static_cast<std::size_t>(worker_count));
  std::atomic<bool> halted{false};
  BatchTask task(def, opt, *this, stop.get_token(), halted, results);
  const auto t0 = Clock::now();
  auto last_progress = t0 - std::chrono::seconds(1);
  std::size_t offered = 0, in_flight = 0, taken_elsewhere = 0;
  bool stop_scheduling = false;
  std::int64_t rejects_total = store().reject_count(def.name);
  const double rows_per_batch = rec.batch_size > 0 ? static_cast<double>(rec.batch_size) : 1000.0;
  {
    exec::WorkerPool pool(worker_count, static_cast<std::size_t>(worker_count));
    while (!queue.empty() || in_flight > 0) {
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
      if (!stop_scheduling && !throttled && !queue.empty()) {
        const checkpoint::BatchRecord* b = &queue.front();
        submitted = pool.submit_for([&task, &workers, b](int w) { task.run(workers[static_cast<std::size_t>(w)], *b); },
                                    std::chrono::milliseconds(0));
        if (submitted) {
          queue.pop();
          ++offered;
          ++in_flight;
        }
      }
      if (!submitted) {
        if (in_flight == 0 && (stop_scheduling || queue.empty())) break;
        if (auto r = results.pop_for(std::chrono::milliseconds(throttled ? 5 : 50))) {
          --in_flight;
          switch (r->state) {
            case BatchOutcome::done:
              ++report.batches_done;
              ++progress.batches_done;
              report.rows += r->rows;
              progress.rows_done += r->rows;
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
          }
          progress.retries += r->retries;
        }
      }
      auto now = Clock::now();
      if (now - last_progress >= std::chrono::milliseconds(100)) {
        last_progress = now;
        flush_events(def.name);
        progress.seconds = std::chrono::duration<double>(now - t0).count();
        progress.breaker = breaker_summary();
        if (opt.on_progress) opt.on_progress(progress);
      }
    }
    pool.join();
  }
  report.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  progress.seconds = report.seconds;
  progress.breaker = breaker_summary();
  flush_events(def.name);

  checkpoint::BatchCounts after;
  try {
    store().add_elapsed(def.name, report.seconds);
    after = store().counts(def.name);
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
    store().set_status(def.name, "done");
  } else if (after.failed > 0 && after.pending == 0 && after.running == 0) {
    report.state = "failed";
    store().set_status(def.name, "failed");
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

}  // namespace rowshift

namespace rowshift {

exec::CircuitBreaker& Runner::Impl::breaker_for(const db::DbUrl& url) {
  auto& slot = breakers[url.identity()];
  if (!slot) {
    exec::CircuitBreaker::Options o;
    o.failure_threshold = opt.breaker_threshold;
    o.cooldown = opt.breaker_cooldown;
    o.max_outage = opt.max_outage;
    std::string label = url.identity() == target_url.identity() ? "target" : url.identity() == store_url.identity() ? "store" : "source";
    slot = std::make_unique<exec::CircuitBreaker>(
        label + " " + url.redacted(), o,
        [this](const std::string& endpoint, exec::CircuitBreaker::State s, const std::string& detail) {
          events.push({checkpoint::now_utc_us(), endpoint, std::string("breaker ") + exec::to_string(s), detail});
        });
  }
  return *slot;
}

void Runner::Impl::flush_events(const std::string& migration) {
  while (auto e = events.pop_for(std::chrono::milliseconds(0))) {
    if (opt.on_event) opt.on_event(e->event + " (" + e->endpoint + "): " + e->detail);
    unsaved_events.push_back(std::move(*e));
  }
  if (unsaved_events.empty()) return;
  try {
    for (const auto& e : unsaved_events) store().add_event(migration, e.endpoint, e.event, e.detail);
    unsaved_events.clear();
  } catch (const Error&) {  // the store is down too; kept for the next flush
  }
}

std::string Runner::Impl::breaker_summary() const {
  std::string out;
  for (const auto& [id, b] : breakers) {
    if (b->state() == exec::CircuitBreaker::State::closed) continue;
    std::string label = b->endpoint().substr(0, b->endpoint().find(' '));
    out += (out.empty() ? "" : ", ") + label + " " + b->describe();
  }
  return out;
}

bool Runner::Impl::outage_exceeded() const {
  for (const auto& [id, b] : breakers) {
    if (b->outage_exceeded()) return true;
  }
  return false;
}

}  // namespace rowshift
