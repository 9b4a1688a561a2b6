#include "health/health_endpoint.h"

#include <httplib.h>

#include "health/exclusive_listener.h"
#include "health/wait_listening.h"

namespace edgeid {

Result<std::unique_ptr<HealthEndpoint>> HealthEndpoint::Start(
    const std::string& address, uint16_t port, std::function<Status()> ready,
    const Metrics& metrics, const std::shared_ptr<spdlog::logger>& log, const HealthPaths& paths) {
  std::unique_ptr<HealthEndpoint> endpoint(new HealthEndpoint());
  endpoint->http_ = std::make_unique<httplib::Server>();
  auto& http = *endpoint->http_;
  http.Get(paths.live, [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  http.Get(paths.ready,
           [ready = std::move(ready)](const httplib::Request&, httplib::Response& res) {
             auto status = ready();
             if (status.ok()) {
               res.set_content("ready\n", "text/plain");
             } else {
               res.status = 503;
               res.set_content("not ready: " + status.error().message + "\n", "text/plain");
             }
           });
  http.Get("/metrics", [&metrics](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics.Render(), "text/plain; version=0.0.4");
  });
  int bound = EDGEID_TRY(BindExclusively(http, address, port, "health and metrics"));
  endpoint->port_ = bound;
  endpoint->thread_ = std::thread([&http] { http.listen_after_bind(); });
  WaitUntilListening(http);
  log->info("health and metrics listening on http://{}:{}", address, bound);
  return endpoint;
}

HealthEndpoint::~HealthEndpoint() {
  http_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace edgeid
