// The server's CA as a service: opens the configured key manager and upstream authority,
// resumes the CA from the datastore's journal (or creates one), and persists the journal and
// the trust bundle whenever rotation changes them. Servers sharing a datastore each have their
// own CA and journal (keyed by the server ID in data_dir) and publish one bundle together.
#pragma once

#include <spdlog/logger.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "ca/ca_manager.h"
#include "ca/upstream_authority.h"
#include "keymanager/key_manager.h"
#include "server/config/server_config.h"
#include "server/datastore/datastore.h"

namespace edgeid::server {

class ServerAuthority {
 public:
  static Result<std::unique_ptr<ServerAuthority>> Start(const ServerConfig& config,
                                                        DataStore& datastore,
                                                        const std::shared_ptr<spdlog::logger>& log,
                                                        ca::TimePoint now);

  ca::CaManager& ca() { return *ca_; }
  const std::string& server_id() const { return server_id_; }
  // Prepares, activates and prunes as their time comes, then persists what changed; picks up
  // the authorities other servers published.
  Status Tick(ca::TimePoint now);
  // An operator's authority-management step (localauthority): run on the CA, then the journal
  // and bundle are saved before it is answered, so it holds across a restart and reaches the
  // other servers sharing the datastore. Serialised with Tick.
  using AuthorityStep = std::function<Result<ca::AuthorityState>(ca::CaManager&)>;
  Result<ca::AuthorityState> Manage(const AuthorityStep& step, ca::TimePoint now);

 private:
  ServerAuthority(std::unique_ptr<keymanager::KeyManager> km,
                  std::unique_ptr<ca::UpstreamAuthority> upstream, DataStore& datastore,
                  std::shared_ptr<spdlog::logger> log)
      : key_manager_(std::move(km)),
        upstream_(std::move(upstream)),
        datastore_(datastore),
        log_(std::move(log)) {}
  Status Persist(ca::TimePoint now);
  // Merges this CA's authorities into the stored bundle, dropping expired roots and the JWT
  // keys no server's journal publishes any more, and adopts the result.
  Status PublishBundle(ca::TimePoint now);
  // Takes up the other servers' authorities; publishes again when this CA's own are missing
  // from the stored bundle (a failed or overwritten publish).
  Status AdoptStoredBundle(ca::TimePoint now);
  // Takes up the tainted authorities every server's journal lists.
  void AdoptPeerMarks(const std::vector<std::string>& journals);

  std::unique_ptr<keymanager::KeyManager> key_manager_;
  std::unique_ptr<ca::UpstreamAuthority> upstream_;
  std::unique_ptr<ca::CaManager> ca_;
  DataStore& datastore_;
  std::shared_ptr<spdlog::logger> log_;
  std::string server_id_;
  bool persist_pending_ = false;  // the last Persist failed: retried at the next Tick
  std::mutex mu_;                 // Tick and Manage, from the main loop and admin calls
};

}  // namespace edgeid::server
