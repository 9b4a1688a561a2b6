#include "crypto/certificate_builder.h"

#include "crypto/general_names.h"
#include "crypto/random.h"
#include "crypto/signature.h"

namespace edgeid::crypto {
namespace {

Status SetTime(ASN1_TIME* field, TimePoint t) {
  if (ASN1_TIME_set(field, std::chrono::system_clock::to_time_t(t)) == nullptr) {
    return OpenSslError(ErrorCode::kInvalidArgument, "certificate validity out of range");
  }
  return OkStatus();
}

Status AddExtension(X509* x509, int nid, void* value, bool critical, const char* name) {
  if (X509_add1_ext_i2d(x509, nid, value, critical ? 1 : 0, X509V3_ADD_DEFAULT) != 1) {
    return OpenSslError(ErrorCode::kInternal, std::string("adding ") + name + " extension");
  }
  return OkStatus();
}

Status AddExtensions(X509* x509, const CertificateTemplate& tmpl, const Certificate* issuer) {
  BasicConstraintsPtr bc(BASIC_CONSTRAINTS_new());
  if (!bc) return OpenSslError(ErrorCode::kInternal, "allocating basicConstraints");
  bc->ca = tmpl.is_ca ? 0xFF : 0;
  if (tmpl.is_ca && tmpl.path_len >= 0) {
    bc->pathlen = ASN1_INTEGER_new();
    ASN1_INTEGER_set(bc->pathlen, tmpl.path_len);
  }
  EDGEID_RETURN_IF_ERROR(
      AddExtension(x509, NID_basic_constraints, bc.get(), true, "basicConstraints"));

  if (tmpl.key_usage != 0) {
    Asn1BitStringPtr ku(ASN1_BIT_STRING_new());
    for (int bit = 0; bit < 9; ++bit) {
      if (tmpl.key_usage & (1u << bit)) ASN1_BIT_STRING_set_bit(ku.get(), bit, 1);
    }
    EDGEID_RETURN_IF_ERROR(AddExtension(x509, NID_key_usage, ku.get(), true, "keyUsage"));
  }

  if (tmpl.server_and_client_auth) {
    ExtendedKeyUsagePtr eku(sk_ASN1_OBJECT_new_null());
    sk_ASN1_OBJECT_push(eku.get(), OBJ_nid2obj(NID_server_auth));
    sk_ASN1_OBJECT_push(eku.get(), OBJ_nid2obj(NID_client_auth));
    EDGEID_RETURN_IF_ERROR(AddExtension(x509, NID_ext_key_usage, eku.get(), false, "extKeyUsage"));
  }

  if (!tmpl.uri_sans.empty() || !tmpl.dns_sans.empty()) {
    auto names = EDGEID_TRY(MakeGeneralNames(tmpl.uri_sans, tmpl.dns_sans));
    // RFC 5280 §4.2.1.6: with an empty subject the SAN extension is critical.
    EDGEID_RETURN_IF_ERROR(AddExtension(x509, NID_subject_alt_name, names.get(),
                                        tmpl.subject.empty(), "subjectAltName"));
  }

  // Subject key identifier: SHA-1 of the subjectPublicKey bits (RFC 5280 §4.2.1.2, method 1).
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (X509_pubkey_digest(x509, EVP_sha1(), md, &md_len) != 1) {
    return OpenSslError(ErrorCode::kInternal, "computing subject key identifier");
  }
  Asn1OctetStringPtr ski(ASN1_OCTET_STRING_new());
  ASN1_OCTET_STRING_set(ski.get(), md, static_cast<int>(md_len));
  EDGEID_RETURN_IF_ERROR(AddExtension(x509, NID_subject_key_identifier, ski.get(), false, "SKI"));

  AuthorityKeyIdPtr aki(AUTHORITY_KEYID_new());
  aki->keyid = ASN1_OCTET_STRING_new();
  if (issuer != nullptr && !issuer->subject_key_id().empty()) {
    std::string id = issuer->subject_key_id();
    ASN1_OCTET_STRING_set(aki->keyid, reinterpret_cast<const unsigned char*>(id.data()),
                          static_cast<int>(id.size()));
  } else {
    ASN1_OCTET_STRING_set(aki->keyid, md, static_cast<int>(md_len));
  }
  return AddExtension(x509, NID_authority_key_identifier, aki.get(), false, "AKI");
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
  if (tmpl.not_after <= tmpl.not_before) {
    return InvalidArgument("certificate notAfter must be later than notBefore");
  }
  X509Ptr x509(X509_new());
  if (!x509 || X509_set_version(x509.get(), X509_VERSION_3) != 1) {
    return OpenSslError(ErrorCode::kInternal, "allocating certificate");
  }

  std::string serial = tmpl.serial.empty() ? EDGEID_TRY(RandomSerial()) : tmpl.serial;
  BignumPtr serial_bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(serial.data()),
                                static_cast<int>(serial.size()), nullptr));
  if (!serial_bn || !BN_to_ASN1_INTEGER(serial_bn.get(), X509_get_serialNumber(x509.get()))) {
    return OpenSslError(ErrorCode::kInternal, "setting serial number");
  }

  X509_NAME* subject = X509_get_subject_name(x509.get());
  for (const auto& [field, value] : tmpl.subject) {
    if (X509_NAME_add_entry_by_txt(subject, field.c_str(), MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1,
                                   0) != 1) {
      return OpenSslError(ErrorCode::kInvalidArgument, "subject attribute " + field);
    }
  }
  X509_NAME* issuer_name = issuer ? X509_get_subject_name(issuer->get()) : subject;
  if (X509_set_issuer_name(x509.get(), issuer_name) != 1 ||
      X509_set_pubkey(x509.get(), subject_key.get()) != 1) {
    return OpenSslError(ErrorCode::kInternal, "setting issuer or public key");
  }
  EDGEID_RETURN_IF_ERROR(SetTime(X509_getm_notBefore(x509.get()), tmpl.not_before));
  EDGEID_RETURN_IF_ERROR(SetTime(X509_getm_notAfter(x509.get()), tmpl.not_after));
  EDGEID_RETURN_IF_ERROR(AddExtensions(x509.get(), tmpl, issuer));

  if (X509_sign(x509.get(), issuer_key.get(), DigestFor(issuer_key.DefaultSignatureAlgorithm())) <=
      0) {
    return OpenSslError(ErrorCode::kInternal, "signing certificate");
  }
  return Certificate(x509.get());
}

}  // namespace edgeid::crypto
