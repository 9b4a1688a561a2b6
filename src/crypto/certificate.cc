#include "crypto/certificate.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <ctime>

#include "crypto/der.h"

namespace edgeid::crypto {
namespace {

TimePoint FromAsn1Time(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return TimePoint{};
  // system_clock counts nanoseconds and ends in 2262; RFC 5280's "no expiry" is 9999-12-31.
  constexpr auto kLimit =
      std::chrono::duration_cast<std::chrono::seconds>(TimePoint::duration::max()).count();
  int64_t seconds = timegm(&tm);
  if (seconds >= kLimit) return TimePoint::max();
  if (seconds <= -kLimit) return TimePoint::min();
  return TimePoint(std::chrono::seconds(seconds));
}

std::vector<std::string> SansOfType(X509* x509, int type) {
  std::vector<std::string> out;
  GeneralNamesPtr names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x509, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type != type) continue;
    const ASN1_IA5STRING* s = name->d.ia5;
    out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s)));
  }
  return out;
}

std::string NameToString(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253);
  return MemoryBioContents(bio.get());
}

// OpenSSL parses certificates whose public key it cannot decode (unknown algorithm, point off
// the curve) and leaves the key empty; such a certificate is refused here, so every
// Certificate has a usable key.
Result<Certificate> Adopt(X509Ptr x509, const std::string& what) {
  if (X509_get0_pubkey(x509.get()) == nullptr) {
    return OpenSslError(ErrorCode::kInvalidArgument,
                        what + ": public key cannot be decoded or is not supported");
  }
  return Certificate(x509.get());
}

std::string OctetString(const ASN1_OCTET_STRING* s) {
  if (s == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s)));
}

}  // namespace

Certificate::Certificate(X509* x509) : x509_(x509) {
  X509_up_ref(x509);
  // Caches the decoded extensions now, so later const accessors do not race to do it.
  X509_check_purpose(x509, -1, 0);
}
Certificate::Certificate(const Certificate& other) : x509_(other.x509_.get()) {
  X509_up_ref(x509_.get());
}
Certificate& Certificate::operator=(const Certificate& other) {
  if (this != &other) {
    X509_up_ref(other.x509_.get());
    x509_.reset(other.x509_.get());
  }
  return *this;
}

Result<Certificate> Certificate::FromDer(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509Ptr x509(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!x509) return OpenSslError(ErrorCode::kInvalidArgument, "malformed DER certificate");
  if (p != reinterpret_cast<const unsigned char*>(der.data() + der.size())) {
    return InvalidArgument("trailing data after DER certificate");
  }
  return Adopt(std::move(x509), "DER certificate");
}

Result<Certificate> Certificate::FromPem(std::string_view pem) {
  auto chain = EDGEID_TRY(ParseCertificatesPem(pem));
  if (chain.size() != 1) {
    return InvalidArgument("expected one certificate, found " + std::to_string(chain.size()));
  }
  return chain.front();
}

std::string Certificate::ToDer() const {
  return EncodeDer(i2d_X509, x509_.get());
}

Result<std::string> Certificate::SignedContentsDer() const {
  // OpenSSL keeps the TBSCertificate's received encoding and writes it back unchanged, so it is
  // read here out of the certificate's DER rather than re-encoded.
  std::string der = ToDer();
  DerReader outer(der);
  auto certificate = EDGEID_TRY(outer.Expect(der_tag::kSequence, "Certificate"));
  DerReader fields(certificate.contents);
  auto tbs = EDGEID_TRY(fields.Expect(der_tag::kSequence, "TBSCertificate"));
  return std::string(tbs.encoding);
}

std::string Certificate::ToPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), x509_.get());
  return MemoryBioContents(bio.get());
}

PublicKey Certificate::public_key() const {
  return PublicKey(X509_get0_pubkey(x509_.get()));
}

bool Certificate::is_ca() const {
  return (X509_get_extension_flags(x509_.get()) & EXFLAG_CA) != 0;
}

bool Certificate::has_key_usage() const {
  return (X509_get_extension_flags(x509_.get()) & EXFLAG_KUSAGE) != 0;
}

bool Certificate::key_usage_critical() const {
  int idx = X509_get_ext_by_NID(x509_.get(), NID_key_usage, -1);
  return idx >= 0 && X509_EXTENSION_get_critical(X509_get_ext(x509_.get(), idx)) == 1;
}

uint32_t Certificate::key_usage() const {
  if (!has_key_usage()) return 0;
  // OpenSSL's KU_* constants put bit 0 (digitalSignature) at 0x80; map them to RFC bit order.
  uint32_t ku = X509_get_key_usage(x509_.get());
  uint32_t out = 0;
  const std::pair<uint32_t, uint32_t> map[] = {{KU_DIGITAL_SIGNATURE, kDigitalSignature},
                                               {KU_NON_REPUDIATION, kNonRepudiation},
                                               {KU_KEY_ENCIPHERMENT, kKeyEncipherment},
                                               {KU_DATA_ENCIPHERMENT, kDataEncipherment},
                                               {KU_KEY_AGREEMENT, kKeyAgreement},
                                               {KU_KEY_CERT_SIGN, kKeyCertSign},
                                               {KU_CRL_SIGN, kCrlSign}};
  for (auto [ossl, ours] : map) {
    if (ku & ossl) out |= ours;
  }
  return out;
}

bool Certificate::has_ext_key_usage() const {
  return (X509_get_extension_flags(x509_.get()) & EXFLAG_XKUSAGE) != 0;
}
bool Certificate::ext_key_usage_server_auth() const {
  return (X509_get_extended_key_usage(x509_.get()) & XKU_SSL_SERVER) != 0;
}
bool Certificate::ext_key_usage_client_auth() const {
  return (X509_get_extended_key_usage(x509_.get()) & XKU_SSL_CLIENT) != 0;
}

std::vector<std::string> Certificate::uri_sans() const {
  return SansOfType(x509_.get(), GEN_URI);
}
std::vector<std::string> Certificate::dns_sans() const {
  return SansOfType(x509_.get(), GEN_DNS);
}

TimePoint Certificate::not_before() const {
  return FromAsn1Time(X509_get0_notBefore(x509_.get()));
}
TimePoint Certificate::not_after() const {
  return FromAsn1Time(X509_get0_notAfter(x509_.get()));
}

std::string Certificate::serial_hex() const {
  BignumPtr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(x509_.get()), nullptr));
  if (!bn) return {};
  char* hex = BN_bn2hex(bn.get());
  std::string out(hex);
  OPENSSL_free(hex);
  return out;
}

std::string Certificate::subject() const {
  return NameToString(X509_get_subject_name(x509_.get()));
}
std::string Certificate::issuer() const {
  return NameToString(X509_get_issuer_name(x509_.get()));
}

std::string Certificate::subject_common_name() const {
  const X509_NAME* name = X509_get_subject_name(x509_.get());
  int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (idx < 0) return {};
  const ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s)));
}

std::string Certificate::subject_key_id() const {
  return OctetString(X509_get0_subject_key_id(x509_.get()));
}
std::string Certificate::authority_key_id() const {
  return OctetString(X509_get0_authority_key_id(x509_.get()));
}

std::string Certificate::fingerprint_sha256() const {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  X509_digest(x509_.get(), EVP_sha256(), md, &len);
  return std::string(reinterpret_cast<char*>(md), len);
}

bool Certificate::is_self_signed() const {
  return (X509_get_extension_flags(x509_.get()) & EXFLAG_SS) != 0;
}

bool Certificate::operator==(const Certificate& other) const {
  return X509_cmp(x509_.get(), other.x509_.get()) == 0;
}

Result<CertificateChain> ParseCertificatesPem(std::string_view pem) {
  BioPtr bio = MemoryBio(pem);
  CertificateChain chain;
  for (;;) {
    X509Ptr x509(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!x509) {
      unsigned long err = ERR_peek_last_error();
      if (ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE) {
        ERR_clear_error();
        break;  // no more CERTIFICATE blocks
      }
      return OpenSslError(ErrorCode::kInvalidArgument,
                          "malformed PEM certificate #" + std::to_string(chain.size() + 1));
    }
    auto cert = Adopt(std::move(x509), "PEM certificate #" + std::to_string(chain.size() + 1));
    if (!cert.ok()) return cert.error();
    chain.push_back(std::move(*cert));
  }
  if (chain.empty()) return InvalidArgument("no CERTIFICATE block found in PEM data");
  return chain;
}

Result<CertificateChain> ParseCertificatesDer(std::string_view der) {
  CertificateChain chain;
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  const auto* end = p + der.size();
  while (p < end) {
    X509Ptr x509(d2i_X509(nullptr, &p, end - p));
    if (!x509) {
      return OpenSslError(ErrorCode::kInvalidArgument,
                          "malformed DER certificate #" + std::to_string(chain.size() + 1));
    }
    auto cert = Adopt(std::move(x509), "DER certificate #" + std::to_string(chain.size() + 1));
    if (!cert.ok()) return cert.error();
    chain.push_back(std::move(*cert));
  }
  if (chain.empty()) return InvalidArgument("no certificate in DER data");
  return chain;
}

std::string CertificatesToPem(const CertificateChain& chain) {
  std::string out;
  for (const auto& c : chain) out += c.ToPem();
  return out;
}

std::string CertificatesToDer(const CertificateChain& chain) {
  std::string out;
  for (const auto& c : chain) out += c.ToDer();
  return out;
}

}  // namespace edgeid::crypto
