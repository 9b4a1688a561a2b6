#include "crypto/private_key.h"

#include <openssl/pem.h>

#include "crypto/signature.h"

namespace edgeid::crypto {
namespace {

Status CheckSupported(EVP_PKEY* pkey) {
  PublicKey pub(pkey);
  if (pub.family() == KeyFamily::kRsa && pub.bits() < 2048) {
    return InvalidArgument("RSA keys must be at least 2048 bits, this one has " +
                           std::to_string(pub.bits()));
  }
  if (pub.family() == KeyFamily::kEc && !pub.key_type()) {
    return InvalidArgument("unsupported EC curve (expected P-256 or P-384)");
  }
  if (pub.family() == KeyFamily::kOther) {
    return InvalidArgument("unsupported key type (expected EC P-256, P-384 or RSA)");
  }
  return OkStatus();
}

}  // namespace

PrivateKey::PrivateKey(EVP_PKEY* pkey) : pkey_(pkey) {
  EVP_PKEY_up_ref(pkey);
}
PrivateKey::PrivateKey(const PrivateKey& other) : PrivateKey(other.pkey_.get()) {}
PrivateKey& PrivateKey::operator=(const PrivateKey& other) {
  if (this != &other) {
    EVP_PKEY_up_ref(other.pkey_.get());
    pkey_.reset(other.pkey_.get());
  }
  return *this;
}

Result<PrivateKey> PrivateKey::Generate(KeyType type) {
  EVP_PKEY* raw = nullptr;
  switch (type) {
    case KeyType::kEcP256:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      break;
    case KeyType::kEcP384:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
      break;
    case KeyType::kRsa2048:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048});
      break;
    case KeyType::kRsa3072:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{3072});
      break;
    case KeyType::kRsa4096:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{4096});
      break;
  }
  if (!raw) {
    return OpenSslError(ErrorCode::kInternal,
                        "generating " + std::string(KeyTypeName(type)) + " key");
  }
  EvpPkeyPtr pkey(raw);
  return PrivateKey(pkey.get());
}

Result<PrivateKey> PrivateKey::FromPem(std::string_view pem) {
  BioPtr bio = MemoryBio(pem);
  // An empty passphrase callback makes encrypted keys fail instead of prompting on a terminal.
  auto no_passphrase = [](char*, int, int, void*) { return 0; };
  EvpPkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!pkey) {
    return OpenSslError(ErrorCode::kInvalidArgument, "no readable unencrypted private key in PEM");
  }
  EDGEID_RETURN_IF_ERROR(CheckSupported(pkey.get()));
  return PrivateKey(pkey.get());
}

Result<PrivateKey> PrivateKey::FromDer(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  EvpPkeyPtr pkey(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size())));
  if (!pkey) return OpenSslError(ErrorCode::kInvalidArgument, "malformed DER private key");
  EDGEID_RETURN_IF_ERROR(CheckSupported(pkey.get()));
  return PrivateKey(pkey.get());
}

Result<std::string> PrivateKey::ToPkcs8Der() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (i2d_PKCS8PrivateKey_bio(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return OpenSslError(ErrorCode::kInternal, "encoding PKCS#8 private key");
  }
  return MemoryBioContents(bio.get());
}

Result<std::string> PrivateKey::ToPkcs8Pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr,
                                    nullptr) != 1) {
    return OpenSslError(ErrorCode::kInternal, "encoding PKCS#8 private key");
  }
  return MemoryBioContents(bio.get());
}

SignatureAlgorithm PrivateKey::DefaultSignatureAlgorithm() const {
  return public_key().DefaultSignatureAlgorithm();
}

Result<std::string> PrivateKey::Sign(SignatureAlgorithm alg, std::string_view data) const {
  KeyFamily want = IsEcdsa(alg) ? KeyFamily::kEc : KeyFamily::kRsa;
  if (family() != want) return InvalidArgument("signature algorithm does not match the key type");
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, DigestFor(alg), nullptr, pkey_.get()) != 1) {
    return OpenSslError(ErrorCode::kInternal, "initialising signing");
  }
  if (IsRsaPss(alg) && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
                        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) {
    return OpenSslError(ErrorCode::kInternal, "configuring RSA-PSS");
  }
  const auto* in = reinterpret_cast<const unsigned char*>(data.data());
  size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, in, data.size()) != 1) {
    return OpenSslError(ErrorCode::kInternal, "sizing signature");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in,
                     data.size()) != 1) {
    return OpenSslError(ErrorCode::kInternal, "signing");
  }
  sig.resize(len);
  return sig;
}

Result<std::string> PrivateKey::SignDigest(std::string_view digest) const {
  if (family() != KeyFamily::kEc) return InvalidArgument("digest signing needs an EC key");
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey_.get(), nullptr));
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1) {
    return OpenSslError(ErrorCode::kInternal, "initialising digest signing");
  }
  const auto* in = reinterpret_cast<const unsigned char*>(digest.data());
  size_t len = 0;
  if (EVP_PKEY_sign(ctx.get(), nullptr, &len, in, digest.size()) != 1) {
    return OpenSslError(ErrorCode::kInternal, "sizing the digest signature");
  }
  std::string sig(len, '\0');
  if (EVP_PKEY_sign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in,
                    digest.size()) != 1) {
    return OpenSslError(ErrorCode::kInternal, "signing the digest");
  }
  sig.resize(len);
  return sig;
}

}  // namespace edgeid::crypto
