#include "crypto/certificate_builder.h"

#include "crypto/der.h"
#include "crypto/der_writer.h"
#include "crypto/digest.h"
#include "crypto/random.h"

namespace edgeid::crypto {
namespace {

using namespace std::string_view_literals;

// Object identifiers as complete DER elements (RFC 5280 §4.2.1).
constexpr auto kBasicConstraints = "\x06\x03\x55\x1d\x13"sv;
constexpr auto kKeyUsage = "\x06\x03\x55\x1d\x0f"sv;
constexpr auto kExtKeyUsage = "\x06\x03\x55\x1d\x25"sv;
constexpr auto kSubjectAltName = "\x06\x03\x55\x1d\x11"sv;
constexpr auto kSubjectKeyId = "\x06\x03\x55\x1d\x0e"sv;
constexpr auto kAuthorityKeyId = "\x06\x03\x55\x1d\x23"sv;
constexpr auto kServerAuth = "\x06\x08\x2b\x06\x01\x05\x05\x07\x03\x01"sv;
constexpr auto kClientAuth = "\x06\x08\x2b\x06\x01\x05\x05\x07\x03\x02"sv;

std::string Extension(std::string_view oid, bool critical, std::string_view value) {
  std::string contents(oid);
  if (critical) contents += "\x01\x01\xff"sv;
  contents += DerOctetString(value);
  return DerTlv(der_tag::kSequence, contents);
}

Result<std::string> EncodeName(const std::vector<std::pair<std::string, std::string>>& subject) {
  X509NamePtr name(X509_NAME_new());
  for (const auto& [field, value] : subject) {
    if (X509_NAME_add_entry_by_txt(name.get(), field.c_str(), MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1,
                                   0) != 1) {
      return OpenSslError(ErrorCode::kInvalidArgument, "subject attribute " + field);
    }
  }
  std::string der = EncodeDer(i2d_X509_NAME, name.get());
  if (der.empty()) return OpenSslError(ErrorCode::kInternal, "encoding subject name");
  return der;
}

Result<std::string> IssuerName(const Certificate& issuer) {
  std::string der = EncodeDer(i2d_X509_NAME, X509_get_subject_name(issuer.get()));
  if (der.empty()) return OpenSslError(ErrorCode::kInternal, "encoding issuer name");
  return der;
}

// SHA-1 of the subjectPublicKey bits (RFC 5280 §4.2.1.2, method 1).
Result<std::string> SubjectKeyId(std::string_view spki_der) {
  DerReader outer(spki_der);
  auto spki = EDGEID_TRY(outer.Expect(der_tag::kSequence, "SubjectPublicKeyInfo"));
  if (!outer.empty()) return InvalidArgument("trailing data after SubjectPublicKeyInfo");
  DerReader fields(spki.contents);
  EDGEID_TRY(fields.Expect(der_tag::kSequence, "public key algorithm"));
  auto bits = EDGEID_TRY(fields.Expect(der_tag::kBitString, "public key"));
  if (!fields.empty()) return InvalidArgument("unexpected data in SubjectPublicKeyInfo");
  auto key_bits = EDGEID_TRY(DerBitStringBytes(bits, "public key"));
  return Sha1(key_bits);
}

std::string Extensions(const CertificateTemplate& tmpl, const std::string& ski,
                       const std::string& aki) {
  std::string exts;
  std::string bc;
  if (tmpl.is_ca) {
    bc = "\x01\x01\xff"sv;
    if (tmpl.path_len >= 0) bc += DerSmallInteger(static_cast<uint32_t>(tmpl.path_len));
  }
  exts += Extension(kBasicConstraints, true, DerTlv(der_tag::kSequence, bc));
  if (tmpl.key_usage != 0) exts += Extension(kKeyUsage, true, DerNamedBits(tmpl.key_usage));
  if (tmpl.server_and_client_auth) {
    exts += Extension(kExtKeyUsage, false, DerSequence({kServerAuth, kClientAuth}));
  }
  if (!tmpl.uri_sans.empty() || !tmpl.dns_sans.empty()) {
    std::string names;
    for (const auto& uri : tmpl.uri_sans) names += DerTlv(0x86, uri);  // [6] IA5String
    for (const auto& dns : tmpl.dns_sans) names += DerTlv(0x82, dns);  // [2] IA5String
    // RFC 5280 §4.2.1.6: with an empty subject the SAN extension is critical.
    exts += Extension(kSubjectAltName, tmpl.subject.empty(), DerTlv(der_tag::kSequence, names));
  }
  exts += Extension(kSubjectKeyId, false, DerOctetString(ski));
  if (!aki.empty()) {
    exts += Extension(kAuthorityKeyId, false, DerSequence({DerTlv(0x80, aki)}));  // [0] keyId
  }
  return DerTlv(0xa3, DerTlv(der_tag::kSequence, exts));  // [3] EXPLICIT Extensions
}

// Encodes the TBSCertificate (RFC 5280 §4.1) and signs it: the one place edgeid makes
// certificates, so every certificate follows the same profile.
Result<std::string> EncodeAndSign(const CertificateTemplate& tmpl, std::string_view spki_der,
                                  const Certificate* issuer, const PrivateKey& issuer_key) {
  if (tmpl.not_after <= tmpl.not_before) {
    return InvalidArgument("certificate notAfter must be later than notBefore");
  }
  SignatureAlgorithm alg = issuer_key.DefaultSignatureAlgorithm();
  std::string_view alg_id = SignatureAlgorithmIdDer(alg != SignatureAlgorithm::kRsaPkcs1Sha256,
                                                    alg == SignatureAlgorithm::kEcdsaSha384);
  std::string serial = tmpl.serial;
  if (serial.empty()) serial = EDGEID_TRY(RandomSerial());
  std::string subject = EDGEID_TRY(EncodeName(tmpl.subject));
  std::string issuer_name = subject;
  if (issuer != nullptr) issuer_name = EDGEID_TRY(IssuerName(*issuer));
  std::string ski = EDGEID_TRY(SubjectKeyId(spki_der));
  std::string aki = issuer ? issuer->subject_key_id() : ski;

  std::string tbs = DerSequence({
      "\xa0\x03\x02\x01\x02"sv,  // [0] EXPLICIT version v3
      DerUnsignedInteger(serial),
      alg_id,
      issuer_name,
      DerSequence({DerTime(tmpl.not_before), DerTime(tmpl.not_after)}),
      subject,
      spki_der,
      Extensions(tmpl, ski, aki),
  });
  auto signature = issuer_key.Sign(alg, tbs);
  if (!signature.ok()) return signature.error().Wrap("signing certificate");
  return DerSequence({tbs, alg_id, DerBitString(*signature)});
}

}  // namespace

Result<std::string> RandomSerial() {
  auto serial = EDGEID_TRY(RandomBytes(16));
  serial[0] = static_cast<char>(static_cast<unsigned char>(serial[0]) & 0x7f);
  if (serial[0] == 0) serial[0] = 1;  // keeps it positive, non-zero and 16 bytes long
  return serial;
}

Result<Certificate> SignCertificate(const CertificateTemplate& tmpl, const PublicKey& subject_key,
                                    const Certificate* issuer, const PrivateKey& issuer_key) {
  std::string spki = subject_key.ToDer();
  if (spki.empty()) return OpenSslError(ErrorCode::kInvalidArgument, "encoding the public key");
  auto der = EDGEID_TRY(EncodeAndSign(tmpl, spki, issuer, issuer_key));
  return Certificate::FromDer(der);
}

Result<std::string> SignCertificateDerForSpki(const CertificateTemplate& tmpl,
                                              std::string_view subject_spki_der,
                                              const Certificate* issuer,
                                              const PrivateKey& issuer_key) {
  return EncodeAndSign(tmpl, subject_spki_der, issuer, issuer_key);
}

}  // namespace edgeid::crypto
