#include "crypto/csr.h"

#include <openssl/core_names.h>
#include <openssl/pem.h>

#include "crypto/der.h"
#include "crypto/der_writer.h"
#include "crypto/general_names.h"
#include "crypto/ossl.h"

namespace edgeid::crypto {
namespace {

// OID contents octets (X.690 §8.19).
constexpr std::string_view kEcPublicKey = "\x2a\x86\x48\xce\x3d\x02\x01";
constexpr std::string_view kP256 = "\x2a\x86\x48\xce\x3d\x03\x01\x07";
constexpr std::string_view kP384 = "\x2b\x81\x04\x00\x22";
constexpr std::string_view kEcdsaSha256 = "\x2a\x86\x48\xce\x3d\x04\x03\x02";
constexpr std::string_view kEcdsaSha384 = "\x2a\x86\x48\xce\x3d\x04\x03\x03";
constexpr std::string_view kEcdsaSha512 = "\x2a\x86\x48\xce\x3d\x04\x03\x04";
constexpr std::string_view kRsaSha256 = "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b";
constexpr std::string_view kRsaSha384 = "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0c";
constexpr std::string_view kRsaSha512 = "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0d";

Result<X509ReqPtr> ParseWithOpenSsl(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
  if (!req) return OpenSslError(ErrorCode::kInvalidArgument, "malformed DER CSR");
  return req;
}

// EC keys on the curves edgeid issues for are imported from their point directly; anything
// else goes through OpenSSL's generic decoder.
Result<PublicKey> ImportPublicKey(std::string_view spki_der) {
  DerReader outer(spki_der);
  auto spki = EDGEID_TRY(outer.Expect(der_tag::kSequence, "CSR public key"));
  DerReader fields(spki.contents);
  auto algorithm = EDGEID_TRY(fields.Expect(der_tag::kSequence, "CSR public key algorithm"));
  auto bits = EDGEID_TRY(fields.Expect(der_tag::kBitString, "CSR public key bits"));
  DerReader alg(algorithm.contents);
  auto oid = EDGEID_TRY(alg.Expect(der_tag::kOid, "CSR public key algorithm"));
  if (oid.contents == kEcPublicKey && alg.PeekTag() == der_tag::kOid) {
    auto curve = EDGEID_TRY(alg.Expect(der_tag::kOid, "CSR EC curve"));
    std::string_view point = EDGEID_TRY(DerBitStringBytes(bits, "CSR EC point"));
    size_t coordinate = curve.contents == kP256 ? 32 : curve.contents == kP384 ? 48 : 0;
    if (coordinate != 0) {
      if (point.size() != 1 + 2 * coordinate || point[0] != 0x04) {
        return InvalidArgument("CSR EC public key is not an uncompressed point of its curve");
      }
      EcPublicCoordinates c{coordinate == 32 ? "P-256" : "P-384",
                            std::string(point.substr(1, coordinate)),
                            std::string(point.substr(1 + coordinate))};
      return PublicKey::FromEcCoordinates(c);
    }
  }
  return PublicKey::FromDer(spki_der);
}

std::optional<SignatureAlgorithm> KnownAlgorithm(const DerElement& algorithm) {
  DerReader r(algorithm.contents);
  auto oid = r.Expect(der_tag::kOid, "CSR signature algorithm");
  if (!oid.ok()) return std::nullopt;
  std::string_view id = oid->contents;
  if (id == kEcdsaSha256 || id == kEcdsaSha384 || id == kEcdsaSha512) {
    if (!r.empty()) return std::nullopt;  // ECDSA identifiers have no parameters
    return id == kEcdsaSha256   ? SignatureAlgorithm::kEcdsaSha256
           : id == kEcdsaSha384 ? SignatureAlgorithm::kEcdsaSha384
                                : SignatureAlgorithm::kEcdsaSha512;
  }
  if (id == kRsaSha256 || id == kRsaSha384 || id == kRsaSha512) {
    if (!r.empty()) {
      auto params = r.Next();
      if (!params.ok() || params->tag != der_tag::kNull || !r.empty()) return std::nullopt;
    }
    return id == kRsaSha256   ? SignatureAlgorithm::kRsaPkcs1Sha256
           : id == kRsaSha384 ? SignatureAlgorithm::kRsaPkcs1Sha384
                              : SignatureAlgorithm::kRsaPkcs1Sha512;
  }
  return std::nullopt;
}

}  // namespace

Result<CertificateRequest> CertificateRequest::FromDer(std::string_view der) {
  DerReader top(der);
  auto request = EDGEID_TRY(top.Expect(der_tag::kSequence, "CSR"));
  if (!top.empty()) return InvalidArgument("trailing data after DER CSR");
  DerReader parts(request.contents);
  auto info = EDGEID_TRY(parts.Expect(der_tag::kSequence, "CSR info"));
  auto algorithm = EDGEID_TRY(parts.Expect(der_tag::kSequence, "CSR signature algorithm"));
  auto signature = EDGEID_TRY(parts.Expect(der_tag::kBitString, "CSR signature"));
  if (!parts.empty()) return InvalidArgument("CSR: unexpected data after the signature");

  DerReader fields(info.contents);
  auto version = EDGEID_TRY(fields.Expect(der_tag::kInteger, "CSR version"));
  if (version.contents != std::string_view("\x00", 1)) {
    return InvalidArgument("CSR: unsupported version (only v1 exists)");
  }
  EDGEID_TRY(fields.Expect(der_tag::kSequence, "CSR subject"));
  auto spki = EDGEID_TRY(fields.Expect(der_tag::kSequence, "CSR public key"));
  if (!fields.empty()) EDGEID_TRY(fields.Expect(der_tag::kContext0Constructed, "CSR attributes"));
  if (!fields.empty()) return InvalidArgument("CSR: unexpected data after the attributes");

  auto key = ImportPublicKey(spki.encoding);
  if (!key.ok()) return key.error().Wrap("CSR public key");
  std::string_view sig = EDGEID_TRY(DerBitStringBytes(signature, "CSR signature"));
  auto offset = [&](std::string_view part) {
    return static_cast<size_t>(part.data() - der.data());
  };
  return CertificateRequest(std::string(der), {offset(info.encoding), info.encoding.size()},
                            {offset(spki.encoding), spki.encoding.size()},
                            KnownAlgorithm(algorithm), std::string(sig), std::move(*key));
}

Result<CertificateRequest> CertificateRequest::FromPem(std::string_view pem) {
  BioPtr bio = MemoryBio(pem);
  X509ReqPtr req(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
  if (!req) {
    return OpenSslError(ErrorCode::kInvalidArgument, "no CERTIFICATE REQUEST block in PEM");
  }
  std::string der = EncodeDer(i2d_X509_REQ, req.get());
  if (der.empty()) return OpenSslError(ErrorCode::kInvalidArgument, "re-encoding CSR");
  return FromDer(der);
}

Result<CertificateRequest> CertificateRequest::Create(const PrivateKey& key,
                                                      const CsrOptions& options) {
  SignatureAlgorithm alg = key.DefaultSignatureAlgorithm();
  bool plain = options.common_name.empty() && options.uri_sans.empty() && options.dns_sans.empty();
  if (plain &&
      (alg == SignatureAlgorithm::kEcdsaSha256 || alg == SignatureAlgorithm::kEcdsaSha384 ||
       alg == SignatureAlgorithm::kRsaPkcs1Sha256)) {
    // The agent's CSRs (no subject, no extensions) are written directly: OpenSSL's X509_REQ
    // path costs several signatures' worth of time, and an agent makes one per SVID.
    std::string info = DerSequence({DerSmallInteger(0), DerTlv(der_tag::kSequence, ""),
                                    key.public_key().ToDer(), std::string_view("\xa0\x00", 2)});
    auto signature = EDGEID_TRY(key.Sign(alg, info));
    std::string der =
        DerSequence({info,
                     SignatureAlgorithmIdDer(alg != SignatureAlgorithm::kRsaPkcs1Sha256,
                                             alg == SignatureAlgorithm::kEcdsaSha384),
                     DerBitString(signature)});
    return FromDer(der);
  }
  X509ReqPtr req(X509_REQ_new());
  if (!req || X509_REQ_set_version(req.get(), 0) != 1 ||
      X509_REQ_set_pubkey(req.get(), key.get()) != 1) {
    return OpenSslError(ErrorCode::kInternal, "building CSR");
  }
  if (!options.common_name.empty()) {
    X509_NAME* name = X509_REQ_get_subject_name(req.get());
    if (X509_NAME_add_entry_by_NID(
            name, NID_commonName, MBSTRING_UTF8,
            reinterpret_cast<const unsigned char*>(options.common_name.c_str()), -1, -1, 0) != 1) {
      return OpenSslError(ErrorCode::kInvalidArgument, "CSR common name");
    }
  }
  if (!options.uri_sans.empty() || !options.dns_sans.empty()) {
    auto names = EDGEID_TRY(MakeGeneralNames(options.uri_sans, options.dns_sans));
    STACK_OF(X509_EXTENSION)* exts = sk_X509_EXTENSION_new_null();
    X509_EXTENSION* ext = X509V3_EXT_i2d(NID_subject_alt_name, 0, names.get());
    bool ok = exts && ext && sk_X509_EXTENSION_push(exts, ext) > 0;
    if (ok) ok = X509_REQ_add_extensions(req.get(), exts) == 1;
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    if (!ok) return OpenSslError(ErrorCode::kInternal, "adding CSR extensions");
  }
  const EVP_MD* md = key.public_key().key_type() == KeyType::kEcP384 ? EVP_sha384() : EVP_sha256();
  if (X509_REQ_sign(req.get(), key.get(), md) <= 0) {
    return OpenSslError(ErrorCode::kInternal, "signing CSR");
  }
  std::string der = EncodeDer(i2d_X509_REQ, req.get());
  if (der.empty()) return OpenSslError(ErrorCode::kInternal, "encoding CSR");
  return FromDer(der);
}

std::string CertificateRequest::ToPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio(bio.get(), PEM_STRING_X509_REQ, "",
                reinterpret_cast<const unsigned char*>(der_.data()),
                static_cast<long>(der_.size()));
  return MemoryBioContents(bio.get());
}

Status CertificateRequest::VerifySignature() const {
  if (algorithm_) {
    std::string_view tbs = std::string_view(der_).substr(tbs_.first, tbs_.second);
    if (!key_.Verify(*algorithm_, tbs, signature_).ok()) {
      return InvalidArgument("CSR signature does not verify");
    }
    return OkStatus();
  }
  auto req = EDGEID_TRY(ParseWithOpenSsl(der_));
  EVP_PKEY* pkey = X509_REQ_get0_pubkey(req.get());
  if (pkey == nullptr || X509_REQ_verify(req.get(), pkey) != 1) {
    return OpenSslError(ErrorCode::kInvalidArgument, "CSR signature does not verify");
  }
  return OkStatus();
}

std::vector<std::string> CertificateRequest::uri_sans() const {
  std::vector<std::string> out;
  auto req = ParseWithOpenSsl(der_);
  if (!req.ok()) return out;
  STACK_OF(X509_EXTENSION)* exts = X509_REQ_get_extensions(req->get());
  if (exts == nullptr) return out;
  int idx = X509v3_get_ext_by_NID(exts, NID_subject_alt_name, -1);
  if (idx >= 0) {
    GeneralNamesPtr names(
        static_cast<GENERAL_NAMES*>(X509V3_EXT_d2i(sk_X509_EXTENSION_value(exts, idx))));
    for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
      const GENERAL_NAME* n = sk_GENERAL_NAME_value(names.get(), i);
      if (n->type != GEN_URI) continue;
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(n->d.ia5)),
                       static_cast<size_t>(ASN1_STRING_length(n->d.ia5)));
    }
  }
  sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  return out;
}

}  // namespace edgeid::crypto
