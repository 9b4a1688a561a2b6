#include "crypto/signature.h"

#include <openssl/ecdsa.h>

namespace edgeid::crypto {

const EVP_MD* DigestFor(SignatureAlgorithm alg) {
  switch (alg) {
    case SignatureAlgorithm::kEcdsaSha256:
    case SignatureAlgorithm::kRsaPkcs1Sha256:
    case SignatureAlgorithm::kRsaPssSha256:
      return EVP_sha256();
    case SignatureAlgorithm::kEcdsaSha384:
    case SignatureAlgorithm::kRsaPkcs1Sha384:
    case SignatureAlgorithm::kRsaPssSha384:
      return EVP_sha384();
    case SignatureAlgorithm::kEcdsaSha512:
    case SignatureAlgorithm::kRsaPkcs1Sha512:
    case SignatureAlgorithm::kRsaPssSha512:
      return EVP_sha512();
  }
  return EVP_sha256();
}

bool IsEcdsa(SignatureAlgorithm alg) {
  return alg == SignatureAlgorithm::kEcdsaSha256 || alg == SignatureAlgorithm::kEcdsaSha384 ||
         alg == SignatureAlgorithm::kEcdsaSha512;
}

bool IsRsaPss(SignatureAlgorithm alg) {
  return alg == SignatureAlgorithm::kRsaPssSha256 || alg == SignatureAlgorithm::kRsaPssSha384 ||
         alg == SignatureAlgorithm::kRsaPssSha512;
}

Result<std::string> EcdsaDerToRaw(std::string_view der, size_t coordinate_size) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return OpenSslError(ErrorCode::kInvalidArgument, "malformed ECDSA signature");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string raw(2 * coordinate_size, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(r, out, static_cast<int>(coordinate_size)) < 0 ||
      BN_bn2binpad(s, out + coordinate_size, static_cast<int>(coordinate_size)) < 0) {
    return InvalidArgument("ECDSA signature value larger than the curve");
  }
  return raw;
}

Result<std::string> EcdsaRawToDer(std::string_view raw) {
  if (raw.empty() || raw.size() % 2 != 0) {
    return InvalidArgument("ECDSA signature has odd or zero length");
  }
  size_t half = raw.size() / 2;
  const auto* in = reinterpret_cast<const unsigned char*>(raw.data());
  BignumPtr r(BN_bin2bn(in, static_cast<int>(half), nullptr));
  BignumPtr s(BN_bin2bn(in + half, static_cast<int>(half), nullptr));
  EcdsaSigPtr sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
    return OpenSslError(ErrorCode::kInternal, "building ECDSA signature");
  }
  // ECDSA_SIG_set0 took ownership of both numbers.
  (void)r.release();
  (void)s.release();
  std::string der = EncodeDer(i2d_ECDSA_SIG, sig.get());
  if (der.empty()) return OpenSslError(ErrorCode::kInternal, "encoding ECDSA signature");
  return der;
}

}  // namespace edgeid::crypto
