#include "ca/upstreamauthority/disk/disk_upstream_authority.h"

#include <algorithm>

#include "common/atomic_file.h"
#include "crypto/chain_verify.h"

namespace edgeid::ca {
namespace {

Result<std::string> ReadConfigured(const std::string& path, const char* key) {
  if (path.empty())
    return InvalidArgument(std::string("upstream authority: ") + key + " is required");
  auto data = ReadFile(path);
  if (!data.ok()) return data.error().Wrap(std::string("upstream authority ") + key);
  return data;
}

}  // namespace

Result<std::unique_ptr<DiskUpstreamAuthority>> DiskUpstreamAuthority::Load(
    const DiskUpstreamConfig& config, TimePoint now) {
  auto cert_pem = EDGEID_TRY(ReadConfigured(config.cert_file_path, "cert_file_path"));
  auto key_pem = EDGEID_TRY(ReadConfigured(config.key_file_path, "key_file_path"));
  auto chain = crypto::ParseCertificatesPem(cert_pem);
  if (!chain.ok()) return chain.error().Wrap("upstream authority " + config.cert_file_path);
  auto key = crypto::PrivateKey::FromPem(key_pem);
  if (!key.ok()) return key.error().Wrap("upstream authority " + config.key_file_path);

  const crypto::Certificate& ca = chain->front();
  if (!(ca.public_key() == key->public_key())) {
    return InvalidArgument("upstream authority: the key in " + config.key_file_path +
                           " does not match the certificate in " + config.cert_file_path);
  }
  if (!ca.is_ca()) {
    return InvalidArgument("upstream authority: " + config.cert_file_path +
                           " is not a CA certificate (basicConstraints cA is not true)");
  }
  if (ca.has_key_usage() && !(ca.key_usage() & crypto::kKeyCertSign)) {
    return InvalidArgument("upstream authority: " + config.cert_file_path +
                           " lacks keyUsage keyCertSign");
  }
  if (now < ca.not_before() || now >= ca.not_after()) {
    return FailedPrecondition("upstream authority: " + config.cert_file_path +
                              " is not valid now (expired or not yet valid)");
  }

  crypto::CertificateChain roots;
  if (!config.bundle_file_path.empty()) {
    auto bundle_pem = EDGEID_TRY(ReadConfigured(config.bundle_file_path, "bundle_file_path"));
    auto parsed = crypto::ParseCertificatesPem(bundle_pem);
    if (!parsed.ok()) return parsed.error().Wrap("upstream authority " + config.bundle_file_path);
    roots = std::move(*parsed);
  } else if (ca.is_self_signed()) {
    roots = {ca};
  } else {
    return InvalidArgument("upstream authority: " + config.cert_file_path +
                           " is not self-signed, so bundle_file_path must name its roots");
  }
  // Plain RFC 5280 path validation: the SVID verifier's leaf rules do not apply to a CA.
  auto verified = crypto::VerifyCertificateChain(*chain, roots, now);
  if (!verified.ok()) {
    return InvalidArgument("upstream CA certificate does not chain to the upstream bundle: " +
                           verified.error().message);
  }
  return std::unique_ptr<DiskUpstreamAuthority>(
      new DiskUpstreamAuthority(std::move(*chain), std::move(*key), std::move(roots)));
}

Result<UpstreamMintedCa> DiskUpstreamAuthority::MintX509Ca(const crypto::CertificateRequest& csr,
                                                           const CaCertificateParams& params) {
  EDGEID_RETURN_IF_ERROR(csr.VerifySignature());
  const crypto::PublicKey& subject_key = csr.public_key();
  const crypto::Certificate& upstream = chain_.front();
  crypto::CertificateTemplate tmpl = MakeCaTemplate(params);
  tmpl.not_before = std::max(tmpl.not_before, upstream.not_before());
  tmpl.not_after = std::min(tmpl.not_after, upstream.not_after());
  if (tmpl.not_after <= params.now) {
    return FailedPrecondition("upstream authority: the upstream CA has expired");
  }
  auto minted = EDGEID_TRY(crypto::SignCertificate(tmpl, subject_key, &upstream, key_));

  UpstreamMintedCa out;
  out.chain.push_back(minted);
  for (const auto& cert : chain_) {
    // Roots are in the bundle already; a chain carries only what lies below them.
    if (std::find(roots_.begin(), roots_.end(), cert) != roots_.end()) break;
    out.chain.push_back(cert);
  }
  out.roots = roots_;
  return out;
}

}  // namespace edgeid::ca
