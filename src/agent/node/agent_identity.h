// The agent's own identity: node attestation (join_token or x509pop) on first start, its SVID and
// key kept in data_dir (key 0600, written atomically) and reused on restart while valid, renewal
// with a fresh key, and the trust bundle it checks the server with.
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <mutex>
#include <random>

#include "agent/client/server_client.h"
#include "agent/config/agent_config.h"
#include "agent/manager/rotation.h"
#include "agent/node/trust_bundle_source.h"

namespace edgeid::agent {

// Files in data_dir.
inline constexpr const char* kAgentSvidFile = "agent_svid.pem";
inline constexpr const char* kAgentKeyFile = "agent_svid.key";
inline constexpr const char* kBundleFile = "bundle.pem";

class AgentIdentity {
 public:
  // The trust bundle to start from: the one stored in data_dir by an earlier run, else the
  // configured one, else (insecure bootstrap) none.
  static Result<spiffe::X509Bundle> InitialBundle(const AgentConfig& config);

  // Reuses the stored SVID when it is valid and for this trust domain; otherwise attests.
  static Result<std::unique_ptr<AgentIdentity>> Start(const AgentConfig& config,
                                                      ServerClient& client,
                                                      TrustBundleSource& bundle,
                                                      const std::shared_ptr<spdlog::logger>& log);

  spiffe::X509Svid svid() const;
  TimePoint rotate_at() const;
  TimePoint not_after() const;

  // RenewAgent with a fresh key; the new SVID is stored and used for later calls.
  Status Renew();
  // Attests again (after the server refused a stored SVID). Join tokens are single-use, so this
  // only works with x509pop.
  Status Reattest();
  // Takes a bundle the server sent: kept for checking the server, and stored for restarts.
  Status UpdateBundle(const spiffe::X509Bundle& bundle);
  // Deletes the stored SVID and key (the agent was banned).
  void Forget();

 private:
  AgentIdentity(const AgentConfig& config, ServerClient& client, TrustBundleSource& bundle,
                std::shared_ptr<spdlog::logger> log);
  Status Attest();
  Status Adopt(spiffe::X509Svid svid, bool persist);
  Result<spiffe::X509Svid> LoadStored() const;

  const AgentConfig& config_;
  ServerClient& client_;
  TrustBundleSource& bundle_;
  std::shared_ptr<spdlog::logger> log_;
  std::mt19937_64 rng_{std::random_device{}()};
  mutable std::mutex mu_;
  std::optional<spiffe::X509Svid> svid_;
  TimePoint rotate_at_{};
  TimePoint not_after_{};
  bool bundle_stored_ = false;  // data_dir holds the current bundle
};

}  // namespace edgeid::agent
