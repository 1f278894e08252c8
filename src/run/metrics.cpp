#include "run/metrics.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

namespace rowshift {
namespace {

double now_epoch_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// A label value in the exposition format: backslash, double quote and newline escaped.
std::string label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

void RunMetrics::planned(const std::string& migration, std::int64_t batches, std::int64_t rows) {
  auto& m = migrations_[migration];
  m.planned = batches;
  m.estimated = rows;
  if (m.last_progress == 0) m.last_progress = now_epoch_seconds();
}

void RunMetrics::observe(PerMigration& m, double seconds, int retries) {
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++m.buckets[i];
      break;
    }
  }
  ++m.count;
  m.sum += seconds;
  m.retries += retries;
}

void RunMetrics::batch_done(const std::string& migration, std::int64_t rows, double seconds, int retries) {
  auto& m = migrations_[migration];
  ++m.done;
  m.rows += rows;
  m.last_progress = now_epoch_seconds();
  observe(m, seconds, retries);
}

void RunMetrics::batch_failed(const std::string& migration, double seconds, int retries) {
  auto& m = migrations_[migration];
  ++m.failed;
  observe(m, seconds, retries);
}

void RunMetrics::breaker(const std::string& endpoint, bool open) { breakers_[endpoint] = open; }

std::string RunMetrics::text() const {
  std::string out;
  auto family = [&](const char* name, const char* type, const char* help) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  };
  family("rowshift_up", "gauge", "1 while a rowshift run is going on, 0 once it ended");
  out += "rowshift_up " + std::string(up_ ? "1" : "0") + "\n";
  family("rowshift_batches_total", "counter", "batches this process finished, by outcome");
  for (const auto& [name, m] : migrations_) {
    out += "rowshift_batches_total{migration=\"" + label(name) + "\",status=\"done\"} " + std::to_string(m.done) + "\n";
    out += "rowshift_batches_total{migration=\"" + label(name) + "\",status=\"failed\"} " + std::to_string(m.failed) +
           "\n";
  }
  family("rowshift_rows_written_total", "counter", "rows this process wrote");
  for (const auto& [name, m] : migrations_) {
    out += "rowshift_rows_written_total{migration=\"" + label(name) + "\"} " + std::to_string(m.rows) + "\n";
  }
  family("rowshift_retries_total", "counter", "batch attempts after the first");
  for (const auto& [name, m] : migrations_) {
    out += "rowshift_retries_total{migration=\"" + label(name) + "\"} " + std::to_string(m.retries) + "\n";
  }
  family("rowshift_batch_duration_seconds", "histogram", "wall time of one batch, its retries included");
  for (const auto& [name, m] : migrations_) {
    const std::string l = "migration=\"" + label(name) + "\"";
    std::int64_t cumulative = 0;
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += m.buckets[i];
      out += "rowshift_batch_duration_seconds_bucket{" + l + ",le=\"" + number(kBuckets[i]) + "\"} " +
             std::to_string(cumulative) + "\n";
    }
    out += "rowshift_batch_duration_seconds_bucket{" + l + ",le=\"+Inf\"} " + std::to_string(m.count) + "\n";
    out += "rowshift_batch_duration_seconds_sum{" + l + "} " + number(m.sum) + "\n";
    out += "rowshift_batch_duration_seconds_count{" + l + "} " + std::to_string(m.count) + "\n";
  }
  family("rowshift_rows_estimated", "gauge", "rows the migration's plan holds");
  for (const auto& [name, m] : migrations_) {
    out += "rowshift_rows_estimated{migration=\"" + label(name) + "\"} " + std::to_string(m.estimated) + "\n";
  }
  family("rowshift_batches_planned", "gauge", "batches in the migration's plan");
  for (const auto& [name, m] : migrations_) {
    out += "rowshift_batches_planned{migration=\"" + label(name) + "\"} " + std::to_string(m.planned) + "\n";
  }
  family("rowshift_last_progress_timestamp_seconds", "gauge", "when the migration last finished a batch");
  for (const auto& [name, m] : migrations_) {
    out += "rowshift_last_progress_timestamp_seconds{migration=\"" + label(name) + "\"} " + number(m.last_progress) +
           "\n";
  }
  family("rowshift_breaker_open", "gauge", "1 while the endpoint's circuit breaker is open or half-open");
  for (const auto& [endpoint, open] : breakers_) {
    out += "rowshift_breaker_open{endpoint=\"" + label(endpoint) + "\"} " + (open ? "1" : "0") + "\n";
  }
  return out;
}

std::string RunMetrics::write(const std::string& path) const {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  if (!f) return "cannot write " + tmp + ": " + std::strerror(errno);
  const std::string body = text();
  const bool ok = std::fwrite(body.data(), 1, body.size(), f) == body.size();
  const bool closed = std::fclose(f) == 0;
  if (!ok || !closed) {
    std::remove(tmp.c_str());
    return "cannot write " + tmp + ": " + std::strerror(errno);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return "cannot rename " + tmp + ": " + std::strerror(errno);
  return {};
}

}  // namespace rowshift
