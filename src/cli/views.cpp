#include "cli/views.hpp"

#include <nlohmann/json.hpp>

#include "cli/format.hpp"

namespace rowshift::cli {

using cli::with_commas;

void print_plan(std::FILE* out, const std::vector<PlanEntry>& plan) {
  if (plan.empty()) std::fprintf(out, "no migrations found\n");
  for (const auto& e : plan) {
    std::fprintf(out, "%-32s %-9s %-8s %s\n", e.name.c_str(), to_string(e.kind), e.state.c_str(),
                 e.description.c_str());
    if (e.kind != MigrationKind::schema) {
      std::fprintf(out, "%-32s %s batches, %s rows", "", with_commas(e.batches).c_str(), with_commas(e.rows).c_str());
      if (!e.key_min.empty()) std::fprintf(out, ", keys %s .. %s", e.key_min.c_str(), e.key_max.c_str());
      std::fprintf(out, "\n");
    }
  }
}

void print_run(std::FILE* out, const RunReport& report) {
  if (report.migrations.empty()) std::fprintf(out, "nothing to run\n");
  for (const auto& m : report.migrations) {
    std::fprintf(out, "%s: %s", m.name.c_str(), m.state.c_str());
    if (m.kind != MigrationKind::schema) {
      std::fprintf(out, ", %s/%s batches done", with_commas(m.batches_done).c_str(),
                   with_commas(m.batches_total).c_str());
      if (m.batches_failed) std::fprintf(out, ", %s failed", with_commas(m.batches_failed).c_str());
      if (m.rejects) std::fprintf(out, ", %s rows quarantined", with_commas(m.rejects).c_str());
      if (m.replayed) std::fprintf(out, ", %s quarantined rows written", with_commas(m.replayed).c_str());
      if (m.rows || m.seconds > 0) {
        std::fprintf(out, ", %s rows in %.2fs", with_commas(m.rows).c_str(), m.seconds);
        if (m.seconds > 0) std::fprintf(out, " (%s rows/s)", cli::human_rate(static_cast<double>(m.rows) / m.seconds).c_str());
      }
    }
    std::fprintf(out, "\n");
    for (std::size_t i = 0; i < m.errors.size() && i < 10; ++i) std::fprintf(out, "  error: %s\n", m.errors[i].c_str());
    if (m.errors.size() > 10) std::fprintf(out, "  ... %zu more (rowshift status %s)\n", m.errors.size() - 10, m.name.c_str());
    if (m.rejects > 0) {
      std::fprintf(out, "  %lld rows quarantined: `rowshift rejects %s` lists them; fix the data, then `rowshift retry %s`\n",
                   static_cast<long long>(m.rejects), m.name.c_str(), m.name.c_str());
    }
    if (m.batches_failed > 0) {
      std::fprintf(out, "  %lld failed batches: `rowshift status %s` shows why, `rowshift retry %s` runs them again\n",
                   static_cast<long long>(m.batches_failed), m.name.c_str(), m.name.c_str());
    }
  }
  if (report.interrupted) {
    std::fprintf(out, "interrupted%s: run the same command again to resume\n",
                 report.stop_reason.empty() ? "" : (" (" + report.stop_reason + ")").c_str());
  }
}

void print_status(std::FILE* out, const std::vector<MigrationStatus>& status) {
  std::fprintf(out, "%-32s %-9s %-11s %21s %7s %12s %10s\n", "MIGRATION", "KIND", "STATE", "BATCHES done/total",
               "FAILED", "ROWS", "ROWS/S");
  for (const auto& s : status) {
    std::string batches = s.kind == MigrationKind::schema ? "-" : with_commas(s.batches_done) + "/" + with_commas(s.batches_total);
    std::fprintf(out, "%-32s %-9s %-11s %21s %7s %12s %10s\n", s.name.c_str(), to_string(s.kind), s.state.c_str(),
                 batches.c_str(), with_commas(s.batches_failed).c_str(), with_commas(s.rows).c_str(),
                 s.rows_per_second > 0 ? cli::human_rate(s.rows_per_second).c_str() : "-");
    for (const auto& e : s.events) {
      if (e.event.rfind("breaker ", 0) == 0 && e.event != "breaker closed") {
        std::fprintf(out, "  %s %s (%s): %s\n", e.at.c_str(), e.event.c_str(), e.endpoint.c_str(), e.detail.c_str());
        break;  // the latest breaker trouble is enough here; --json has the log
      }
    }
    for (const auto& e : s.events) {  // writes the target refused (fencing): each one
      if (e.event == "lease lost") std::fprintf(out, "  %s lease lost: %s\n", e.at.c_str(), e.detail.c_str());
    }
    // Who holds it: an operator looking for a paused process finds its host and pid here.
    auto lease = [&](std::int64_t until) {
      std::int64_t left = until - s.now;
      return left >= 0 ? "lease ends in " + std::to_string(left) + " s"
                       : "lease ran out " + std::to_string(-left) + " s ago";
    };
    for (const auto& r : s.runners) {
      std::fprintf(out, "  runner %s since %s, last heartbeat %s, %s\n", r.owner.c_str(), r.started_at.c_str(),
                   r.heartbeat_at.c_str(), lease(r.lease_until).c_str());
    }
    for (const auto& h : s.holds) {
      std::fprintf(out, "  batch %lld held by %s since %s, last heartbeat %s, %s\n", static_cast<long long>(h.batch),
                   h.owner.c_str(), h.claimed_at.c_str(), h.heartbeat_at.empty() ? "-" : h.heartbeat_at.c_str(),
                   lease(h.lease_until).c_str());
    }
    for (const auto& e : s.errors) {
      std::fprintf(out, "  batch %lld %s, %d attempt%s: %s\n", static_cast<long long>(e.batch), e.range.c_str(),
                   e.attempts, e.attempts == 1 ? "" : "s", e.error.c_str());
    }
    if (s.rejects > 0) {
      std::fprintf(out, "  %s rows quarantined: rowshift rejects %s\n", with_commas(s.rejects).c_str(), s.name.c_str());
    }
    if (s.state == "changed") {
      std::fprintf(out, "  definition changed since it started; `rowshift reset %s --yes` to start over\n", s.name.c_str());
    }
  }
}

void print_status_json(std::FILE* out, const std::vector<MigrationStatus>& status) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& s : status) {
    nlohmann::json events = nlohmann::json::array();
    for (const auto& e : s.events) {
      events.push_back({{"at", e.at}, {"endpoint", e.endpoint}, {"event", e.event}, {"detail", e.detail}});
    }
    nlohmann::json errors = nlohmann::json::array();
    for (const auto& e : s.errors) {
      errors.push_back({{"batch", e.batch}, {"range", e.range}, {"attempts", e.attempts}, {"error", e.error}});
    }
    nlohmann::json runners = nlohmann::json::array();
    for (const auto& r : s.runners) {
      runners.push_back({{"owner", r.owner}, {"started_at", r.started_at}, {"heartbeat_at", r.heartbeat_at},
                         {"lease_until", r.lease_until}, {"lease_seconds_left", r.lease_until - s.now}});
    }
    nlohmann::json holds = nlohmann::json::array();
    for (const auto& h : s.holds) {
      holds.push_back({{"batch", h.batch}, {"owner", h.owner}, {"claimed_at", h.claimed_at},
                       {"heartbeat_at", h.heartbeat_at}, {"lease_until", h.lease_until},
                       {"lease_seconds_left", h.lease_until - s.now}});
    }
    arr.push_back({{"name", s.name},
                   {"kind", to_string(s.kind)},
                   {"state", s.state},
                   {"batches_total", s.batches_total},
                   {"batches_done", s.batches_done},
                   {"batches_failed", s.batches_failed},
                   {"batches_running", s.batches_running},
                   {"rows", s.rows},
                   {"rejects", s.rejects},
                   {"seconds", s.seconds},
                   {"rows_per_second", s.rows_per_second},
                   {"started_at", s.started_at},
                   {"finished_at", s.finished_at},
                   {"breaker", s.breaker},
                   {"events", events},
                   {"errors", errors},
                   {"runners", runners},
                   {"held_batches", holds}});
  }
  std::string text = nlohmann::json{{"migrations", arr}}.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  std::fprintf(out, "%s\n", text.c_str());
}

void print_verify(std::FILE* out, const VerifyReport& r) {
  std::fprintf(out, "%s: %s ranges, source %s rows, target %s rows, checksum %s / %s\n", r.name.c_str(),
               with_commas(r.ranges).c_str(), with_commas(r.source_rows).c_str(), with_commas(r.target_rows).c_str(),
               r.source_checksum.c_str(), r.target_checksum.c_str());
  std::fprintf(out, "  compared: %s\n", r.order.c_str());
  for (std::size_t i = 0; i < r.mismatches.size() && i < 20; ++i) {
    const auto& m = r.mismatches[i];
    std::fprintf(out, "  MISMATCH batch %lld %s: source %lld rows, target %lld rows%s%s\n",
                 static_cast<long long>(m.batch), m.range.c_str(), static_cast<long long>(m.source_rows),
                 static_cast<long long>(m.target_rows), m.detail.empty() ? "" : "; ", m.detail.c_str());
  }
  if (r.mismatches.size() > 20) std::fprintf(out, "  ... %zu more mismatching ranges\n", r.mismatches.size() - 20);
  std::fprintf(out, "%s\n", r.ok() ? "OK: source and target agree" : "FAILED: source and target differ");
}

}  // namespace rowshift::cli

namespace rowshift::cli {

void print_rejects(std::FILE* out, const std::string& name, const std::vector<RejectedRow>& rows, bool json) {
  if (json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& r : rows) {
      arr.push_back({{"key", r.key}, {"batch", r.batch}, {"error", r.error},
                     {"row", nlohmann::json::parse(r.row_json.empty() ? "null" : r.row_json, nullptr, false)},
                     {"at", r.at}});
    }
    std::string text = nlohmann::json{{"migration", name}, {"rejects", arr}}.dump(2, ' ', false,
                                                                                  nlohmann::json::error_handler_t::replace);
    std::fprintf(out, "%s\n", text.c_str());
    return;
  }
  std::fprintf(out, "%s: %zu rows in quarantine\n", name.c_str(), rows.size());
  for (const auto& r : rows) {
    std::fprintf(out, "  key %s (batch %lld): %s\n    row: %s\n", r.key.c_str(), static_cast<long long>(r.batch),
                 r.error.c_str(), r.row_json.c_str());
  }
}

}  // namespace rowshift::cli
