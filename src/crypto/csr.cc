#include "crypto/csr.h"

#include <openssl/pem.h>

#include "crypto/general_names.h"

namespace edgeid::crypto {

Result<CertificateRequest> CertificateRequest::Create(const PrivateKey& key,
                                                      const CsrOptions& options) {
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
  const EVP_MD* md =
      key.family() == KeyFamily::kEc && key.public_key().key_type() == KeyType::kEcP384
          ? EVP_sha384()
          : EVP_sha256();
  if (X509_REQ_sign(req.get(), key.get(), md) <= 0) {
    return OpenSslError(ErrorCode::kInternal, "signing CSR");
  }
  return CertificateRequest(std::move(req));
}

Result<CertificateRequest> CertificateRequest::FromDer(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
  if (!req) return OpenSslError(ErrorCode::kInvalidArgument, "malformed DER CSR");
  if (p != reinterpret_cast<const unsigned char*>(der.data() + der.size())) {
    return InvalidArgument("trailing data after DER CSR");
  }
  return CertificateRequest(std::move(req));
}

Result<CertificateRequest> CertificateRequest::FromPem(std::string_view pem) {
  BioPtr bio = MemoryBio(pem);
  X509ReqPtr req(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
  if (!req) {
    return OpenSslError(ErrorCode::kInvalidArgument, "no CERTIFICATE REQUEST block in PEM");
  }
  return CertificateRequest(std::move(req));
}

std::string CertificateRequest::ToDer() const {
  unsigned char* der = nullptr;
  int len = i2d_X509_REQ(req_.get(), &der);
  if (len <= 0) return {};
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::string CertificateRequest::ToPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509_REQ(bio.get(), req_.get());
  return MemoryBioContents(bio.get());
}

Status CertificateRequest::VerifySignature() const {
  EVP_PKEY* pkey = X509_REQ_get0_pubkey(req_.get());
  if (pkey == nullptr)
    return OpenSslError(ErrorCode::kInvalidArgument, "CSR has no usable public key");
  if (X509_REQ_verify(req_.get(), pkey) != 1) {
    return OpenSslError(ErrorCode::kInvalidArgument, "CSR signature does not verify");
  }
  return OkStatus();
}

Result<PublicKey> CertificateRequest::public_key() const {
  EVP_PKEY* pkey = X509_REQ_get0_pubkey(req_.get());
  if (pkey == nullptr)
    return OpenSslError(ErrorCode::kInvalidArgument, "CSR has no usable public key");
  return PublicKey(pkey);
}

std::vector<std::string> CertificateRequest::uri_sans() const {
  std::vector<std::string> out;
  STACK_OF(X509_EXTENSION)* exts = X509_REQ_get_extensions(req_.get());
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
