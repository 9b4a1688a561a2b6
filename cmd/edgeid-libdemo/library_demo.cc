#include "library_demo.h"

#include <nlohmann/json.hpp>

#include "ca/ca_manager.h"
#include "ca/upstreamauthority/disk/disk_upstream_authority.h"
#include "certificate_report.h"
#include "common/atomic_file.h"
#include "common/timestamp.h"
#include "crypto/csr.h"
#include "crypto/encoding.h"
#include "keymanager/disk/disk_key_manager.h"
#include "spiffe/jwt_svid.h"
#include "spiffe/x509_svid.h"

namespace edgeid::demo {
namespace {

using Clock = std::chrono::system_clock;

class Steps {
 public:
  Steps(std::ostream& out, int total) : out_(out), total_(total) {}
  void Next(const std::string& title) {
    out_ << "\n[" << ++n_ << "/" << total_ << "] " << title << "\n";
  }
  void Ok(const std::string& what) { out_ << "      OK      " << what << "\n"; }
  void Refused(const std::string& what, const Error& why) {
    out_ << "      REFUSED " << what << "\n              reason: " << why.message << "\n";
  }
  std::ostream& out() { return out_; }

 private:
  std::ostream& out_;
  int total_;
  int n_ = 0;
};

std::string DecodeSegment(std::string_view b64) {
  auto bytes = crypto::Base64UrlDecode(b64);
  if (!bytes.ok()) return "(undecodable)";
  return nlohmann::json::parse(*bytes, nullptr, false).dump(2);
}

std::string Indent(const std::string& text, const std::string& indent) {
  std::string out = indent;
  for (char c : text) {
    out += c;
    if (c == '\n') out += indent;
  }
  return out + "\n";
}

// Shows that verification is not a rubber stamp: an SVID for the same ID from a rogue CA.
Status ShowImpostorRefused(Steps& steps, const spiffe::SpiffeId& id,
                           const spiffe::BundleSet& bundles, Clock::time_point now) {
  auto rogue_key = EDGEID_TRY(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  ca::CaCertificateParams params{id.trust_domain(), {{"O", "rogue"}}, now, std::chrono::hours(1)};
  auto rogue_ca = EDGEID_TRY(ca::MintSelfSignedCa(params, rogue_key));
  auto key = EDGEID_TRY(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  spiffe::X509SvidParams svid_params{id};
  svid_params.now = now;
  auto forged =
      EDGEID_TRY(spiffe::MintX509Svid(svid_params, key.public_key(), rogue_ca, rogue_key));
  auto verdict = spiffe::VerifyX509Svid({forged, rogue_ca}, bundles, now);
  if (verdict.ok()) return Internal("a forged X.509-SVID was accepted");
  steps.Refused("an SVID for the same ID signed by a rogue CA", verdict.error());
  return OkStatus();
}

}  // namespace

Status RunLibraryDemo(const LibraryDemoOptions& options, std::ostream& out) {
  Steps steps(out, 6);
  auto now = Clock::now();
  auto td = EDGEID_TRY(spiffe::TrustDomain::Parse(options.trust_domain));
  auto workload_id = EDGEID_TRY(spiffe::SpiffeId::FromPath(td, options.workload_path));
  if (options.out_dir.empty()) return InvalidArgument("an output directory is required");

  // 1. The signing CA, self-signed or under an upstream CA made with OpenSSL.
  std::unique_ptr<ca::DiskUpstreamAuthority> upstream;
  if (!options.upstream_cert.empty()) {
    upstream = EDGEID_TRY(ca::DiskUpstreamAuthority::Load(
        {options.upstream_cert, options.upstream_key, options.upstream_bundle}, now));
  }
  steps.Next(
      "Creating the signing CA of trust domain " + td.name() +
      (upstream ? ", chained to the upstream CA in " + options.upstream_cert : " (self-signed)"));
  auto key_manager = EDGEID_TRY(keymanager::DiskKeyManager::Open(options.out_dir + "/keys"));
  ca::CaManager authority(ca::CaConfig{td}, *key_manager, upstream.get());
  EDGEID_RETURN_IF_ERROR(authority.Initialize(now));
  auto ca_slot = authority.current_x509_ca();
  out << DescribeCertificate(ca_slot->certificate, "      ");
  out << "      CA and JWT keys are in " << options.out_dir << "/keys (mode 0600)\n";

  // 2. The workload makes its own key; the CA only ever sees a CSR.
  steps.Next("Minting an X.509-SVID for " + workload_id.str() + " from a CSR");
  auto workload_key = EDGEID_TRY(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  auto csr = EDGEID_TRY(crypto::CertificateRequest::Create(workload_key));
  spiffe::X509SvidParams params{workload_id, {"workload.demo.local"}, std::chrono::hours(1), now};
  auto chain = EDGEID_TRY(authority.SignX509Svid(csr, params));
  out << "      the workload generated its key locally and sent only this CSR ("
      << csr.ToDer().size() << " bytes)\n";
  out << DescribeCertificate(chain.front(), "      ");

  // 3. Verification against the trust bundle, and what it refuses.
  steps.Next("Verifying the X.509-SVID against the trust bundle");
  spiffe::BundleSet bundles;
  bundles.Put(authority.bundle());
  auto verified = EDGEID_TRY(spiffe::VerifyX509Svid(chain, bundles, now));
  steps.Ok(verified.id.str() + " (chain of " + std::to_string(verified.verified_chain.size()) +
           " certificates up to a bundle authority)");
  EDGEID_RETURN_IF_ERROR(ShowImpostorRefused(steps, workload_id, bundles, now));
  auto late = spiffe::VerifyX509Svid(chain, bundles, now + std::chrono::hours(2));
  if (late.ok()) return Internal("an expired X.509-SVID was accepted");
  steps.Refused("the same SVID presented two hours later", late.error());

  // 4. A JWT-SVID for an audience.
  steps.Next("Minting a JWT-SVID for audience " + options.audience);
  auto token = EDGEID_TRY(
      authority.SignJwtSvid(workload_id, {options.audience}, std::chrono::minutes(5), now));
  auto parts = EDGEID_TRY(spiffe::SplitJwsCompact(token));
  out << "      header:\n" << Indent(DecodeSegment(parts.header_b64), "        ");
  out << "      claims:\n" << Indent(DecodeSegment(parts.payload_b64), "        ");

  // 5. Validation with the whole rule set.
  steps.Next("Validating the JWT-SVID against the JWT bundle");
  auto jwt = EDGEID_TRY(spiffe::ValidateJwtSvid(token, bundles, options.audience, now));
  steps.Ok(jwt.id.str() + " for " + options.audience + ", signed with key " + jwt.key_id +
           ", expires " + FormatTimestamp(jwt.expiry));
  auto wrong_audience = spiffe::ValidateJwtSvid(token, bundles, "spiffe://example.org/other", now);
  if (wrong_audience.ok()) return Internal("a JWT-SVID was accepted for the wrong audience");
  steps.Refused("the same token offered to another audience", wrong_audience.error());
  auto claims = nlohmann::json::parse(DecodeSegment(parts.payload_b64));
  claims["sub"] = td.IdString() + "/admin";
  std::string tampered = std::string(parts.header_b64) + "." +
                         crypto::Base64UrlEncode(claims.dump()) + "." +
                         std::string(parts.signature_b64);
  auto forged = spiffe::ValidateJwtSvid(tampered, bundles, options.audience, now);
  if (forged.ok()) return Internal("a tampered JWT-SVID was accepted");
  steps.Refused("the token with its subject changed to " + claims["sub"].get<std::string>(),
                forged.error());

  // 6. Files a workload or the openssl CLI can use.
  steps.Next("Writing the SVID, its key and the bundles to " + options.out_dir);
  const std::string dir = options.out_dir + "/";
  auto workload_key_pem = EDGEID_TRY(workload_key.ToPkcs8Pem());
  EDGEID_RETURN_IF_ERROR(
      WriteFileAtomic(dir + "svid.0.pem", crypto::CertificatesToPem(chain), 0644));
  EDGEID_RETURN_IF_ERROR(WriteFileAtomic(dir + "svid.0.key", workload_key_pem, 0600));
  EDGEID_RETURN_IF_ERROR(
      WriteFileAtomic(dir + "bundle.0.pem", authority.bundle().x509().ToPem(), 0644));
  EDGEID_RETURN_IF_ERROR(
      WriteFileAtomic(dir + "bundle.spiffe.json", authority.bundle().ToJson(true), 0644));
  EDGEID_RETURN_IF_ERROR(WriteFileAtomic(dir + "jwt-svid.token", token + "\n", 0600));
  for (const char* f : {"svid.0.pem", "svid.0.key (0600)", "bundle.0.pem", "bundle.spiffe.json",
                        "jwt-svid.token (0600)"}) {
    out << "      " << dir << f << "\n";
  }
  auto bundle = authority.bundle();
  out << "      trust bundle: " << bundle.x509().authorities().size() << " X.509 authority, "
      << bundle.jwt().authorities().size() << " JWT key, spiffe_sequence "
      << bundle.sequence().value_or(0) << "\n";
  return OkStatus();
}

}  // namespace edgeid::demo
