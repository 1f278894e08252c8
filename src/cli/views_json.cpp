// What `plan --json`, `run --json` / `retry --json` and `verify --json` print: one JSON
// object on stdout, its shape documented in docs/cli.md ("JSON output"). Progress and
// events stay on stderr, so stdout parses whatever happened.
#include <nlohmann/json.hpp>

#include "checkpoint/clock.hpp"
#include "cli/views.hpp"

namespace rowshift::cli {
namespace {

std::string checkpoint_now() { return checkpoint::now_utc_us(); }

void print(std::FILE* out, const nlohmann::json& j) {
  std::string text = j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  std::fprintf(out, "%s\n", text.c_str());
}

}  // namespace

void print_plan_json(std::FILE* out, const std::vector<PlanEntry>& plan, const std::vector<std::string>& skipped) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& e : plan) {
    arr.push_back({{"name", e.name},
                   {"kind", to_string(e.kind)},
                   {"state", e.state},
                   {"description", e.description},
                   {"batches", e.batches},
                   {"rows", e.rows},
                   {"key_min", e.key_min},
                   {"key_max", e.key_max}});
  }
  print(out, {{"migrations", arr}, {"skipped_files", skipped}});
}

void print_run_json(std::FILE* out, const RunReport& report) {
  nlohmann::json arr = nlohmann::json::array();
  std::int64_t rows = 0, failed = 0, rejects = 0;
  for (const auto& m : report.migrations) {
    arr.push_back({{"name", m.name},
                   {"kind", to_string(m.kind)},
                   {"state", m.state},
                   {"batches_total", m.batches_total},
                   {"batches_done", m.batches_done},
                   {"batches_failed", m.batches_failed},
                   {"rows", m.rows},
                   {"rejects", m.rejects},
                   {"replayed", m.replayed},
                   {"seconds", m.seconds},
                   {"rows_per_second", m.seconds > 0 ? static_cast<double>(m.rows) / m.seconds : 0.0},
                   {"errors", m.errors}});
    rows += m.rows;
    failed += m.batches_failed;
    rejects += m.rejects;
  }
  print(out, {{"migrations", arr},
              {"rows", rows},
              {"batches_failed", failed},
              {"rejects", rejects},
              {"interrupted", report.interrupted},
              {"stop_reason", report.stop_reason},
              {"exit_code", static_cast<int>(report.exit_code())}});
}

void print_verify_json(std::FILE* out, const VerifyReport& r) {
  nlohmann::json mismatches = nlohmann::json::array();
  for (const auto& m : r.mismatches) {
    mismatches.push_back({{"batch", m.batch},
                          {"range", m.range},
                          {"source_rows", m.source_rows},
                          {"target_rows", m.target_rows},
                          {"detail", m.detail}});
  }
  print(out, {{"name", r.name},
              {"ok", r.ok()},
              {"ranges", r.ranges},
              {"source_rows", r.source_rows},
              {"target_rows", r.target_rows},
              {"source_checksum", r.source_checksum},
              {"target_checksum", r.target_checksum},
              {"order", r.order},
              {"mismatches", mismatches}});
}

void print_log_json(std::FILE* out, const RunEvent& e, int exit_code) {
  // warn: something went wrong and rowshift dealt with it; error: it did not.
  const bool bad = e.event == "error" || e.event == "batch failed" || e.event == "migration failed" ||
                   e.event == "lease lost";
  const bool warn = e.event == "breaker open" || e.event == "breaker half-open" || e.event == "batch retried" ||
                    e.event == "retrying" || e.event == "workers capped" || e.event == "migration interrupted";
  nlohmann::json j = {{"ts", e.at.empty() ? checkpoint_now() : e.at},
                      {"level", bad ? "error" : warn ? "warn" : "info"},
                      {"event", e.event},
                      {"migration", e.migration},
                      {"endpoint", e.endpoint},
                      {"batch", e.batch},
                      {"attempts", e.attempts},
                      {"detail", e.detail}};
  if (exit_code >= 0) j["exit_code"] = exit_code;
  std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::fprintf(out, "%s\n", line.c_str());
  std::fflush(out);
}

}  // namespace rowshift::cli
