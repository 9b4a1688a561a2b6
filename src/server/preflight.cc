#include "server/preflight.h"

#include <chrono>
#include <filesystem>

#include "httpsserver/serving_identity.h"
#include "keymanager/disk/disk_key_manager.h"
#include "server/federation/relationship.h"

namespace edgeid::server {

Status CheckServerFiles(const ServerConfig& config) {
  if (config.upstream_authority) {
    auto upstream = ca::DiskUpstreamAuthority::Load(*config.upstream_authority,
                                                    std::chrono::system_clock::now());
    if (!upstream.ok()) return upstream.error();
  }
  if (const auto& endpoint = config.bundle_endpoint;
      endpoint && endpoint->profile != federation::kProfileHttpsSpiffe) {
    auto identity = ServingIdentity::Load({endpoint->cert_file_path, endpoint->key_file_path});
    if (!identity.ok()) return identity.error().Wrap("bundle endpoint");
  }
  if (const auto& oidc = config.oidc_discovery) {
    auto identity = ServingIdentity::Load({oidc->cert_file_path, oidc->key_file_path});
    if (!identity.ok()) return identity.error().Wrap("OIDC discovery");
  }
  // The key manager would create a missing directory; an existing one is opened, which checks
  // every key file's mode as the server's start does.
  std::error_code ec;
  if (config.key_manager == KeyManagerKind::kDisk &&
      std::filesystem::exists(config.keys_path, ec)) {
    auto keys = keymanager::DiskKeyManager::Open(config.keys_path);
    if (!keys.ok()) return keys.error();
  }
  return OkStatus();
}

}  // namespace edgeid::server
