#include "spiffe/x509_svid.h"

#include <algorithm>

#include "crypto/certificate_builder.h"

namespace edgeid::spiffe {
namespace {

Result<X509Svid> FromParts(Result<crypto::CertificateChain> chain, Result<crypto::PrivateKey> key) {
  if (!chain.ok()) return chain.error().Wrap("X.509-SVID certificates");
  if (!key.ok()) return key.error().Wrap("X.509-SVID private key");
  auto id = CheckLeafProfile(chain->front());
  if (!id.ok()) return id.error();
  if (!(chain->front().public_key() == key->public_key())) {
    return InvalidArgument("X.509-SVID private key does not match the leaf certificate");
  }
  return X509Svid{*id, std::move(*chain), std::move(*key), ""};
}

}  // namespace

Result<X509Svid> X509Svid::FromPem(std::string_view certs_pem, std::string_view key_pem) {
  return FromParts(crypto::ParseCertificatesPem(certs_pem), crypto::PrivateKey::FromPem(key_pem));
}

Result<X509Svid> X509Svid::FromDer(std::string_view certs_der, std::string_view key_der) {
  return FromParts(crypto::ParseCertificatesDer(certs_der), crypto::PrivateKey::FromDer(key_der));
}

Result<SpiffeId> CheckLeafProfile(const crypto::Certificate& leaf) {
  auto fail = [](const std::string& why) { return InvalidArgument("X.509-SVID leaf: " + why); };
  auto uris = leaf.uri_sans();
  if (uris.empty()) return fail("has no URI SAN; exactly one is required (X509-SVID §2)");
  if (uris.size() > 1) {
    return fail("has " + std::to_string(uris.size()) +
                " URI SANs; exactly one is required (X509-SVID §2)");
  }
  auto id = SpiffeId::Parse(uris.front());
  if (!id.ok()) return id.error().Wrap("X.509-SVID leaf URI SAN");
  if (id->path().empty()) {
    return fail("SPIFFE ID " + id->str() + " has no path; a trust domain ID cannot be a " +
                "workload identity (X509-SVID §3)");
  }
  if (leaf.is_ca()) return fail("is a CA certificate (basicConstraints cA=true) (X509-SVID §4.1)");
  uint32_t ku = leaf.key_usage();
  if (ku & crypto::kKeyCertSign) return fail("has keyUsage keyCertSign (X509-SVID §4.3)");
  if (ku & crypto::kCrlSign) return fail("has keyUsage cRLSign (X509-SVID §4.3)");
  if (!(ku & crypto::kDigitalSignature)) {
    return fail("lacks keyUsage digitalSignature (X509-SVID §4.3)");
  }
  return id;
}

Status CheckSigningCertificateProfile(const crypto::Certificate& ca) {
  if (!ca.is_ca()) return InvalidArgument("signing certificate is not a CA (X509-SVID §4.1)");
  if (ca.has_key_usage() && !(ca.key_usage() & crypto::kKeyCertSign)) {
    return InvalidArgument("signing certificate lacks keyUsage keyCertSign (X509-SVID §4.3)");
  }
  for (const auto& uri : ca.uri_sans()) {
    auto id = SpiffeId::Parse(uri);
    if (!id.ok()) return id.error().Wrap("signing certificate URI SAN");
    if (!id->path().empty()) {
      return InvalidArgument("signing certificate SPIFFE ID " + id->str() +
                             " must not have a path (X509-SVID §4.1)");
    }
  }
  return OkStatus();
}

namespace {

// The X.509-SVID leaf profile (X509-SVID §4) for a key of `family`, issued by `ca`.
Result<crypto::CertificateTemplate> SvidTemplate(const X509SvidParams& params,
                                                 crypto::KeyFamily family,
                                                 const crypto::Certificate& ca) {
  if (params.id.path().empty()) {
    return InvalidArgument("cannot mint an X.509-SVID for " + params.id.str() +
                           ": a workload SPIFFE ID needs a path (X509-SVID §3)");
  }
  if (params.ttl.count() <= 0) return InvalidArgument("X.509-SVID TTL must be positive");
  if (!ca.is_ca()) return InvalidArgument("the issuing certificate is not a CA");
  if (family == crypto::KeyFamily::kOther) {
    return InvalidArgument("unsupported key type for an X.509-SVID (expected EC or RSA)");
  }

  crypto::CertificateTemplate tmpl;
  tmpl.subject = {{"C", "US"}, {"O", "SPIFFE"}};
  if (!params.dns_names.empty()) tmpl.subject.emplace_back("CN", params.dns_names.front());
  tmpl.not_before = std::max(params.now - params.backdate, ca.not_before());
  tmpl.not_after = std::min(params.now + params.ttl, ca.not_after());
  if (tmpl.not_after <= params.now) {
    return FailedPrecondition("the issuing CA expires before the X.509-SVID could be valid");
  }
  // RSA keys may also be used for key transport in TLS 1.2 RSA key exchange.
  tmpl.key_usage = crypto::kDigitalSignature;
  if (family == crypto::KeyFamily::kRsa) tmpl.key_usage |= crypto::kKeyEncipherment;
  tmpl.server_and_client_auth = true;
  tmpl.uri_sans = {params.id.str()};
  tmpl.dns_sans = params.dns_names;
  return tmpl;
}

}  // namespace

Result<crypto::Certificate> MintX509Svid(const X509SvidParams& params,
                                         const crypto::PublicKey& subject_key,
                                         const crypto::Certificate& ca,
                                         const crypto::PrivateKey& ca_key) {
  auto tmpl = EDGEID_TRY(SvidTemplate(params, subject_key.family(), ca));
  return crypto::SignCertificate(tmpl, subject_key, &ca, ca_key);
}

Result<std::string> MintX509SvidDerFromCsr(const X509SvidParams& params,
                                           const crypto::CertificateRequest& csr,
                                           const crypto::Certificate& ca,
                                           const crypto::PrivateKey& ca_key) {
  EDGEID_RETURN_IF_ERROR(csr.VerifySignature());
  const crypto::PublicKey& key = csr.public_key();
  if (key.family() == crypto::KeyFamily::kRsa && key.bits() < 2048) {
    return InvalidArgument("CSR RSA key is shorter than 2048 bits");
  }
  auto tmpl = EDGEID_TRY(SvidTemplate(params, key.family(), ca));
  return crypto::SignCertificateDerForSpki(tmpl, csr.spki_der(), &ca, ca_key);
}

Result<crypto::Certificate> MintX509SvidFromCsr(const X509SvidParams& params,
                                                const crypto::CertificateRequest& csr,
                                                const crypto::Certificate& ca,
                                                const crypto::PrivateKey& ca_key) {
  auto der = EDGEID_TRY(MintX509SvidDerFromCsr(params, csr, ca, ca_key));
  return crypto::Certificate::FromDer(der);
}

}  // namespace edgeid::spiffe
