#include "testing/test_pki.h"

#include <stdexcept>

#include "common/atomic_file.h"
#include "testing/temp_dir.h"

namespace edgeid::testing {

crypto::PrivateKey NewP256Key() {
  return Unwrap(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
}

void WriteIssuedKeyAndCert(const std::string& stem, const crypto::CertificateTemplate& tmpl,
                           const TestCa& issuer) {
  crypto::PrivateKey key = NewP256Key();
  auto cert = SignLeaf(tmpl, issuer, &key);
  auto written = WriteFileAtomic(stem + ".key", Unwrap(key.ToPkcs8Pem()), 0600);
  if (!written.ok()) throw std::runtime_error(written.error().ToString());
  WriteTestFile(stem + ".pem", cert.ToPem());
}

TestCa MakeTestCa(const std::string& trust_domain, crypto::KeyType type) {
  auto key = Unwrap(crypto::PrivateKey::Generate(type));
  crypto::CertificateTemplate tmpl;
  tmpl.subject = {{"O", "edgeid test"}, {"CN", trust_domain + " root"}};
  tmpl.not_before = Clock::now() - std::chrono::hours(1);
  tmpl.not_after = Clock::now() + std::chrono::hours(24);
  tmpl.is_ca = true;
  tmpl.key_usage = crypto::kKeyCertSign | crypto::kCrlSign;
  tmpl.uri_sans = {"spiffe://" + trust_domain};
  auto cert = Unwrap(crypto::SignCertificate(tmpl, key.public_key(), nullptr, key));
  return {key, cert};
}

TestCa MakeIntermediateCa(const TestCa& parent, const std::string& trust_domain) {
  auto key = Unwrap(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  crypto::CertificateTemplate tmpl;
  tmpl.subject = {{"O", "edgeid test"}, {"CN", trust_domain + " intermediate"}};
  tmpl.not_before = Clock::now() - std::chrono::hours(1);
  tmpl.not_after = Clock::now() + std::chrono::hours(12);
  tmpl.is_ca = true;
  tmpl.key_usage = crypto::kKeyCertSign | crypto::kCrlSign;
  tmpl.uri_sans = {"spiffe://" + trust_domain};
  auto cert = Unwrap(crypto::SignCertificate(tmpl, key.public_key(), &parent.cert, parent.key));
  return {key, cert};
}

crypto::CertificateTemplate LeafTemplate(const std::string& id) {
  crypto::CertificateTemplate tmpl;
  tmpl.subject = {{"O", "SPIFFE"}};
  tmpl.not_before = Clock::now() - std::chrono::minutes(5);
  tmpl.not_after = Clock::now() + std::chrono::hours(1);
  tmpl.key_usage = crypto::kDigitalSignature;
  tmpl.server_and_client_auth = true;
  tmpl.uri_sans = {id};
  return tmpl;
}

crypto::Certificate SignLeaf(const crypto::CertificateTemplate& tmpl, const TestCa& issuer,
                             crypto::PrivateKey* key) {
  auto leaf_key = Unwrap(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  if (key != nullptr) *key = leaf_key;
  return Unwrap(crypto::SignCertificate(tmpl, leaf_key.public_key(), &issuer.cert, issuer.key));
}

}  // namespace edgeid::testing
