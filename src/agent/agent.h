// edgeid-agent as a daemon: the Workload API socket, node attestation, the sync and rotation
// loop, and the optional health port, run until SIGTERM or SIGINT.
#pragma once

#include <spdlog/logger.h>

#include <atomic>
#include <memory>

#include "agent/cache/workload_cache.h"
#include "agent/client/server_client.h"
#include "agent/config/agent_config.h"
#include "agent/manager/change_watcher.h"
#include "agent/manager/manager.h"
#include "agent/node/trust_bundle_source.h"
#include "agent/workloadapi/workload_api_service.h"
#include "common/metrics.h"
#include "common/unique_fd.h"
#include "health/health_endpoint.h"
#include "unixrpc/unix_grpc_endpoint.h"

namespace edgeid::agent {

class Agent {
 public:
  // Locks data_dir (another agent on it is refused) and opens the Workload API socket at once
  // (a socket another process serves is refused); calls get Unavailable until the agent is
  // ready.
  static Result<std::unique_ptr<Agent>> Start(const AgentConfig& config,
                                              std::shared_ptr<spdlog::logger> log);
  ~Agent();
  // Attests, syncs and rotates until SIGTERM or SIGINT (blocked by the caller in every thread,
  // see BlockTerminationSignals), or until the server bans the agent.
  Status Run();
  Status Ready() const;

 private:
  Agent(AgentConfig config, std::shared_ptr<spdlog::logger> log)
      : config_(std::move(config)), log_(std::move(log)) {}
  void AddGauges();

  AgentConfig config_;
  std::shared_ptr<spdlog::logger> log_;
  // <data_dir>/lock, held for the agent's life (and released last): one agent per data_dir.
  UniqueFd data_dir_lock_;
  Metrics metrics_;
  std::unique_ptr<TrustBundleSource> bundle_;
  std::unique_ptr<ServerClient> client_;
  WorkloadCache cache_;
  std::unique_ptr<Manager> manager_;
  std::unique_ptr<ChangeWatcher> change_watcher_;
  PeerTracker peers_;
  std::unique_ptr<WorkloadApiService> workload_api_;
  std::unique_ptr<AgentHealthService> health_service_;
  // The endpoint Ready checks, set once endpoint_ is: the health service on the socket itself
  // may ask before Start has stored it.
  std::atomic<const UnixGrpcEndpoint*> serving_{nullptr};
  // Declared last so they stop first, before the services they call go away.
  std::unique_ptr<UnixGrpcEndpoint> endpoint_;
  std::unique_ptr<HealthEndpoint> health_endpoint_;
};

}  // namespace edgeid::agent
