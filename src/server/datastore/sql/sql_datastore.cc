#include "server/datastore/sql/sql_datastore.h"

#include <algorithm>
#include <chrono>
#include <map>

#include "common/timestamp.h"
#include "crypto/random.h"

namespace edgeid::server {
namespace {

using sql::Connection;
using sql::Statement;
using sql::Transaction;

constexpr size_t kMaxSelectorTypeBytes = 128;
constexpr size_t kMaxSelectorValueBytes = 1024;

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
    // Selectors are index keys; PostgreSQL limits an index row to about 2.7 KB.
    if (s.type.size() > kMaxSelectorTypeBytes || s.value.size() > kMaxSelectorValueBytes) {
      return InvalidArgument("selector type must be at most " +
                             std::to_string(kMaxSelectorTypeBytes) + " bytes and value at most " +
                             std::to_string(kMaxSelectorValueBytes));
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

Error NotFoundNode(const std::string& id) {
  return NotFound("no attested agent " + id);
}

Status InsertEntryChildren(Connection& db, const RegistrationEntry& entry) {
  auto selectors = EDGEID_TRY(
      db.Prepare("INSERT INTO entry_selectors (entry_id, type, value) VALUES ($1, $2, $3)"));
  for (const auto& s : entry.selectors) {
    EDGEID_TRY(selectors->Reset().Bind(1, entry.entry_id).Bind(2, s.type).Bind(3, s.value).Run());
  }
  auto dns = EDGEID_TRY(
      db.Prepare("INSERT INTO entry_dns_names (entry_id, position, value) VALUES ($1, $2, $3)"));
  for (size_t i = 0; i < entry.dns_names.size(); ++i) {
    EDGEID_TRY(dns->Reset()
                   .Bind(1, entry.entry_id)
                   .Bind(2, static_cast<int64_t>(i))
                   .Bind(3, entry.dns_names[i])
                   .Run());
  }
  auto federation = EDGEID_TRY(
      db.Prepare("INSERT INTO entry_federates_with (entry_id, trust_domain) VALUES ($1, $2)"));
  for (const auto& td : entry.federates_with) {
    EDGEID_TRY(federation->Reset().Bind(1, entry.entry_id).Bind(2, td).Run());
  }
  return OkStatus();
}

Status InsertEntry(Connection& db, RegistrationEntry& entry) {
  EDGEID_RETURN_IF_ERROR(ValidateEntry(entry));
  Normalize(entry.selectors);
  std::sort(entry.federates_with.begin(), entry.federates_with.end());
  entry.federates_with.erase(std::unique(entry.federates_with.begin(), entry.federates_with.end()),
                             entry.federates_with.end());
  bool id_given = !entry.entry_id.empty();
  if (!id_given) entry.entry_id = EDGEID_TRY(crypto::RandomUuid());
  entry.created_at = UnixSecondsNow();
  entry.revision_number = 0;
  auto insert = EDGEID_TRY(db.Prepare(
      "INSERT INTO registration_entries (entry_id, spiffe_id, parent_id, selectors_key,"
      " x509_svid_ttl, jwt_svid_ttl, admin, downstream, expires_at, hint, revision, created_at)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"));
  auto inserted = insert->Bind(1, entry.entry_id)
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
  return InsertEntryChildren(db, entry);
}

Result<std::vector<RegistrationEntry>> LoadEntries(Connection& db, const std::string& where,
                                                   const std::vector<std::string>& args) {
  auto bind_all = [&](Statement& s) {
    for (size_t i = 0; i < args.size(); ++i) s.Bind(static_cast<int>(i + 1), args[i]);
  };
  const std::string matching = "SELECT entry_id FROM registration_entries e" + where;
  auto rows = EDGEID_TRY(db.Prepare(
      "SELECT entry_id, spiffe_id, parent_id, x509_svid_ttl, jwt_svid_ttl, admin, downstream,"
      " expires_at, hint, revision, created_at FROM registration_entries e" +
      where + " ORDER BY entry_id"));
  bind_all(*rows);
  std::vector<RegistrationEntry> entries;
  std::map<std::string, size_t, std::less<>> index;
  while (EDGEID_TRY(rows->Step())) {
    RegistrationEntry e;
    e.entry_id = rows->Text(0);
    e.spiffe_id = rows->Text(1);
    e.parent_id = rows->Text(2);
    e.x509_svid_ttl = static_cast<int32_t>(rows->Int(3));
    e.jwt_svid_ttl = static_cast<int32_t>(rows->Int(4));
    e.admin = rows->Int(5) != 0;
    e.downstream = rows->Int(6) != 0;
    e.expires_at = rows->Int(7);
    e.hint = rows->Text(8);
    e.revision_number = rows->Int(9);
    e.created_at = rows->Int(10);
    index[e.entry_id] = entries.size();
    entries.push_back(std::move(e));
  }
  if (entries.empty()) return entries;

  // One query per child table for the whole result, not one per entry.
  auto children = [&](const std::string& sql, auto add) -> Status {
    // Unfiltered (the server's entry snapshot) reads each child table straight through.
    std::string restrict = where.empty() ? "" : " WHERE entry_id IN (" + matching + ")";
    auto stmt = EDGEID_TRY(db.Prepare(sql + restrict + " ORDER BY entry_id, 2, 3"));
    bind_all(*stmt);
    while (EDGEID_TRY(stmt->Step())) {
      auto it = index.find(stmt->Text(0));
      if (it != index.end()) add(entries[it->second], *stmt);
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

Result<RegistrationEntry> LoadEntry(Connection& db, const std::string& entry_id) {
  auto entries = EDGEID_TRY(LoadEntries(db, " WHERE e.entry_id = $1", {entry_id}));
  if (entries.empty()) return NotFoundEntry(entry_id);
  return std::move(entries.front());
}

Result<int64_t> Count(Connection& db, const char* table) {
  auto stmt = EDGEID_TRY(db.Prepare(std::string("SELECT COUNT(*) FROM ") + table));
  EDGEID_TRY(stmt->Step());
  return stmt->Int(0);
}

Status WriteNodeSelectors(Connection& db, const AttestedNode& node) {
  auto clear = EDGEID_TRY(db.Prepare("DELETE FROM node_selectors WHERE spiffe_id = $1"));
  EDGEID_TRY(clear->Bind(1, node.spiffe_id).Run());
  auto insert = EDGEID_TRY(
      db.Prepare("INSERT INTO node_selectors (spiffe_id, type, value) VALUES ($1, $2, $3)"
                 " ON CONFLICT DO NOTHING"));
  for (const auto& s : node.selectors) {
    EDGEID_TRY(insert->Reset().Bind(1, node.spiffe_id).Bind(2, s.type).Bind(3, s.value).Run());
  }
  return OkStatus();
}

Result<std::vector<AttestedNode>> LoadNodes(Connection& db, const std::string& where,
                                            const std::string& arg) {
  auto rows = EDGEID_TRY(
      db.Prepare("SELECT spiffe_id, attestation_type, cert_serial, cert_not_after, banned,"
                 " can_reattest, created_at, new_cert_serial, new_cert_not_after"
                 " FROM attested_nodes" +
                 where + " ORDER BY spiffe_id"));
  if (!where.empty()) rows->Bind(1, arg);
  std::vector<AttestedNode> nodes;
  std::map<std::string, size_t, std::less<>> index;
  while (EDGEID_TRY(rows->Step())) {
    AttestedNode n;
    n.spiffe_id = rows->Text(0);
    n.attestation_type = rows->Text(1);
    n.cert_serial = rows->Text(2);
    n.cert_not_after = rows->Int(3);
    n.banned = rows->Int(4) != 0;
    n.can_reattest = rows->Int(5) != 0;
    n.created_at = rows->Int(6);
    n.new_cert_serial = rows->Text(7);
    n.new_cert_not_after = rows->Int(8);
    index[n.spiffe_id] = nodes.size();
    nodes.push_back(std::move(n));
  }
  auto selectors = EDGEID_TRY(db.Prepare("SELECT spiffe_id, type, value FROM node_selectors" +
                                         where + " ORDER BY spiffe_id, type, value"));
  if (!where.empty()) selectors->Bind(1, arg);
  while (EDGEID_TRY(selectors->Step())) {
    auto it = index.find(selectors->Text(0));
    if (it != index.end()) {
      nodes[it->second].selectors.push_back({selectors->Text(1), selectors->Text(2)});
    }
  }
  return nodes;
}

// Runs a conditional single-row UPDATE or DELETE; `missed` is the error when no row matched.
Status RunOnOneRow(Statement& stmt, Error missed) {
  if (EDGEID_TRY(stmt.Run()) == 0) return missed;
  return OkStatus();
}

}  // namespace

// ---- registration entries ----

Result<RegistrationEntry> SqlDataStore::CreateRegistrationEntry(RegistrationEntry entry) {
  auto db = pool_.Acquire();
  auto tx = EDGEID_TRY(Transaction::Begin(*db));
  EDGEID_RETURN_IF_ERROR(InsertEntry(*db, entry));
  EDGEID_RETURN_IF_ERROR(tx.Commit());
  return entry;
}

Result<std::vector<RegistrationEntry>> SqlDataStore::BatchCreateRegistrationEntries(
    std::vector<RegistrationEntry> entries) {
  auto db = pool_.Acquire();
  auto tx = EDGEID_TRY(Transaction::Begin(*db));
  for (size_t i = 0; i < entries.size(); ++i) {
    auto status = InsertEntry(*db, entries[i]);
    if (!status.ok()) return status.error().Wrap("entry #" + std::to_string(i + 1));
  }
  EDGEID_RETURN_IF_ERROR(tx.Commit());
  return entries;
}

Result<RegistrationEntry> SqlDataStore::FetchRegistrationEntry(const std::string& entry_id) {
  auto db = pool_.Acquire();
  auto tx = EDGEID_TRY(Transaction::BeginRead(*db));
  auto entry = EDGEID_TRY(LoadEntry(*db, entry_id));
  EDGEID_RETURN_IF_ERROR(tx.Commit());
  return entry;
}

Result<std::vector<RegistrationEntry>> SqlDataStore::ListRegistrationEntries(
    const EntryFilter& filter) {
  std::string where;
  std::vector<std::string> args;
  auto add = [&](const std::string& condition) {
    where += where.empty() ? " WHERE " : " AND ";
    where += condition;
  };
  auto param = [&](std::string value) {
    args.push_back(std::move(value));
    return "$" + std::to_string(args.size());
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
  auto db = pool_.Acquire();
  auto tx = EDGEID_TRY(Transaction::BeginRead(*db));
  auto entries = EDGEID_TRY(LoadEntries(*db, where, args));
  EDGEID_RETURN_IF_ERROR(tx.Commit());
  return entries;
}

Result<int64_t> SqlDataStore::CountRegistrationEntries() {
  auto db = pool_.Acquire();
  return Count(*db, "registration_entries");
}

Result<RegistrationEntry> SqlDataStore::UpdateRegistrationEntry(const RegistrationEntry& entry) {
  EDGEID_RETURN_IF_ERROR(ValidateEntry(entry));
  RegistrationEntry updated = entry;
  Normalize(updated.selectors);
  auto db = pool_.Acquire();
  auto tx = EDGEID_TRY(Transaction::Begin(*db));
  // The revision is computed by the UPDATE itself, which also locks the row: two concurrent
  // updates get two revisions.
  auto stmt = EDGEID_TRY(db->Prepare(
      "UPDATE registration_entries SET spiffe_id = $2, parent_id = $3, selectors_key = $4,"
      " x509_svid_ttl = $5, jwt_svid_ttl = $6, admin = $7, downstream = $8, expires_at = $9,"
      " hint = $10, revision = revision + 1 WHERE entry_id = $1 RETURNING revision, created_at"));
  stmt->Bind(1, updated.entry_id)
      .Bind(2, updated.spiffe_id)
      .Bind(3, updated.parent_id)
      .Bind(4, SelectorsKey(updated.selectors))
      .Bind(5, int64_t{updated.x509_svid_ttl})
      .Bind(6, int64_t{updated.jwt_svid_ttl})
      .Bind(7, int64_t{updated.admin})
      .Bind(8, int64_t{updated.downstream})
      .Bind(9, updated.expires_at)
      .Bind(10, updated.hint);
  auto row = stmt->Step();
  if (!row.ok()) return row.error().Wrap("updating entry " + updated.entry_id);
  if (!*row) return NotFoundEntry(updated.entry_id);
  updated.revision_number = stmt->Int(0);
  updated.created_at = stmt->Int(1);
  EDGEID_TRY(stmt->Run());
  for (const char* table : {"entry_selectors", "entry_dns_names", "entry_federates_with"}) {
    auto clear =
        EDGEID_TRY(db->Prepare(std::string("DELETE FROM ") + table + " WHERE entry_id = $1"));
    EDGEID_TRY(clear->Bind(1, updated.entry_id).Run());
  }
  EDGEID_RETURN_IF_ERROR(InsertEntryChildren(*db, updated));
  EDGEID_RETURN_IF_ERROR(tx.Commit());
  return updated;
}

Result<RegistrationEntry> SqlDataStore::DeleteRegistrationEntry(const std::string& entry_id) {
  auto db = pool_.Acquire();
  auto tx = EDGEID_TRY(Transaction::Begin(*db));
  // Locks the row first, so the entry returned is the one deleted even under concurrent updates.
  auto lock = EDGEID_TRY(
      db->Prepare("UPDATE registration_entries SET revision = revision WHERE entry_id = $1"));
  lock->Bind(1, entry_id);
  EDGEID_RETURN_IF_ERROR(RunOnOneRow(*lock, NotFoundEntry(entry_id)));
  auto current = EDGEID_TRY(LoadEntry(*db, entry_id));
  auto stmt = EDGEID_TRY(db->Prepare("DELETE FROM registration_entries WHERE entry_id = $1"));
  EDGEID_TRY(stmt->Bind(1, entry_id).Run());
  EDGEID_RETURN_IF_ERROR(tx.Commit());
  return current;
}

// ---- attested nodes ----

Status SqlDataStore::CreateAttestedNode(const AttestedNode& node) {
  if (node.spiffe_id.empty()) return InvalidArgument("attested node has no SPIFFE ID");
  auto db = pool_.Acquire();
  auto tx = EDGEID_TRY(Transaction::Begin(*db));
  auto insert =
      EDGEID_TRY(db->Prepare("INSERT INTO attested_nodes (spiffe_id, attestation_type, cert_serial,"
                             " cert_not_after, banned, can_reattest, created_at, new_cert_serial,"
                             " new_cert_not_after) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"));
  auto status = insert->Bind(1, node.spiffe_id)
                    .Bind(2, node.attestation_type)
                    .Bind(3, node.cert_serial)
                    .Bind(4, node.cert_not_after)
                    .Bind(5, int64_t{node.banned})
                    .Bind(6, int64_t{node.can_reattest})
                    .Bind(7, node.created_at != 0 ? node.created_at : UnixSecondsNow())
                    .Bind(8, node.new_cert_serial)
                    .Bind(9, node.new_cert_not_after)
                    .Run();
  if (!status.ok()) {
    if (status.error().code == ErrorCode::kAlreadyExists) {
      return AlreadyExists("agent " + node.spiffe_id + " is already attested");
    }
    return status.error();
  }
  EDGEID_RETURN_IF_ERROR(WriteNodeSelectors(*db, node));
  return tx.Commit();
}

Result<AttestedNode> SqlDataStore::FetchAttestedNode(const std::string& spiffe_id) {
  auto db = pool_.Acquire();
  auto tx = EDGEID_TRY(Transaction::BeginRead(*db));
  auto nodes = EDGEID_TRY(LoadNodes(*db, " WHERE spiffe_id = $1", spiffe_id));
  EDGEID_RETURN_IF_ERROR(tx.Commit());
  if (nodes.empty()) return NotFoundNode(spiffe_id);
  return std::move(nodes.front());
}

Result<std::vector<AttestedNode>> SqlDataStore::ListAttestedNodes() {
  auto db = pool_.Acquire();
  auto tx = EDGEID_TRY(Transaction::BeginRead(*db));
  auto nodes = EDGEID_TRY(LoadNodes(*db, "", ""));
  EDGEID_RETURN_IF_ERROR(tx.Commit());
  return nodes;
}

Result<int64_t> SqlDataStore::CountAttestedNodes() {
  auto db = pool_.Acquire();
  return Count(*db, "attested_nodes");
}

Status SqlDataStore::UpdateAttestedNode(const AttestedNode& node) {
  auto db = pool_.Acquire();
  auto tx = EDGEID_TRY(Transaction::Begin(*db));
  auto update = EDGEID_TRY(db->Prepare(
      "UPDATE attested_nodes SET cert_serial = $2, cert_not_after = $3,"
      " can_reattest = $4, new_cert_serial = $5, new_cert_not_after = $6, attestation_type = $7"
      " WHERE spiffe_id = $1 AND banned = 0"));
  auto changed = EDGEID_TRY(update->Bind(1, node.spiffe_id)
                                .Bind(2, node.cert_serial)
                                .Bind(3, node.cert_not_after)
                                .Bind(4, int64_t{node.can_reattest})
                                .Bind(5, node.new_cert_serial)
                                .Bind(6, node.new_cert_not_after)
                                .Bind(7, node.attestation_type)
                                .Run());
  if (changed == 0) {
    auto exists = EDGEID_TRY(LoadNodes(*db, " WHERE spiffe_id = $1", node.spiffe_id));
    if (exists.empty()) return NotFoundNode(node.spiffe_id);
    return FailedPrecondition("agent " + node.spiffe_id + " is banned");
  }
  EDGEID_RETURN_IF_ERROR(WriteNodeSelectors(*db, node));
  return tx.Commit();
}

Status SqlDataStore::BanAttestedNode(const std::string& spiffe_id) {
  auto db = pool_.Acquire();
  auto update =
      EDGEID_TRY(db->Prepare("UPDATE attested_nodes SET banned = 1 WHERE spiffe_id = $1"));
  update->Bind(1, spiffe_id);
  return RunOnOneRow(*update, NotFoundNode(spiffe_id));
}

Status SqlDataStore::StageAgentSvid(const std::string& spiffe_id, const std::string& current_serial,
                                    const std::string& new_serial, int64_t new_not_after) {
  auto db = pool_.Acquire();
  auto update = EDGEID_TRY(
      db->Prepare("UPDATE attested_nodes SET new_cert_serial = $3, new_cert_not_after = $4"
                  " WHERE spiffe_id = $1 AND cert_serial = $2 AND banned = 0"));
  update->Bind(1, spiffe_id).Bind(2, current_serial).Bind(3, new_serial).Bind(4, new_not_after);
  return RunOnOneRow(
      *update, FailedPrecondition("agent " + spiffe_id + " is gone, banned or renewed meanwhile"));
}

Status SqlDataStore::ActivateAgentSvid(const std::string& spiffe_id,
                                       const std::string& new_serial) {
  auto db = pool_.Acquire();
  auto update = EDGEID_TRY(db->Prepare(
      "UPDATE attested_nodes SET cert_serial = new_cert_serial,"
      " cert_not_after = new_cert_not_after, new_cert_serial = '', new_cert_not_after = 0"
      " WHERE spiffe_id = $1 AND new_cert_serial = $2 AND new_cert_serial != '' AND banned = 0"));
  update->Bind(1, spiffe_id).Bind(2, new_serial);
  return RunOnOneRow(
      *update, FailedPrecondition("agent " + spiffe_id + " is gone, banned or renewed meanwhile"));
}

Status SqlDataStore::DeleteAttestedNode(const std::string& spiffe_id) {
  auto db = pool_.Acquire();
  auto stmt = EDGEID_TRY(db->Prepare("DELETE FROM attested_nodes WHERE spiffe_id = $1"));
  stmt->Bind(1, spiffe_id);
  return RunOnOneRow(*stmt, NotFoundNode(spiffe_id));
}

// ---- join tokens ----

Status SqlDataStore::CreateJoinToken(const JoinToken& token) {
  if (token.token.empty()) return InvalidArgument("join token is empty");
  auto db = pool_.Acquire();
  auto stmt =
      EDGEID_TRY(db->Prepare("INSERT INTO join_tokens (token, expires_at) VALUES ($1, $2)"));
  auto status = stmt->Bind(1, token.token).Bind(2, token.expires_at).Run();
  if (!status.ok() && status.error().code == ErrorCode::kAlreadyExists) {
    return AlreadyExists("join token already exists");
  }
  if (!status.ok()) return status.error();
  return OkStatus();
}

Result<JoinToken> SqlDataStore::TakeJoinToken(const std::string& token) {
  auto db = pool_.Acquire();
  auto stmt = EDGEID_TRY(
      db->Prepare("DELETE FROM join_tokens WHERE token = $1 RETURNING token, expires_at"));
  stmt->Bind(1, token);
  // Never echo the token itself in errors: it is a credential.
  if (!EDGEID_TRY(stmt->Step())) return NotFound("unknown or already used join token");
  JoinToken taken{stmt->Text(0), stmt->Int(1)};
  EDGEID_TRY(stmt->Run());
  return taken;
}

Result<int64_t> SqlDataStore::PruneJoinTokens(int64_t expired_before) {
  auto db = pool_.Acquire();
  auto stmt = EDGEID_TRY(db->Prepare("DELETE FROM join_tokens WHERE expires_at < $1"));
  return stmt->Bind(1, expired_before).Run();
}

// ---- bundles and the CA journal ----

Status SqlDataStore::SetBundle(const std::string& trust_domain, const std::string& bundle_json) {
  auto db = pool_.Acquire();
  auto stmt =
      EDGEID_TRY(db->Prepare("INSERT INTO bundles (trust_domain, data) VALUES ($1, $2)"
                             " ON CONFLICT (trust_domain) DO UPDATE SET data = excluded.data"));
  EDGEID_TRY(stmt->Bind(1, trust_domain).Bind(2, bundle_json).Run());
  return OkStatus();
}

Result<std::string> SqlDataStore::FetchBundle(const std::string& trust_domain) {
  auto db = pool_.Acquire();
  auto stmt = EDGEID_TRY(db->Prepare("SELECT data FROM bundles WHERE trust_domain = $1"));
  stmt->Bind(1, trust_domain);
  if (!EDGEID_TRY(stmt->Step())) return NotFound("no bundle for trust domain " + trust_domain);
  return stmt->Text(0);
}

Result<std::vector<std::string>> SqlDataStore::ListBundleTrustDomains() {
  auto db = pool_.Acquire();
  auto stmt = EDGEID_TRY(db->Prepare("SELECT trust_domain FROM bundles ORDER BY trust_domain"));
  std::vector<std::string> out;
  while (EDGEID_TRY(stmt->Step())) out.push_back(stmt->Text(0));
  return out;
}

Result<std::vector<std::string>> SqlDataStore::DeleteBundle(const std::string& trust_domain,
                                                            BundleDeleteMode mode) {
  auto db = pool_.Acquire();
  auto tx = EDGEID_TRY(Transaction::Begin(*db));
  // Locks the bundle's row first, so that the entries counted are those of this deletion.
  auto lock = EDGEID_TRY(db->Prepare("UPDATE bundles SET data = data WHERE trust_domain = $1"));
  lock->Bind(1, trust_domain);
  EDGEID_RETURN_IF_ERROR(
      RunOnOneRow(*lock, NotFound("no bundle for trust domain " + trust_domain)));
  auto relationship =
      EDGEID_TRY(db->Prepare("SELECT 1 FROM federation_relationships WHERE trust_domain = $1"));
  relationship->Bind(1, trust_domain);
  if (EDGEID_TRY(relationship->Step())) {
    return FailedPrecondition("a federation relationship with " + trust_domain +
                              " keeps fetching this bundle; delete it first (federation delete)");
  }
  auto select = EDGEID_TRY(db->Prepare(
      "SELECT DISTINCT entry_id FROM entry_federates_with WHERE trust_domain = $1 ORDER BY 1"));
  select->Bind(1, trust_domain);
  std::vector<std::string> affected;
  while (EDGEID_TRY(select->Step())) affected.push_back(select->Text(0));
  if (!affected.empty()) {
    switch (mode) {
      case BundleDeleteMode::kRestrict:
        return FailedPrecondition(std::to_string(affected.size()) +
                                  " registration entries federate with " + trust_domain +
                                  " (first: " + affected.front() +
                                  "); delete them with the bundle (mode delete) or drop the trust "
                                  "domain from them (mode dissociate)");
      case BundleDeleteMode::kDelete: {
        auto remove = EDGEID_TRY(
            db->Prepare("DELETE FROM registration_entries WHERE entry_id IN (SELECT entry_id FROM "
                        "entry_federates_with WHERE trust_domain = $1)"));
        EDGEID_TRY(remove->Bind(1, trust_domain).Run());
        break;
      }
      case BundleDeleteMode::kDissociate: {
        // A changed entry gets a new revision, so that agents fetch it again.
        auto bump = EDGEID_TRY(db->Prepare(
            "UPDATE registration_entries SET revision = revision + 1 WHERE entry_id IN (SELECT "
            "entry_id FROM entry_federates_with WHERE trust_domain = $1)"));
        EDGEID_TRY(bump->Bind(1, trust_domain).Run());
        auto drop =
            EDGEID_TRY(db->Prepare("DELETE FROM entry_federates_with WHERE trust_domain = $1"));
        EDGEID_TRY(drop->Bind(1, trust_domain).Run());
        break;
      }
    }
  }
  auto remove_bundle = EDGEID_TRY(db->Prepare("DELETE FROM bundles WHERE trust_domain = $1"));
  EDGEID_TRY(remove_bundle->Bind(1, trust_domain).Run());
  EDGEID_RETURN_IF_ERROR(tx.Commit());
  return affected;
}

Result<std::string> SqlDataStore::UpdateBundle(const std::string& trust_domain,
                                               const BundleUpdate& update) {
  auto db = pool_.Acquire();
  // The first bundle can be created by two servers at once; the one that finds the row taken
  // starts over and merges with the other's.
  for (int attempt = 0;; ++attempt) {
    auto tx = EDGEID_TRY(Transaction::Begin(*db));
    // Locks the row (on PostgreSQL; SQLite's transaction holds the write lock already) so that
    // a second server's merge waits for this one and then sees its result.
    auto lock = EDGEID_TRY(
        db->Prepare("UPDATE bundles SET data = data WHERE trust_domain = $1 RETURNING data"));
    lock->Bind(1, trust_domain);
    std::optional<std::string> current;
    if (EDGEID_TRY(lock->Step())) current = lock->Text(0);
    EDGEID_TRY(lock->Run());
    std::string updated = EDGEID_TRY(update(current));
    auto store = EDGEID_TRY(db->Prepare(
        current
            ? "UPDATE bundles SET data = $2 WHERE trust_domain = $1"
            : "INSERT INTO bundles (trust_domain, data) VALUES ($1, $2) ON CONFLICT DO NOTHING"));
    int64_t stored = EDGEID_TRY(store->Bind(1, trust_domain).Bind(2, updated).Run());
    if (stored == 1) {
      EDGEID_RETURN_IF_ERROR(tx.Commit());
      return updated;
    }
    if (attempt == 2) return Unavailable("bundle of " + trust_domain + " keeps changing");
  }
}

// ---- federation relationships ----

namespace {

constexpr char kRelationshipColumns[] =
    "trust_domain, bundle_endpoint_url, bundle_endpoint_profile, endpoint_spiffe_id, "
    "endpoint_ca_file";

FederationRelationship ReadRelationship(const Statement& s) {
  return {s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4)};
}

Error NotFoundRelationship(const std::string& trust_domain) {
  return NotFound("no federation relationship with " + trust_domain);
}

}  // namespace

Status SqlDataStore::CreateFederationRelationship(const FederationRelationship& r) {
  auto db = pool_.Acquire();
  auto stmt = EDGEID_TRY(db->Prepare(std::string("INSERT INTO federation_relationships (") +
                                     kRelationshipColumns + ") VALUES ($1, $2, $3, $4, $5)"));
  auto inserted = stmt->Bind(1, r.trust_domain)
                      .Bind(2, r.bundle_endpoint_url)
                      .Bind(3, r.bundle_endpoint_profile)
                      .Bind(4, r.endpoint_spiffe_id)
                      .Bind(5, r.endpoint_ca_file)
                      .Run();
  if (!inserted.ok() && inserted.error().code == ErrorCode::kAlreadyExists) {
    return AlreadyExists("a federation relationship with " + r.trust_domain + " already exists");
  }
  if (!inserted.ok()) return inserted.error();
  return OkStatus();
}

Status SqlDataStore::UpdateFederationRelationship(const FederationRelationship& r) {
  auto db = pool_.Acquire();
  auto stmt = EDGEID_TRY(db->Prepare(
      "UPDATE federation_relationships SET bundle_endpoint_url = $2, bundle_endpoint_profile = $3,"
      " endpoint_spiffe_id = $4, endpoint_ca_file = $5 WHERE trust_domain = $1"));
  stmt->Bind(1, r.trust_domain)
      .Bind(2, r.bundle_endpoint_url)
      .Bind(3, r.bundle_endpoint_profile)
      .Bind(4, r.endpoint_spiffe_id)
      .Bind(5, r.endpoint_ca_file);
  return RunOnOneRow(*stmt, NotFoundRelationship(r.trust_domain));
}

Result<FederationRelationship> SqlDataStore::FetchFederationRelationship(
    const std::string& trust_domain) {
  auto db = pool_.Acquire();
  auto stmt = EDGEID_TRY(db->Prepare(std::string("SELECT ") + kRelationshipColumns +
                                     " FROM federation_relationships WHERE trust_domain = $1"));
  stmt->Bind(1, trust_domain);
  if (!EDGEID_TRY(stmt->Step())) return NotFoundRelationship(trust_domain);
  return ReadRelationship(*stmt);
}

Result<std::vector<FederationRelationship>> SqlDataStore::ListFederationRelationships() {
  auto db = pool_.Acquire();
  auto stmt = EDGEID_TRY(db->Prepare(std::string("SELECT ") + kRelationshipColumns +
                                     " FROM federation_relationships ORDER BY trust_domain"));
  std::vector<FederationRelationship> out;
  while (EDGEID_TRY(stmt->Step())) out.push_back(ReadRelationship(*stmt));
  return out;
}

Status SqlDataStore::DeleteFederationRelationship(const std::string& trust_domain) {
  auto db = pool_.Acquire();
  auto stmt =
      EDGEID_TRY(db->Prepare("DELETE FROM federation_relationships WHERE trust_domain = $1"));
  stmt->Bind(1, trust_domain);
  return RunOnOneRow(*stmt, NotFoundRelationship(trust_domain));
}

Status SqlDataStore::SetCaJournal(const std::string& server_id, const std::string& data) {
  auto db = pool_.Acquire();
  auto stmt =
      EDGEID_TRY(db->Prepare("INSERT INTO ca_journals (server_id, data) VALUES ($1, $2)"
                             " ON CONFLICT (server_id) DO UPDATE SET data = excluded.data"));
  EDGEID_TRY(stmt->Bind(1, server_id).Bind(2, data).Run());
  return OkStatus();
}

Result<std::string> SqlDataStore::FetchCaJournal(const std::string& server_id) {
  auto db = pool_.Acquire();
  auto stmt = EDGEID_TRY(db->Prepare("SELECT data FROM ca_journals WHERE server_id = $1"));
  stmt->Bind(1, server_id);
  if (!EDGEID_TRY(stmt->Step())) return NotFound("no CA journal yet");
  return stmt->Text(0);
}

Result<std::vector<std::string>> SqlDataStore::ListCaJournals() {
  auto db = pool_.Acquire();
  auto stmt = EDGEID_TRY(db->Prepare("SELECT data FROM ca_journals ORDER BY server_id"));
  std::vector<std::string> out;
  while (EDGEID_TRY(stmt->Step())) out.push_back(stmt->Text(0));
  return out;
}

Result<int64_t> SqlDataStore::ExternalChangeMarker() {
  auto db = pool_.Acquire();
  return db->ChangeMarker();
}

}  // namespace edgeid::server
