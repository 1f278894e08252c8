#include "run/metrics.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <limits>

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

namespace rowshift {
namespace {

double now_epoch_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

void RunMetrics::planned(const std::string& migration, std::int64_t batches, std::int64_t rows) {
  std::lock_guard<std::mutex> lock(mu_);
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
  std::lock_guard<std::mutex> lock(mu_);
  auto& m = migrations_[migration];
  ++m.done;
  m.rows += rows;
  m.last_progress = now_epoch_seconds();
  observe(m, seconds, retries);
}

void RunMetrics::batch_failed(const std::string& migration, double seconds, int retries) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& m = migrations_[migration];
  ++m.failed;
  observe(m, seconds, retries);
}

void RunMetrics::breaker(const std::string& endpoint, bool open) {
  std::lock_guard<std::mutex> lock(mu_);
  breakers_[endpoint] = open;
}

void RunMetrics::finished() {
  std::lock_guard<std::mutex> lock(mu_);
  up_ = false;
}

std::vector<prometheus::MetricFamily> RunMetrics::families() const {
  using prometheus::ClientMetric;
  using prometheus::MetricFamily;
  using prometheus::MetricType;
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<MetricFamily> out;
  auto family = [&](const char* name, MetricType type, const char* help) -> MetricFamily& {
    out.push_back({name, help, type, {}});
    return out.back();
  };
  auto sample = [](std::vector<ClientMetric::Label> labels, double value, MetricType type) {
    ClientMetric c;
    c.label = std::move(labels);
    if (type == MetricType::Counter) c.counter.value = value;
    else c.gauge.value = value;
    return c;
  };
  auto per_migration = [&](const char* name, MetricType type, const char* help, auto value) {
    auto& f = family(name, type, help);
    for (const auto& entry : migrations_) {
      f.metric.push_back(sample({{"migration", entry.first}}, static_cast<double>(value(entry.second)), type));
    }
  };
  family("rowshift_up", MetricType::Gauge, "1 while a rowshift run is going on, 0 once it ended")
      .metric.push_back(sample({}, up_ ? 1 : 0, MetricType::Gauge));
  auto& batches = family("rowshift_batches_total", MetricType::Counter, "batches this process finished, by outcome");
  for (const auto& entry : migrations_) {
    batches.metric.push_back(sample({{"migration", entry.first}, {"status", "done"}},
                                    static_cast<double>(entry.second.done), MetricType::Counter));
    batches.metric.push_back(sample({{"migration", entry.first}, {"status", "failed"}},
                                    static_cast<double>(entry.second.failed), MetricType::Counter));
  }
  per_migration("rowshift_rows_written_total", MetricType::Counter, "rows this process wrote",
                [](const PerMigration& m) { return m.rows; });
  per_migration("rowshift_retries_total", MetricType::Counter, "batch attempts after the first",
                [](const PerMigration& m) { return m.retries; });
  auto& durations = family("rowshift_batch_duration_seconds", MetricType::Histogram,
                           "wall time of one batch, its retries included");
  for (const auto& entry : migrations_) {
    ClientMetric c;
    c.label = {{"migration", entry.first}};
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += static_cast<std::uint64_t>(entry.second.buckets[i]);
      c.histogram.bucket.push_back({cumulative, kBuckets[i]});
    }
    c.histogram.bucket.push_back({static_cast<std::uint64_t>(entry.second.count), std::numeric_limits<double>::infinity()});
    c.histogram.sample_count = static_cast<std::uint64_t>(entry.second.count);
    c.histogram.sample_sum = entry.second.sum;
    durations.metric.push_back(std::move(c));
  }
  per_migration("rowshift_rows_estimated", MetricType::Gauge, "rows the migration's plan holds",
                [](const PerMigration& m) { return m.estimated; });
  per_migration("rowshift_batches_planned", MetricType::Gauge, "batches in the migration's plan",
                [](const PerMigration& m) { return m.planned; });
  per_migration("rowshift_last_progress_timestamp_seconds", MetricType::Gauge,
                "when the migration last finished a batch", [](const PerMigration& m) { return m.last_progress; });
  auto& breakers = family("rowshift_breaker_open", MetricType::Gauge,
                          "1 while the endpoint's circuit breaker is open or half-open");
  for (const auto& [endpoint, open] : breakers_) {
    breakers.metric.push_back(sample({{"endpoint", endpoint}}, open ? 1 : 0, MetricType::Gauge));
  }
  return out;
}

std::string RunMetrics::text() const { return prometheus::TextSerializer().Serialize(families()); }

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
