// A run's Prometheus metrics, kept by the coordinator as batch outcomes come in, in
// prometheus-cpp's model (families()), and exposed two ways: written in the text format
// (`--metrics-file PATH`, for node_exporter's textfile collector) atomically, to PATH.tmp
// and renamed, every few seconds and at the end, so that a reader never sees half a
// file; and served over HTTP (`--metrics-port N`, run/metrics_http.hpp). Thread-safe:
// the HTTP server reads from its own threads. Names follow GitLab's batched background
// migrations:
//
//   rowshift_batches_total{migration,status="done|failed"}    counter (this process)
//   rowshift_rows_written_total{migration}                    counter
//   rowshift_retries_total{migration}                         counter
//   rowshift_batch_duration_seconds{migration}                histogram
//   rowshift_rows_estimated{migration}                        gauge (the plan's rows)
//   rowshift_batches_planned{migration}                       gauge
//   rowshift_breaker_open{endpoint}                           gauge, 1 while not closed
//   rowshift_last_progress_timestamp_seconds{migration}       gauge: stall alerts
//   rowshift_up                                               gauge, 1 while running, 0 at exit
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace prometheus {
struct MetricFamily;
}

namespace rowshift {

class RunMetrics {
 public:
  static constexpr std::array<double, 12> kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                      0.5,   1,    2.5,   5,    10,  30};

  void planned(const std::string& migration, std::int64_t batches, std::int64_t rows);
  void batch_done(const std::string& migration, std::int64_t rows, double seconds, int retries);
  void batch_failed(const std::string& migration, double seconds, int retries);
  void breaker(const std::string& endpoint, bool open);
  void finished();

  // The metrics as of now, and the same in the text exposition format.
  std::vector<prometheus::MetricFamily> families() const;
  std::string text() const;
  // Writes text() to path atomically. Returns "" or why it could not (the run goes on:
  // metrics never stop a migration).
  std::string write(const std::string& path) const;

 private:
  struct PerMigration {
    std::int64_t done = 0, failed = 0, rows = 0, retries = 0, estimated = 0, planned = 0;
    std::array<std::int64_t, kBuckets.size()> buckets{};  // cumulative counts are made in text()
    std::int64_t count = 0;
    double sum = 0;
    double last_progress = 0;  // epoch seconds
  };
  void observe(PerMigration& m, double seconds, int retries);
  mutable std::mutex mu_;  // guards everything below
  std::map<std::string, PerMigration> migrations_;
  std::map<std::string, bool> breakers_;
  bool up_ = true;
};

}  // namespace rowshift
