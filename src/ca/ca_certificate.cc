#include "ca/ca_certificate.h"

namespace edgeid::ca {

crypto::CertificateTemplate MakeCaTemplate(const CaCertificateParams& params) {
  crypto::CertificateTemplate tmpl;
  tmpl.subject = params.subject;
  tmpl.not_before = params.now - params.backdate;
  tmpl.not_after = params.now + params.ttl;
  tmpl.is_ca = true;
  tmpl.key_usage = crypto::kKeyCertSign | crypto::kCrlSign | crypto::kDigitalSignature;
  tmpl.uri_sans = {params.trust_domain.IdString()};
  return tmpl;
}

Result<crypto::Certificate> MintSelfSignedCa(const CaCertificateParams& params,
                                             const crypto::PrivateKey& key) {
  return crypto::SignCertificate(MakeCaTemplate(params), key.public_key(), nullptr, key);
}

}  // namespace edgeid::ca
