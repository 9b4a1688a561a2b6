#include "server/authority/server_authority.h"

#include <algorithm>
#include <set>

#include "ca/ca_journal.h"
#include "ca/upstreamauthority/disk/disk_upstream_authority.h"
#include "common/atomic_file.h"
#include "crypto/encoding.h"
#include "crypto/random.h"
#include "keymanager/disk/disk_key_manager.h"
#include "keymanager/memory/memory_key_manager.h"

namespace edgeid::server {
namespace {

Result<std::unique_ptr<keymanager::KeyManager>> OpenKeyManager(const ServerConfig& config) {
  if (config.key_manager == KeyManagerKind::kMemory) {
    return std::unique_ptr<keymanager::KeyManager>(new keymanager::MemoryKeyManager());
  }
  auto disk = keymanager::DiskKeyManager::Open(config.keys_path);
  if (!disk.ok()) return disk.error().Wrap("key manager");
  return std::unique_ptr<keymanager::KeyManager>(std::move(*disk));
}

// A random ID for this server, made once and kept in data_dir: it names the server's CA journal
// in a datastore that other servers may share.
Result<std::string> LoadOrCreateServerId(const std::string& data_dir) {
  const std::string path = data_dir + "/server_id";
  auto stored = ReadFile(path, 128);
  if (stored.ok()) {
    std::string id = *stored;
    while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
    if (id.empty()) return FailedPrecondition(path + " is empty; delete it to make a new ID");
    return id;
  }
  if (stored.error().code != ErrorCode::kNotFound) return stored.error();
  std::string id = crypto::HexEncode(EDGEID_TRY(crypto::RandomBytes(16)));
  EDGEID_RETURN_IF_ERROR(WriteFileAtomic(path, id + "\n", 0600));
  return id;
}

std::string Describe(const ca::X509CaSlot& slot) {
  return "serial " + slot.certificate.serial_hex() + ", subject " + slot.certificate.subject() +
         ", issuer " + slot.certificate.issuer();
}

}  // namespace

Result<std::unique_ptr<ServerAuthority>> ServerAuthority::Start(
    const ServerConfig& config, DataStore& datastore, const std::shared_ptr<spdlog::logger>& log,
    ca::TimePoint now) {
  auto km = EDGEID_TRY(OpenKeyManager(config));
  std::unique_ptr<ca::UpstreamAuthority> upstream;
  if (config.upstream_authority) {
    auto disk = ca::DiskUpstreamAuthority::Load(*config.upstream_authority, now);
    if (!disk.ok()) return disk.error();
    upstream = std::move(*disk);
  }
  std::unique_ptr<ServerAuthority> authority(
      new ServerAuthority(std::move(km), std::move(upstream), datastore, log));

  ca::CaConfig ca_config{config.trust_domain, config.ca_key_type, config.jwt_key_type,
                         config.ca_ttl,       config.ca_ttl,      config.ca_subject,
                         config.jwt_issuer};
  authority->ca_ = std::make_unique<ca::CaManager>(ca_config, *authority->key_manager_,
                                                   authority->upstream_.get());
  authority->server_id_ = EDGEID_TRY(LoadOrCreateServerId(config.data_dir));
  bool resumed = false;
  auto journal_text = datastore.FetchCaJournal(authority->server_id_);
  if (!journal_text.ok() && journal_text.error().code == ErrorCode::kNotFound) {
    journal_text = datastore.FetchCaJournal("");  // written before journals were per server
  }
  if (journal_text.ok()) {
    auto journal = ca::CaJournal::Parse(*journal_text);
    auto restored = journal.ok() ? authority->ca_->Restore(*journal, now) : journal.error();
    if (restored.ok()) {
      resumed = true;
    } else {
      log->warn("cannot resume the CA from its journal ({}); creating a new CA",
                restored.error().message);
    }
  } else if (journal_text.error().code != ErrorCode::kNotFound) {
    return journal_text.error().Wrap("reading the CA journal");
  }
  if (!resumed) {
    EDGEID_RETURN_IF_ERROR(authority->ca_->Initialize(now));
    if (journal_text.ok()) {
      if (auto old = ca::CaJournal::Parse(*journal_text); old.ok()) {
        authority->ca_->KeepPublished(*old, now);
      }
    }
  }
  auto slot = authority->ca_->current_x509_ca();
  log->info("{} X.509 CA: {}", resumed ? "resumed" : "created", Describe(*slot));
  log->info("JWT signing key: kid {}", authority->ca_->current_jwt_key()->kid);
  EDGEID_RETURN_IF_ERROR(authority->Tick(now));
  EDGEID_RETURN_IF_ERROR(authority->Persist(now));
  return authority;
}

Status ServerAuthority::Tick(ca::TimePoint now) {
  std::lock_guard lock(mu_);
  auto before_x509 = ca_->current_x509_ca();
  auto changed = ca_->Rotate(now);
  if (!changed.ok()) return changed.error().Wrap("CA rotation");
  if (!*changed && !persist_pending_) return AdoptStoredBundle(now);
  auto after_x509 = ca_->current_x509_ca();
  if (after_x509 != before_x509) log_->info("activated X.509 CA: {}", Describe(*after_x509));
  if (auto next = ca_->next_x509_ca()) log_->debug("prepared X.509 CA: {}", Describe(*next));
  return Persist(now);
}

Result<ca::AuthorityState> ServerAuthority::Manage(const AuthorityStep& step, ca::TimePoint now) {
  std::lock_guard lock(mu_);
  auto done = step(*ca_);
  if (!done.ok()) return done.error();
  // The change is made; if saving fails it is retried at the next Tick, and the caller hears.
  auto saved = Persist(now);
  if (!saved.ok()) return saved.error().Wrap("done, but not saved yet (retried in 5 s)");
  return done;
}

Status ServerAuthority::Persist(ca::TimePoint now) {
  persist_pending_ = true;
  auto journal = datastore_.SetCaJournal(server_id_, ca_->Journal().ToJson());
  if (!journal.ok()) return journal.error().Wrap("saving the CA journal");
  EDGEID_RETURN_IF_ERROR(PublishBundle(now));
  persist_pending_ = false;
  return OkStatus();
}

namespace {

// The X.509 authorities some server revoked: their roots leave the shared bundle.
std::set<std::string> RevokedX509(const std::vector<std::string>& journals) {
  std::set<std::string> revoked;
  for (const auto& text : journals) {
    auto journal = ca::CaJournal::Parse(text);
    if (!journal.ok()) continue;
    for (const auto& r : journal->revoked_x509) revoked.insert(r.authority_id);
  }
  return revoked;
}

// The JWT keys some server still publishes: listed in its journal and not yet expired.
std::set<std::string> LiveJwtKids(const std::vector<std::string>& journals, ca::TimePoint now) {
  const int64_t now_unix =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  std::set<std::string> live;
  for (const auto& text : journals) {
    auto journal = ca::CaJournal::Parse(text);
    if (!journal.ok()) continue;  // its server publishes again when its keys go missing
    for (const auto* key : {&journal->current_jwt, &journal->next_jwt}) {
      if (*key) live.insert((*key)->kid);
    }
    for (const auto& key : journal->published_jwt) {
      if (key.not_after > now_unix) live.insert(key.kid);
    }
  }
  return live;
}

bool Contains(const spiffe::SpiffeBundle& shared, const spiffe::SpiffeBundle& own) {
  const auto& roots = shared.x509().authorities();
  for (const auto& root : own.x509().authorities()) {
    if (std::find(roots.begin(), roots.end(), root) == roots.end()) return false;
  }
  for (const auto& jwk : own.jwt().authorities()) {
    if (!shared.jwt().FindAuthority(jwk.key_id).ok()) return false;
  }
  return true;
}

}  // namespace

Status ServerAuthority::PublishBundle(ca::TimePoint now) {
  const auto own = ca_->own_bundle();
  const auto& td = own.trust_domain();
  auto journals = datastore_.ListCaJournals();
  if (!journals.ok()) return journals.error().Wrap("reading the CA journals");
  std::set<std::string> live_kids = LiveJwtKids(*journals, now);
  const std::set<std::string> revoked = RevokedX509(*journals);
  AdoptPeerMarks(*journals);
  for (const auto& jwk : own.jwt().authorities()) live_kids.insert(jwk.key_id);
  auto merge = [&](const std::optional<std::string>& current) -> Result<std::string> {
    spiffe::SpiffeBundle shared(td);
    if (current) {
      auto parsed = spiffe::SpiffeBundle::Parse(td, *current);
      // Overwriting it would drop every other server's authorities.
      if (!parsed.ok()) return parsed.error().Wrap("stored trust bundle is unreadable; kept as is");
      shared = std::move(*parsed);
    }
    const auto before = shared;
    for (const auto& root : crypto::CertificateChain(shared.x509().authorities())) {
      if (root.not_after() <= now || revoked.contains(ca::X509AuthorityId(root))) {
        shared.x509().RemoveAuthority(root);
      }
    }
    for (const auto& jwk : std::vector<spiffe::JwtAuthority>(shared.jwt().authorities())) {
      if (!live_kids.contains(jwk.key_id)) shared.jwt().RemoveAuthority(jwk.key_id);
    }
    for (const auto& root : own.x509().authorities()) shared.x509().AddAuthority(root);
    for (const auto& jwk : own.jwt().authorities()) {
      EDGEID_RETURN_IF_ERROR(shared.jwt().SetAuthority(jwk.key_id, jwk.public_key));
    }
    if (!(shared == before) || !current) {
      shared.set_sequence(std::max(shared.sequence().value_or(0), own.sequence().value_or(0)) + 1);
    }
    return shared.ToJson();
  };
  auto stored = datastore_.UpdateBundle(td.name(), merge);
  if (!stored.ok()) return stored.error().Wrap("saving the trust bundle");
  auto parsed = spiffe::SpiffeBundle::Parse(td, *stored);
  if (!parsed.ok()) return parsed.error().Wrap("reading back the trust bundle");
  ca_->SetPeerAuthorities(std::move(*parsed));
  return OkStatus();
}

Status ServerAuthority::AdoptStoredBundle(ca::TimePoint now) {
  const auto td = ca_->config().trust_domain;
  auto stored = datastore_.FetchBundle(td.name());
  if (!stored.ok() && stored.error().code == ErrorCode::kNotFound) return PublishBundle(now);
  if (!stored.ok()) return stored.error().Wrap("reading the trust bundle");
  auto parsed = spiffe::SpiffeBundle::Parse(td, *stored);
  if (!parsed.ok()) return parsed.error().Wrap("reading the trust bundle");
  if (!Contains(*parsed, ca_->own_bundle())) {
    log_->warn("the stored trust bundle lacks this server's authorities; publishing them again");
    return PublishBundle(now);
  }
  // Other servers' taints reach this server's agents too: SVIDs an agent holds may come from
  // any server.
  auto journals = datastore_.ListCaJournals();
  if (journals.ok()) AdoptPeerMarks(*journals);
  ca_->SetPeerAuthorities(std::move(*parsed));
  return OkStatus();
}

void ServerAuthority::AdoptPeerMarks(const std::vector<std::string>& journals) {
  ca::TaintedAuthorities all;
  for (const auto& text : journals) {
    auto journal = ca::CaJournal::Parse(text);
    if (!journal.ok()) continue;
    all.x509.insert(journal->tainted_x509.begin(), journal->tainted_x509.end());
    all.jwt.insert(journal->tainted_jwt.begin(), journal->tainted_jwt.end());
  }
  ca_->SetPeerTainted(std::move(all));
}

}  // namespace edgeid::server
