// `--metrics-port N`: the run's metrics (run/metrics.hpp) served at
// http://127.0.0.1:N/metrics by prometheus-cpp's Exposer (civetweb), for a Prometheus
// server to scrape while the run goes on. Its HTTP threads are civetweb's own; they only
// read RunMetrics, under its mutex. Port 0 takes any free port (port() says which).
#pragma once

#include <memory>
#include <string>

namespace prometheus {
class Exposer;
}

namespace rowshift {

class RunMetrics;

class MetricsServer {
 public:
  // Listens on bind_address:port; throws Error(config) naming the address when it cannot.
  MetricsServer(const RunMetrics& metrics, const std::string& bind_address, int port);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;
  int port() const { return port_; }

 private:
  class Collector;
  std::shared_ptr<Collector> collector_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;
};

}  // namespace rowshift
