// edgeid-server as a daemon: datastore, CA authority and (later) its API endpoints, run until
// SIGTERM or SIGINT.
#pragma once

#include <spdlog/logger.h>

#include <memory>

#include "server/api/entry_service.h"
#include "server/authority/server_authority.h"
#include "server/config/server_config.h"
#include "server/datastore/datastore.h"
#include "server/endpoints/admin_endpoint.h"

namespace edgeid::server {

class Server {
 public:
  // Creates the data directory (0700) if needed, opens the datastore and starts the CA.
  static Result<std::unique_ptr<Server>> Start(const ServerConfig& config,
                                               std::shared_ptr<spdlog::logger> log);
  // Serves until SIGTERM or SIGINT arrives; the caller must have blocked both in every thread
  // (BlockTerminationSignals) so that they are received here and nowhere else.
  Status Run();

  DataStore& datastore() { return *datastore_; }
  ServerAuthority& authority() { return *authority_; }

 private:
  Server(ServerConfig config, std::shared_ptr<spdlog::logger> log)
      : config_(std::move(config)), log_(std::move(log)) {}

  ServerConfig config_;
  std::shared_ptr<spdlog::logger> log_;
  std::unique_ptr<DataStore> datastore_;
  std::unique_ptr<ServerAuthority> authority_;
  std::unique_ptr<EntryService> entry_service_;
  // Declared last so it stops first, before the services and stores it uses go away.
  std::unique_ptr<AdminEndpoint> admin_endpoint_;
};

// Blocks SIGTERM and SIGINT in the calling thread and every thread it starts afterwards.
void BlockTerminationSignals();

}  // namespace edgeid::server
