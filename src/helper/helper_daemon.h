// daemon_mode = true: keeps the files current for as long as it runs. It watches the agent's
// FetchX509SVID stream (reconnecting with backoff, never giving up), rewrites the files on every
// update, keeps each JWT-SVID fresh, and starts or signals the workload.
#pragma once

#include <spdlog/logger.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/backoff.h"
#include "common/metrics.h"
#include "common/result.h"
#include "health/health_endpoint.h"
#include "helper/helper_config.h"
#include "helper/managed_process.h"
#include "helper/svid_file_writer.h"
#include "workloadapi/workload_client.h"

namespace edgeid::helper {

class HelperDaemon {
 public:
  // Starts the health listener when enabled; the watch starts with Run().
  static Result<std::unique_ptr<HelperDaemon>> Start(const HelperConfig& config,
                                                     std::shared_ptr<spdlog::logger> log);
  ~HelperDaemon();
  HelperDaemon(const HelperDaemon&) = delete;
  HelperDaemon& operator=(const HelperDaemon&) = delete;

  // Until SIGTERM or SIGINT, which the caller must have blocked (BlockTerminationSignals) before
  // starting any thread. Then stops the watch and the workload (SIGTERM, a few seconds, SIGKILL).
  Status Run();
  // Ready once every configured file has been written and the last write of each succeeded.
  Status Ready() const;
  int health_port() const { return health_ ? health_->port() : 0; }

 private:
  using Clock = std::chrono::system_clock;

  HelperDaemon(const HelperConfig& config, std::shared_ptr<spdlog::logger> log);

  // The watch thread: hands each update to the main loop through pending_.
  void WatchLoop();
  std::optional<workloadapi::X509Context> TakePending();
  void OnX509Update(const workloadapi::X509Context& context);
  // JWT-SVIDs and the JWT bundle that are due (all of them when `all`).
  bool RefreshJwt(Clock::time_point now, bool all);
  void RefreshJwtBundle(Clock::time_point now);
  void NotifyWorkload();
  void CheckWorkload();
  void Shutdown();
  void SetError(std::optional<Error>& slot, std::optional<Error> error);

  const HelperConfig config_;
  std::shared_ptr<spdlog::logger> log_;
  std::unique_ptr<workloadapi::WorkloadClient> client_;
  SvidFileWriter writer_;
  Metrics metrics_;
  std::unique_ptr<HealthEndpoint> health_;
  std::unique_ptr<ManagedProcess> workload_;
  bool workload_was_running_ = false;
  bool x509_seen_ = false;  // an X.509 update was written: the trust domain is known

  // JWT schedule, main thread only: per jwt_svids entry, then the bundle.
  std::vector<Clock::time_point> jwt_next_;
  std::vector<Backoff> jwt_backoff_;
  std::optional<Clock::time_point> bundle_next_;
  Backoff bundle_backoff_;

  std::thread watcher_;
  workloadapi::WatchCancellation cancel_;
  mutable std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::optional<workloadapi::X509Context> pending_;
  // Readiness: written at least once, and the last write of each kind failed with...
  bool written_ = false;
  std::optional<Error> x509_error_;
  std::vector<std::optional<Error>> jwt_errors_;
  std::optional<Error> bundle_error_;
  double last_renewal_ = 0;  // seconds since the epoch
};

}  // namespace edgeid::helper
