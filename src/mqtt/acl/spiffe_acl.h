// Who may publish and subscribe to what on the MQTT broker, by SPIFFE ID.
//
// The ACL file is TOML, one [[rule]] per identity or group of identities:
//
//   [[rule]]
//   spiffe_id = "spiffe://example.org/mapper/*"      # '*' stands for one whole path segment
//   publish = ["$hw/events/device/default/+/twin/update",
//   "$ke/events/device/default/+/data/update"] subscribe =
//   ["$hw/events/device/default/+/twin/update/delta"]
//
// Every ID must be of the broker's trust domain; a client whose ID no rule names is refused at
// connect, and so is one whose MQTT client ID is not bound to its SPIFFE ID (ClientIdAllowed).
// What no rule grants is denied.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "spiffe/spiffe_id.h"

namespace edgeid::mqtt {

enum class MqttAccess {
  kPublish,    // the client sends a message to a topic
  kSubscribe,  // the client subscribes with a filter
  kReceive,    // the broker is about to deliver a message on a topic to the client
};

struct AclRule {
  std::string spiffe_id;  // exact, or with '*' path segments
  std::vector<std::string> publish;
  std::vector<std::string> subscribe;
  // More MQTT client IDs this (exact) SPIFFE ID may connect with, for clients whose ID cannot be
  // changed to the bound form (see ClientIdAllowed).
  std::vector<std::string> client_ids;
};

class SpiffeAcl {
 public:
  // `source` names the file in errors. Refuses unknown keys, IDs of another trust domain or
  // without a path, bad topic filters, and a file without rules.
  static Result<SpiffeAcl> Parse(std::string_view toml_text, const spiffe::TrustDomain& td,
                                 const std::string& source);
  static Result<SpiffeAcl> Load(const std::string& path, const spiffe::TrustDomain& td);

  // `id` is a SPIFFE ID already checked to be of the trust domain. Whether some rule names it:
  bool Knows(std::string_view id) const;
  bool Allows(std::string_view id, MqttAccess access, std::string_view topic) const;
  // Whether a client proving `id` may use the MQTT client ID `client_id`. A client ID belongs to
  // one SPIFFE ID, so that no other identity can connect with it and take the session over
  // (Mosquitto disconnects the older connection of a client ID): it must be the SPIFFE ID
  // itself, or the SPIFFE ID, '#' and a suffix (one identity, several sessions; SPIFFE IDs
  // cannot hold '#', so no other ID has this prefix), or one of the `client_ids` of a rule whose
  // spiffe_id is exactly `id`.
  bool ClientIdAllowed(std::string_view id, std::string_view client_id) const;

  const std::vector<AclRule>& rules() const { return rules_; }

 private:
  explicit SpiffeAcl(std::vector<AclRule> rules) : rules_(std::move(rules)) {}
  std::vector<AclRule> rules_;
};

// Whether `id` matches `pattern`: equal, or equal segment by segment where the pattern has '*'.
bool SpiffeIdMatches(std::string_view pattern, std::string_view id);

}  // namespace edgeid::mqtt
