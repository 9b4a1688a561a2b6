#include "server/authority/server_authority.h"

#include "ca/upstreamauthority/disk/disk_upstream_authority.h"
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
  bool resumed = false;
  auto journal_text = datastore.FetchCaJournal();
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
  if (!resumed) EDGEID_RETURN_IF_ERROR(authority->ca_->Initialize(now));
  auto slot = authority->ca_->current_x509_ca();
  log->info("{} X.509 CA: {}", resumed ? "resumed" : "created", Describe(*slot));
  log->info("JWT signing key: kid {}", authority->ca_->current_jwt_key()->kid);
  EDGEID_RETURN_IF_ERROR(authority->Tick(now));
  EDGEID_RETURN_IF_ERROR(authority->Persist());
  return authority;
}

Status ServerAuthority::Tick(ca::TimePoint now) {
  auto before_x509 = ca_->current_x509_ca();
  auto changed = ca_->Rotate(now);
  if (!changed.ok()) return changed.error().Wrap("CA rotation");
  if (!*changed) return OkStatus();
  auto after_x509 = ca_->current_x509_ca();
  if (after_x509 != before_x509) log_->info("activated X.509 CA: {}", Describe(*after_x509));
  if (auto next = ca_->next_x509_ca()) log_->debug("prepared X.509 CA: {}", Describe(*next));
  return Persist();
}

Status ServerAuthority::Persist() {
  auto journal = datastore_.SetCaJournal(ca_->Journal().ToJson());
  if (!journal.ok()) return journal.error().Wrap("saving the CA journal");
  auto bundle = ca_->bundle();
  auto stored = datastore_.SetBundle(bundle.trust_domain().name(), bundle.ToJson());
  if (!stored.ok()) return stored.error().Wrap("saving the trust bundle");
  return OkStatus();
}

}  // namespace edgeid::server
