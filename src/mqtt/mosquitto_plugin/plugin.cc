// Mosquitto 2.0 plugin (API version 5): edgeid's SPIFFE authentication and authorisation.
//
// mosquitto.conf:
//   listener 8883 127.0.0.1
//   cafile   /path/bundle.pem            # what the TLS layer accepts (may hold federated roots)
//   certfile /path/broker-svid.pem
//   keyfile  /path/broker-svid.key
//   require_certificate true
//   tls_version tlsv1.2
//   plugin /path/edgeid_mosquitto_spiffe.so
//   plugin_opt_trust_domain example.org
//   plugin_opt_trust_bundle /path/own-bundle.pem  # the own trust domain's authorities only
//   plugin_opt_acl_file /path/mqtt-acl.toml
//
// At connect the client's certificate must be an X509-SVID of the trust domain issued by an
// authority of plugin_opt_trust_bundle (the cafile's federated roots never vouch for an ID of
// the own domain), its SPIFFE ID named by a rule, and its MQTT client ID bound to that SPIFFE ID
// (SpiffeAcl::ClientIdAllowed), so that no identity can take another's session over. The ID
// then becomes the client's username, which is what every later ACL check looks at (the broker
// runs plugins on one thread). SIGHUP reloads the ACL and bundle files and keeps what was loaded
// when a new file is bad; the bundle file is also read again at a connect when it changed.
// Mosquitto then runs the connect check again for every connected client, so an ID the new
// rules no longer name loses its sessions.
#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>
#include <openssl/x509.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "crypto/ossl.h"
#include "mqtt/acl/spiffe_acl.h"
#include "mqtt/mosquitto_plugin/client_identity.h"

namespace edgeid::mqtt {
namespace {

constexpr int kPluginApiVersion = 5;
constexpr char kLogPrefix[] = "edgeid-spiffe";

struct PluginState {
  mosquitto_plugin_id_t* identifier = nullptr;
  spiffe::TrustDomain trust_domain;
  TrustBundleFile trust_bundle;
  std::string acl_path;
  SpiffeAcl acl;
};

const char* Named(const char* text) {
  return text != nullptr ? text : "(none)";
}

int Refuse(mosquitto* client, const char* client_id, const std::string& why) {
  mosquitto_log_printf(MOSQ_LOG_NOTICE, "%s: refused client %s from %s: %s", kLogPrefix, client_id,
                       Named(mosquitto_client_address(client)), why.c_str());
  return MOSQ_ERR_AUTH;
}

int OnBasicAuth(int /*event*/, void* event_data, void* userdata) {
  auto* event = static_cast<mosquitto_evt_basic_auth*>(event_data);
  auto* state = static_cast<PluginState*>(userdata);
  const char* client_id = Named(mosquitto_client_id(event->client));
  try {
    if (auto fresh = state->trust_bundle.RefreshIfChanged(); !fresh.ok()) {
      mosquitto_log_printf(MOSQ_LOG_ERR, "%s: kept the previous trust bundle: %s", kLogPrefix,
                           fresh.error().message.c_str());
    } else if (*fresh) {
      mosquitto_log_printf(MOSQ_LOG_NOTICE, "%s: %s changed: %zu trust bundle authorities",
                           kLogPrefix, state->trust_bundle.path().c_str(),
                           state->trust_bundle.bundle().authorities().size());
    }
    crypto::X509Ptr leaf(static_cast<X509*>(mosquitto_client_certificate(event->client)));
    auto id =
        ClientSpiffeId(leaf.get(), state->trust_bundle.bundle(), std::chrono::system_clock::now());
    if (!id.ok()) return Refuse(event->client, client_id, id.error().message);
    if (!state->acl.Knows(id->str())) {
      mosquitto_log_printf(MOSQ_LOG_NOTICE, "%s: refused client %s: no ACL rule names %s",
                           kLogPrefix, client_id, id->str().c_str());
      return MOSQ_ERR_AUTH;
    }
    // Mosquitto closes an older connection with the same client ID only after this check
    // passes: refusing here keeps the holder of a client ID connected.
    const char* raw_client_id = mosquitto_client_id(event->client);
    if (raw_client_id == nullptr || !state->acl.ClientIdAllowed(id->str(), raw_client_id)) {
      return Refuse(event->client, client_id,
                    "client ID " + std::string(client_id) + " is not bound to " + id->str() +
                        " (use the SPIFFE ID, the SPIFFE ID followed by '#' and a suffix, or "
                        "a client ID its ACL rule lists in client_ids)");
    }
    if (mosquitto_set_username(event->client, id->str().c_str()) != MOSQ_ERR_SUCCESS) {
      return MOSQ_ERR_AUTH;
    }
    mosquitto_log_printf(MOSQ_LOG_INFO, "%s: client %s is %s", kLogPrefix, client_id,
                         id->str().c_str());
    return MOSQ_ERR_SUCCESS;
  } catch (const std::exception& e) {
    mosquitto_log_printf(MOSQ_LOG_ERR, "%s: refused client %s: %s", kLogPrefix, client_id,
                         e.what());
    return MOSQ_ERR_AUTH;
  }
}

std::optional<MqttAccess> AccessOf(int mosquitto_access) {
  switch (mosquitto_access) {
    case MOSQ_ACL_WRITE:
      return MqttAccess::kPublish;
    case MOSQ_ACL_SUBSCRIBE:
      return MqttAccess::kSubscribe;
    case MOSQ_ACL_READ:
      return MqttAccess::kReceive;
    default:
      return std::nullopt;
  }
}

int OnAclCheck(int /*event*/, void* event_data, void* userdata) {
  auto* event = static_cast<mosquitto_evt_acl_check*>(event_data);
  const auto* state = static_cast<const PluginState*>(userdata);
  // Leaving a subscription never grants anything.
  if (event->access == MOSQ_ACL_UNSUBSCRIBE) return MOSQ_ERR_SUCCESS;
  const char* id = mosquitto_client_username(event->client);
  auto access = AccessOf(event->access);
  if (id == nullptr || event->topic == nullptr || !access) return MOSQ_ERR_ACL_DENIED;
  if (state->acl.Allows(id, *access, event->topic)) return MOSQ_ERR_SUCCESS;
  if (*access != MqttAccess::kReceive) {
    mosquitto_log_printf(MOSQ_LOG_NOTICE, "%s: denied %s to %s on %s", kLogPrefix,
                         *access == MqttAccess::kPublish ? "publish" : "subscribe", id,
                         event->topic);
  }
  return MOSQ_ERR_ACL_DENIED;
}

int OnReload(int /*event*/, void* /*event_data*/, void* userdata) {
  auto* state = static_cast<PluginState*>(userdata);
  if (auto bundle = state->trust_bundle.Reload(); !bundle.ok()) {
    mosquitto_log_printf(MOSQ_LOG_ERR, "%s: kept the previous trust bundle: %s", kLogPrefix,
                         bundle.error().message.c_str());
  } else {
    mosquitto_log_printf(MOSQ_LOG_NOTICE, "%s: reloaded %zu trust bundle authorities from %s",
                         kLogPrefix, state->trust_bundle.bundle().authorities().size(),
                         state->trust_bundle.path().c_str());
  }
  auto acl = SpiffeAcl::Load(state->acl_path, state->trust_domain);
  if (!acl.ok()) {
    mosquitto_log_printf(MOSQ_LOG_ERR, "%s: kept the previous ACL: %s", kLogPrefix,
                         acl.error().message.c_str());
    return MOSQ_ERR_SUCCESS;
  }
  state->acl = std::move(*acl);
  mosquitto_log_printf(MOSQ_LOG_NOTICE, "%s: reloaded %zu ACL rules from %s", kLogPrefix,
                       state->acl.rules().size(), state->acl_path.c_str());
  return MOSQ_ERR_SUCCESS;
}

Result<std::unique_ptr<PluginState>> Configure(mosquitto_opt* options, int option_count) {
  std::optional<std::string> trust_domain;
  std::optional<std::string> trust_bundle;
  std::optional<std::string> acl_file;
  for (int i = 0; i < option_count; ++i) {
    const std::string key = Named(options[i].key);
    const std::string value = Named(options[i].value);
    if (key == "trust_domain") {
      trust_domain = value;
    } else if (key == "trust_bundle") {
      trust_bundle = value;
    } else if (key == "acl_file") {
      acl_file = value;
    } else {
      return InvalidArgument(
          "unknown option plugin_opt_" + key +
          " (known: plugin_opt_trust_domain, plugin_opt_trust_bundle, plugin_opt_acl_file)");
    }
  }
  if (!trust_domain) return InvalidArgument("plugin_opt_trust_domain is required");
  // Without it the only check of the chain would be Mosquitto's cafile, which may hold federated
  // roots that could then mint IDs of this trust domain: no default, the broker does not start.
  if (!trust_bundle) {
    return InvalidArgument(
        "plugin_opt_trust_bundle is required: a PEM file of the own trust domain's X.509 "
        "authorities (without federated domains), which every client certificate must chain to");
  }
  if (!acl_file) return InvalidArgument("plugin_opt_acl_file is required");
  auto td = spiffe::TrustDomain::Parse(*trust_domain);
  if (!td.ok()) return td.error().Wrap("plugin_opt_trust_domain");
  auto bundle = EDGEID_TRY(TrustBundleFile::Load(*trust_bundle, *td));
  auto acl = EDGEID_TRY(SpiffeAcl::Load(*acl_file, *td));
  return std::make_unique<PluginState>(
      PluginState{nullptr, *td, std::move(bundle), *acl_file, std::move(acl)});
}

}  // namespace
}  // namespace edgeid::mqtt

using edgeid::mqtt::PluginState;

extern "C" {

__attribute__((visibility("default"))) int mosquitto_plugin_version(int supported_version_count,
                                                                    const int* supported_versions) {
  for (int i = 0; i < supported_version_count; ++i) {
    if (supported_versions[i] == edgeid::mqtt::kPluginApiVersion) {
      return edgeid::mqtt::kPluginApiVersion;
    }
  }
  return -1;
}

__attribute__((visibility("default"))) int mosquitto_plugin_init(mosquitto_plugin_id_t* identifier,
                                                                 void** userdata,
                                                                 mosquitto_opt* options,
                                                                 int option_count) {
  using edgeid::mqtt::kLogPrefix;
  try {
    auto state = edgeid::mqtt::Configure(options, option_count);
    if (!state.ok()) {
      mosquitto_log_printf(MOSQ_LOG_ERR, "%s: %s", kLogPrefix, state.error().message.c_str());
      return MOSQ_ERR_INVAL;
    }
    (*state)->identifier = identifier;
    PluginState* raw = state->get();
    if (mosquitto_callback_register(identifier, MOSQ_EVT_BASIC_AUTH, edgeid::mqtt::OnBasicAuth,
                                    nullptr, raw) != MOSQ_ERR_SUCCESS ||
        mosquitto_callback_register(identifier, MOSQ_EVT_ACL_CHECK, edgeid::mqtt::OnAclCheck,
                                    nullptr, raw) != MOSQ_ERR_SUCCESS ||
        mosquitto_callback_register(identifier, MOSQ_EVT_RELOAD, edgeid::mqtt::OnReload, nullptr,
                                    raw) != MOSQ_ERR_SUCCESS) {
      mosquitto_log_printf(MOSQ_LOG_ERR, "%s: could not register its callbacks", kLogPrefix);
      return MOSQ_ERR_UNKNOWN;
    }
    mosquitto_log_printf(
        MOSQ_LOG_NOTICE, "%s: trust domain %s, %zu authorities from %s, %zu ACL rules from %s",
        kLogPrefix, raw->trust_domain.name().c_str(),
        raw->trust_bundle.bundle().authorities().size(), raw->trust_bundle.path().c_str(),
        raw->acl.rules().size(), raw->acl_path.c_str());
    *userdata = state->release();
    return MOSQ_ERR_SUCCESS;
  } catch (const std::exception& e) {
    mosquitto_log_printf(MOSQ_LOG_ERR, "%s: %s", kLogPrefix, e.what());
    return MOSQ_ERR_UNKNOWN;
  }
}

__attribute__((visibility("default"))) int mosquitto_plugin_cleanup(void* userdata,
                                                                    mosquitto_opt* /*options*/,
                                                                    int /*option_count*/) {
  std::unique_ptr<PluginState> state(static_cast<PluginState*>(userdata));
  if (state) {
    mosquitto_callback_unregister(state->identifier, MOSQ_EVT_BASIC_AUTH, edgeid::mqtt::OnBasicAuth,
                                  nullptr);
    mosquitto_callback_unregister(state->identifier, MOSQ_EVT_ACL_CHECK, edgeid::mqtt::OnAclCheck,
                                  nullptr);
    mosquitto_callback_unregister(state->identifier, MOSQ_EVT_RELOAD, edgeid::mqtt::OnReload,
                                  nullptr);
  }
  return MOSQ_ERR_SUCCESS;
}

}  // extern "C"
