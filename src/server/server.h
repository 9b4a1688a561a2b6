// edgeid-server as a daemon: datastore, CA authority and (later) its API endpoints, run until
// SIGTERM or SIGINT.
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <mutex>

#include "health/health_endpoint.h"
#include "server/api/agent_service.h"
#include "server/api/bundle_service.h"
#include "server/api/entry_service.h"
#include "server/api/node_service.h"
#include "server/api/svid_service.h"
#include "server/authority/server_authority.h"
#include "server/authority/server_svid.h"
#include "server/cache/authorized_entries.h"
#include "server/config/server_config.h"
#include "server/datastore/datastore.h"
#include "server/endpoints/admin_endpoint.h"
#include "server/endpoints/agent_endpoint.h"

namespace edgeid::server {

class Server {
 public:
  // Creates the data directory (0700) if needed, opens the datastore and starts the CA.
  static Result<std::unique_ptr<Server>> Start(const ServerConfig& config,
                                               std::shared_ptr<spdlog::logger> log);
  // /ready: the datastore answers and the active CA is valid.
  Status Ready() const;
  // Serves until SIGTERM or SIGINT arrives; the caller must have blocked both in every thread
  // (BlockTerminationSignals) so that they are received here and nowhere else.
  Status Run();
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  DataStore& datastore() { return *datastore_; }
  ServerAuthority& authority() { return *authority_; }
  int agent_port() const { return agent_endpoint_->port(); }
  const Metrics& metrics() const { return metrics_; }

 private:
  void AddGauges();
  Server(ServerConfig config, std::shared_ptr<spdlog::logger> log)
      : config_(std::move(config)), log_(std::move(log)) {}

  ServerConfig config_;
  std::shared_ptr<spdlog::logger> log_;
  Metrics metrics_;
  std::unique_ptr<DataStore> datastore_;
  std::mutex entry_write_mu_;  // orders entry writes with their notifications to the cache
  std::unique_ptr<ServerAuthority> authority_;
  std::unique_ptr<ServerSvid> server_svid_;
  std::unique_ptr<AuthorizedEntries> authorized_entries_;
  std::unique_ptr<EntryService> entry_service_;
  std::unique_ptr<AgentService> agent_service_;
  std::unique_ptr<BundleService> bundle_service_;
  std::unique_ptr<SvidService> svid_service_;
  std::unique_ptr<HealthService> health_service_;
  std::unique_ptr<NodeService> node_service_;
  // Declared last so they stop first, before the services and stores they use go away.
  std::unique_ptr<AdminEndpoint> admin_endpoint_;
  std::unique_ptr<AgentEndpoint> agent_endpoint_;
  std::unique_ptr<HealthEndpoint> health_endpoint_;
};

}  // namespace edgeid::server
