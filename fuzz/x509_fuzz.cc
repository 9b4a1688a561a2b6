// Certificates from peers and bundles: DER and PEM chain parsing, every Certificate accessor,
// the X.509-SVID leaf profile and path validation against a bundle with one fixed CA. The seed
// chains are issued by that CA (fuzz/test_pki.h), so mutations start from chains that verify.
#include <cstddef>
#include <cstdint>
#include <string>

#include "crypto/certificate.h"
#include "fuzz_support.h"
#include "spiffe/spiffe_bundle.h"
#include "spiffe/x509_svid.h"

using edgeid::crypto::Certificate;
using edgeid::crypto::CertificateChain;
using edgeid::fuzz::Require;
namespace spiffe = edgeid::spiffe;

namespace {

const spiffe::BundleSet& Bundles() {
  static const spiffe::BundleSet bundles = [] {
    auto ca = Certificate::FromPem(edgeid::fuzz::kCaCertPem);
    if (!ca.ok()) edgeid::fuzz::Fail("fixture CA loads", ca.error().message);
    spiffe::SpiffeBundle bundle(*spiffe::TrustDomain::Parse("example.org"));
    bundle.x509().AddAuthority(*ca);
    spiffe::BundleSet set;
    set.Put(std::move(bundle));
    return set;
  }();
  return bundles;
}

// Every accessor runs on every parsed certificate: peers and bundles choose these bytes.
void Exercise(const Certificate& cert) {
  // A second handle on the same X509 (as bundles and chains hold them) must compare equal.
  Certificate shared(cert.get());
  Require(shared == cert, "a second handle on a certificate is equal to it");
  (void)cert.ToDer();
  (void)cert.ToPem();
  edgeid::crypto::PublicKey key = cert.public_key();
  (void)key.family();
  (void)key.bits();
  (void)key.key_type();
  const bool ca = cert.is_ca();
  (void)cert.has_key_usage();
  (void)cert.key_usage_critical();
  const uint32_t key_usage = cert.key_usage();
  Require(cert.has_key_usage() || key_usage == 0, "no keyUsage bits without the extension");
  (void)cert.has_ext_key_usage();
  (void)cert.ext_key_usage_server_auth();
  (void)cert.ext_key_usage_client_auth();
  const auto uris = cert.uri_sans();
  (void)cert.dns_sans();
  (void)cert.not_before();
  (void)cert.not_after();
  (void)cert.serial_hex();
  (void)cert.subject();
  (void)cert.issuer();
  (void)cert.subject_common_name();
  (void)cert.subject_key_id();
  (void)cert.authority_key_id();
  Require(cert.fingerprint_sha256().size() == 32, "SHA-256 fingerprint is 32 bytes");
  (void)cert.is_self_signed();

  auto id = spiffe::CheckLeafProfile(cert);
  if (id.ok()) {
    Require(uris.size() == 1 && uris.front() == id->str(), "leaf ID is its only URI SAN");
    Require(!id->path().empty(), "leaf ID has a path");
    Require(!ca, "leaf is not a CA");
    Require((key_usage & edgeid::crypto::kDigitalSignature) != 0, "leaf has digitalSignature");
    Require((key_usage & (edgeid::crypto::kKeyCertSign | edgeid::crypto::kCrlSign)) == 0,
            "leaf has neither keyCertSign nor cRLSign");
  }
  (void)spiffe::CheckSigningCertificateProfile(cert);
}

void Verify(const CertificateChain& chain) {
  auto verified = spiffe::VerifyX509Svid(chain, Bundles(), edgeid::fuzz::Now());
  if (!verified.ok()) return;
  const auto& path = verified->verified_chain;
  Require(!path.empty() && path.front() == chain.front(), "verified path starts at the leaf");
  Require(Bundles().Find(verified->id.trust_domain()) != nullptr, "leaf's domain has a bundle");
  Require(Bundles().Find(verified->id.trust_domain())->x509().HasAuthority(path.back()),
          "verified path ends at an authority of the leaf's own bundle");
  auto leaf_id = spiffe::CheckLeafProfile(chain.front());
  Require(leaf_id.ok() && *leaf_id == verified->id, "verified ID is the leaf's SPIFFE ID");
}

void Run(const edgeid::Result<CertificateChain>& chain) {
  if (!chain.ok()) return;
  Require(!chain->empty(), "a parsed chain is not empty");
  for (const auto& cert : *chain) Exercise(cert);
  Verify(*chain);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes = edgeid::fuzz::AsText(data, size);
  Run(edgeid::crypto::ParseCertificatesDer(bytes));
  Run(edgeid::crypto::ParseCertificatesPem(bytes));
  return 0;
}
