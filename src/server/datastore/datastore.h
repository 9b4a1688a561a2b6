// The DataStore: everything the server has acknowledged, kept durably. SQLite is the embedded
// default; the interface is shaped so that a PostgreSQL implementation can share one database
// between several servers (no in-process state, every multi-row change one transaction).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "server/datastore/types.h"

namespace edgeid::server {

class DataStore {
 public:
  virtual ~DataStore() = default;

  // Registration entries. Create assigns entry_id (when empty), created_at and revision 0;
  // a second entry with the same SPIFFE ID, parent ID and selectors is AlreadyExists.
  virtual Result<RegistrationEntry> CreateRegistrationEntry(RegistrationEntry entry) = 0;
  // All or nothing: one failing entry creates none of them.
  virtual Result<std::vector<RegistrationEntry>> BatchCreateRegistrationEntries(
      std::vector<RegistrationEntry> entries) = 0;
  virtual Result<RegistrationEntry> FetchRegistrationEntry(const std::string& entry_id) = 0;
  virtual Result<std::vector<RegistrationEntry>> ListRegistrationEntries(
      const EntryFilter& filter) = 0;
  virtual Result<int64_t> CountRegistrationEntries() = 0;
  // Replaces every field but entry_id and created_at; bumps revision_number.
  virtual Result<RegistrationEntry> UpdateRegistrationEntry(const RegistrationEntry& entry) = 0;
  virtual Result<RegistrationEntry> DeleteRegistrationEntry(const std::string& entry_id) = 0;

  // Attested nodes (agents).
  virtual Status CreateAttestedNode(const AttestedNode& node) = 0;
  virtual Result<AttestedNode> FetchAttestedNode(const std::string& spiffe_id) = 0;
  virtual Result<std::vector<AttestedNode>> ListAttestedNodes() = 0;
  virtual Result<int64_t> CountAttestedNodes() = 0;
  // Re-attestation: replaces attestation type, serials, expiries, re-attestation flag and
  // selectors of an agent that is not banned (FailedPrecondition if it is). The ban state is
  // changed only by BanAttestedNode, so no read-modify-write can undo a ban.
  virtual Status UpdateAttestedNode(const AttestedNode& node) = 0;
  virtual Status BanAttestedNode(const std::string& spiffe_id) = 0;
  // Renewal, as compare-and-set steps so that concurrent calls cannot bring back an old serial:
  // records `new_serial` only while the agent is not banned and its current serial is
  // `current_serial`; then, on the agent's first use of it, makes it the current one. Each is
  // FailedPrecondition when its condition no longer holds.
  virtual Status StageAgentSvid(const std::string& spiffe_id, const std::string& current_serial,
                                const std::string& new_serial, int64_t new_not_after) = 0;
  virtual Status ActivateAgentSvid(const std::string& spiffe_id, const std::string& new_serial) = 0;
  virtual Status DeleteAttestedNode(const std::string& spiffe_id) = 0;

  // Join tokens are single use: TakeJoinToken deletes and returns it in one step, so two
  // servers sharing a database cannot both accept it.
  virtual Status CreateJoinToken(const JoinToken& token) = 0;
  virtual Result<JoinToken> TakeJoinToken(const std::string& token) = 0;
  virtual Result<int64_t> PruneJoinTokens(int64_t expired_before) = 0;

  // Bundles as SPIFFE bundle JSON, keyed by trust domain name: one's own and federated ones.
  virtual Status SetBundle(const std::string& trust_domain, const std::string& bundle_json) = 0;
  virtual Result<std::string> FetchBundle(const std::string& trust_domain) = 0;
  virtual Result<std::vector<std::string>> ListBundleTrustDomains() = 0;
  // What deleting a federated bundle does to the entries that federate with its trust domain
  // (SPIRE's modes): refuse while there are any, delete them, or drop the trust domain from them.
  // A federation relationship with the trust domain refuses every mode (the refresher would
  // fetch the bundle again). Returns the IDs of the entries deleted or changed.
  enum class BundleDeleteMode { kRestrict, kDelete, kDissociate };
  virtual Result<std::vector<std::string>> DeleteBundle(const std::string& trust_domain,
                                                        BundleDeleteMode mode) = 0;
  // Read-modify-write of one bundle with no concurrent writer in between, so that servers
  // sharing a database can each add their own authorities. `update` gets the stored bundle (or
  // nothing) and returns the new one; its error aborts the change. Returns what was stored.
  using BundleUpdate =
      std::function<Result<std::string>(const std::optional<std::string>& current)>;
  virtual Result<std::string> UpdateBundle(const std::string& trust_domain,
                                           const BundleUpdate& update) = 0;

  // Federation relationships, keyed by trust domain name. Create is AlreadyExists for a known
  // trust domain; Update and Delete are NotFound for an unknown one. Deleting a relationship
  // keeps the bundle it fetched (delete that with DeleteBundle).
  virtual Status CreateFederationRelationship(const FederationRelationship& relationship) = 0;
  virtual Status UpdateFederationRelationship(const FederationRelationship& relationship) = 0;
  virtual Result<FederationRelationship> FetchFederationRelationship(
      const std::string& trust_domain) = 0;
  virtual Result<std::vector<FederationRelationship>> ListFederationRelationships() = 0;
  virtual Status DeleteFederationRelationship(const std::string& trust_domain) = 0;

  // A number that changes whenever another connection or process changed the store, so that
  // caches of it reload only when they must. Unimplemented when the store cannot tell (callers
  // then reload on a timer).
  virtual Result<int64_t> ExternalChangeMarker() {
    return Error{ErrorCode::kFailedPrecondition, "no change marker"};
  }

  // The CA journal: an opaque document a server's CA writes so that it resumes its keys after a
  // restart. One per server: servers sharing a database each have their own CA.
  virtual Status SetCaJournal(const std::string& server_id, const std::string& data) = 0;
  virtual Result<std::string> FetchCaJournal(const std::string& server_id) = 0;
  // Every server's journal: together they say which JWT keys are still published by someone.
  virtual Result<std::vector<std::string>> ListCaJournals() = 0;
};

}  // namespace edgeid::server
