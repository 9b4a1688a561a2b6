#include "agent/node/agent_identity.h"

#include <cstdio>
#include <filesystem>

#include "agent/node/x509pop_credentials.h"
#include "common/atomic_file.h"
#include "common/timestamp.h"
#include "spiffe/spiffe_bundle.h"
#include "spiffe/x509_svid.h"

namespace edgeid::agent {
namespace {

using Clock = std::chrono::system_clock;

std::string InDataDir(const AgentConfig& config, const char* file) {
  return (std::filesystem::path(config.data_dir) / file).string();
}

}  // namespace

Result<spiffe::X509Bundle> AgentIdentity::InitialBundle(const AgentConfig& config) {
  auto stored = ReadFile(InDataDir(config, kBundleFile), 4 << 20);
  if (stored.ok()) {
    auto bundle = spiffe::X509Bundle::FromPem(config.trust_domain, *stored);
    if (!bundle.ok()) return bundle.error().Wrap("stored bundle " + InDataDir(config, kBundleFile));
    if (!bundle->empty()) return bundle;
  } else if (stored.error().code != ErrorCode::kNotFound) {
    return stored.error();
  }
  return spiffe::X509Bundle(config.trust_domain, config.trust_bundle);
}

AgentIdentity::AgentIdentity(const AgentConfig& config, ServerClient& client,
                             TrustBundleSource& bundle, std::shared_ptr<spdlog::logger> log)
    : config_(config), client_(client), bundle_(bundle), log_(std::move(log)) {}

Result<std::unique_ptr<AgentIdentity>> AgentIdentity::Start(
    const AgentConfig& config, ServerClient& client, TrustBundleSource& bundle,
    const std::shared_ptr<spdlog::logger>& log) {
  std::unique_ptr<AgentIdentity> identity(new AgentIdentity(config, client, bundle, log));
  bool insecure = bundle.Get()->empty();
  if (insecure) {
    if (!config.insecure_bootstrap) {
      return FailedPrecondition(
          "no trust bundle: set trust_bundle_path (--trust-bundle) or insecure_bootstrap");
    }
    log->warn(
        "insecure bootstrap: the server's certificate is NOT checked until the agent has its "
        "bundle; use trust_bundle_path in production");
    client.SetInsecureBootstrap(true);
  }
  auto stored = identity->LoadStored();
  if (stored.ok()) {
    log->info("reusing the stored agent SVID {} (valid until {})", stored->id.str(),
              FormatTimestamp(stored->leaf().not_after()));
    EDGEID_RETURN_IF_ERROR(identity->Adopt(std::move(*stored), false));
  } else {
    if (stored.error().code != ErrorCode::kNotFound) {
      log->warn("not reusing the stored agent SVID: {}", stored.error().message);
    }
    EDGEID_RETURN_IF_ERROR(identity->Attest());
  }
  if (insecure) {
    auto bundles = client.GetBundles();
    if (!bundles.ok()) return bundles.error().Wrap("fetching the bundle after insecure bootstrap");
    std::optional<spiffe::X509Bundle> own;
    for (const auto& b : *bundles) {
      if (b.trust_domain() != config.trust_domain.name()) continue;
      auto parsed = spiffe::SpiffeBundle::Parse(config.trust_domain, b.spiffe_bundle_json());
      if (!parsed.ok()) return parsed.error().Wrap("the server's bundle");
      own = parsed->x509();
    }
    if (!own || own->empty()) return Unavailable("the server sent no bundle for its trust domain");
    // The least the agent can check: its own SVID, which the server just signed, chains to it.
    TrustBundleSource received(*own);
    auto verified = spiffe::VerifyX509Svid(identity->svid().chain, received, Clock::now());
    if (!verified.ok()) {
      return verified.error().Wrap("the server's bundle does not verify the SVID it signed");
    }
    EDGEID_RETURN_IF_ERROR(identity->UpdateBundle(*own));
    client.SetInsecureBootstrap(false);
    log->warn("insecure bootstrap: took the server's bundle ({} CA certificates) on trust",
              own->authorities().size());
  }
  return identity;
}

Result<spiffe::X509Svid> AgentIdentity::LoadStored() const {
  auto certs = ReadFile(InDataDir(config_, kAgentSvidFile), 1 << 20);
  if (!certs.ok()) return certs.error();
  auto key = ReadFile(InDataDir(config_, kAgentKeyFile), 1 << 20);
  if (!key.ok()) return key.error().Wrap("stored agent key");
  auto svid = spiffe::X509Svid::FromPem(*certs, *key);
  if (!svid.ok()) return svid.error().Wrap("stored agent SVID");
  if (!svid->id.MemberOf(config_.trust_domain)) {
    return FailedPrecondition("stored agent SVID " + svid->id.str() + " is not in " +
                              config_.trust_domain.name());
  }
  if (svid->leaf().not_after() <= Clock::now()) {
    return FailedPrecondition("stored agent SVID expired at " +
                              FormatTimestamp(svid->leaf().not_after()));
  }
  return svid;
}

Status AgentIdentity::Attest() {
  auto key = EDGEID_TRY(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  Result<AttestationResult> result = Internal("no node attestor");
  if (config_.node_attestor == NodeAttestorKind::kX509Pop) {
    auto pop = EDGEID_TRY(LoadX509PopCredentials(config_.x509pop));
    log_->info("attesting with x509pop as {}", pop.chain.front().subject());
    result = client_.AttestX509Pop(pop.chain, pop.key, key);
  } else {
    if (config_.join_token.empty()) {
      return FailedPrecondition(
          "the agent has no stored SVID and no way to attest: give a join token (--join-token) "
          "or configure plugins.node_attestor.x509pop");
    }
    log_->info("attesting with a join token");
    result = client_.AttestJoinToken(config_.join_token, key);
  }
  if (!result.ok()) return result.error().Wrap("node attestation");
  log_->info("node attestation succeeded: agent SPIFFE ID {}", result->svid.id.str());
  return Adopt(std::move(result->svid), true);
}

Status AgentIdentity::Reattest() {
  if (config_.node_attestor != NodeAttestorKind::kX509Pop) {
    return FailedPrecondition(
        "the server refused the stored agent SVID and join tokens are single-use: delete " +
        InDataDir(config_, kAgentSvidFile) + " and start with a new join token");
  }
  return Attest();
}

Status AgentIdentity::Adopt(spiffe::X509Svid svid, bool persist) {
  if (persist) {
    // Key first: a crash between the writes leaves a new key with the old certificate, which
    // fails the key check at start and leads to attestation, never to a mismatched pair in use.
    auto key_pem = EDGEID_TRY(svid.key.ToPkcs8Pem());
    EDGEID_RETURN_IF_ERROR(WriteFileAtomic(InDataDir(config_, kAgentKeyFile), key_pem, 0600));
    EDGEID_RETURN_IF_ERROR(WriteFileAtomic(InDataDir(config_, kAgentSvidFile),
                                           crypto::CertificatesToPem(svid.chain), 0644));
  }
  EDGEID_RETURN_IF_ERROR(client_.UseIdentity(svid));
  std::lock_guard lock(mu_);
  std::uniform_real_distribution<double> jitter(0, 1);
  rotate_at_ = RotationTime(svid.leaf().not_before(), svid.leaf().not_after(),
                            {config_.availability_target}, jitter(rng_));
  not_after_ = svid.leaf().not_after();
  svid_ = std::move(svid);
  return OkStatus();
}

spiffe::X509Svid AgentIdentity::svid() const {
  std::lock_guard lock(mu_);
  return *svid_;
}

TimePoint AgentIdentity::not_after() const {
  std::lock_guard lock(mu_);
  return not_after_;
}

TimePoint AgentIdentity::rotate_at() const {
  std::lock_guard lock(mu_);
  return rotate_at_;
}

Status AgentIdentity::Renew() {
  auto key = EDGEID_TRY(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  auto renewed = client_.RenewAgent(key);
  if (!renewed.ok()) return renewed.error();
  log_->info("agent SVID renewed, valid until {}", FormatTimestamp(renewed->leaf().not_after()));
  return Adopt(std::move(*renewed), true);
}

Status AgentIdentity::UpdateBundle(const spiffe::X509Bundle& bundle) {
  if (bundle.empty()) return InvalidArgument("refusing an empty trust bundle");
  bool changed = !(*bundle_.Get() == bundle);
  if (!changed && bundle_stored_) return OkStatus();
  EDGEID_RETURN_IF_ERROR(WriteFileAtomic(InDataDir(config_, kBundleFile), bundle.ToPem(), 0644));
  bundle_stored_ = true;
  if (!changed) return OkStatus();
  bundle_.Set(bundle);
  log_->info("trust bundle updated: {} CA certificates", bundle.authorities().size());
  return OkStatus();
}

void AgentIdentity::Forget() {
  std::error_code ec;
  std::filesystem::remove(InDataDir(config_, kAgentSvidFile), ec);
  std::filesystem::remove(InDataDir(config_, kAgentKeyFile), ec);
}

}  // namespace edgeid::agent
