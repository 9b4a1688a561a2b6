// The embedded default DataStore: one SQLite file in WAL mode with foreign keys on, written
// with synchronous=FULL so that an acknowledged change survives a crash or kill -9.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "server/datastore/datastore.h"
#include "server/datastore/sqlite/sqlite_db.h"

namespace edgeid::server {

class SqliteDataStore final : public DataStore {
 public:
  // Opens (creating with mode 0600 if needed: join tokens are secrets) and migrates `path`.
  static Result<std::unique_ptr<SqliteDataStore>> Open(const std::string& path);

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
  Status DeleteBundle(const std::string& trust_domain) override;

  Status SetCaJournal(const std::string& data) override;
  Result<std::string> FetchCaJournal() override;
  // SQLite's data_version: it changes when another connection commits to the file.
  Result<int64_t> ExternalChangeMarker() override;

 private:
  explicit SqliteDataStore(sqlite::DbPtr db) : db_(std::move(db)) {}

  Status InsertEntryLocked(RegistrationEntry& entry);
  Status InsertEntryChildrenLocked(const RegistrationEntry& entry);
  Result<std::vector<RegistrationEntry>> LoadEntriesLocked(const std::string& where,
                                                           const std::vector<std::string>& args);
  Status WriteNodeSelectorsLocked(const AttestedNode& node);
  Result<std::vector<AttestedNode>> LoadNodesLocked(const std::string& where,
                                                    const std::string& arg);
  Result<int64_t> CountLocked(const char* table);

  std::mutex mu_;  // one connection, used by one thread at a time
  sqlite::DbPtr db_;
};

}  // namespace edgeid::server
