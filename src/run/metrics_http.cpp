#include "run/metrics_http.hpp"

#include <prometheus/collectable.h>
#include <prometheus/exposer.h>
#include <prometheus/metric_family.h>

#include <exception>

#include "rowshift/error.hpp"
#include "run/metrics.hpp"

namespace rowshift {

class MetricsServer::Collector : public prometheus::Collectable {
 public:
  explicit Collector(const RunMetrics& metrics) : metrics_(metrics) {}
  std::vector<prometheus::MetricFamily> Collect() const override { return metrics_.families(); }

 private:
  const RunMetrics& metrics_;
};

MetricsServer::MetricsServer(const RunMetrics& metrics, const std::string& bind_address, int port)
    : collector_(std::make_shared<Collector>(metrics)) {
  const std::string address = bind_address + ":" + std::to_string(port);
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(address, 1);
  } catch (const std::exception& e) {
    throw Error(ErrorKind::config, "--metrics-port: cannot listen on " + address + ": " + e.what());
  }
  exposer_->RegisterCollectable(collector_);
  auto ports = exposer_->GetListeningPorts();
  port_ = ports.empty() ? port : ports.front();
}

MetricsServer::~MetricsServer() {
  if (exposer_) exposer_->RemoveCollectable(collector_);
}

}  // namespace rowshift
