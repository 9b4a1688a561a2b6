// What the server stores: registration entries, attested nodes, join tokens, bundles and the
// CA journal. Field names follow SPIRE's (spire-api-sdk types) so operators recognise them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace edgeid::server {

struct Selector {
  std::string type;   // "unix", "x509pop", "join_token", ...
  std::string value;  // "uid:1000", "subject:cn:edge-1", ...

  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads defaulted comparisons
  auto operator<=>(const Selector&) const = default;
  std::string ToString() const { return type + ":" + value; }
};

struct RegistrationEntry {
  std::string entry_id;
  std::string spiffe_id;
  std::string parent_id;
  std::vector<Selector> selectors;  // kept sorted
  int32_t x509_svid_ttl = 0;        // seconds; 0 means the server default
  int32_t jwt_svid_ttl = 0;
  std::vector<std::string> dns_names;
  std::vector<std::string> federates_with;  // trust domain names
  bool admin = false;
  bool downstream = false;
  int64_t expires_at = 0;  // Unix seconds; 0 means never
  std::string hint;
  int64_t revision_number = 0;  // bumped on every update
  int64_t created_at = 0;

  bool operator==(const RegistrationEntry&) const = default;
};

struct AttestedNode {
  std::string spiffe_id;
  std::string attestation_type;  // "join_token", "x509pop", ...
  std::string cert_serial;       // serial of the agent SVID last issued
  int64_t cert_not_after = 0;
  // A renewed SVID not yet used by the agent; both serials are accepted until it is.
  std::string new_cert_serial;
  int64_t new_cert_not_after = 0;
  bool banned = false;
  bool can_reattest = false;
  std::vector<Selector> selectors;  // node selectors from attestation, kept sorted
  int64_t created_at = 0;

  bool operator==(const AttestedNode&) const = default;
};

// A one-way federation: this server fetches `trust_domain`'s bundle from its bundle endpoint
// (SPIFFE_Federation.md). `endpoint_spiffe_id` is set for the https_spiffe profile only.
struct FederationRelationship {
  std::string trust_domain;
  std::string bundle_endpoint_url;
  std::string bundle_endpoint_profile;  // "https_web" or "https_spiffe"
  std::string endpoint_spiffe_id;
  // https_web: a PEM file of the CAs that may sign the endpoint's certificate instead of the
  // system's roots; empty means the system's.
  std::string endpoint_ca_file;

  bool operator==(const FederationRelationship&) const = default;
};

struct JoinToken {
  std::string token;
  int64_t expires_at = 0;  // Unix seconds
};

// What one committed write did to registration entries: the entries it created or updated, as
// stored, and the IDs it deleted.
struct EntryChange {
  std::vector<RegistrationEntry> upserted;
  std::vector<std::string> removed_ids;
};

// Filters for ListRegistrationEntries; unset fields do not filter.
struct EntryFilter {
  std::optional<std::string> spiffe_id{};
  std::optional<std::string> parent_id{};
  // Entries whose selectors are exactly these (kExact) or include all of these (kSuperset).
  enum class SelectorMatch { kExact, kSuperset };
  std::optional<std::vector<Selector>> selectors{};
  SelectorMatch selector_match = SelectorMatch::kExact;
  std::optional<std::string> federates_with{};
};

}  // namespace edgeid::server
