// edgeid-server as a daemon: datastore, CA authority and (later) its API endpoints, run until
// SIGTERM or SIGINT.
#pragma once

#include <spdlog/logger.h>

#include <atomic>
#include <memory>
#include <mutex>

#include "common/unique_fd.h"
#include "health/health_endpoint.h"
#include "httpsserver/https_server.h"
#include "server/api/agent_service.h"
#include "server/api/bundle_service.h"
#include "server/api/entry_service.h"
#include "server/api/local_authority_service.h"
#include "server/api/node_service.h"
#include "server/api/svid_service.h"
#include "server/api/trust_domain_service.h"
#include "server/authority/server_authority.h"
#include "server/authority/server_svid.h"
#include "server/cache/authorized_entries.h"
#include "server/config/server_config.h"
#include "server/datastore/datastore.h"
#include "server/endpoints/admin_endpoint.h"
#include "server/endpoints/agent_endpoint.h"
#include "server/federation/bundle_refresher.h"

namespace edgeid::server {

class Server {
 public:
  // Creates the data directory (0700) if needed and locks it (another server on it is refused),
  // opens the datastore and starts the CA.
  static Result<std::unique_ptr<Server>> Start(const ServerConfig& config,
                                               std::shared_ptr<spdlog::logger> log);
  // /ready: the datastore answers, the active CA is valid and the admin socket is still this
  // server's.
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
  // 0 when not configured.
  int bundle_endpoint_port() const { return bundle_endpoint_ ? bundle_endpoint_->port() : 0; }
  int oidc_discovery_port() const { return oidc_endpoint_ ? oidc_endpoint_->port() : 0; }
  const Metrics& metrics() const { return metrics_; }

 private:
  void AddGauges();
  Status StartFederation();
  // Stores the relationships of the config file (they win over earlier API changes to the same
  // trust domain) and their initial bundles where none is held yet.
  Status StoreConfiguredRelationships();
  void ReloadServingCertificates();
  Server(ServerConfig config, std::shared_ptr<spdlog::logger> log)
      : config_(std::move(config)), log_(std::move(log)) {}

  ServerConfig config_;
  std::shared_ptr<spdlog::logger> log_;
  // <data_dir>/lock, held for the server's life (and released last): one server per data_dir.
  UniqueFd data_dir_lock_;
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
  std::unique_ptr<federation::BundleRefresher> bundle_refresher_;
  std::unique_ptr<TrustDomainService> trust_domain_service_;
  std::unique_ptr<LocalAuthorityService> local_authority_service_;
  std::atomic<bool> authority_changed_{false};  // set by admin calls, taken by Run
  std::unique_ptr<ServingIdentity> bundle_endpoint_identity_;
  std::unique_ptr<ServingIdentity> oidc_identity_;
  // Declared last so they stop first, before the services and stores they use go away.
  std::unique_ptr<AdminEndpoint> admin_endpoint_;
  std::unique_ptr<AgentEndpoint> agent_endpoint_;
  std::unique_ptr<HealthEndpoint> health_endpoint_;
  std::unique_ptr<HttpsServer> bundle_endpoint_;
  std::unique_ptr<HttpsServer> oidc_endpoint_;
};

}  // namespace edgeid::server
