#include "testing/test_pki.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/x509.h>

#include <memory>
#include <stdexcept>

#include "common/atomic_file.h"
#include "testing/temp_dir.h"

namespace edgeid::testing {

std::string MirroredP256S(std::string_view s) {
  std::unique_ptr<BIGNUM, decltype(&BN_free)> value(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()),
                nullptr),
      BN_free);
  std::unique_ptr<BIGNUM, decltype(&BN_free)> order(BN_new(), BN_free);
  std::unique_ptr<EC_GROUP, decltype(&EC_GROUP_free)> group(
      EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1), EC_GROUP_free);
  if (!value || EC_GROUP_get_order(group.get(), order.get(), nullptr) != 1 ||
      BN_sub(value.get(), order.get(), value.get()) != 1) {
    throw std::runtime_error("cannot mirror an ECDSA s");
  }
  std::string out(32, '\0');
  BN_bn2binpad(value.get(), reinterpret_cast<unsigned char*>(out.data()), 32);
  return out;
}

crypto::Certificate WithMirroredEcdsaSignature(const crypto::Certificate& cert) {
  const ASN1_BIT_STRING* signature = nullptr;
  X509_get0_signature(&signature, nullptr, cert.get());
  const unsigned char* p = signature->data;
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(
      d2i_ECDSA_SIG(nullptr, &p, signature->length), ECDSA_SIG_free);
  if (!sig) throw std::runtime_error("not an ECDSA signature");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string s_bytes(32, '\0');
  BN_bn2binpad(s, reinterpret_cast<unsigned char*>(s_bytes.data()), 32);
  std::string mirrored = MirroredP256S(s_bytes);
  ECDSA_SIG_set0(sig.get(), BN_dup(r),
                 BN_bin2bn(reinterpret_cast<const unsigned char*>(mirrored.data()), 32, nullptr));
  unsigned char* encoded = nullptr;
  int length = i2d_ECDSA_SIG(sig.get(), &encoded);
  // A copy of the parsed certificate keeps the TBSCertificate's cached encoding, so only the
  // signature changes when it is written out again.
  crypto::X509Ptr copy(X509_dup(cert.get()));
  const ASN1_BIT_STRING* copy_signature = nullptr;
  X509_get0_signature(&copy_signature, nullptr, copy.get());
  auto* writable = const_cast<ASN1_BIT_STRING*>(copy_signature);
  ASN1_BIT_STRING_set(writable, encoded, length);
  // Whole octets: without the flag, OpenSSL would count the last octet's trailing zero bits as
  // unused.
  writable->flags = (writable->flags & ~0x07L) | ASN1_STRING_FLAG_BITS_LEFT;
  OPENSSL_free(encoded);
  unsigned char* der = nullptr;
  int der_length = i2d_X509(copy.get(), &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(der_length));
  OPENSSL_free(der);
  return Unwrap(crypto::Certificate::FromDer(out));
}

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
