#include "server/config/federation_config.h"

#include "common/atomic_file.h"
#include "config/toml_reader.h"
#include "server/federation/relationship.h"

namespace edgeid::server {
namespace {

using config::Bad;
using config::CheckKeys;
using config::Get;

Result<BundleEndpointConfig> ReadBundleEndpoint(const toml::table& table,
                                                const ServerConfig& config) {
  const std::string p = "server.federation.bundle_endpoint.";
  EDGEID_RETURN_IF_ERROR(CheckKeys(
      table, p, {"address", "port", "refresh_hint", "profile", "cert_file_path", "key_file_path"}));
  BundleEndpointConfig endpoint;
  endpoint.address =
      EDGEID_TRY(Get<std::string>(table, p, "address")).value_or(config.bind_address);
  if (auto port = EDGEID_TRY(Get<int64_t>(table, p, "port"))) {
    endpoint.port = EDGEID_TRY(config::Port(*port, p + "port"));
  }
  if (auto hint = EDGEID_TRY(config::GetDuration(table, p, "refresh_hint"))) {
    endpoint.refresh_hint = *hint;
  }
  endpoint.profile = EDGEID_TRY(Get<std::string>(table, p, "profile")).value_or(endpoint.profile);
  endpoint.cert_file_path = EDGEID_TRY(Get<std::string>(table, p, "cert_file_path")).value_or("");
  endpoint.key_file_path = EDGEID_TRY(Get<std::string>(table, p, "key_file_path")).value_or("");
  bool has_files = !endpoint.cert_file_path.empty() || !endpoint.key_file_path.empty();
  if (endpoint.profile == federation::kProfileHttpsWeb) {
    if (endpoint.cert_file_path.empty() || endpoint.key_file_path.empty()) {
      return Bad(p + "profile", "https_web needs cert_file_path and key_file_path");
    }
  } else if (endpoint.profile == federation::kProfileHttpsSpiffe) {
    if (has_files) {
      return Bad(p + "cert_file_path",
                 "https_spiffe serves the server's own SVID; certificate files are for https_web");
    }
  } else {
    return Bad(p + "profile", "\"" + endpoint.profile + "\" is neither https_web nor https_spiffe");
  }
  return endpoint;
}

Result<ConfiguredFederation> ReadFederatesWith(const std::string& name, const toml::table& table,
                                               const ServerConfig& config) {
  const std::string p = "server.federation.federates_with.\"" + name + "\".";
  EDGEID_RETURN_IF_ERROR(
      CheckKeys(table, p,
                {"bundle_endpoint_url", "bundle_endpoint_profile", "endpoint_spiffe_id",
                 "endpoint_ca_file", "trust_domain_bundle_path", "trust_domain_bundle_format"}));
  ConfiguredFederation out;
  FederationRelationship& r = out.relationship;
  r.trust_domain = name;
  r.bundle_endpoint_url =
      EDGEID_TRY(Get<std::string>(table, p, "bundle_endpoint_url")).value_or("");
  r.bundle_endpoint_profile =
      EDGEID_TRY(Get<std::string>(table, p, "bundle_endpoint_profile")).value_or("");
  r.endpoint_spiffe_id = EDGEID_TRY(Get<std::string>(table, p, "endpoint_spiffe_id")).value_or("");
  r.endpoint_ca_file = EDGEID_TRY(Get<std::string>(table, p, "endpoint_ca_file")).value_or("");
  auto valid = federation::ValidateRelationship(r, config.trust_domain);
  if (!valid.ok()) return Bad(p, valid.error().message);
  auto bundle_path = EDGEID_TRY(Get<std::string>(table, p, "trust_domain_bundle_path"));
  auto format =
      EDGEID_TRY(Get<std::string>(table, p, "trust_domain_bundle_format")).value_or("pem");
  if (bundle_path) {
    auto data = ReadFile(*bundle_path);
    if (!data.ok()) return Bad(p + "trust_domain_bundle_path", data.error().message);
    auto td = EDGEID_TRY(spiffe::TrustDomain::Parse(name));
    auto bundle = federation::ParseTrustDomainBundle(td, *data, format);
    if (!bundle.ok()) {
      return Bad(p + "trust_domain_bundle_path", *bundle_path + ": " + bundle.error().message);
    }
    out.initial_bundle = std::move(*bundle);
  }
  return out;
}

Result<OidcDiscoveryConfig> ReadOidc(const toml::table& table, const ServerConfig& config) {
  const std::string p = "server.oidc_discovery.";
  EDGEID_RETURN_IF_ERROR(
      CheckKeys(table, p, {"address", "port", "cert_file_path", "key_file_path", "jwks_uri"}));
  OidcDiscoveryConfig oidc;
  oidc.address = EDGEID_TRY(Get<std::string>(table, p, "address")).value_or(config.bind_address);
  if (auto port = EDGEID_TRY(Get<int64_t>(table, p, "port"))) {
    oidc.port = EDGEID_TRY(config::Port(*port, p + "port"));
  }
  oidc.cert_file_path = EDGEID_TRY(Get<std::string>(table, p, "cert_file_path")).value_or("");
  oidc.key_file_path = EDGEID_TRY(Get<std::string>(table, p, "key_file_path")).value_or("");
  if (oidc.cert_file_path.empty() || oidc.key_file_path.empty()) {
    return Bad(p + "cert_file_path", "cert_file_path and key_file_path are required");
  }
  oidc.jwks_uri = EDGEID_TRY(Get<std::string>(table, p, "jwks_uri")).value_or("");
  if (oidc.jwks_uri.empty()) {
    std::string issuer = config.jwt_issuer;
    while (!issuer.empty() && issuer.back() == '/') issuer.pop_back();
    oidc.jwks_uri = issuer + "/keys";
  }
  return oidc;
}

}  // namespace

Status ReadFederationTables(const toml::table& server, ServerConfig& config) {
  if (const toml::node* node = server.get("federation")) {
    const toml::table* federation = node->as_table();
    if (federation == nullptr) return Bad("server.federation", "must be a table");
    EDGEID_RETURN_IF_ERROR(
        CheckKeys(*federation, "server.federation.", {"bundle_endpoint", "federates_with"}));
    if (const toml::node* endpoint = federation->get("bundle_endpoint")) {
      if (!endpoint->is_table()) return Bad("server.federation.bundle_endpoint", "must be a table");
      config.bundle_endpoint = EDGEID_TRY(ReadBundleEndpoint(*endpoint->as_table(), config));
    }
    if (const toml::node* with = federation->get("federates_with")) {
      const toml::table* domains = with->as_table();
      if (domains == nullptr) {
        return Bad("server.federation.federates_with",
                   "must be a table of trust domains ([server.federation.federates_with.\"td\"])");
      }
      for (const auto& [key, value] : *domains) {
        std::string name(key.str());
        if (!value.is_table()) {
          return Bad("server.federation.federates_with.\"" + name + "\"", "must be a table");
        }
        config.federates_with.push_back(
            EDGEID_TRY(ReadFederatesWith(name, *value.as_table(), config)));
      }
    }
  }
  if (const toml::node* node = server.get("oidc_discovery")) {
    if (!node->is_table()) return Bad("server.oidc_discovery", "must be a table");
    config.oidc_discovery = EDGEID_TRY(ReadOidc(*node->as_table(), config));
  }
  return OkStatus();
}

}  // namespace edgeid::server
