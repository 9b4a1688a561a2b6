// The DataStore over SQL, written once for every driver (SQLite, PostgreSQL). Every multi-row
// change is one transaction, and changes that must not be lost to a concurrent writer (bans,
// renewals, revisions, single-use tokens) are conditional statements, so several servers can
// share one PostgreSQL database.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "server/datastore/datastore.h"
#include "server/datastore/sql/connection_pool.h"

namespace edgeid::server {

class SqlDataStore final : public DataStore {
 public:
  // The schema must already be migrated.
  explicit SqlDataStore(std::vector<std::unique_ptr<sql::Connection>> connections)
      : pool_(std::move(connections)) {}

  Result<RegistrationEntry> CreateRegistrationEntry(RegistrationEntry entry) override;
  Result<std::vector<RegistrationEntry>> BatchCreateRegistrationEntries(
      std::vector<RegistrationEntry> entries) override;
  Result<RegistrationEntry> FetchRegistrationEntry(const std::string& entry_id) override;
  Result<std::vector<RegistrationEntry>> ListRegistrationEntries(
      const EntryFilter& filter) override;
  Result<int64_t> CountRegistrationEntries() override;
  Result<RegistrationEntry> UpdateRegistrationEntry(const RegistrationEntry& entry) override;
  Result<RegistrationEntry> DeleteRegistrationEntry(const std::string& entry_id) override;

  Status CreateAttestedNode(const AttestedNode& node) override;
  Result<AttestedNode> FetchAttestedNode(const std::string& spiffe_id) override;
  Result<std::vector<AttestedNode>> ListAttestedNodes() override;
  Result<int64_t> CountAttestedNodes() override;
  Status UpdateAttestedNode(const AttestedNode& node) override;
  Status BanAttestedNode(const std::string& spiffe_id) override;
  Status StageAgentSvid(const std::string& spiffe_id, const std::string& current_serial,
                        const std::string& new_serial, int64_t new_not_after) override;
  Status ActivateAgentSvid(const std::string& spiffe_id, const std::string& new_serial) override;
  Status DeleteAttestedNode(const std::string& spiffe_id) override;

  Status CreateJoinToken(const JoinToken& token) override;
  Result<JoinToken> TakeJoinToken(const std::string& token) override;
  Result<int64_t> PruneJoinTokens(int64_t expired_before) override;

  Status SetBundle(const std::string& trust_domain, const std::string& bundle_json) override;
  Result<std::string> FetchBundle(const std::string& trust_domain) override;
  Result<std::vector<std::string>> ListBundleTrustDomains() override;
  Result<std::vector<std::string>> DeleteBundle(const std::string& trust_domain,
                                                BundleDeleteMode mode) override;
  Result<std::string> UpdateBundle(const std::string& trust_domain,
                                   const BundleUpdate& update) override;

  Status CreateFederationRelationship(const FederationRelationship& relationship) override;
  Status UpdateFederationRelationship(const FederationRelationship& relationship) override;
  Result<FederationRelationship> FetchFederationRelationship(
      const std::string& trust_domain) override;
  Result<std::vector<FederationRelationship>> ListFederationRelationships() override;
  Status DeleteFederationRelationship(const std::string& trust_domain) override;

  Status SetCaJournal(const std::string& server_id, const std::string& data) override;
  Result<std::string> FetchCaJournal(const std::string& server_id) override;
  Result<std::vector<std::string>> ListCaJournals() override;
  Result<int64_t> ExternalChangeMarker() override;

 private:
  sql::ConnectionPool pool_;
};

}  // namespace edgeid::server
