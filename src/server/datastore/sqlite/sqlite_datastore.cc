#include "server/datastore/sqlite/sqlite_datastore.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>

#include "common/unique_fd.h"
#include "crypto/encoding.h"
#include "crypto/random.h"
#include "server/datastore/sqlite/schema.h"

namespace edgeid::server {
namespace {

using sqlite::Statement;
using sqlite::Transaction;

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A random UUID (RFC 4122 version 4), as SPIRE's entry IDs.
Result<std::string> NewEntryId() {
  auto bytes = EDGEID_TRY(crypto::RandomBytes(16));
  bytes[6] = static_cast<char>((static_cast<uint8_t>(bytes[6]) & 0x0f) | 0x40);
  bytes[8] = static_cast<char>((static_cast<uint8_t>(bytes[8]) & 0x3f) | 0x80);
  std::string hex = crypto::HexEncode(bytes);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

// The selectors in one canonical string, so that "same selectors" is one column comparison.
std::string SelectorsKey(const std::vector<Selector>& selectors) {
  std::string key;
  for (const auto& s : selectors) {
    key += s.type;
    key += '\x1f';
    key += s.value;
    key += '\x1e';
  }
  return key;
}

void Normalize(std::vector<Selector>& selectors) {
  std::sort(selectors.begin(), selectors.end());
  selectors.erase(std::unique(selectors.begin(), selectors.end()), selectors.end());
}

Status ValidateEntry(const RegistrationEntry& entry) {
  if (entry.spiffe_id.empty()) return InvalidArgument("entry has no SPIFFE ID");
  if (entry.parent_id.empty()) return InvalidArgument("entry has no parent ID");
  if (entry.selectors.empty()) return InvalidArgument("entry has no selectors");
  for (const auto& s : entry.selectors) {
    if (s.type.empty() || s.value.empty()) {
      return InvalidArgument("selector \"" + s.ToString() + "\" needs a type and a value");
    }
  }
  if (entry.x509_svid_ttl < 0 || entry.jwt_svid_ttl < 0) {
    return InvalidArgument("entry TTLs must not be negative");
  }
  return OkStatus();
}

Error NotFoundEntry(const std::string& id) {
  return NotFound("no registration entry with ID " + id);
}

}  // namespace

Result<std::unique_ptr<SqliteDataStore>> SqliteDataStore::Open(const std::string& path) {
  {
    // Create the file ourselves so that it is never readable by others, even for a moment.
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!fd.valid()) {
      return Unavailable("opening datastore " + path + ": " + std::strerror(errno));
    }
  }
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  sqlite::DbPtr db(raw);
  if (rc != SQLITE_OK) return sqlite::DbError(db.get(), "opening datastore " + path);
  sqlite3_busy_timeout(db.get(), 5000);
  auto configured = sqlite::Exec(db.get(),
                                 "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                                 " PRAGMA foreign_keys = ON;");
  if (!configured.ok()) return configured.error().Wrap("datastore " + path);
  auto migrated = sqlite::Migrate(db.get());
  if (!migrated.ok()) return migrated.error().Wrap("datastore " + path);
  return std::unique_ptr<SqliteDataStore>(new SqliteDataStore(std::move(db)));
}

// ---- registration entries ----

Status SqliteDataStore::InsertEntryChildrenLocked(const RegistrationEntry& entry) {
  auto selectors = EDGEID_TRY(Statement::Prepare(
      db_.get(), "INSERT INTO entry_selectors (entry_id, type, value) VALUES (?, ?, ?)"));
  for (const auto& s : entry.selectors) {
    EDGEID_RETURN_IF_ERROR(
        selectors.Reset().Bind(1, entry.entry_id).Bind(2, s.type).Bind(3, s.value).Run());
  }
  auto dns = EDGEID_TRY(Statement::Prepare(
      db_.get(), "INSERT INTO entry_dns_names (entry_id, position, value) VALUES (?, ?, ?)"));
  for (size_t i = 0; i < entry.dns_names.size(); ++i) {
    EDGEID_RETURN_IF_ERROR(dns.Reset()
                               .Bind(1, entry.entry_id)
                               .Bind(2, static_cast<int64_t>(i))
                               .Bind(3, entry.dns_names[i])
                               .Run());
  }
  auto federation = EDGEID_TRY(Statement::Prepare(
      db_.get(), "INSERT INTO entry_federates_with (entry_id, trust_domain) VALUES (?, ?)"));
  for (const auto& td : entry.federates_with) {
    EDGEID_RETURN_IF_ERROR(federation.Reset().Bind(1, entry.entry_id).Bind(2, td).Run());
  }
  return OkStatus();
}

Status SqliteDataStore::InsertEntryLocked(RegistrationEntry& entry) {
  EDGEID_RETURN_IF_ERROR(ValidateEntry(entry));
  Normalize(entry.selectors);
  std::sort(entry.federates_with.begin(), entry.federates_with.end());
  entry.federates_with.erase(std::unique(entry.federates_with.begin(), entry.federates_with.end()),
                             entry.federates_with.end());
  bool id_given = !entry.entry_id.empty();
  if (!id_given) entry.entry_id = EDGEID_TRY(NewEntryId());
  entry.created_at = NowSeconds();
  entry.revision_number = 0;
  auto insert = EDGEID_TRY(Statement::Prepare(
      db_.get(),
      "INSERT INTO registration_entries (entry_id, spiffe_id, parent_id, selectors_key,"
      " x509_svid_ttl, jwt_svid_ttl, admin, downstream, expires_at, hint, revision, created_at)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  auto inserted = insert.Bind(1, entry.entry_id)
                      .Bind(2, entry.spiffe_id)
                      .Bind(3, entry.parent_id)
                      .Bind(4, SelectorsKey(entry.selectors))
                      .Bind(5, int64_t{entry.x509_svid_ttl})
                      .Bind(6, int64_t{entry.jwt_svid_ttl})
                      .Bind(7, int64_t{entry.admin})
                      .Bind(8, int64_t{entry.downstream})
                      .Bind(9, entry.expires_at)
                      .Bind(10, entry.hint)
                      .Bind(11, entry.revision_number)
                      .Bind(12, entry.created_at)
                      .Run();
  if (!inserted.ok()) {
    if (inserted.error().code == ErrorCode::kAlreadyExists) {
      return AlreadyExists(
          id_given ? "entry ID " + entry.entry_id +
                         " is taken, or an entry with the same SPIFFE ID, parent ID and selectors"
                         " exists"
                   : "an entry with SPIFFE ID " + entry.spiffe_id + ", parent ID " +
                         entry.parent_id + " and these selectors already exists");
    }
    return inserted.error();
  }
  return InsertEntryChildrenLocked(entry);
}

Result<RegistrationEntry> SqliteDataStore::CreateRegistrationEntry(RegistrationEntry entry) {
  std::lock_guard lock(mu_);
  auto tx = EDGEID_TRY(Transaction::Begin(db_.get()));
  EDGEID_RETURN_IF_ERROR(InsertEntryLocked(entry));
  EDGEID_RETURN_IF_ERROR(tx.Commit());
  return entry;
}

Result<std::vector<RegistrationEntry>> SqliteDataStore::BatchCreateRegistrationEntries(
    std::vector<RegistrationEntry> entries) {
  std::lock_guard lock(mu_);
  auto tx = EDGEID_TRY(Transaction::Begin(db_.get()));
  for (size_t i = 0; i < entries.size(); ++i) {
    auto status = InsertEntryLocked(entries[i]);
    if (!status.ok()) return status.error().Wrap("entry #" + std::to_string(i + 1));
  }
  EDGEID_RETURN_IF_ERROR(tx.Commit());
  return entries;
}

Result<std::vector<RegistrationEntry>> SqliteDataStore::LoadEntriesLocked(
    const std::string& where, const std::vector<std::string>& args) {
  auto bind_all = [&](Statement& s) {
    for (size_t i = 0; i < args.size(); ++i) s.Bind(static_cast<int>(i + 1), args[i]);
  };
  const std::string matching = "SELECT entry_id FROM registration_entries e" + where;
  auto rows = EDGEID_TRY(Statement::Prepare(
      db_.get(),
      "SELECT entry_id, spiffe_id, parent_id, x509_svid_ttl, jwt_svid_ttl, admin, downstream,"
      " expires_at, hint, revision, created_at FROM registration_entries e" +
          where + " ORDER BY entry_id"));
  bind_all(rows);
  std::vector<RegistrationEntry> entries;
  std::map<std::string, size_t> index;
  while (EDGEID_TRY(rows.Step())) {
    RegistrationEntry e;
    e.entry_id = rows.Text(0);
    e.spiffe_id = rows.Text(1);
    e.parent_id = rows.Text(2);
    e.x509_svid_ttl = static_cast<int32_t>(rows.Int(3));
    e.jwt_svid_ttl = static_cast<int32_t>(rows.Int(4));
    e.admin = rows.Int(5) != 0;
    e.downstream = rows.Int(6) != 0;
    e.expires_at = rows.Int(7);
    e.hint = rows.Text(8);
    e.revision_number = rows.Int(9);
    e.created_at = rows.Int(10);
    index[e.entry_id] = entries.size();
    entries.push_back(std::move(e));
  }
  if (entries.empty()) return entries;

  // One query per child table for the whole result, not one per entry.
  auto children = [&](const std::string& sql, auto add) -> Status {
    // Unfiltered (the server's entry snapshot) reads each child table straight through.
    std::string restrict = where.empty() ? "" : " WHERE entry_id IN (" + matching + ")";
    auto stmt =
        EDGEID_TRY(Statement::Prepare(db_.get(), sql + restrict + " ORDER BY entry_id, 2, 3"));
    bind_all(stmt);
    while (EDGEID_TRY(stmt.Step())) {
      auto it = index.find(stmt.Text(0));
      if (it != index.end()) add(entries[it->second], stmt);
    }
    return OkStatus();
  };
  EDGEID_RETURN_IF_ERROR(children("SELECT entry_id, type, value FROM entry_selectors",
                                  [](RegistrationEntry& e, const Statement& s) {
                                    e.selectors.push_back({s.Text(1), s.Text(2)});
                                  }));
  EDGEID_RETURN_IF_ERROR(
      children("SELECT entry_id, position, value FROM entry_dns_names",
               [](RegistrationEntry& e, const Statement& s) { e.dns_names.push_back(s.Text(2)); }));
  EDGEID_RETURN_IF_ERROR(children(
      "SELECT entry_id, trust_domain, trust_domain FROM entry_federates_with",
      [](RegistrationEntry& e, const Statement& s) { e.federates_with.push_back(s.Text(1)); }));
  return entries;
}

Result<RegistrationEntry> SqliteDataStore::FetchRegistrationEntry(const std::string& entry_id) {
  std::lock_guard lock(mu_);
  auto entries = EDGEID_TRY(LoadEntriesLocked(" WHERE e.entry_id = ?1", {entry_id}));
  if (entries.empty()) return NotFoundEntry(entry_id);
  return std::move(entries.front());
}

Result<std::vector<RegistrationEntry>> SqliteDataStore::ListRegistrationEntries(
    const EntryFilter& filter) {
  std::string where;
  std::vector<std::string> args;
  auto add = [&](const std::string& condition) {
    where += where.empty() ? " WHERE " : " AND ";
    where += condition;
  };
  auto param = [&](std::string value) {
    args.push_back(std::move(value));
    return "?" + std::to_string(args.size());
  };
  if (filter.spiffe_id) add("e.spiffe_id = " + param(*filter.spiffe_id));
  if (filter.parent_id) add("e.parent_id = " + param(*filter.parent_id));
  if (filter.federates_with) {
    add("EXISTS (SELECT 1 FROM entry_federates_with f WHERE f.entry_id = e.entry_id AND "
        "f.trust_domain = " +
        param(*filter.federates_with) + ")");
  }
  if (filter.selectors) {
    std::vector<Selector> wanted = *filter.selectors;
    Normalize(wanted);
    if (filter.selector_match == EntryFilter::SelectorMatch::kExact) {
      add("e.selectors_key = " + param(SelectorsKey(wanted)));
    } else {
      for (const auto& s : wanted) {
        add("EXISTS (SELECT 1 FROM entry_selectors s WHERE s.entry_id = e.entry_id AND s.type = " +
            param(s.type) + " AND s.value = " + param(s.value) + ")");
      }
    }
  }
  std::lock_guard lock(mu_);
  return LoadEntriesLocked(where, args);
}

Result<int64_t> SqliteDataStore::CountLocked(const char* table) {
  auto stmt =
      EDGEID_TRY(Statement::Prepare(db_.get(), std::string("SELECT COUNT(*) FROM ") + table));
  EDGEID_TRY(stmt.Step());
  return stmt.Int(0);
}

Result<int64_t> SqliteDataStore::CountRegistrationEntries() {
  std::lock_guard lock(mu_);
  return CountLocked("registration_entries");
}

Result<RegistrationEntry> SqliteDataStore::UpdateRegistrationEntry(const RegistrationEntry& entry) {
  EDGEID_RETURN_IF_ERROR(ValidateEntry(entry));
  std::lock_guard lock(mu_);
  auto tx = EDGEID_TRY(Transaction::Begin(db_.get()));
  auto current = EDGEID_TRY(LoadEntriesLocked(" WHERE e.entry_id = ?1", {entry.entry_id}));
  if (current.empty()) return NotFoundEntry(entry.entry_id);
  RegistrationEntry updated = entry;
  Normalize(updated.selectors);
  updated.created_at = current.front().created_at;
  updated.revision_number = current.front().revision_number + 1;
  auto stmt = EDGEID_TRY(Statement::Prepare(
      db_.get(),
      "UPDATE registration_entries SET spiffe_id = ?2, parent_id = ?3, selectors_key = ?4,"
      " x509_svid_ttl = ?5, jwt_svid_ttl = ?6, admin = ?7, downstream = ?8, expires_at = ?9,"
      " hint = ?10, revision = ?11 WHERE entry_id = ?1"));
  auto status = stmt.Bind(1, updated.entry_id)
                    .Bind(2, updated.spiffe_id)
                    .Bind(3, updated.parent_id)
                    .Bind(4, SelectorsKey(updated.selectors))
                    .Bind(5, int64_t{updated.x509_svid_ttl})
                    .Bind(6, int64_t{updated.jwt_svid_ttl})
                    .Bind(7, int64_t{updated.admin})
                    .Bind(8, int64_t{updated.downstream})
                    .Bind(9, updated.expires_at)
                    .Bind(10, updated.hint)
                    .Bind(11, updated.revision_number)
                    .Run();
  if (!status.ok()) return status.error().Wrap("updating entry " + updated.entry_id);
  for (const char* table : {"entry_selectors", "entry_dns_names", "entry_federates_with"}) {
    auto clear = EDGEID_TRY(
        Statement::Prepare(db_.get(), std::string("DELETE FROM ") + table + " WHERE entry_id = ?"));
    EDGEID_RETURN_IF_ERROR(clear.Bind(1, updated.entry_id).Run());
  }
  EDGEID_RETURN_IF_ERROR(InsertEntryChildrenLocked(updated));
  EDGEID_RETURN_IF_ERROR(tx.Commit());
  return updated;
}

Result<RegistrationEntry> SqliteDataStore::DeleteRegistrationEntry(const std::string& entry_id) {
  std::lock_guard lock(mu_);
  auto tx = EDGEID_TRY(Transaction::Begin(db_.get()));
  auto current = EDGEID_TRY(LoadEntriesLocked(" WHERE e.entry_id = ?1", {entry_id}));
  if (current.empty()) return NotFoundEntry(entry_id);
  auto stmt = EDGEID_TRY(
      Statement::Prepare(db_.get(), "DELETE FROM registration_entries WHERE entry_id = ?"));
  EDGEID_RETURN_IF_ERROR(stmt.Bind(1, entry_id).Run());
  EDGEID_RETURN_IF_ERROR(tx.Commit());
  return std::move(current.front());
}

// ---- attested nodes ----

Status SqliteDataStore::WriteNodeSelectorsLocked(const AttestedNode& node) {
  auto clear =
      EDGEID_TRY(Statement::Prepare(db_.get(), "DELETE FROM node_selectors WHERE spiffe_id = ?"));
  EDGEID_RETURN_IF_ERROR(clear.Bind(1, node.spiffe_id).Run());
  auto insert = EDGEID_TRY(Statement::Prepare(
      db_.get(), "INSERT OR IGNORE INTO node_selectors (spiffe_id, type, value) VALUES (?, ?, ?)"));
  for (const auto& s : node.selectors) {
    EDGEID_RETURN_IF_ERROR(
        insert.Reset().Bind(1, node.spiffe_id).Bind(2, s.type).Bind(3, s.value).Run());
  }
  return OkStatus();
}

Status SqliteDataStore::CreateAttestedNode(const AttestedNode& node) {
  if (node.spiffe_id.empty()) return InvalidArgument("attested node has no SPIFFE ID");
  std::lock_guard lock(mu_);
  auto tx = EDGEID_TRY(Transaction::Begin(db_.get()));
  auto insert = EDGEID_TRY(Statement::Prepare(
      db_.get(),
      "INSERT INTO attested_nodes (spiffe_id, attestation_type, cert_serial, cert_not_after,"
      " banned, can_reattest, created_at, new_cert_serial, new_cert_not_after)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  auto status = insert.Bind(1, node.spiffe_id)
                    .Bind(2, node.attestation_type)
                    .Bind(3, node.cert_serial)
                    .Bind(4, node.cert_not_after)
                    .Bind(5, int64_t{node.banned})
                    .Bind(6, int64_t{node.can_reattest})
                    .Bind(7, node.created_at != 0 ? node.created_at : NowSeconds())
                    .Bind(8, node.new_cert_serial)
                    .Bind(9, node.new_cert_not_after)
                    .Run();
  if (!status.ok()) {
    if (status.error().code == ErrorCode::kAlreadyExists) {
      return AlreadyExists("agent " + node.spiffe_id + " is already attested");
    }
    return status.error();
  }
  EDGEID_RETURN_IF_ERROR(WriteNodeSelectorsLocked(node));
  return tx.Commit();
}

Result<std::vector<AttestedNode>> SqliteDataStore::LoadNodesLocked(const std::string& where,
                                                                   const std::string& arg) {
  auto rows = EDGEID_TRY(Statement::Prepare(
      db_.get(),
      "SELECT spiffe_id, attestation_type, cert_serial, cert_not_after, banned, can_reattest,"
      " created_at, new_cert_serial, new_cert_not_after FROM attested_nodes" +
          where + " ORDER BY spiffe_id"));
  if (!where.empty()) rows.Bind(1, arg);
  std::vector<AttestedNode> nodes;
  std::map<std::string, size_t> index;
  while (EDGEID_TRY(rows.Step())) {
    AttestedNode n;
    n.spiffe_id = rows.Text(0);
    n.attestation_type = rows.Text(1);
    n.cert_serial = rows.Text(2);
    n.cert_not_after = rows.Int(3);
    n.banned = rows.Int(4) != 0;
    n.can_reattest = rows.Int(5) != 0;
    n.created_at = rows.Int(6);
    n.new_cert_serial = rows.Text(7);
    n.new_cert_not_after = rows.Int(8);
    index[n.spiffe_id] = nodes.size();
    nodes.push_back(std::move(n));
  }
  auto selectors =
      EDGEID_TRY(Statement::Prepare(db_.get(), "SELECT spiffe_id, type, value FROM node_selectors" +
                                                   where + " ORDER BY spiffe_id, type, value"));
  if (!where.empty()) selectors.Bind(1, arg);
  while (EDGEID_TRY(selectors.Step())) {
    auto it = index.find(selectors.Text(0));
    if (it != index.end())
      nodes[it->second].selectors.push_back({selectors.Text(1), selectors.Text(2)});
  }
  return nodes;
}

Result<AttestedNode> SqliteDataStore::FetchAttestedNode(const std::string& spiffe_id) {
  std::lock_guard lock(mu_);
  auto nodes = EDGEID_TRY(LoadNodesLocked(" WHERE spiffe_id = ?1", spiffe_id));
  if (nodes.empty()) return NotFound("no attested agent " + spiffe_id);
  return std::move(nodes.front());
}

Result<std::vector<AttestedNode>> SqliteDataStore::ListAttestedNodes() {
  std::lock_guard lock(mu_);
  return LoadNodesLocked("", "");
}

Result<int64_t> SqliteDataStore::CountAttestedNodes() {
  std::lock_guard lock(mu_);
  return CountLocked("attested_nodes");
}

Status SqliteDataStore::UpdateAttestedNode(const AttestedNode& node) {
  std::lock_guard lock(mu_);
  auto tx = EDGEID_TRY(Transaction::Begin(db_.get()));
  auto update = EDGEID_TRY(Statement::Prepare(
      db_.get(),
      "UPDATE attested_nodes SET cert_serial = ?2, cert_not_after = ?3,"
      " can_reattest = ?4, new_cert_serial = ?5, new_cert_not_after = ?6, attestation_type = ?7"
      " WHERE spiffe_id = ?1 AND banned = 0"));
  EDGEID_RETURN_IF_ERROR(update.Bind(1, node.spiffe_id)
                             .Bind(2, node.cert_serial)
                             .Bind(3, node.cert_not_after)
                             .Bind(4, int64_t{node.can_reattest})
                             .Bind(5, node.new_cert_serial)
                             .Bind(6, node.new_cert_not_after)
                             .Bind(7, node.attestation_type)
                             .Run());
  if (sqlite3_changes(db_.get()) == 0) {
    auto exists = EDGEID_TRY(LoadNodesLocked(" WHERE spiffe_id = ?1", node.spiffe_id));
    if (exists.empty()) return NotFound("no attested agent " + node.spiffe_id);
    return FailedPrecondition("agent " + node.spiffe_id + " is banned");
  }
  EDGEID_RETURN_IF_ERROR(WriteNodeSelectorsLocked(node));
  return tx.Commit();
}

Status SqliteDataStore::BanAttestedNode(const std::string& spiffe_id) {
  std::lock_guard lock(mu_);
  auto update = EDGEID_TRY(
      Statement::Prepare(db_.get(), "UPDATE attested_nodes SET banned = 1 WHERE spiffe_id = ?1"));
  EDGEID_RETURN_IF_ERROR(update.Bind(1, spiffe_id).Run());
  if (sqlite3_changes(db_.get()) == 0) return NotFound("no attested agent " + spiffe_id);
  return OkStatus();
}

Status SqliteDataStore::StageAgentSvid(const std::string& spiffe_id,
                                       const std::string& current_serial,
                                       const std::string& new_serial, int64_t new_not_after) {
  std::lock_guard lock(mu_);
  auto update = EDGEID_TRY(
      Statement::Prepare(db_.get(),
                         "UPDATE attested_nodes SET new_cert_serial = ?3, new_cert_not_after = ?4"
                         " WHERE spiffe_id = ?1 AND cert_serial = ?2 AND banned = 0"));
  EDGEID_RETURN_IF_ERROR(update.Bind(1, spiffe_id)
                             .Bind(2, current_serial)
                             .Bind(3, new_serial)
                             .Bind(4, new_not_after)
                             .Run());
  if (sqlite3_changes(db_.get()) == 0) {
    return FailedPrecondition("agent " + spiffe_id + " is gone, banned or renewed meanwhile");
  }
  return OkStatus();
}

Status SqliteDataStore::ActivateAgentSvid(const std::string& spiffe_id,
                                          const std::string& new_serial) {
  std::lock_guard lock(mu_);
  auto update = EDGEID_TRY(Statement::Prepare(
      db_.get(),
      "UPDATE attested_nodes SET cert_serial = new_cert_serial,"
      " cert_not_after = new_cert_not_after, new_cert_serial = '', new_cert_not_after = 0"
      " WHERE spiffe_id = ?1 AND new_cert_serial = ?2 AND new_cert_serial != '' AND banned = 0"));
  EDGEID_RETURN_IF_ERROR(update.Bind(1, spiffe_id).Bind(2, new_serial).Run());
  if (sqlite3_changes(db_.get()) == 0) {
    return FailedPrecondition("agent " + spiffe_id + " is gone, banned or renewed meanwhile");
  }
  return OkStatus();
}

Status SqliteDataStore::DeleteAttestedNode(const std::string& spiffe_id) {
  std::lock_guard lock(mu_);
  auto stmt =
      EDGEID_TRY(Statement::Prepare(db_.get(), "DELETE FROM attested_nodes WHERE spiffe_id = ?"));
  EDGEID_RETURN_IF_ERROR(stmt.Bind(1, spiffe_id).Run());
  if (sqlite3_changes(db_.get()) == 0) return NotFound("no attested agent " + spiffe_id);
  return OkStatus();
}

// ---- join tokens ----

Status SqliteDataStore::CreateJoinToken(const JoinToken& token) {
  if (token.token.empty()) return InvalidArgument("join token is empty");
  std::lock_guard lock(mu_);
  auto stmt = EDGEID_TRY(
      Statement::Prepare(db_.get(), "INSERT INTO join_tokens (token, expires_at) VALUES (?, ?)"));
  auto status = stmt.Bind(1, token.token).Bind(2, token.expires_at).Run();
  if (!status.ok() && status.error().code == ErrorCode::kAlreadyExists) {
    return AlreadyExists("join token already exists");
  }
  return status;
}

Result<JoinToken> SqliteDataStore::TakeJoinToken(const std::string& token) {
  std::lock_guard lock(mu_);
  auto stmt = EDGEID_TRY(Statement::Prepare(
      db_.get(), "DELETE FROM join_tokens WHERE token = ? RETURNING token, expires_at"));
  stmt.Bind(1, token);
  // Never echo the token itself in errors: it is a credential.
  if (!EDGEID_TRY(stmt.Step())) return NotFound("unknown or already used join token");
  JoinToken taken{stmt.Text(0), stmt.Int(1)};
  EDGEID_RETURN_IF_ERROR(stmt.Run());
  return taken;
}

Result<int64_t> SqliteDataStore::PruneJoinTokens(int64_t expired_before) {
  std::lock_guard lock(mu_);
  auto stmt =
      EDGEID_TRY(Statement::Prepare(db_.get(), "DELETE FROM join_tokens WHERE expires_at < ?"));
  EDGEID_RETURN_IF_ERROR(stmt.Bind(1, expired_before).Run());
  return static_cast<int64_t>(sqlite3_changes(db_.get()));
}

// ---- bundles and the CA journal ----

Status SqliteDataStore::SetBundle(const std::string& trust_domain, const std::string& bundle_json) {
  std::lock_guard lock(mu_);
  auto stmt = EDGEID_TRY(
      Statement::Prepare(db_.get(),
                         "INSERT INTO bundles (trust_domain, data) VALUES (?, ?)"
                         " ON CONFLICT (trust_domain) DO UPDATE SET data = excluded.data"));
  return stmt.Bind(1, trust_domain).Bind(2, bundle_json).Run();
}

Result<std::string> SqliteDataStore::FetchBundle(const std::string& trust_domain) {
  std::lock_guard lock(mu_);
  auto stmt =
      EDGEID_TRY(Statement::Prepare(db_.get(), "SELECT data FROM bundles WHERE trust_domain = ?"));
  stmt.Bind(1, trust_domain);
  if (!EDGEID_TRY(stmt.Step())) return NotFound("no bundle for trust domain " + trust_domain);
  return stmt.Text(0);
}

Result<std::vector<std::string>> SqliteDataStore::ListBundleTrustDomains() {
  std::lock_guard lock(mu_);
  auto stmt = EDGEID_TRY(
      Statement::Prepare(db_.get(), "SELECT trust_domain FROM bundles ORDER BY trust_domain"));
  std::vector<std::string> out;
  while (EDGEID_TRY(stmt.Step())) out.push_back(stmt.Text(0));
  return out;
}

Status SqliteDataStore::DeleteBundle(const std::string& trust_domain) {
  std::lock_guard lock(mu_);
  auto stmt =
      EDGEID_TRY(Statement::Prepare(db_.get(), "DELETE FROM bundles WHERE trust_domain = ?"));
  EDGEID_RETURN_IF_ERROR(stmt.Bind(1, trust_domain).Run());
  if (sqlite3_changes(db_.get()) == 0)
    return NotFound("no bundle for trust domain " + trust_domain);
  return OkStatus();
}

Status SqliteDataStore::SetCaJournal(const std::string& data) {
  std::lock_guard lock(mu_);
  auto stmt =
      EDGEID_TRY(Statement::Prepare(db_.get(),
                                    "INSERT INTO ca_journal (id, data) VALUES (1, ?)"
                                    " ON CONFLICT (id) DO UPDATE SET data = excluded.data"));
  return stmt.Bind(1, data).Run();
}

Result<std::string> SqliteDataStore::FetchCaJournal() {
  std::lock_guard lock(mu_);
  auto stmt = EDGEID_TRY(Statement::Prepare(db_.get(), "SELECT data FROM ca_journal WHERE id = 1"));
  if (!EDGEID_TRY(stmt.Step())) return NotFound("no CA journal yet");
  return stmt.Text(0);
}

Result<int64_t> SqliteDataStore::ExternalChangeMarker() {
  std::lock_guard lock(mu_);
  auto stmt = EDGEID_TRY(Statement::Prepare(db_.get(), "PRAGMA data_version"));
  EDGEID_TRY(stmt.Step());
  return stmt.Int(0);
}

}  // namespace edgeid::server
