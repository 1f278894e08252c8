#include "run/batch_task.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>

#include "checkpoint/row_json.hpp"
#include "run/commit_group.hpp"
#include "run/guarded_database.hpp"

namespace rowshift {
namespace {

using Clock = std::chrono::steady_clock;

// Test seam for the fencing tests (tests/issues/issue13_fence_test.cpp): with
// ROWSHIFT_TEST_STOP_BEFORE_WRITE=N in the environment, the process stops itself
// (SIGSTOP) once, after reading batch N and before writing it: a runner frozen in the
// worst place, holding a stale copy of the rows.
void maybe_stop_before_write(std::int64_t batch) {
  static const std::int64_t at = [] {
    const char* v = std::getenv("ROWSHIFT_TEST_STOP_BEFORE_WRITE");
    return v ? std::atoll(v) : 0;
  }();
  static std::atomic<bool> stopped{false};
  if (at == batch && !stopped.exchange(true)) ::raise(SIGSTOP);
}

}  // namespace

BatchTask::BatchTask(const MigrationDef& def, const RunOptions& opt, Runner::Impl& ctx, std::stop_token stop,
                     std::atomic<bool>& halted, exec::Channel<BatchOutcome>& results)
    : def_(def),
      opt_(opt),
      ctx_(ctx),
      stop_(std::move(stop)),
      halted_(halted),
      results_(results),
      policy_(opt.max_attempts, opt.backoff_base, opt.backoff_cap),
      owner_(ctx.owner) {}

void BatchTask::run_group(WorkerState& ws, const std::vector<checkpoint::BatchRecord>& group) const {
  if (group.size() == 1 || !ctx_.store_is_target) {
    for (std::size_t i = 0; i < group.size(); ++i) run(ws, group[i], i + 1 == group.size());
    return;
  }
  const auto t0 = Clock::now();
  if (stop_.stop_requested() || halted_ || (!ws.connected && Clock::now() < ws.parked_until)) {
    // run() says why for each: cancelled, or no connection slot.
    for (std::size_t i = 0; i < group.size(); ++i) run(ws, group[i], i + 1 == group.size());
    return;
  }
  migrate::GroupResult result;
  try {
    const migrate::Connections c = connect(ws);
    checkpoint::CheckpointStore store(*c.store);
    std::vector<plan::KeyRange> ranges;
    std::vector<std::int64_t> numbers;
    for (const auto& b : group) {
      ranges.push_back(b.range);
      numbers.push_back(b.number);
    }
    const auto lease = static_cast<int>(opt_.lease.count());
    migrate::GroupHooks hooks;
    hooks.max_bytes = CommitGroup::kMaxGroupBytes;
    hooks.claim = [&](std::size_t taken) {
      std::vector<std::size_t> ours;
      numbers.resize(taken);
      const auto claimed = store.claim_group(def_.name, numbers, owner_, lease);
      for (std::size_t i = 0; i < numbers.size(); ++i) {
        if (std::binary_search(claimed.begin(), claimed.end(), numbers[i])) ours.push_back(i);
      }
      return ours;
    };
    hooks.commit = [&](db::Transaction& tx, const std::vector<std::pair<std::size_t, std::int64_t>>& rows) {
      std::vector<std::pair<std::int64_t, std::int64_t>> marks;
      for (const auto& [i, n] : rows) marks.emplace_back(numbers[i], n);
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
      store.mark_group_done_and_commit(tx, def_.name, marks, owner_, ms / static_cast<std::int64_t>(rows.size()));
    };
    result = migrate::run_group(def_, ranges, c, hooks);
  } catch (const std::exception& e) {
    // A lock held past --lock-timeout stops the run as it does for one batch: its batches
    // must not wait for the lock once more each (run() finds the stop and gives them back).
    if (const auto* err = dynamic_cast<const Error*>(&e); err && err->limit() == ErrorLimit::lock_wait) {
      stop_for_lock(*err);
    }
    // Rolled back: nothing of the group was written. Each batch now runs alone, with its
    // own attempts, retries and quarantine, as if the group had never been tried; their
    // outcomes say so, for the coordinator's grouping (run/commit_group.hpp).
    for (std::size_t i = 0; i < group.size(); ++i) run(ws, group[i], i + 1 == group.size(), true);
    return;
  }
  // Each batch's share of the group's time, for its duration and the histogram.
  const std::size_t taken = result.taken;
  const double share = std::chrono::duration<double>(Clock::now() - t0).count() / static_cast<double>(taken);
  std::vector<bool> done(taken, false);
  for (const auto& [i, n] : result.written) done[i] = true;
  std::size_t k = 0;
  for (std::size_t i = 0; i < taken; ++i) {
    BatchOutcome out;
    out.number = group[i].number;
    out.started = t0;
    out.ends_task = i + 1 == group.size();
    if (done[i]) out.rows = result.written[k++].second;
    out.state = done[i] ? BatchOutcome::done : BatchOutcome::lost;  // another runner holds or finished it
    out.seconds = share;
    results_.push(std::move(out));
  }
  // The batches the group left out (their rows would have taken it past its memory bound).
  for (std::size_t i = taken; i < group.size(); ++i) run(ws, group[i], i + 1 == group.size());
}

void BatchTask::stop_for_lock(const Error& e) const {
  // Another process holds the file's write lock past --lock-timeout: every batch would
  // wait as long. Stop the run (resumable) rather than fail batches.
  {
    std::lock_guard<std::mutex> guard(ctx_.lock_timeout_mu);
    if (ctx_.lock_timeout_reason.empty()) ctx_.lock_timeout_reason = e.what();
  }
  ctx_.stop.request_stop();
}

migrate::Connections BatchTask::connect(WorkerState& ws) const {
  open(ws);
  if (!ws.connected) {
    ws.connected = true;
    ++ctx_.connected_workers;
  }
  return ws.connections();
}

void BatchTask::run(WorkerState& ws, const checkpoint::BatchRecord& batch, bool ends_task,
                    bool split_from_group) const {
  BatchOutcome out;
  out.number = batch.number;
  out.started = Clock::now();
  out.ends_task = ends_task;
  out.split_from_group = split_from_group;
  if (stop_.stop_requested() || halted_) return finish(out, BatchOutcome::cancelled);
  if (!ws.connected && Clock::now() < ws.parked_until) return finish(out, BatchOutcome::no_slot);
  std::unique_ptr<checkpoint::CheckpointStore> store;
  std::optional<BatchClaim> claim;  // once the worker's connections are open
  migrate::Connections c;
  // Ends the batch unfinished: its claim (if any) is given back for the next run.
  auto cancelled = [&] {
    if (claim) claim->release();
    return finish(out, BatchOutcome::cancelled);
  };
  // Attempts lost to an unreachable database do not count, but only for as long as
  // an outage may last: past that, transient errors fail the batch as usual.
  const auto give_up_excusing = Clock::now() + opt_.max_outage;
  int outages_before = -1;  // ws.outages() when this batch's attempts began
  for (int attempt = 1;; ++attempt) {
    try {
      if (!claim) {
        c = connect(ws);
        store = std::make_unique<checkpoint::CheckpointStore>(*c.store);
        claim.emplace(*store, *c.target, c.same_store(), def_.name, batch.number, owner_,
                      static_cast<int>(opt_.lease.count()));
      }
      if (outages_before < 0) outages_before = ws.outages();
      auto t0 = Clock::now();
      auto ms = [t0] { return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count(); };
      if (!claim->take()) return finish(out, BatchOutcome::lost);
      migrate::TransactionHooks hooks = claim->hooks(nullptr, ms);
      hooks.before_begin = [&batch] { maybe_stop_before_write(batch.number); };
      auto rows = migrate::run_batch(def_, batch.range, c, hooks);
      if (!rows) return lost(*claim, batch, out);
      out.rows = *rows;
      if (!claim->committed(out.rows, ms())) return finish(out, BatchOutcome::lost);
      return finish(out, BatchOutcome::done);
    } catch (const Error& e) {
      std::string msg = context(batch) + e.what();
      if (e.limit() == ErrorLimit::connection_slots && !claim) {
        // Other workers have their connections: this one gives its batch (unclaimed) back
        // and its half-open connections up, and tries again later.
        ws.target.reset();
        ws.source.reset();
        ws.store.reset();
        ws.parked_until = Clock::now() + std::chrono::seconds(30);
        out.error = e.what();
        return finish(out, BatchOutcome::no_slot);
      }
      if (e.limit() == ErrorLimit::lock_wait) {
        stop_for_lock(e);
        return cancelled();
      }
      if (e.kind() == ErrorKind::cancelled) return cancelled();  // stop requested, or --max-outage passed
      const bool excusable = e.transient() && Clock::now() < give_up_excusing;
      if (excusable && ws.breaker_engaged()) {
        // The endpoint is down, not the batch: the attempt does not count, and the
        // breaker (not a backoff) paces the next one.
        --attempt;
        ++out.retries;
        continue;
      }
      if (excusable && !policy_.should_retry(e, attempt) &&
          (!claim || !ws.endpoints_answer() || (outages_before >= 0 && ws.outages() > outages_before))) {
        // Out of attempts, but the database cannot even be connected to, or does not
        // answer a ping, or an outage began and ended while this batch was failing: it
        // is the database, not this batch. Keep the last attempt and let the breaker
        // (or the outage limit) decide, rather than mark the batch failed.
        outages_before = ws.outages();  // the same outage excuses once
        --attempt;
        ++out.retries;
        if (exec::sleep_for(policy_.delay(attempt, ws.rng), stop_)) continue;
        return cancelled();
      }
      if (policy_.should_retry(e, attempt)) {
        ++out.retries;
        if (claim) claim->note_retry("attempt " + std::to_string(attempt) + ": " + msg);
        if (exec::sleep_for(policy_.delay(attempt, ws.rng), stop_)) continue;
        return cancelled();
      }
      out.error = msg;
    } catch (const std::exception& e) {
      out.error = context(batch) + e.what();
    }
    if (opt_.quarantine_bad_rows && claim) {
      // A row-level permanent error: set the bad rows aside, commit the others.
      try {
        if (quarantine(batch, c, *store, *claim, out)) return finish(out, BatchOutcome::done);
        return lost(*claim, batch, out);
      } catch (const std::exception& e) {
        out.error = context(batch) + "while quarantining: " + e.what();
      }
    }
    // The batch's row already names the batch and its range (status prints them): its
    // error is the cause alone, not "batch N of NAME (range): cause" again.
    std::string cause = out.error;
    if (cause.rfind(context(batch), 0) == 0) cause = cause.substr(context(batch).size());
    if (claim) claim->fail(cause);
    return finish(out, BatchOutcome::failed);
  }
}

bool BatchTask::quarantine(const checkpoint::BatchRecord& batch, const migrate::Connections& c,
                           checkpoint::CheckpointStore& store, BatchClaim& claim, BatchOutcome& out) const {
  std::vector<migrate::Reject> rejects;
  auto t0 = Clock::now();
  auto ms = [t0] { return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count(); };
  auto record = [&] {
    for (const auto& r : rejects) {
      std::vector<std::string> names;
      Values row = migrate::source_row(def_, r.key, c, names);
      store.add_reject(def_.name, batch.number, r.key, r.range, r.error, checkpoint::row_to_json(names, row));
    }
  };
  // The claim (store = target), rejects, rows and the done mark commit together; with
  // the store elsewhere, the claim the failed attempt made (still ours) passes the fence.
  migrate::TransactionHooks hooks = claim.hooks(claim.in_target_transaction() ? std::function<void()>(record) : nullptr, ms);
  auto rows = migrate::run_batch_quarantining(def_, batch.range, c, rejects, hooks);
  if (!rows) return false;
  out.rows = *rows;
  if (!claim.in_target_transaction()) record();
  if (!claim.committed(out.rows, ms())) return false;
  out.rejects = static_cast<std::int64_t>(rejects.size());
  out.error.clear();
  return true;
}

void BatchTask::lost(const BatchClaim& claim, const checkpoint::BatchRecord& batch, BatchOutcome& out) const {
  if (claim.state() == BatchClaim::State::fenced) report_fenced(batch, claim.epoch().value_or(0), out);
  finish(out, BatchOutcome::lost);
}

void BatchTask::report_fenced(const checkpoint::BatchRecord& batch, std::int64_t epoch, BatchOutcome& out) const {
  out.fenced = true;
  ctx_.events.push({checkpoint::now_utc_us(), "target " + ctx_.target_url.redacted(), "lease lost",
                    context(batch) + "this runner's claim (epoch " + std::to_string(epoch) +
                        ") was taken over while it was paused; the target refused its writes, which were rolled back"});
}

void BatchTask::open(WorkerState& ws) const {
  if (!ws.target) {
    ws.target = open_guarded(ctx_.target_url, ws);
    // Store = target: this connection commits nothing but batches, each with its own done
    // mark, so a commit that a server crash loses is a batch that is pending again, and
    // is run again (db/database.hpp). With the store elsewhere the done mark commits
    // apart from the rows, and the target's commits stay synchronous.
    if (ctx_.store_is_target && !opt_.synchronous_batches) ws.target->relax_commit_durability();
  }
  if (!ctx_.source_is_target(def_) && !ws.source) ws.source = open_guarded(ctx_.source_url(def_), ws);
  if (!ctx_.store_is_target && !ws.store) ws.store = open_guarded(ctx_.store_url, ws);
}

std::unique_ptr<db::Database> BatchTask::open_guarded(const db::DbUrl& url, WorkerState& ws) const {
  exec::CircuitBreaker& breaker = *ctx_.breakers.at(url.identity());  // created by the coordinator
  // The worker depends on this endpoint from its first try on: a worker whose first
  // connection meets an outage must see the open breaker and wait behind it, not spend
  // its batch's attempts on the outage.
  if (std::find(ws.breakers.begin(), ws.breakers.end(), &breaker) == ws.breakers.end()) ws.breakers.push_back(&breaker);
  breaker.before_call(stop_);
  std::unique_ptr<db::Database> db;
  try {
    db = db::open_database(url);
  } catch (const Error& e) {
    if (e.limit() == ErrorLimit::connection_slots && ctx_.connected_workers > 0) {
      // The server answers, it is only full: back-pressure on the worker count, not an
      // outage. (With no worker connected at all it is an outage like any other.)
      breaker.on_success();
      throw Error(ErrorKind::transient, e.what(), e.limit());
    }
    breaker.on_transient_failure();
    throw Error(ErrorKind::transient, e.what());
  }
  breaker.on_success();
  return std::make_unique<GuardedDatabase>(std::move(db), breaker, stop_);
}

std::string BatchTask::context(const checkpoint::BatchRecord& b) const {
  return "batch " + std::to_string(b.number) + " of " + def_.name + " " + b.range.describe() + ": ";
}

void BatchTask::finish(BatchOutcome& out, BatchOutcome::State s) const {
  out.state = s;
  out.seconds = std::chrono::duration<double>(Clock::now() - out.started).count();
  if (s == BatchOutcome::failed && opt_.fail_fast) halted_ = true;
  results_.push(std::move(out));
}

}  // namespace rowshift
