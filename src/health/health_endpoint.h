// A daemon's opt-in HTTP port: /live (the process answers), /ready (the daemon's own readiness
// check) and /metrics (Prometheus text format). Plain HTTP, as SPIRE's health checks; it carries
// no secrets.
#pragma once

#include <spdlog/logger.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "common/metrics.h"
#include "common/result.h"

namespace httplib {
class Server;
}

namespace edgeid {

// Where the checks answer; a daemon configured as another tool (spiffe-helper's liveness_path
// and readiness_path) may move them.
struct HealthPaths {
  std::string live = "/live";
  std::string ready = "/ready";
};

class HealthEndpoint {
 public:
  // `ready` is asked at each /ready request; `metrics` must outlive the endpoint. Port 0 picks
  // a free port (see port()).
  static Result<std::unique_ptr<HealthEndpoint>> Start(const std::string& address, uint16_t port,
                                                       std::function<Status()> ready,
                                                       const Metrics& metrics,
                                                       const std::shared_ptr<spdlog::logger>& log,
                                                       const HealthPaths& paths = {});
  ~HealthEndpoint();
  HealthEndpoint(const HealthEndpoint&) = delete;
  HealthEndpoint& operator=(const HealthEndpoint&) = delete;

  int port() const { return port_; }

 private:
  HealthEndpoint() = default;
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace edgeid
