#include "run/endpoints.hpp"

#include <algorithm>

namespace rowshift {

Endpoints::Endpoints(const RunOptions& opt)
    : lock_timeout_(opt.lock_timeout), on_event_(opt.on_event), on_run_event_(opt.on_run_event) {
  breaker_options_.failure_threshold = opt.breaker_threshold;
  breaker_options_.cooldown = opt.breaker_cooldown;
  breaker_options_.max_outage = opt.max_outage;
}

void Endpoints::connect(const std::string& db_url, const std::string& store_url_text) {
  target_url = with_lock_timeout(db::parse_url(db_url));
  store_url = store_url_text.empty() ? target_url : with_lock_timeout(db::parse_url(store_url_text));
  store_is_target = store_url.identity() == target_url.identity();
  target = db::open_database(target_url);
  if (!store_is_target) store_conn = db::open_database(store_url);
}

db::DbUrl Endpoints::with_lock_timeout(db::DbUrl url) const {
  // A SQLite connection's busy timeout is its lock wait: --lock-timeout, unless the URL
  // sets its own (?timeout=MS).
  if (url.scheme == db::Scheme::sqlite && !url.params.count("timeout")) {
    url.params["timeout"] = std::to_string(std::max<long long>(1, lock_timeout_.count()));
  }
  return url;
}

db::DbUrl Endpoints::source_url(const MigrationDef& def) const {
  return def.source_db.empty() ? target_url : with_lock_timeout(db::parse_url_reference(def.source_db));
}

bool Endpoints::source_is_target(const MigrationDef& def) const {
  return def.source_db.empty() || source_url(def).identity() == target_url.identity();
}

std::unique_ptr<db::Database> Endpoints::open_source(const MigrationDef& def) const {
  db::DbUrl url = source_url(def);
  // rowshift only reads a source: a SQLite source file is opened read-only, so that no
  // statement, pragma or lock can change it (the target's file is the target's business).
  if (url.scheme == db::Scheme::sqlite && !url.is_memory() && !source_is_target(def)) url.params["mode"] = "ro";
  return db::open_database(url);
}

exec::CircuitBreaker& Endpoints::breaker_for(const db::DbUrl& url) {
  auto& slot = breakers[url.identity()];
  if (!slot) {
    std::string label = url.identity() == target_url.identity() ? "target" : url.identity() == store_url.identity() ? "store" : "source";
    slot = std::make_unique<exec::CircuitBreaker>(
        label + " " + url.redacted(), breaker_options_,
        [this](const std::string& endpoint, exec::CircuitBreaker::State s, const std::string& detail) {
          events.push({checkpoint::now_utc_us(), endpoint, std::string("breaker ") + exec::to_string(s), detail});
        });
  }
  return *slot;
}

void Endpoints::flush_events(const std::string& migration) {
  while (auto e = events.pop_for(std::chrono::milliseconds(0))) {
    RunEvent ev;
    ev.at = e->at;
    ev.event = e->event;
    ev.migration = migration;
    ev.endpoint = e->endpoint;
    ev.detail = e->detail;
    emit(ev, e->event + " (" + e->endpoint + "): " + e->detail);
    unsaved_events.push_back(std::move(*e));
  }
  if (unsaved_events.empty()) return;
  try {
    for (const auto& e : unsaved_events) store().add_event(migration, e.endpoint, e.event, e.detail);
    unsaved_events.clear();
  } catch (const Error&) {  // the store is down too; kept for the next flush
  }
}

std::string Endpoints::breaker_summary() const {
  std::string out;
  for (const auto& [id, b] : breakers) {
    if (b->state() == exec::CircuitBreaker::State::closed) continue;
    std::string label = b->endpoint().substr(0, b->endpoint().find(' '));
    out += (out.empty() ? "" : ", ") + label + " " + b->describe();
  }
  return out;
}

bool Endpoints::outage_exceeded() const {
  for (const auto& [id, b] : breakers) {
    if (b->outage_exceeded()) return true;
  }
  return false;
}

void Endpoints::emit(RunEvent event, const std::string& text) const {
  if (event.at.empty()) event.at = checkpoint::now_utc_us();
  if (on_event_ && !text.empty()) on_event_(text);
  if (on_run_event_) on_run_event_(event);
}

}  // namespace rowshift
